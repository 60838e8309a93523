//! `GET /api/stats/{dataset}`, `POST /api/stats/{dataset}/area`,
//! `GET /api/stats/{dataset}/border`: extract, ask the statistics service, send its bytes.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::auth::Caller;
use crate::app::AppState;
use crate::stats::{Rendered, StatsError};

/// Largest request body a drawn area may have.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

type QueryParams = RawQuery;
type DatasetPath = Result<Path<String>, PathRejection>;

/// The query string as a map; a parameter given twice or holding a NUL character is refused
/// (which of two values was meant cannot be guessed, and PostgreSQL text cannot hold NUL).
fn params(RawQuery(query): QueryParams) -> Result<BTreeMap<String, String>, ApiError> {
    let mut map = BTreeMap::new();
    // `key` is an API key (read by `http::auth`), not a question's parameter.
    for (name, value) in super::ogc::query_pairs(query.as_deref())
        .into_iter()
        .filter(|(name, _)| name != "key")
    {
        if name.contains('\0') || value.contains('\0') {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!(
                    "parameter {:?} holds a NUL character",
                    name.replace('\0', "\\0")
                ),
            ));
        }
        if map.contains_key(&name) {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!("{name} is given twice"),
            ));
        }
        map.insert(name, value);
    }
    Ok(map)
}

fn dataset(path: DatasetPath) -> Result<String, ApiError> {
    path.map(|Path(d)| d)
        .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))
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
    caller: Caller,
    path: DatasetPath,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let dataset = dataset(path)?;
    Ok(respond(
        app.stats
            .by_division(&dataset, params(query)?, caller.viewer())
            .await?,
    ))
}

/// The units of a division, for a map's region picker.
pub async fn units(
    State(app): State<AppState>,
    caller: Caller,
    path: DatasetPath,
) -> Result<Response, ApiError> {
    let division = dataset(path)?;
    Ok(respond(app.stats.units(&division, caller.viewer()).await?))
}

/// Statistics inside a drawn polygon.
pub async fn in_area(
    State(app): State<AppState>,
    caller: Caller,
    path: DatasetPath,
    query: QueryParams,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let dataset = dataset(path)?;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    // No type at all is read as GeoJSON; a form or text body is a client mistake to name.
    if !matches!(essence, "" | "application/geo+json" | "application/json") {
        return Err(ApiError::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "the area must be GeoJSON sent as application/geo+json or application/json, not {kind:?}"
            ),
        ));
    }
    let body = body.map_err(|e| {
        StatsError::TooLarge(format!(
            "the body could not be read ({}); at most {} MiB",
            e.body_text(),
            MAX_BODY_BYTES / 1024 / 1024
        ))
    })?;
    Ok(respond(
        app.stats
            .in_area(&dataset, params(query)?, &body, caller.viewer())
            .await?,
    ))
}

/// Statistics either side of a border.
pub async fn at_border(
    State(app): State<AppState>,
    caller: Caller,
    path: DatasetPath,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let dataset = dataset(path)?;
    Ok(respond(
        app.stats
            .at_border(&dataset, params(query)?, caller.viewer())
            .await?,
    ))
}

/// The service datasets with accessibility, and their service types.
pub async fn access_list(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    Ok(respond(app.stats.access_list(caller.viewer()).await?))
}

/// People within a travel time of the nearest service, per unit.
pub async fn access(
    State(app): State<AppState>,
    caller: Caller,
    path: DatasetPath,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let dataset = dataset(path)?;
    Ok(respond(
        app.stats
            .access(&dataset, params(query)?, caller.viewer())
            .await?,
    ))
}

/// `{dataset}/{service}/{z}/{x}/{y}.mvt` of a travel-time tile.
type AccessTilePath = Result<Path<(String, String, String, String, String)>, PathRejection>;

/// The travel-time grid as a vector tile (`/tiles/access/{dataset}/{service}/{z}/{x}/{y}.mvt`).
/// An empty tile is 204, as for every other tile.
pub async fn access_tile(
    State(app): State<AppState>,
    caller: Caller,
    path: AccessTilePath,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let Path((dataset, service, z, x, file)) =
        path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    let (y, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    if !matches!(ext, "mvt" | "pbf") {
        return Err(crate::tiles::TileError::Format(ext.chars().take(16).collect()).into());
    }
    let coord = rummet_core::TileCoord::parse(&z, &x, y).map_err(crate::tiles::TileError::from)?;
    let (tile, public) = app
        .stats
        .access_tile(
            &dataset,
            &service,
            (coord.z, coord.x, coord.y),
            params(query)?,
            caller.viewer(),
        )
        .await?;
    if tile.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
            ),
            // Recomputed by a load of the services, the network or the population: a
            // minute's caching; a dataset that is not public only in the asker's browser.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(if public {
                    "public, max-age=60"
                } else {
                    "private, max-age=60"
                }),
            ),
            (
                header::VARY,
                HeaderValue::from_static("Accept-Encoding, Authorization"),
            ),
        ],
        tile,
    )
        .into_response())
}
