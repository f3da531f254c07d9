//! Network grants, in three steps like every capability here:
//!
//! - **configure**: the worker's bound (`ferry.sandbox.allowed.hosts`, parsed into
//!   [`AllowedHosts`]) and a connector's endpoint-typed config values (parsed by
//!   [`parse_endpoints`] in the form the plugin declared) become a
//!   [`NetworkGrant`]; validation refuses an endpoint outside the bound, naming the key;
//! - **prepare**: [`NetworkGrant::prepare`] turns TCP, UDP and name lookup on in a WASI
//!   context only as far as the grant needs, with an address check;
//! - **enforce**: that check ([`NetworkPolicy::permits`]) runs below the plugin at
//!   connect time on the resolved address, so a name that resolves elsewhere later, or
//!   an address the plugin made up, does not pass; name lookups are shadowed to answer
//!   only granted names (`add_to_linker`), and `wasi:http` requests are checked by the
//!   same policy before the host connects (see `super::http`).
//!
//! Listening, accepting and binding to a chosen port are always refused.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ipnet::IpNet;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{Host as _, ResolveAddressStream};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, Host as _, Network};
use wasmtime_wasi::sockets::{SocketAddrUse, WasiSocketsView};

use super::shadow_existing;
use crate::plugin::bindings::types::EndpointForm;
use crate::plugin::instance::HostState;

/// The WASI name-lookup interface wasmtime-wasi registers; guests importing any
/// 0.2.x resolve to it.
const IP_NAME_LOOKUP: &str = "wasi:sockets/ip-name-lookup@0.2.12";

/// One host (name or IP literal) and port a plugin may reach.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// Lower-case host name, or an IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Why an endpoint cannot be granted, or the worker's bound cannot be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NetworkGrantError {
    #[error("'{value}' is not {expected}")]
    Malformed { value: String, expected: String },
    #[error(
        "{endpoint} is outside the hosts plugins may reach (worker property ferry.sandbox.allowed.hosts = [{allowed}])"
    )]
    NotAllowed { endpoint: String, allowed: String },
}

fn malformed(value: &str, expected: &str) -> NetworkGrantError {
    NetworkGrantError::Malformed {
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// The host part of a rule in `ferry.sandbox.allowed.hosts`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    /// `*`: any host.
    Any,
    /// An exact, lower-case host name.
    Name(String),
    /// `*.example.com`: any name ending in `.example.com` (stored with the dot).
    Suffix(String),
    /// An IP address or CIDR.
    Net(IpNet),
}

/// One rule: a host pattern and an inclusive port range (all ports if absent).
#[derive(Clone, Debug, PartialEq, Eq)]
struct HostRule {
    host: HostPattern,
    ports: (u16, u16),
    text: String,
}

impl HostRule {
    fn ports_contain(&self, port: u16) -> bool {
        (self.ports.0..=self.ports.1).contains(&port)
    }

    fn matches_name(&self, name: &str) -> bool {
        match &self.host {
            HostPattern::Any => true,
            HostPattern::Name(n) => n == name,
            HostPattern::Suffix(s) => name.ends_with(s.as_str()) && name.len() > s.len(),
            HostPattern::Net(net) => name
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip.to_canonical())),
        }
    }

    fn matches_ip(&self, ip: IpAddr) -> bool {
        match &self.host {
            HostPattern::Any => true,
            HostPattern::Net(net) => net.contains(&ip.to_canonical()),
            HostPattern::Name(_) | HostPattern::Suffix(_) => false,
        }
    }
}

/// The worker's bound on what any connector may be granted
/// (`ferry.sandbox.allowed.hosts`). Empty by default: no network at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    rules: Vec<HostRule>,
}

