//! The client's address behind trusted reverse proxies: the connection's peer, unless that
//! is a proxy named in `trusted_proxies`, in which case the nearest address in
//! `X-Forwarded-For` that is not a trusted proxy. Only trusted proxies are believed, so a
//! client cannot choose its own address by sending the header itself.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// An address or a network (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `a.b.c.d`, `a.b.c.d/n` or the IPv6 forms.
    ///
    /// # Errors
    /// Says what is malformed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = text.trim().split_once('/').unwrap_or((text.trim(), ""));
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() {
            max
        } else {
            prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0-{max}"))?
        };
        Ok(Self { addr, prefix })
    }

    /// Whether `ip` is in this network.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), 32, self.prefix)
                    == masked(u128::from(u32::from(ip)), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

/// The client's address: `peer` itself, or, when `peer` is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not (proxies append the address they saw, so the right
/// end is the nearest and the left end is whatever the client wrote). The walk stops at an
/// entry that does not parse, and when every entry is a trusted proxy the nearest one is the
/// client: never an address the client wrote itself.
#[must_use]
pub fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = None;
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            break;
        };
        if !is_trusted(ip) {
            return ip;
        }
        nearest.get_or_insert(ip);
    }
    nearest.unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            xff.parse().unwrap_or_else(|_| panic!("{xff}")),
        );
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_forwarded_address_is_the_client() {
        let trusted = [Network::parse("10.0.0.0/8").unwrap_or_else(|e| panic!("{e}"))];
        // The client wrote 1.2.3.4 itself; the proxy appended what it saw.
        let h = headers("1.2.3.4, 198.51.100.7, 10.0.0.3");
        assert_eq!(client(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.7"));
    }

    #[test]
    fn a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address() {
        let trusted = [Network::parse("10.0.0.0/8").unwrap_or_else(|e| panic!("{e}"))];
        let h = headers("10.0.0.9");
        assert_eq!(client(ip("203.0.113.5"), &h, &trusted), ip("203.0.113.5"));
        assert_eq!(client(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
        // Behind the proxy, a trusted-looking address the client wrote, or garbage after
        // which it wrote one, is not taken: the nearest is.
        let forged = headers("10.9.9.9, 10.0.0.3");
        assert_eq!(client(ip("10.0.0.2"), &forged, &trusted), ip("10.0.0.3"));
        let garbled = headers("198.51.100.9, 10.0.0.5:4431");
        assert_eq!(client(ip("10.0.0.2"), &garbled, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn networks_parse_with_and_without_a_prefix_and_match_mapped_ipv4() {
        let lo = Network::parse("127.0.0.1").unwrap_or_else(|e| panic!("{e}"));
        assert!(lo.contains(ip("127.0.0.1")) && !lo.contains(ip("127.0.0.2")));
        assert!(lo.contains(ip("::ffff:127.0.0.1")));
        let v6 = Network::parse("fd00::/8").unwrap_or_else(|e| panic!("{e}"));
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("proxy").is_err());
    }
}
