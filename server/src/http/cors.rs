//! CORS, so a MapLibre page or an OGC client on another origin can read tiles, styles,
//! features and statistics: every response says who may read it and which of our headers
//! the page may see, and a preflight `OPTIONS` is answered `204` before any route runs.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// Headers a page on another origin may read from our responses.
const EXPOSED: &str = "ETag, Content-Crs, Link, Content-Encoding, Retry-After, Content-Length";
/// Methods the API answers.
const METHODS: &str = "GET, HEAD, POST, OPTIONS";
/// Request headers allowed when the preflight does not list its own.
const ALLOWED: &str = "Accept, Authorization, Content-Type, If-None-Match";

/// The `Access-Control-Allow-Origin` value for a request from `origin`, if it may read: `*`
/// when any origin may, else the origin itself when it is listed.
fn allowed_origin(origins: &[String], origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    if origins.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    let origin = origin?;
    let text = origin.to_str().ok()?;
    origins
        .iter()
        .any(|o| o.trim_end_matches('/') == text)
        .then(|| origin.clone())
}

fn decorate(headers: &mut HeaderMap, allow: Option<HeaderValue>, listed: bool) {
    if let Some(allow) = allow {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
    if listed {
        // The answer depends on the origin: caches must keep them apart.
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// The middleware.
pub async fn cors(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let origins = &app.config.cors.allow_origins;
    let listed = !origins.iter().any(|o| o == "*");
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allow = allowed_origin(origins, origin.as_ref());
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let requested = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static(ALLOWED));
        let mut response = (StatusCode::NO_CONTENT, Body::empty()).into_response();
        let headers = response.headers_mut();
        if allow.is_some() {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(METHODS),
            );
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(86_400));
        }
        decorate(headers, allow, listed);
        return response;
    }
    let mut response = next.run(req).await;
    decorate(response.headers_mut(), allow, listed);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_origin_is_echoed_and_others_get_nothing() {
        let origins = vec!["https://karta.region.se".to_owned()];
        let ok = HeaderValue::from_static("https://karta.region.se");
        assert_eq!(allowed_origin(&origins, Some(&ok)), Some(ok));
        let other = HeaderValue::from_static("https://elsewhere.example");
        assert_eq!(allowed_origin(&origins, Some(&other)), None);
        assert_eq!(
            allowed_origin(&["*".to_owned()], None),
            Some(HeaderValue::from_static("*"))
        );
    }
}