impl AllowedHosts {
    /// Parses a comma list of rules: `db.example.com`, `*.example.com`, `*`,
    /// `10.0.0.0/8`, `::1`, each optionally followed by `:port` or `:low-high`
    /// (IPv6 with a port in brackets: `[::1]:5432`, `[fd00::/8]:80-90`).
    pub fn parse(value: &str) -> Result<Self, NetworkGrantError> {
        let mut rules = Vec::new();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            rules.push(parse_rule(part)?);
        }
        Ok(Self { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// May a connector be granted `endpoint`? A host name passes a name or wildcard
    /// rule, or CIDR rules if every address it resolves to lies inside them; an IP
    /// literal passes a CIDR rule (or `*`).
    pub fn check(&self, endpoint: &Endpoint) -> Result<(), NetworkGrantError> {
        let by_port: Vec<&HostRule> = self
            .rules
            .iter()
            .filter(|r| r.ports_contain(endpoint.port))
            .collect();
        if by_port.iter().any(|r| r.matches_name(&endpoint.host)) {
            return Ok(());
        }
        let has_nets = by_port
            .iter()
            .any(|r| matches!(r.host, HostPattern::Net(_)));
        if has_nets && endpoint.ip().is_none() {
            let resolved: Vec<IpAddr> = (endpoint.host.as_str(), endpoint.port)
                .to_socket_addrs()
                .map(|addrs| addrs.map(|a| a.ip()).collect())
                .unwrap_or_default();
            if !resolved.is_empty()
                && resolved
                    .iter()
                    .all(|ip| by_port.iter().any(|r| r.matches_ip(*ip)))
            {
                return Ok(());
            }
        }
        Err(NetworkGrantError::NotAllowed {
            endpoint: endpoint.to_string(),
            allowed: self.to_string(),
        })
    }

    /// At connect time: may `endpoint` (already granted) be reached at `ip`?
    fn permits(&self, endpoint: &Endpoint, ip: IpAddr) -> bool {
        self.rules.iter().any(|r| {
            r.ports_contain(endpoint.port)
                && match &r.host {
                    HostPattern::Net(_) | HostPattern::Any => r.matches_ip(ip),
                    _ => r.matches_name(&endpoint.host),
                }
        })
    }
}

impl fmt::Display for AllowedHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<&str> = self.rules.iter().map(|r| r.text.as_str()).collect();
        f.write_str(&texts.join(", "))
    }
}

fn parse_rule(text: &str) -> Result<HostRule, NetworkGrantError> {
    let expected = "a host name, *.domain, * or an IP/CIDR, with an optional :port or :low-high";
    let (host, ports) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| malformed(text, expected))?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| malformed(text, expected))?,
                ),
            ),
        }
    } else if text.matches(':').count() > 1 {
        (text, None) // a bare IPv6 address or CIDR
    } else {
        match text.split_once(':') {
            Some((host, ports)) => (host, Some(ports)),
            None => (text, None),
        }
    };
    let ports = match ports {
        None => (0, u16::MAX),
        Some(p) => match p.split_once('-') {
            Some((low, high)) => {
                let low = parse_port(low).ok_or_else(|| malformed(text, expected))?;
                let high = parse_port(high).ok_or_else(|| malformed(text, expected))?;
                if low > high {
                    return Err(malformed(text, expected));
                }
                (low, high)
            }
            None => {
                let port = parse_port(p).ok_or_else(|| malformed(text, expected))?;
                (port, port)
            }
        },
    };
    let host = host.to_ascii_lowercase();
    let pattern = if host == "*" {
        HostPattern::Any
    } else if let Some(suffix) = host.strip_prefix("*.") {
        if !valid_name(suffix) {
            return Err(malformed(text, expected));
        }
        HostPattern::Suffix(format!(".{suffix}"))
    } else if let Ok(net) = host.parse::<IpNet>() {
        HostPattern::Net(net.trunc())
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        HostPattern::Net(IpNet::from(ip))
    } else if valid_name(&host) {
        HostPattern::Name(host)
    } else {
        return Err(malformed(text, expected));
    };
    Ok(HostRule {
        host: pattern,
        ports,
        text: text.to_string(),
    })
}

fn parse_port(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

/// A DNS name: letters, digits, `-`, `_` and dots, no empty label.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Parses `host` (a name, an IPv4 literal or a bracketed IPv6 literal) and an
/// optional `:port`, falling back to `default_port`.
fn parse_host_port(
    text: &str,
    default_port: Option<u16>,
    expected: &str,
) -> Result<Endpoint, NetworkGrantError> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| malformed(text, expected))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(malformed(text, expected));
        }
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (text.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => parse_port(p).ok_or_else(|| malformed(text, expected))?,
        None => default_port.ok_or_else(|| malformed(text, expected))?,
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_string();
    if port == 0 || !(host.parse::<IpAddr>().is_ok() || valid_name(&host)) {
        return Err(malformed(text, expected));
    }
    Ok(Endpoint { host, port })
}

