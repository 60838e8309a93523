//! `/` (negotiated: the atlas for browsers, the landing page for OGC clients), `/conformance`,
//! `/api` (the `OpenAPI` document) and `/api.html`.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};

use super::{query_pairs, wants_html};
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::base_url::base_url;
use crate::http::document::document;
use crate::ogc::documents;

/// `/`: HTML for a browser, the OGC landing page as JSON for `Accept: application/json` or
/// `?f=json` (QGIS, GDAL and `OWSLib` ask so).
pub async fn root(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = query_pairs(query.as_deref());
    if let Some((_, f)) = params.iter().find(|(k, _)| k == "f")
        && !matches!(f.as_str(), "json" | "html")
    {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("f={f:?} is not offered; use json or html"),
        ));
    }
    if wants_html(&params, &headers) {
        return Ok(crate::http::atlas::page(&app.config, &headers));
    }
    let base = base_url(&app.config, &headers);
    Ok(document(
        &headers,
        &documents::landing(&base),
        "application/json",
    ))
}

/// `/conformance`: the classes that pass.
pub async fn conformance(headers: HeaderMap) -> Response {
    document(&headers, &documents::conformance(), "application/json")
}

/// `/api`: the `OpenAPI` 3.0 document, as QGIS and GDAL read it.
pub async fn api(
    State(app): State<AppState>,
    caller: crate::http::auth::Caller,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&app.config, &headers);
    document(
        &headers,
        &crate::http::openapi::build(&app, &base, caller.viewer()),
        documents::OPENAPI_TYPE,
    )
}

/// `/api.html`: where the API is described, for a person.
pub async fn api_html() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rummet API</title></head>\
         <body><h1>Rummet API</h1><ul>\
         <li><a href=\"api\">OpenAPI 3.0 document</a> (every route, every collection's items with its queryables)</li>\
         <li><a href=\"conformance\">conformance classes</a></li>\
         <li><a href=\"collections?f=html\">collections</a></li>\
         <li><a href=\"tileMatrixSets\">tile matrix sets</a></li>\
         </ul></body></html>",
    )
}
