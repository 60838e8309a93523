//! OGC API – Tiles: the tilesets of a collection and of all collections, their tiles (level,
//! row, column), and the tile matrix sets.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rummet_core::TileMatrixSet;

use super::collection;
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::auth::Caller;
use crate::http::base_url::base_url;
use crate::http::document::document;
use crate::ogc::{OgcError, tms};

fn matrix_set(id: &str) -> Result<TileMatrixSet, OgcError> {
    TileMatrixSet::parse(id)
        .ok_or_else(|| OgcError::UnknownTileMatrixSet(id.chars().take(64).collect()))
}

/// `/tileMatrixSets`.
pub async fn matrix_sets(State(app): State<AppState>, headers: HeaderMap) -> Response {
    document(
        &headers,
        &tms::list(&base_url(&app.config, &headers)),
        "application/json",
    )
}

/// `/tileMatrixSets/{id}`.
pub async fn matrix_set_definition(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let set = matrix_set(&id)?;
    Ok(document(
        &headers,
        &tms::definition(&base_url(&app.config, &headers), set),
        "application/json",
    ))
}

/// `/collections/{id}/tiles`.
pub async fn collection_tilesets(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ds = collection(&app, &caller, &id)?;
    let base = base_url(&app.config, &headers);
    Ok(document(
        &headers,
        &tms::tilesets(&base, &[ds], false),
        "application/json",
    ))
}

/// `/collections/{id}/tiles/{tms}`.
pub async fn collection_tileset(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, set)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ds = collection(&app, &caller, &id)?;
    let set = matrix_set(&set)?;
    let base = base_url(&app.config, &headers);
    Ok(document(
        &headers,
        &tms::tileset(&base, &[ds], set, false),
        "application/json",
    ))
}

/// `/collections/{id}/tiles/{tms}/{tileMatrix}/{tileRow}/{tileCol}`.
pub async fn collection_tile(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, set, level, row, col)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ds = collection(&app, &caller, &id)?;
    let set = matrix_set(&set)?;
    crate::http::tiles::ogc_tile(
        &app,
        &caller,
        std::slice::from_ref(&ds.id),
        set,
        (&level, &row, &col),
        &headers,
    )
    .await
}

/// `/tiles`: the tilesets of every collection together.
pub async fn all_tilesets(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&app.config, &headers);
    document(
        &headers,
        &tms::tilesets(&base, &app.datasets.all(caller.viewer()), true),
        "application/json",
    )
}

/// `/tiles/{tms}`: the tileset of every collection in one matrix set.
pub fn all_tileset(
    app: &AppState,
    caller: &Caller,
    set: TileMatrixSet,
    headers: &HeaderMap,
) -> Response {
    let base = base_url(&app.config, headers);
    document(
        headers,
        &tms::tileset(&base, &app.datasets.all(caller.viewer()), set, true),
        "application/json",
    )
}
