//! JSON documents (collections, TileJSON, styles, the catalog, OpenAPI) with a validator:
//! an `ETag` from the bytes, so it changes whenever a version does and is equal on every
//! replica, `Cache-Control: no-cache` so clients revalidate, and `304` on `If-None-Match`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `value` as a response of `content_type`, or `304` when the client holds it already.
pub fn document(headers: &HeaderMap, value: &Value, content_type: &'static str) -> Response {
    bytes_document(headers, value.to_string().into_bytes(), content_type)
}

/// `body` as a response of `content_type`, or `304` when the client holds it already.
pub fn bytes_document(headers: &HeaderMap, body: Vec<u8>, content_type: &'static str) -> Response {
    let etag = format!("\"d{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag
            })
        });
    let common = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\"")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::VARY, HeaderValue::from_static("Accept")),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
