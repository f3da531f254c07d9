//! `wasi:http` under the network grant: the host makes every outgoing HTTP (and TLS)
//! connection for the plugin, and this hook checks the request's authority against
//! the same [`NetworkPolicy`] as `wasi:sockets` before it does, on the resolved
//! address. Plain HTTP then connects to exactly the address that was checked; HTTPS
//! connects by name (TLS needs it), so a DNS answer that changes between the check
//! and the connect is the one gap, noted in docs/architecture.md.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::uri::{Authority, Scheme};
use http_body_util::BodyExt;
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpHooks, default_send_request,
};

use super::network::{Endpoint, NetworkCounters, NetworkPolicy};

/// How long a plugin's request may wait for a connection, unless it says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long it may wait for the first response byte and between bytes.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The `wasi:http` state of one plugin instance.
pub struct HttpGrant {
    pub ctx: WasiHttpCtx,
    pub hooks: GrantedRequests,
}

impl HttpGrant {
    pub fn new(policy: Arc<NetworkPolicy>) -> Self {
        Self {
            ctx: WasiHttpCtx::new(),
            hooks: GrantedRequests { policy },
        }
    }
}

/// Sends a plugin's request only to a granted endpoint.
pub struct GrantedRequests {
    policy: Arc<NetworkPolicy>,
}

type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

impl WasiHttpHooks for GrantedRequests {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        drop(fut);
        let policy = self.policy.clone();
        Box::new(send_granted(policy, request, options))
    }
}

async fn send_granted(
    policy: Arc<NetworkPolicy>,
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> SendResult {
    let counters = policy.counters.clone();
    let https = request.uri().scheme() == Some(&Scheme::HTTPS);
    let authority = request
        .uri()
        .authority()
        .cloned()
        .ok_or(HttpError::HttpRequestUriInvalid)?;
    let endpoint = Endpoint {
        host: authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase(),
        port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
    };
    let Some(addr) = checked_address(&policy, &endpoint).await else {
        NetworkCounters::add(&counters.refused, 1);
        tracing::warn!(%endpoint, "sandbox refused an HTTP request outside the plugin's grant");
        return Err(HttpError::HttpRequestDenied);
    };
    NetworkCounters::add(&counters.connections, 1);
    NetworkCounters::add(&counters.http_requests, 1);
    if !https {
        // Connect to the very address that was checked; the Host header already
        // carries the name.
        let mut parts = request.uri().clone().into_parts();
        parts.authority = Some(
            Authority::try_from(addr.to_string().as_str())
                .map_err(|_| HttpError::HttpRequestUriInvalid)?,
        );
        *request.uri_mut() =
            http::Uri::from_parts(parts).map_err(|_| HttpError::HttpRequestUriInvalid)?;
    }
    let out = counters.clone();
    let request = request.map(move |body| {
        body.map_frame(move |frame| {
            if let Some(data) = frame.data_ref() {
                NetworkCounters::add(&out.bytes_out, data.len() as u64);
            }
            frame
        })
        .boxed_unsync()
    });
    let options = RequestOptions {
        connect_timeout: options
            .and_then(|o| o.connect_timeout)
            .or(Some(CONNECT_TIMEOUT)),
        first_byte_timeout: options
            .and_then(|o| o.first_byte_timeout)
            .or(Some(RESPONSE_TIMEOUT)),
        between_bytes_timeout: options
            .and_then(|o| o.between_bytes_timeout)
            .or(Some(RESPONSE_TIMEOUT)),
    };
    let (response, io) = default_send_request(request, Some(options)).await?;
    let response = response.map(move |body| {
        body.map_frame(move |frame| {
            if let Some(data) = frame.data_ref() {
                NetworkCounters::add(&counters.bytes_in, data.len() as u64);
            }
            frame
        })
        .boxed_unsync()
    });
    Ok((
        response,
        Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ))
}

/// The first address of `endpoint` the policy lets the plugin reach.
async fn checked_address(policy: &NetworkPolicy, endpoint: &Endpoint) -> Option<SocketAddr> {
    let addrs: Vec<SocketAddr> = match endpoint.host.parse() {
        Ok(ip) => vec![SocketAddr::new(ip, endpoint.port)],
        Err(_) => tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port))
            .await
            .ok()?
            .collect(),
    };
    for addr in addrs {
        if policy.reaches(&policy.grant.tcp, addr).await {
            return Some(addr);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::capabilities::network::{AllowedHosts, NetworkGrant};

    fn policy(tcp: &[(&str, u16)], allowed: &str) -> NetworkPolicy {
        NetworkPolicy {
            grant: NetworkGrant {
                tcp: tcp
                    .iter()
                    .map(|(host, port)| Endpoint {
                        host: (*host).into(),
                        port: *port,
                    })
                    .collect(),
                udp: Vec::new(),
                allowed: AllowedHosts::parse(allowed).expect("parses"),
            },
            counters: Arc::default(),
        }
    }

    fn endpoint(host: &str, port: u16) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
        }
    }

    #[tokio::test]
    async fn a_request_goes_only_to_a_granted_address() {
        let p = policy(&[("127.0.0.1", 8080)], "127.0.0.1");
        assert_eq!(
            checked_address(&p, &endpoint("127.0.0.1", 8080)).await,
            Some("127.0.0.1:8080".parse().expect("addr"))
        );
        assert_eq!(
            checked_address(&p, &endpoint("127.0.0.1", 8081)).await,
            None
        );
        assert_eq!(
            checked_address(&p, &endpoint("127.0.0.2", 8080)).await,
            None
        );
        // A name resolving to the granted address reaches it: the check is on the
        // address, not the spelling.
        assert_eq!(
            checked_address(&p, &endpoint("localhost", 8080))
                .await
                .map(|a| a.ip().to_canonical()),
            Some("127.0.0.1".parse().expect("ip"))
        );
        // Outside the worker's bound nothing passes, granted or not.
        let bounded = policy(&[("127.0.0.1", 8080)], "10.0.0.0/8");
        assert_eq!(
            checked_address(&bounded, &endpoint("127.0.0.1", 8080)).await,
            None
        );
    }
}