/// The port a URL scheme or JDBC subprotocol implies when none is given.
fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgresql" | "postgres" | "pgsql" => 5432,
        "mysql" | "mariadb" => 3306,
        "sqlserver" => 1433,
        "oracle" => 1521,
        "redis" => 6379,
        "rediss" => 6380,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "mqtt" => 1883,
        "kafka" => 9092,
        "ftp" => 21,
        "ldap" => 389,
        "ldaps" => 636,
        "nats" => 4222,
        _ => return None,
    })
}

/// Parses an endpoint-typed config value in the form the plugin declared.
pub fn parse_endpoints(
    value: &str,
    form: EndpointForm,
) -> Result<Vec<Endpoint>, NetworkGrantError> {
    let value = value.trim();
    match form {
        EndpointForm::None => Ok(Vec::new()),
        EndpointForm::HostPort | EndpointForm::UdpHostPort => {
            Ok(vec![parse_host_port(value, None, "host:port")?])
        }
        EndpointForm::HostPortList => value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| parse_host_port(p, None, "a comma list of host:port"))
            .collect(),
        EndpointForm::Url => {
            let expected = "a URL scheme://host[:port]/…";
            let (scheme, rest) = value
                .split_once("://")
                .ok_or_else(|| malformed(value, expected))?;
            Ok(vec![parse_authority(
                value,
                rest,
                default_port(scheme),
                expected,
            )?])
        }
        EndpointForm::JdbcUrl => {
            let expected = "a JDBC URL jdbc:<subprotocol>://host[:port][/…]";
            let rest = value
                .strip_prefix("jdbc:")
                .ok_or_else(|| malformed(value, expected))?;
            let (subprotocol, rest) = rest
                .split_once(':')
                .ok_or_else(|| malformed(value, expected))?;
            let port = default_port(subprotocol);
            match rest.strip_prefix("//") {
                // `jdbc:postgresql:database` means the local default server.
                None => Ok(vec![Endpoint {
                    host: "localhost".into(),
                    port: port.ok_or_else(|| malformed(value, expected))?,
                }]),
                Some(rest) => {
                    let hosts = rest.split(['/', '?', ';']).next().unwrap_or_default();
                    let hosts = hosts.rsplit('@').next().unwrap_or_default();
                    if hosts.is_empty() {
                        return Ok(vec![Endpoint {
                            host: "localhost".into(),
                            port: port.ok_or_else(|| malformed(value, expected))?,
                        }]);
                    }
                    hosts
                        .split(',')
                        .map(|h| parse_host_port(h, port, expected))
                        .collect()
                }
            }
        }
    }
}

/// The host and port of a URL's authority (`rest` is what follows `scheme://`).
fn parse_authority(
    value: &str,
    rest: &str,
    default_port: Option<u16>,
    expected: &str,
) -> Result<Endpoint, NetworkGrantError> {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty() {
        return Err(malformed(value, expected));
    }
    parse_host_port(host_port, default_port, expected).map_err(|_| malformed(value, expected))
}

/// What one connector or task may reach: its endpoints, within the worker's bound.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkGrant {
    pub tcp: Vec<Endpoint>,
    pub udp: Vec<Endpoint>,
    pub allowed: AllowedHosts,
}

impl NetworkGrant {
    pub fn is_empty(&self) -> bool {
        self.tcp.is_empty() && self.udp.is_empty()
    }

    /// Adds the endpoints of one config value, checked against the worker's bound.
    pub fn add(&mut self, value: &str, form: EndpointForm) -> Result<(), NetworkGrantError> {
        for endpoint in parse_endpoints(value, form)? {
            self.allowed.check(&endpoint)?;
            let list = if form == EndpointForm::UdpHostPort {
                &mut self.udp
            } else {
                &mut self.tcp
            };
            if !list.contains(&endpoint) {
                list.push(endpoint);
            }
        }
        Ok(())
    }

