//! `GET /health` (the process is alive) and `GET /ready` (the database answers).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::ApiError;
use crate::app::AppState;
use crate::db::QueryError;

/// Always 200 while the process serves HTTP.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 when a query round-trips within the pool wait; 503 with `Retry-After` otherwise.
pub async fn ready(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    let wait = Duration::from_millis(app.config.db.pool_wait_ms + app.config.db.connect_timeout_ms);
    let check = async {
        let client = app.pool.get().await?;
        client.query_one("SELECT 1", &[]).await?;
        Ok::<_, QueryError>(())
    };
    tokio::time::timeout(wait, check)
        .await
        .map_err(|_| QueryError::Unavailable("readiness check timed out".into()))??;
    Ok(Json(
        json!({"status": "ready", "datasets": app.datasets.count()}),
    ))
}
