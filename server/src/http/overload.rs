//! At most `limits.max_concurrent_requests` requests are handled at once; one more is told to
//! come back (`503` with `Retry-After`) at once, instead of queueing until every client times
//! out.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::app::AppState;

/// The middleware.
pub async fn limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Ok(permit) = app.requests.clone().try_acquire_owned() else {
        tracing::warn!(
            "request shed: as many requests as limits.max_concurrent_requests are running"
        );
        return ApiError::with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is handling as many requests as it may; retry shortly",
        )
        .into_response();
    };
    let response = next.run(req).await;
    // A streamed body (a page of features) runs on after this; the permit covers the
    // handler, which is where the database connection is taken.
    drop(permit);
    response
}
