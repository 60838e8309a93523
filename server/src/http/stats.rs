//! `GET /api/stats/{dataset}`, `POST /api/stats/{dataset}/area`,
//! `GET /api/stats/{dataset}/border`: extract, ask the statistics service, send its bytes.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::app::AppState;
use crate::stats::{Rendered, StatsError};

/// Largest request body a drawn area may have.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

type QueryParams = Result<Query<BTreeMap<String, String>>, QueryRejection>;

fn params(query: QueryParams) -> Result<BTreeMap<String, String>, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("invalid_parameter", e.body_text()))
}

fn respond(rendered: Rendered) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(rendered.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        rendered.body,
    )
        .into_response()
}

/// Statistics per unit of a division.
pub async fn by_division(
    State(app): State<AppState>,
    Path(dataset): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    Ok(respond(
        app.stats.by_division(&dataset, params(query)?).await?,
    ))
}

/// Statistics inside a drawn polygon.
pub async fn in_area(
    State(app): State<AppState>,
    Path(dataset): Path<String>,
    query: QueryParams,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        StatsError::TooLarge(format!(
            "the body could not be read ({}); at most {} MiB",
            e.body_text(),
            MAX_BODY_BYTES / 1024 / 1024
        ))
    })?;
    Ok(respond(
        app.stats.in_area(&dataset, params(query)?, &body).await?,
    ))
}

/// Statistics either side of a border.
pub async fn at_border(
    State(app): State<AppState>,
    Path(dataset): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    Ok(respond(
        app.stats.at_border(&dataset, params(query)?).await?,
    ))
}
