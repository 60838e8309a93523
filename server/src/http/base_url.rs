//! The base URL clients reach us at, for absolute URLs in `TileJSON` and styles.

use axum::http::HeaderMap;
use axum::http::header::HOST;

use crate::config::Config;

/// `public_url` when configured; otherwise the scheme (from `X-Forwarded-Proto`) and the
/// request's `Host`, provided it looks like a host name; otherwise the listen address.
pub fn base_url(config: &Config, headers: &HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
        })
        .map_or_else(|| config.listen.to_string(), str::to_owned);
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}