    /// Turns on in `builder` exactly what the grant needs, behind the policy's check,
    /// and returns that policy (with fresh traffic counters) for the store.
    pub fn prepare(&self, builder: &mut WasiCtxBuilder) -> Arc<NetworkPolicy> {
        let policy = Arc::new(NetworkPolicy {
            grant: self.clone(),
            counters: Arc::default(),
        });
        let check = policy.clone();
        builder
            .allow_tcp(!self.tcp.is_empty())
            .allow_udp(!self.udp.is_empty())
            // Some guests (wasi-libc's getaddrinfo, so Python's socket) look up even an
            // IP literal; the shadowed lookup answers only granted names and literals.
            .allow_ip_name_lookup(!self.is_empty());
        builder.socket_addr_check(move |addr, usage| {
            let policy = check.clone();
            Box::pin(async move { policy.permits(addr, usage).await })
        });
        policy
    }

    /// May the plugin look `name` up? Only names it was granted, and IP literals
    /// (which resolve to themselves; connecting still needs a grant).
    pub fn permits_lookup(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let literal = name.trim_start_matches('[').trim_end_matches(']');
        (!self.is_empty() && literal.parse::<IpAddr>().is_ok())
            || self.tcp.iter().chain(&self.udp).any(|e| e.host == name)
    }
}

/// What a plugin did on the network, for the operator (logged when its instance
/// goes away, and by the task's status trace on failure).
#[derive(Debug, Default)]
pub struct NetworkCounters {
    pub connections: AtomicU64,
    pub refused: AtomicU64,
    pub lookups: AtomicU64,
    pub http_requests: AtomicU64,
    pub bytes_out: AtomicU64,
    pub bytes_in: AtomicU64,
}

impl NetworkCounters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// True once the plugin tried anything on the network.
    pub fn any(&self) -> bool {
        self.connections.load(Ordering::Relaxed)
            + self.refused.load(Ordering::Relaxed)
            + self.lookups.load(Ordering::Relaxed)
            + self.http_requests.load(Ordering::Relaxed)
            > 0
    }
}

impl fmt::Display for NetworkCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        write!(
            f,
            "connections={} refused={} lookups={} http.requests={} bytes.out={} bytes.in={}",
            get(&self.connections),
            get(&self.refused),
            get(&self.lookups),
            get(&self.http_requests),
            get(&self.bytes_out),
            get(&self.bytes_in),
        )
    }
}

/// The connect-time check, shared by `wasi:sockets` and `wasi:http`.
pub struct NetworkPolicy {
    pub grant: NetworkGrant,
    pub counters: Arc<NetworkCounters>,
}

impl NetworkPolicy {
    /// The WASI address check: connects and datagrams only to granted endpoints at
    /// the addresses their names resolve to now; binds only implicitly (the wildcard
    /// address, port 0); never listen or accept.
    pub async fn permits(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        let implicit_bind = addr.ip().is_unspecified() && addr.port() == 0;
        let allowed = match usage {
            SocketAddrUse::TcpBind => implicit_bind && !self.grant.tcp.is_empty(),
            SocketAddrUse::UdpBind => implicit_bind && !self.grant.udp.is_empty(),
            SocketAddrUse::TcpConnect => self.reaches(&self.grant.tcp, addr).await,
            SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => {
                self.reaches(&self.grant.udp, addr).await
            }
            SocketAddrUse::TcpListen | SocketAddrUse::TcpAccept => false,
        };
        match (usage, allowed) {
            (SocketAddrUse::TcpConnect, true) => {
                NetworkCounters::add(&self.counters.connections, 1)
            }
            (_, false) => {
                NetworkCounters::add(&self.counters.refused, 1);
                tracing::warn!(%addr, ?usage, "sandbox refused a network use outside the plugin's grant");
            }
            _ => {}
        }
        allowed
    }

    /// Is `addr` one of `endpoints` at an address its host resolves to now, and
    /// within the worker's bound?
    pub async fn reaches(&self, endpoints: &[Endpoint], addr: SocketAddr) -> bool {
        let ip = addr.ip().to_canonical();
        for endpoint in endpoints.iter().filter(|e| e.port == addr.port()) {
            let hit = match endpoint.ip() {
                Some(literal) => literal.to_canonical() == ip,
                None => {
                    match tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port)).await {
                        Ok(mut addrs) => addrs.any(|a| a.ip().to_canonical() == ip),
                        Err(_) => false,
                    }
                }
            };
            if hit && self.grant.allowed.permits(endpoint, ip) {
                return true;
            }
        }
        false
    }
}

