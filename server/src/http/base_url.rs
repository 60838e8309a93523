//! The base URL clients reach us at, for absolute URLs in `TileJSON`, styles and OGC links.
//! The request's `Host` is used only when it is a host we answer to: one configured in
//! `allowed_hosts`, the listen address, loopback, or — when listening on every interface —
//! an address literal. A forged `Host` naming some other site must not end up in documents
//! that caches and CDNs keep.

use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::header::HOST;

use crate::config::Config;

/// The host part of a `Host` value (`name`, `name:port`, `[v6]:port`), lower-cased.
fn host_part(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_owned();
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host.clone(), |(h, _)| h.to_owned())
}

fn trusted(config: &Config, host: &str) -> bool {
    let name = host_part(host);
    if config.allowed_hosts.iter().any(|allowed| {
        let allowed = allowed.to_ascii_lowercase();
        allowed == host.to_ascii_lowercase() || allowed == name
    }) {
        return true;
    }
    if name == "localhost" {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => {
            ip.is_loopback() || ip == config.listen.ip() || config.listen.ip().is_unspecified()
        }
        Err(_) => false,
    }
}

/// `public_url` when configured; otherwise the scheme (from `X-Forwarded-Proto`) and the
/// request's `Host` when it is trusted; otherwise the listen address.
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
                && trusted(config, h)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HOST, host.parse().expect("header"));
        h
    }

    #[test]
    fn a_forged_host_gets_the_listen_address_and_an_allowed_one_is_kept() {
        let mut config = Config {
            allowed_hosts: vec!["kartor.region.se".into()],
            ..Config::default()
        };
        assert_eq!(
            base_url(&config, &with_host("evil.example")),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            base_url(&config, &with_host("kartor.region.se:8080")),
            "http://kartor.region.se:8080"
        );
        assert_eq!(
            base_url(&config, &with_host("localhost:3000")),
            "http://localhost:3000"
        );
        assert_eq!(
            base_url(&config, &with_host("[::1]:3000")),
            "http://[::1]:3000"
        );
        config.listen = "0.0.0.0:3000".parse().expect("addr");
        assert_eq!(
            base_url(&config, &with_host("10.1.2.3:3000")),
            "http://10.1.2.3:3000"
        );
        assert_eq!(
            base_url(&config, &with_host("evil.example")),
            "http://0.0.0.0:3000"
        );
    }
}
