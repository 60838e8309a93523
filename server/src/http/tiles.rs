//! `GET /tiles/{dataset}/{z}/{x}/{y}.mvt` and `GET /tiles/{dataset}.json`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rummet_core::{DatasetId, TileCoord};

use super::ApiError;
use super::base_url::base_url;
use crate::app::AppState;
use crate::tiles::{TileError, tilejson};

const MVT: &str = "application/vnd.mapbox-vector-tile";

/// One tile. Empty tiles are 204; a matching `If-None-Match` is 304.
pub async fn tile(
    State(app): State<AppState>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((dataset, z, x, file)) =
        path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    let id = DatasetId::parse(&dataset).map_err(TileError::from)?;
    let (y, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    if !matches!(ext, "mvt" | "pbf") {
        return Err(TileError::Format(ext.chars().take(16).collect()).into());
    }
    let coord = TileCoord::parse(&z, &x, y).map_err(TileError::from)?;
    let tile = app.tiles.tile(&id, coord).await?;
    let cache_control = HeaderValue::from_str(&app.config.tiles.cache_control)
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
    let etag =
        HeaderValue::from_str(&tile.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == &*tile.etag || t.trim() == "*")
        });
    let common = [(header::ETAG, etag), (header::CACHE_CONTROL, cache_control)];
    Ok(if matches {
        (StatusCode::NOT_MODIFIED, common).into_response()
    } else if tile.data.is_empty() {
        (StatusCode::NO_CONTENT, common).into_response()
    } else {
        (
            common,
            [(header::CONTENT_TYPE, HeaderValue::from_static(MVT))],
            tile.data,
        )
            .into_response()
    })
}

/// `TileJSON` 3.0 for `/tiles/{dataset}.json`.
pub async fn tilejson_doc(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    let Some(dataset) = name.strip_suffix(".json") else {
        return Err(ApiError::not_found(
            "not_found",
            "use /tiles/{dataset}.json for TileJSON or /tiles/{dataset}/{z}/{x}/{y}.mvt for tiles",
        ));
    };
    let id = DatasetId::parse(dataset).map_err(TileError::from)?;
    let ds = app
        .datasets
        .get(&id)
        .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
    Ok(Json(tilejson(&ds, &base_url(&app.config, &headers))).into_response())
}
