//! What every request leaves behind for an operator: its id (`x-request-id`, taken when a
//! proxy sent a sane one, else made; returned, and in every log line of the request through
//! the request span), and its count and latency by route template and status in the metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header carrying a request's id.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request slower than this is logged at WARN with its route and id.
const SLOW_SECS: f64 = 2.0;

/// The id a proxy sent, when it is short printable ASCII; else a new one.
fn request_id(req: &Request) -> HeaderValue {
    req.headers()
        .get(&REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty() && b.len() <= 128 && b.iter().all(u8::is_ascii_graphic)
        })
        .cloned()
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            // A clock-derived id still tells requests apart if the random source fails.
            if getrandom::fill(&mut bytes).is_err() {
                bytes = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
                    .to_le_bytes()[..8]
                    .try_into()
                    .unwrap_or_default();
            }
            HeaderValue::from_str(&hex::encode(bytes))
                .unwrap_or_else(|_| HeaderValue::from_static("0"))
        })
}

/// Gives the request its id before the trace span is made (outermost), and returns it.
pub async fn with_id(mut req: Request, next: Next) -> Response {
    let id = request_id(&req);
    req.headers_mut().insert(&REQUEST_ID, id.clone());
    let mut response = next.run(req).await;
    response.headers_mut().insert(&REQUEST_ID, id);
    response
}

/// Counts the request by route template, method and status, and times it.
pub async fn measure(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::counter!("rummet_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("rummet_http_request_duration_seconds", "route" => route.clone())
        .record(seconds);
    if seconds > SLOW_SECS {
        tracing::warn!(route, seconds, "slow request");
    }
    response
}
