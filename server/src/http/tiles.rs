//! `GET /tiles/{dataset}/{z}/{x}/{y}.mvt` and `GET /tiles/{dataset}.json`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rummet_core::{DatasetId, TileCoord, TileMatrixSet};

use super::ApiError;
use super::auth::Caller;
use super::base_url::base_url;
use crate::access::Visibility;
use crate::app::AppState;
use crate::tiles::{Encoding, Tile, TileError, tilejson};

const MVT: &str = "application/vnd.mapbox-vector-tile";

/// One tile. Empty tiles are 204; a matching `If-None-Match` is 304.
pub async fn tile(
    State(app): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((dataset, z, x, file)) =
        path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    // `/tiles/{tileMatrixSet}/{tileMatrix}/{tileRow}/{tileCol}`: OGC API – Tiles' tile of
    // every collection (a set id is never a dataset id: those are lower case).
    if let Some(tms) = TileMatrixSet::parse(&dataset) {
        let ids: Vec<DatasetId> = app
            .datasets
            .all(caller.viewer())
            .iter()
            .map(|d| d.id.clone())
            .collect();
        return ogc_tile(&app, &caller, &ids, tms, (&z, &x, &file), &headers).await;
    }
    let ids = parse_layers(&dataset)?;
    let (y, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    if !matches!(ext, "mvt" | "pbf") {
        return Err(TileError::Format(ext.chars().take(16).collect()).into());
    }
    let coord = TileCoord::parse(&z, &x, y).map_err(TileError::from)?;
    serve_tile(
        &app,
        &caller,
        &ids,
        TileMatrixSet::WebMercatorQuad,
        coord,
        &headers,
    )
    .await
}

/// The tile `coord` of `ids` in `tms` as a response, with its `Cache-Control`: a single
/// dataset may set its own, a composite uses the server's default, and a tile holding any
/// dataset that is not public is `private` (no shared cache or CDN may keep it).
async fn serve_tile(
    app: &AppState,
    caller: &Caller,
    ids: &[DatasetId],
    tms: TileMatrixSet,
    coord: TileCoord,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let viewer = caller.viewer();
    let tile = Box::pin(app.tiles.composite(ids, tms, coord, viewer)).await?;
    let layers: Vec<_> = ids
        .iter()
        .filter_map(|id| app.datasets.get(id, viewer))
        .collect();
    if layers.iter().any(|d| d.visibility != Visibility::Public) {
        // The answer depends on the key: a browser must not reuse it for another (or none).
        let mut response = tile_response(&tile, headers, "private, max-age=60");
        response.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Accept-Encoding, Authorization"),
        );
        return Ok(response);
    }
    let own = match layers.as_slice() {
        [one] => one.cache_control.clone(),
        _ => None,
    };
    let cache_control = own.as_deref().unwrap_or(&app.config.tiles.cache_control);
    Ok(tile_response(&tile, headers, cache_control))
}

/// A tile of `ids` in `tms` addressed as OGC does (level, row, column), with the same
/// caching, encodings and validators as an XYZ tile.
pub(super) async fn ogc_tile(
    app: &AppState,
    caller: &Caller,
    ids: &[DatasetId],
    tms: TileMatrixSet,
    (level, row, col): (&str, &str, &str),
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    // Clients may name the format: `…/{tileCol}.mvt` or `?f=mvt`.
    let col = col
        .strip_suffix(".mvt")
        .or_else(|| col.strip_suffix(".pbf"))
        .unwrap_or(col);
    let coord = tms.coord(level, row, col).map_err(TileError::from)?;
    if ids.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let ids = &ids[..ids.len().min(MAX_LAYERS)];
    serve_tile(app, caller, ids, tms, coord, headers).await
}

/// Most datasets one composite tile may combine.
const MAX_LAYERS: usize = 16;

/// `kommun` or `kommun,lan,fa`: one dataset, or several as layers of one tile.
fn parse_layers(segment: &str) -> Result<Vec<DatasetId>, TileError> {
    let ids = segment
        .split(',')
        .map(DatasetId::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if ids.len() > MAX_LAYERS {
        return Err(TileError::Composite(format!(
            "a composite tile combines at most {MAX_LAYERS} datasets"
        )));
    }
    if let Some(twice) = ids
        .iter()
        .enumerate()
        .find(|(i, id)| ids[..*i].contains(id))
        .map(|(_, id)| id)
    {
        return Err(TileError::Composite(format!(
            "dataset {twice} is named twice"
        )));
    }
    Ok(ids)
}

/// The response for `tile`: 304 when `If-None-Match` names it, 204 when empty, else the body
/// in the best encoding the client accepts, precompressed. `Vary: Accept-Encoding` always, so
/// caches and CDNs keep the encodings apart.
fn tile_response(tile: &Tile, headers: &HeaderMap, cache_control: &str) -> Response {
    let encoding = Encoding::negotiate(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let cache_control = HeaderValue::from_str(cache_control)
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
    let etag = HeaderValue::from_str(&tile.etag(encoding))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| tile.matches(v, encoding));
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache_control),
        (header::VARY, HeaderValue::from_static("Accept-Encoding")),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    if tile.is_empty() {
        return (StatusCode::NO_CONTENT, common).into_response();
    }
    let body = tile.body(encoding);
    metrics::counter!("rummet_tile_bytes_total").increment(body.len() as u64);
    let mut response = (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static(MVT))],
        body,
    )
        .into_response();
    if let Some(coding) = encoding.header() {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// `TileJSON` 3.0 for `/tiles/{dataset}.json`.
pub async fn tilejson_doc(
    State(app): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    if let Some(tms) = TileMatrixSet::parse(&name) {
        return Ok(super::ogc::tiles::all_tileset(&app, &caller, tms, &headers));
    }
    let Some(dataset) = name.strip_suffix(".json") else {
        return Err(ApiError::not_found(
            "not_found",
            "use /tiles/{dataset}.json for TileJSON or /tiles/{dataset}/{z}/{x}/{y}.mvt for tiles",
        ));
    };
    let layers = parse_layers(dataset)?
        .iter()
        .map(|id| {
            app.datasets
                .get(id, caller.viewer())
                .ok_or_else(|| TileError::UnknownDataset(id.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut doc = tilejson(&layers, &base_url(&app.config, &headers));
    if let Some(tiles) = doc
        .get_mut("tiles")
        .and_then(serde_json::Value::as_array_mut)
    {
        for url in tiles.iter_mut() {
            if let Some(text) = url.as_str() {
                *url = serde_json::Value::String(caller.link(text));
            }
        }
    }
    Ok(super::document::document(
        &headers,
        &doc,
        "application/json",
    ))
}
