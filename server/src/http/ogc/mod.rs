//! The OGC API front door: landing page, conformance, `OpenAPI`, collections, items,
//! queryables and tiles. Handlers only extract, call [`crate::ogc`] and convert.

pub mod collections;
pub mod common;
pub mod items;
pub mod tiles;

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use rummet_core::DatasetId;

use crate::app::AppState;
use crate::datasets::Dataset;
use crate::ogc::OgcError;

/// The query string as name/value pairs, in order, percent-decoded.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query.map_or_else(Vec::new, |q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
}

/// The `Accept` header, or empty.
pub(crate) fn accept(headers: &HeaderMap) -> &str {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The serving version of collection `id`; malformed and unknown ids are both 404, as a
/// collection that does not exist.
pub(crate) fn collection(
    app: &AppState,
    caller: &crate::http::auth::Caller,
    id: &str,
) -> Result<Arc<Dataset>, OgcError> {
    DatasetId::parse(id)
        .ok()
        .and_then(|id| app.datasets.get(&id, caller.viewer()))
        .ok_or_else(|| OgcError::UnknownCollection(id.chars().take(64).collect()))
}

/// Whether the client asked for HTML: `f=html`, or a browser's `Accept` without `f`.
pub(crate) fn wants_html(params: &[(String, String)], headers: &HeaderMap) -> bool {
    match params.iter().find(|(k, _)| k == "f") {
        Some((_, f)) => f == "html",
        None => crate::ogc::items::negotiate(accept(headers)) == crate::ogc::items::Format::Html,
    }
}