/// Shadows `wasi:sockets/ip-name-lookup.resolve-addresses` so a plugin can look up
/// only the names it was granted (a lookup is a way to leak data, too). Fails
/// loudly if wasmtime-wasi no longer defines the function under that name.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    shadow_existing(
        linker,
        IP_NAME_LOOKUP,
        "resolve-addresses",
        |mut store: StoreContextMut<'_, HostState>,
         (network, name): (Resource<Network>, String)|
         -> wasmtime::Result<(Result<Resource<ResolveAddressStream>, ErrorCode>,)> {
            let state = store.data_mut();
            if !state.sandbox.network.grant.permits_lookup(&name) {
                NetworkCounters::add(&state.sandbox.network.counters.refused, 1);
                tracing::warn!(
                    name,
                    "sandbox refused a name lookup outside the plugin's grant"
                );
                return Ok((Err(ErrorCode::NameUnresolvable),));
            }
            NetworkCounters::add(&state.sandbox.network.counters.lookups, 1);
            let mut view = state.sockets();
            match view.resolve_addresses(network, name) {
                Ok(stream) => Ok((Ok(stream),)),
                Err(error) => Ok((Err(view.convert_error_code(error)?),)),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(host: &str, port: u16) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn endpoint_forms_parse() {
        assert_eq!(
            parse_endpoints("db.example.com:5432", EndpointForm::HostPort),
            Ok(vec![ep("db.example.com", 5432)])
        );
        assert_eq!(
            parse_endpoints("[::1]:9092", EndpointForm::HostPort),
            Ok(vec![ep("::1", 9092)])
        );
        assert_eq!(
            parse_endpoints(" a:1, B.example:2 ,", EndpointForm::HostPortList),
            Ok(vec![ep("a", 1), ep("b.example", 2)])
        );
        assert_eq!(
            parse_endpoints("https://user:pw@API.example.com/v1?x=1", EndpointForm::Url),
            Ok(vec![ep("api.example.com", 443)])
        );
        assert_eq!(
            parse_endpoints("http://127.0.0.1:8080", EndpointForm::Url),
            Ok(vec![ep("127.0.0.1", 8080)])
        );
        assert_eq!(
            parse_endpoints("postgresql://h/db", EndpointForm::Url),
            Ok(vec![ep("h", 5432)])
        );
        assert_eq!(
            parse_endpoints(
                "jdbc:postgresql://db1:5433,db2/app?ssl=true",
                EndpointForm::JdbcUrl
            ),
            Ok(vec![ep("db1", 5433), ep("db2", 5432)])
        );
        assert_eq!(
            parse_endpoints("jdbc:postgresql:app", EndpointForm::JdbcUrl),
            Ok(vec![ep("localhost", 5432)])
        );
        for (bad, form) in [
            ("db.example.com", EndpointForm::HostPort),
            ("db:99999", EndpointForm::HostPort),
            ("not a host:1", EndpointForm::HostPort),
            ("example.com/x", EndpointForm::Url),
            ("foo://host/x", EndpointForm::Url),
            ("postgresql://h/db", EndpointForm::JdbcUrl),
        ] {
            assert!(
                matches!(
                    parse_endpoints(bad, form),
                    Err(NetworkGrantError::Malformed { .. })
                ),
                "{bad} should not parse as {form:?}"
            );
        }
    }

    #[test]
    fn allowed_hosts_bound_grants() {
        let allowed = AllowedHosts::parse(
            "db.example.com:5432, *.internal:8000-8100, 10.0.0.0/8, [::1]:9092, 127.0.0.1:5000",
        )
        .expect("parses");
        for ok in [
            ep("db.example.com", 5432),
            ep("api.internal", 8080),
            ep("10.1.2.3", 1),
            ep("::1", 9092),
            ep("127.0.0.1", 5000),
        ] {
            assert_eq!(allowed.check(&ok), Ok(()), "{ok}");
        }
        for refused in [
            ep("db.example.com", 5433),
            ep("internal", 8080),
            ep("api.internal", 9000),
            ep("11.0.0.1", 1),
            ep("::1", 9093),
            ep("127.0.0.1", 5001),
            ep("evil.example.com", 5432),
        ] {
            assert!(
                matches!(
                    allowed.check(&refused),
                    Err(NetworkGrantError::NotAllowed { .. })
                ),
                "{refused}"
            );
        }
        assert_eq!(
            AllowedHosts::default().check(&ep("127.0.0.1", 1)),
            Err(NetworkGrantError::NotAllowed {
                endpoint: "127.0.0.1:1".into(),
                allowed: String::new()
            })
        );
        for bad in ["a:b", "host:10-5", "*.", "[::1", "bad host", "10.0.0.0/40"] {
            assert!(AllowedHosts::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_passes_cidr_rules_only_if_it_resolves_inside() {
        let allowed = AllowedHosts::parse("127.0.0.0/8").expect("parses");
        assert_eq!(allowed.check(&ep("localhost", 80)), Ok(()));
        let narrow = AllowedHosts::parse("10.0.0.0/8").expect("parses");
        assert!(narrow.check(&ep("localhost", 80)).is_err());
    }

    fn policy(tcp: Vec<Endpoint>, allowed: &str) -> NetworkPolicy {
        NetworkPolicy {
            grant: NetworkGrant {
                tcp,
                udp: Vec::new(),
                allowed: AllowedHosts::parse(allowed).expect("parses"),
            },
            counters: Arc::default(),
        }
    }

    #[tokio::test]
    async fn connects_pass_only_to_granted_addresses() {
        let p = policy(
            vec![ep("127.0.0.1", 5000), ep("localhost", 6000)],
            "127.0.0.1, localhost",
        );
        let addr = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert!(
            p.permits(addr("127.0.0.1:5000"), SocketAddrUse::TcpConnect)
                .await
        );
        assert!(
            p.permits(addr("127.0.0.1:6000"), SocketAddrUse::TcpConnect)
                .await
        );
        assert!(
            !p.permits(addr("127.0.0.1:5001"), SocketAddrUse::TcpConnect)
                .await
        );
        assert!(
            !p.permits(addr("127.0.0.2:5000"), SocketAddrUse::TcpConnect)
                .await
        );
        assert!(p.permits(addr("0.0.0.0:0"), SocketAddrUse::TcpBind).await);
        assert!(
            !p.permits(addr("0.0.0.0:5000"), SocketAddrUse::TcpBind)
                .await
        );
        assert!(!p.permits(addr("0.0.0.0:0"), SocketAddrUse::TcpListen).await);
        assert!(
            !p.permits(addr("127.0.0.1:5000"), SocketAddrUse::TcpAccept)
                .await
        );
        assert!(!p.permits(addr("0.0.0.0:0"), SocketAddrUse::UdpBind).await);
        assert!(
            !p.permits(addr("127.0.0.1:5000"), SocketAddrUse::UdpSend)
                .await
        );
        assert_eq!(p.counters.connections.load(Ordering::Relaxed), 2);
        assert_eq!(p.counters.refused.load(Ordering::Relaxed), 7);
    }

    #[tokio::test]
    async fn the_worker_bound_holds_at_connect_time() {
        // Granted by name, but the worker's bound only admits 10/8: the name's
        // loopback address does not pass.
        let p = policy(vec![ep("localhost", 6000)], "10.0.0.0/8");
        let addr = "127.0.0.1:6000".parse::<SocketAddr>().expect("addr");
        assert!(!p.permits(addr, SocketAddrUse::TcpConnect).await);
    }

    #[test]
    fn lookups_only_for_granted_names() {
        let p = policy(vec![ep("db.example.com", 1)], "*");
        assert!(p.grant.permits_lookup("DB.example.com."));
        assert!(!p.grant.permits_lookup("example.com"));
        assert!(
            p.grant.permits_lookup("10.1.2.3"),
            "a literal resolves to itself"
        );
        assert!(
            !NetworkGrant::default().permits_lookup("10.1.2.3"),
            "no grant, no lookup"
        );
    }
}
