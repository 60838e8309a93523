//! A request whose response has not started within `limits.request_timeout_ms` is answered
//! `503` with `Retry-After`. It is the server that took too long, almost always waiting on a
//! database that has stalled (a frozen PostgreSQL cannot enforce its own statement timeout),
//! so the client is told to come back, not that its request was at fault (`408`).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::app::AppState;

/// The middleware.
pub async fn deadline(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let limit_ms = app.config.limits.request_timeout_ms;
    let limit = std::time::Duration::from_millis(limit_ms);
    if let Ok(response) = tokio::time::timeout(limit, next.run(req)).await {
        return response;
    }
    tracing::warn!(limit_ms, "no response within the request timeout");
    ApiError::with_status(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!(
            "no answer within {limit_ms} ms: the database is slow or unavailable; retry shortly"
        ),
    )
    .into_response()
}
