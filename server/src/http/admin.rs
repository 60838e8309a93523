//! Who a key is, the audit trail, and what operators do over HTTP with an `admin` key
//! (`/api/admin/...`): the same operations as the command line, through the same code, each
//! written to the audit trail.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use rummet_core::DatasetId;
use serde_json::json;

use super::ApiError;
use super::auth::Caller;
use crate::access::{self, Outcome, Scope};
use crate::app::AppState;
use crate::tiles::TileError;

/// `GET /metrics` (`metrics.path`): Prometheus text, or `404` when `metrics.enabled` is off.
pub async fn metrics(State(app): State<AppState>) -> Result<Response, ApiError> {
    if !app.config.metrics.enabled {
        return Err(ApiError::not_found(
            "not_found",
            "metrics are off (metrics.enabled)",
        ));
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        crate::metrics::render(&app),
    )
        .into_response())
}

/// `GET /api/whoami`: the key's organisation, id and scope.
pub async fn whoami(caller: Caller) -> Result<Response, ApiError> {
    let principal = caller.require(Scope::Read)?;
    Ok(Json(principal).into_response())
}

/// `GET /api/audit?limit=&organisation=`: the newest writes first (`admin`).
pub async fn audit(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Scope::Admin)?;
    let mut limit = 100;
    let mut organisation = None;
    for (name, value) in super::ogc::query_pairs(query.as_deref()) {
        match name.as_str() {
            "limit" => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=10_000).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_parameter",
                            format!("limit={value:?} is not a number from 1 to 10000"),
                        )
                    })?;
            }
            "organisation" => organisation = Some(value),
            "key" => {}
            other => {
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("unknown parameter {other:?}; this endpoint takes limit, organisation"),
                ));
            }
        }
    }
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let entries = access::audit_list(&**client, organisation.as_deref(), limit).await?;
    Ok(Json(json!({ "entries": entries })).into_response())
}

/// `POST /api/admin/datasets/{id}/purge`: drops a dataset's stored and cached tiles on
/// every server (`admin`).
pub async fn purge(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = caller.require(Scope::Admin)?;
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let target = DatasetId::parse(&id)
        .ok()
        .filter(|id| app.datasets.get_any(id).is_some());
    let Some(dataset) = target else {
        access::audit_record(
            &**client,
            Some(principal),
            "",
            ("dataset.purge", &id),
            Outcome::Refused,
            &json!({"reason": "unknown dataset"}),
        )
        .await?;
        return Err(TileError::UnknownDataset(id).into());
    };
    let deleted = crate::tiles::purge(&client, dataset.as_str()).await?;
    app.tiles.cache().invalidate_dataset(&dataset);
    access::audit_record(
        &**client,
        Some(principal),
        "",
        ("dataset.purge", dataset.as_str()),
        Outcome::Done,
        &json!({"stored_tiles_deleted": deleted}),
    )
    .await?;
    Ok(Json(json!({"dataset": dataset.as_str(), "stored_tiles_deleted": deleted})).into_response())
}
