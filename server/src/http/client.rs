//! Who is at the other end of a request, for the per-address limits of
//! [`crate::http::throttle`]: the TCP peer — or, when the peer is one of the deployment's
//! own reverse proxies (`--trusted-proxies`), the address those proxies put in
//! `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read from the right: each proxy appends the address it received the
//! request from, so the rightmost entries were written by the deployment's proxies, and the
//! first entry (from the right) that is not one of them is the client. Everything left of it
//! was sent by the client and could say anything; a request whose peer is not a trusted proxy
//! is never asked at all, so a header anyone can send never chooses the address.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::state::AppState;

/// The client's address as [`client_ip`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Parses one `--trusted-proxies` entry: an address (`10.0.0.7`, `::1`) or a network
/// (`10.0.0.0/8`, `fd00::/8`).
pub fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{raw}' is not an address or a network (10.0.0.7, 10.0.0.0/8, fd00::/8)"))
}

/// One `X-Forwarded-For` entry: an address, with or without a port (`[::1]:80`).
fn forwarded_entry(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>().ok().or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client's address: `peer` itself unless it is one of `trusted`; then the rightmost
/// `X-Forwarded-For` entry that is not (an entry that is not an address ends the walk at the
/// last trusted hop, the only address known to be true).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(&ip.to_canonical()));
    if !is_trusted(peer) {
        return peer;
    }
    let values: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let mut last = peer;
    for entry in values.iter().rev().flat_map(|v| v.rsplit(',')) {
        match forwarded_entry(entry) {
            Some(ip) if is_trusted(ip) => last = ip,
            Some(ip) => return ip,
            None => return last,
        }
    }
    last
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Outside a served connection (a router called directly) every request is one client.
        let peer = crate::http::serving::peer(&parts.extensions)
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        Ok(Self(client_ip(peer, &parts.headers, &state.settings.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        // A peer that is not a trusted proxy cannot choose its address either.
        let trusted = [parse_proxy("10.0.0.0/8").unwrap()];
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = [parse_proxy("10.0.0.0/8").unwrap(), parse_proxy("192.0.2.7").unwrap()];
        // The client sent a forged first entry; the proxies appended what they saw.
        let h = forwarded(&["1.2.3.4, 203.0.113.9", "192.0.2.7"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.9"));
        let h = forwarded(&["[2001:db8::1]:4711"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("2001:db8::1"));
        // No header, or only proxies in it: the last proxy is all that is known.
        assert_eq!(client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted), ip("10.1.2.3"));
        let h = forwarded(&["192.0.2.7"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("192.0.2.7"));
        // Garbage where a proxy's entry should be stops the walk at the last true hop.
        let h = forwarded(&["203.0.113.9, unknown"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("10.1.2.3"));
        // An IPv4 peer seen on an IPv6 socket is still the trusted proxy.
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(client_ip(ip("::ffff:10.1.2.3"), &h, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn proxies_parse_as_addresses_or_networks() {
        assert_eq!(parse_proxy("127.0.0.1").unwrap().to_string(), "127.0.0.1/32");
        assert_eq!(parse_proxy(" fd00::/8 ").unwrap().to_string(), "fd00::/8");
        assert!(parse_proxy("proxy.internal").is_err());
    }
}
