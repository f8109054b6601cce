//! Which addresses a callback may reach. A callback URL is chosen by whoever creates a webhook,
//! so without these rules the service would POST (and follow up with retries) to its own
//! loopback, the cloud metadata endpoint or the private network it runs in.
//!
//! Addresses are checked where the connection is made: [`GuardedResolver`] filters what DNS
//! returns (so a name that resolves to 10.0.0.1 today is refused even if it was public when
//! the webhook was created), and [`AddressPolicy::check_url`] checks IP-literal hosts, which
//! reqwest connects to without asking the resolver. Create and update apply the same
//! [`AddressPolicy::check_url`] to the callback they are given, so an IP literal that could
//! never be delivered to is refused with a 422 instead of failing every delivery later.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Refused unless allowed: the ranges a callback must not reach.
fn refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", 0.0.0.0 (unspecified) included
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 169 && b == 254) // link-local, cloud metadata 169.254.169.254 included
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 168) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || a >= 224 // multicast, reserved, broadcast
}

/// The IPv4 address an IPv6 address stands for, when it embeds one that a router or the host's
/// own stack would reach: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, not
/// `::` or `::1`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback() {
        return Some(low);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed by some)
        || (first & 0xff00) == 0xff00 // multicast
        || embedded_v4(ip).is_some_and(refused_v4)
}

/// Whether `ip` is in one of the refused ranges (before any allowance).
pub fn is_refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

/// Why a callback cannot be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("callback URL does not parse: {0}")]
    BadUrl(String),
    #[error("callback scheme {0:?} refused (https only, unless --allow-insecure-callbacks)")]
    Scheme(String),
    #[error("callback address {0} refused (a private, loopback, link-local or reserved range)")]
    Address(IpAddr),
    #[error("callback host {0} resolves to no allowed address")]
    NoAllowedAddress(String),
}

/// The refused ranges, less the ones an operator allowed (`serve --allow-callback-cidr`).
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
    allow_insecure: bool,
}

impl AddressPolicy {
    pub fn new(allowed: Vec<IpNet>, allow_insecure: bool) -> Self {
        AddressPolicy {
            allowed,
            allow_insecure,
        }
    }

    /// Whether a connection to `ip` is allowed. An allowance matches the address as written
    /// and, for an IPv6 address embedding an IPv4 one, that IPv4 address too (so allowing
    /// 127.0.0.0/8 also allows `::ffff:127.0.0.1`).
    pub fn permits(&self, ip: IpAddr) -> bool {
        let embedded = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = |ip: IpAddr| self.allowed.iter().any(|net| net.contains(&ip));
        if allowed(ip) || embedded.is_some_and(allowed) {
            return true;
        }
        !is_refused(ip)
    }

    /// Checks what can be checked before connecting: the scheme, and the address of an
    /// IP-literal host (reqwest connects to those without asking the resolver).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure => {}
            other => return Err(Refused::Scheme(other.to_owned())),
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(Refused::BadUrl(url.to_string())),
        };
        match literal {
            Some(ip) if !self.permits(ip) => Err(Refused::Address(ip)),
            _ => Ok(()),
        }
    }
}

/// A DNS resolver that drops refused addresses, and fails when none is left.
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<AddressPolicy>) -> Self {
        GuardedResolver { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port in afterwards.
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = resolved.filter(|a| policy.permits(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused::NoAllowedAddress(host)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn refused_ranges() {
        for text in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "198.18.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            // IPv4-mapped, -compatible, NAT64 and 6to4 forms of refused IPv4 addresses.
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.1.2.3",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "::192.168.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:0001::1",
            "2002:c0a8:0101::",
        ] {
            assert!(is_refused(ip(text)), "{text} should be refused");
            assert!(!AddressPolicy::default().permits(ip(text)), "{text}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for text in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.169.0.1",
            "11.0.0.1",
            "126.255.255.255",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
            "fbff::1",
            "fe7f::1",
        ] {
            assert!(!is_refused(ip(text)), "{text} should pass");
            assert!(AddressPolicy::default().permits(ip(text)), "{text}");
        }
    }

    #[test]
    fn allowances_open_their_range_only() {
        let policy = AddressPolicy::new(
            vec!["127.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
            false,
        );
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(policy.permits(ip("fd00::5")));
        assert!(!policy.permits(ip("::1")));
        assert!(!policy.permits(ip("10.0.0.1")));
        assert!(!policy.permits(ip("169.254.169.254")));
        assert!(!policy.permits(ip("fc00::1")));
    }

    #[test]
    fn urls() {
        let strict = AddressPolicy::default();
        let url = |text: &str| reqwest::Url::parse(text).unwrap();
        assert_eq!(
            strict.check_url(&url("https://hooks.example.com/x")),
            Ok(())
        );
        assert_eq!(strict.check_url(&url("https://8.8.8.8/x")), Ok(()));
        assert_eq!(
            strict.check_url(&url("http://hooks.example.com/x")),
            Err(Refused::Scheme("http".into()))
        );
        assert_eq!(
            strict.check_url(&url("ftp://hooks.example.com/x")),
            Err(Refused::Scheme("ftp".into()))
        );
        assert_eq!(
            strict.check_url(&url("https://169.254.169.254/latest/meta-data")),
            Err(Refused::Address(ip("169.254.169.254")))
        );
        assert_eq!(
            strict.check_url(&url("https://[::ffff:7f00:1]/")),
            Err(Refused::Address(ip("::ffff:127.0.0.1")))
        );
        // Other spellings of an IPv4 literal are normalized by the URL parser before the check.
        assert_eq!(
            strict.check_url(&url("https://0x7f.1/")),
            Err(Refused::Address(ip("127.0.0.1")))
        );
        assert_eq!(
            strict.check_url(&url("https://2130706433/")),
            Err(Refused::Address(ip("127.0.0.1")))
        );
        // The forms a caller may write an address in: each reaches the classifier as the
        // address it stands for.
        for (text, address) in [
            ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            ("https://[::127.0.0.1]/", "::127.0.0.1"),
            ("https://[::1]/", "::1"),
            ("https://[0:0:0:0:0:0:0:1]/", "::1"),
            ("https://[fd00::1]/", "fd00::1"),
            ("https://[fe80::1]/", "fe80::1"),
            ("https://[::]/", "::"),
            ("https://0177.0.0.1/", "127.0.0.1"),
            ("https://127.1/", "127.0.0.1"),
            ("https://0x0a.0x01.0x02.0x03/", "10.1.2.3"),
            ("https://100.64.0.1:8443/x", "100.64.0.1"),
            ("https://0.0.0.0/", "0.0.0.0"),
            ("https://169.254.169.254./", "169.254.169.254"),
        ] {
            assert_eq!(
                strict.check_url(&url(text)),
                Err(Refused::Address(ip(address))),
                "{text}"
            );
        }
        let local = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()], true);
        assert_eq!(local.check_url(&url("http://127.0.0.1:9/x")), Ok(()));
        assert_eq!(
            local.check_url(&url("http://10.0.0.1/x")),
            Err(Refused::Address(ip("10.0.0.1")))
        );
    }

    #[tokio::test]
    async fn resolver_drops_refused_addresses() {
        let strict = GuardedResolver::new(Arc::new(AddressPolicy::default()));
        let name: Name = "localhost".parse().unwrap();
        let refused = strict.resolve(name).await;
        assert!(refused.is_err(), "localhost resolves to loopback only");
        let open = GuardedResolver::new(Arc::new(AddressPolicy::new(
            vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            false,
        )));
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = open.resolve(name).await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
