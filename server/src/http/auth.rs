//! Finds the API key in a request — `Authorization: Bearer <key>`, Basic auth with the key
//! as password, or `?key=` — and asks `access` who holds it. A request without a key is an
//! anonymous reader; one with a key that is not valid is refused (`401`), and an address
//! sending many of those is held off (`429`). Keys never reach a log: request spans name the
//! route template, not the URI.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::ApiError;
use super::client_addr;
use crate::access::{self, AccessError, Principal, Scope};
use crate::app::AppState;

/// Who asks: the holder of a valid key, or nobody in particular.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The key's holder, if the request carried a valid key.
    pub principal: Option<Principal>,
    /// The key, when it came as `?key=`: links Rummet writes for this request carry it on,
    /// so a client that can only put a key in a URL (a tile URL in QGIS) keeps working.
    pub url_key: Option<String>,
}

impl Caller {
    /// Who asks, for visibility checks.
    #[must_use]
    pub fn viewer(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// `url` with `key=` added when the request's key came in its URL.
    #[must_use]
    pub fn link(&self, url: &str) -> String {
        match &self.url_key {
            Some(key) => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let encoded: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
                format!("{url}{sep}key={encoded}")
            }
            None => url.to_owned(),
        }
    }

    /// The key's holder when it has `scope`: `401` without a key, `403` with too small a one.
    ///
    /// # Errors
    /// [`AccessError::Missing`] or [`AccessError::Forbidden`].
    pub fn require(&self, scope: Scope) -> Result<&Principal, AccessError> {
        let principal = self.principal.as_ref().ok_or(AccessError::Missing)?;
        principal.require(scope)?;
        Ok(principal)
    }
}

/// The key a request carries, if any, and whether it came in the URL: the header first,
/// then `?key=`.
fn key_of(parts: &Parts) -> Option<(String, bool)> {
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (kind, rest) = v.trim().split_once(' ')?;
            if kind.eq_ignore_ascii_case("bearer") {
                Some(rest.trim().to_owned())
            } else if kind.eq_ignore_ascii_case("basic") {
                let decoded = base64_decode(rest.trim())?;
                let text = String::from_utf8(decoded).ok()?;
                // QGIS and GDAL send `user:password`; the user is free, the key the password.
                text.split_once(':')
                    .map(|(_, password)| password.to_owned())
            } else {
                None
            }
        });
    from_header.map(|k| (k, false)).or_else(|| {
        super::ogc::query_pairs(parts.uri.query())
            .into_iter()
            .find(|(k, _)| k == "key")
            .map(|(_, v)| (v, true))
    })
}

/// Standard base64 (Basic auth), padding optional.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte)?;
        buffer = buffer << 6 | u32::try_from(value).ok()?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from(buffer >> bits & 0xff).ok()?);
        }
    }
    Some(out)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Some((key, in_url)) = key_of(parts).filter(|(k, _)| !k.is_empty()) else {
            return Ok(Self::default());
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let addr = client_addr::client(peer, &parts.headers, &app.trusted_proxies);
        app.key_failures.check(addr)?;
        let client = app.pool.get().await.map_err(AccessError::from)?;
        match access::authenticate(&**client, &key).await {
            Ok(principal) => Ok(Self {
                principal: Some(principal),
                url_key: in_url.then_some(key),
            }),
            Err(AccessError::Invalid) => {
                app.key_failures.failed(addr);
                Err(AccessError::Invalid.into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::{base64_decode, key_of};

    fn parts(req: Request<()>) -> axum::http::request::Parts {
        req.into_parts().0
    }

    #[test]
    fn the_key_is_found_as_bearer_as_basic_password_or_in_the_query() {
        let bearer = Request::get("/x")
            .header("authorization", "Bearer rmt_k")
            .body(())
            .unwrap_or_default();
        let key = |p| key_of(&parts(p));
        assert_eq!(key(bearer), Some(("rmt_k".to_owned(), false)));
        // "qgis:rmt_k" in base64.
        let basic = Request::get("/x")
            .header("authorization", "Basic cWdpczpybXRfaw==")
            .body(())
            .unwrap_or_default();
        assert_eq!(key(basic), Some(("rmt_k".to_owned(), false)));
        let query = Request::get("/tiles/a/1/2/3.mvt?f=mvt&key=rmt_k")
            .body(())
            .unwrap_or_default();
        assert_eq!(key(query), Some(("rmt_k".to_owned(), true)));
        let none = Request::get("/x?keys=1").body(()).unwrap_or_default();
        assert_eq!(key(none), None);
    }

    #[test]
    fn base64_decodes_with_or_without_padding_and_refuses_other_characters() {
        assert_eq!(
            base64_decode("cWdpczpybXRfaw==").as_deref(),
            Some(&b"qgis:rmt_k"[..])
        );
        assert_eq!(
            base64_decode("cWdpczpybXRfaw").as_deref(),
            Some(&b"qgis:rmt_k"[..])
        );
        assert_eq!(base64_decode("cW*p"), None);
    }
}
