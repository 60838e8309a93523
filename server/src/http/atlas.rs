//! The atlas: `GET /` in a browser and `/assets/{path}`, its modules, stylesheets and the
//! vendored libraries they use (MapLibre GL JS and plugins), all built into the binary so
//! the atlas works without internet access. Sent gzipped to browsers that take it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::app::AppState;
use crate::config::Config;

/// `(path under server/assets, bytes, gzipped bytes)`.
static ASSETS: &[(&str, &[u8], &[u8])] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The atlas page.
pub fn page(config: &Config, headers: &HeaderMap) -> Response {
    // The page names its modules by path, so it must not be kept past a new build of them.
    serve(config, headers, "index.html", "no-cache")
}

/// `/assets/{path}`.
pub async fn asset(
    State(app): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&app.config, &headers, &path, "public, max-age=3600")
}

fn serve(config: &Config, headers: &HeaderMap, path: &str, cache: &'static str) -> Response {
    let kind = HeaderValue::from_static(content_type(path));
    let cache = HeaderValue::from_static(cache);
    if let Some(dir) = &config.assets_dir {
        return from_disk(dir, path, kind);
    }
    let Some((_, raw, gz)) = ASSETS.iter().find(|(p, ..)| *p == path) else {
        return not_found(path);
    };
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if accepts_gzip(headers) {
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let head = [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)];
        (head, [vary, encoding], *gz).into_response()
    } else {
        let head = [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)];
        (head, [vary], *raw).into_response()
    }
}

/// A file of the development directory; `..` and absolute paths never leave it.
fn from_disk(dir: &std::path::Path, path: &str, kind: HeaderValue) -> Response {
    let safe = std::path::Path::new(path)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    match std::fs::read(dir.join(path)) {
        Ok(bytes) if safe => {
            let head = [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ];
            (head, bytes).into_response()
        }
        _ => not_found(path),
    }
}

fn not_found(path: &str) -> Response {
    ApiError::not_found("not_found", format!("no asset {path:?}")).into_response()
}

/// Whether the request takes gzip (one `Accept-Encoding` header or several).
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| crate::tiles::accepts_coding(Some(v), "gzip"))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::accepts_gzip;

    fn with(value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn gzip_is_sent_when_accepted_and_not_when_refused_or_unnamed() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, *;q=0.5")));
        assert!(!accepts_gzip(&with("gzip;q=0, br")));
        assert!(!accepts_gzip(&with("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
