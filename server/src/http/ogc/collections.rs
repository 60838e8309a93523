//! `/collections`, `/collections/{id}` and `/collections/{id}/queryables`.

use std::fmt::Write as _;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::{collection, query_pairs, wants_html};
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::auth::Caller;
use crate::http::base_url::base_url;
use crate::http::document::document;
use crate::ogc::documents;
use crate::ogc::items::html_escape;

/// Every loaded dataset as a collection.
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&app.config, &headers);
    let doc = documents::collections(&base, &app.datasets.all(caller.viewer()));
    if wants_html(&query_pairs(query.as_deref()), &headers) {
        return html(&doc["collections"]);
    }
    document(&headers, &doc, "application/json")
}

/// One collection.
pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = collection(&app, &caller, &id)?;
    let base = base_url(&app.config, &headers);
    let doc = documents::collection(&base, &dataset);
    if wants_html(&query_pairs(query.as_deref()), &headers) {
        return Ok(html(&Value::Array(vec![doc])));
    }
    Ok(document(&headers, &doc, "application/json"))
}

/// The fields a filter may name, as JSON Schema.
pub async fn queryables(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = collection(&app, &caller, &id)?;
    let base = base_url(&app.config, &headers);
    Ok(document(
        &headers,
        &documents::queryables(&base, &dataset),
        "application/schema+json",
    ))
}

/// Collections as an HTML list for a person.
fn html(collections: &Value) -> Response {
    let mut out = String::from(
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Rummet: collections</title></head><body><h1>Collections</h1><dl>",
    );
    for c in collections.as_array().into_iter().flatten() {
        let id = c["id"].as_str().unwrap_or_default();
        let _ = write!(
            out,
            "<dt><a href=\"/collections/{id}/items?f=html\">{}</a> ({} features)</dt><dd>{}<br>{} · {}</dd>",
            html_escape(c["title"].as_str().unwrap_or_default()),
            c["itemCount"],
            html_escape(c["description"].as_str().unwrap_or_default()),
            html_escape(c["attribution"].as_str().unwrap_or_default()),
            html_escape(c["license"].as_str().unwrap_or_default()),
        );
    }
    out.push_str("</dl></body></html>");
    Html(out).into_response()
}
