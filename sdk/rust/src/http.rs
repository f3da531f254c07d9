//! Outgoing HTTP from a plugin, through `wasi:http`: the host makes the connection
//! (and the TLS handshake), and only to an endpoint the plugin was granted — a
//! config key declared with [`EndpointForm::Url`](crate::EndpointForm) and within the
//! worker's `ferry.sandbox.allowed.hosts`. Anything else fails with
//! [`HttpError::Denied`]. Blocking, one request at a time: what a task's `put` or
//! `poll` needs.
//!
//! ```no_run
//! use ferry_sdk::http::{Request, send};
//! let response = send(&Request::post("http://127.0.0.1:8080/ingest", b"[1,2]".to_vec())
//!     .header("content-type", "application/json"))?;
//! assert_eq!(response.status, 200);
//! # Ok::<(), ferry_sdk::http::HttpError>(())
//! ```

use std::time::Duration;

/// An HTTP request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// `http://host[:port]/path?query` or `https://…`.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Connect, first-byte and between-bytes timeout (the host's defaults if absent).
    pub timeout: Option<Duration>,
}

impl Request {
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Request::new("GET", url)
    }

    pub fn post(url: impl Into<String>, body: Vec<u8>) -> Self {
        Request::new("POST", url).body(body)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// A complete response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request got no response.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The sandbox refused the destination: not granted to this plugin.
    #[error("HTTP request to {0} denied by the sandbox (not a granted endpoint)")]
    Denied(String),
    #[error("invalid HTTP request: {0}")]
    Invalid(String),
    /// Connection, timeout, TLS or protocol failure.
    #[error("HTTP request to {url} failed: {reason}")]
    Failed { url: String, reason: String },
}

/// Sends `request` and reads the whole response.
#[cfg(target_arch = "wasm32")]
pub fn send(request: &Request) -> Result<Response, HttpError> {
    wasi::send(request)
}

/// Outside a component there is no `wasi:http`: every request fails.
#[cfg(not(target_arch = "wasm32"))]
pub fn send(request: &Request) -> Result<Response, HttpError> {
    Err(HttpError::Failed {
        url: request.url.clone(),
        reason: "wasi:http is only available inside a component".into(),
    })
}

/// Splits `scheme://authority/path?query`.
#[cfg(any(target_arch = "wasm32", test))]
fn split_url(url: &str) -> Result<(&str, &str, &str), HttpError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| HttpError::Invalid(format!("'{url}' is not an http(s) URL")))?;
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    if authority.is_empty() {
        return Err(HttpError::Invalid(format!("'{url}' has no host")));
    }
    Ok((scheme, authority, if path.is_empty() { "/" } else { path }))
}

#[cfg(target_arch = "wasm32")]
mod wasi {
    use super::{HttpError, Request, Response, split_url};
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{
        ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions,
        Scheme,
    };
    use wasip2::io::streams::StreamError;

    pub fn send(request: &Request) -> Result<Response, HttpError> {
        let url = request.url.clone();
        let failed = |reason: String| HttpError::Failed {
            url: url.clone(),
            reason,
        };
        let (scheme, authority, path) = split_url(&request.url)?;
        let mut entries: Vec<(String, Vec<u8>)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
            .collect();
        // A known length rather than chunked encoding, which some servers refuse.
        let sends_body = !request.body.is_empty()
            || matches!(
                request.method.to_ascii_uppercase().as_str(),
                "POST" | "PUT" | "PATCH"
            );
        if sends_body && !entries.iter().any(|(n, _)| n == "content-length") {
            entries.push((
                "content-length".into(),
                request.body.len().to_string().into_bytes(),
            ));
        }
        let headers = Fields::from_list(&entries)
            .map_err(|e| HttpError::Invalid(format!("headers: {e:?}")))?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_string()),
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(HttpError::Invalid(format!("unsupported scheme '{other}'"))),
        };
        let invalid = |what: &str| HttpError::Invalid(format!("{what} of '{}'", request.url));
        outgoing
            .set_method(&method)
            .map_err(|()| invalid("method"))?;
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| invalid("scheme"))?;
        outgoing
            .set_authority(Some(authority))
            .map_err(|()| invalid("authority"))?;
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        outgoing
            .set_path_with_query(Some(&path))
            .map_err(|()| invalid("path"))?;
        let options = RequestOptions::new();
        if let Some(timeout) = request.timeout {
            let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
            let _ = options.set_connect_timeout(Some(nanos));
            let _ = options.set_first_byte_timeout(Some(nanos));
            let _ = options.set_between_bytes_timeout(Some(nanos));
        }
        let body = outgoing.body().map_err(|()| invalid("body"))?;
        let pending = outgoing_handler::handle(outgoing, Some(options))
            .map_err(|e| error(&request.url, e))?;
        {
            let stream = body.write().map_err(|()| invalid("body stream"))?;
            for chunk in request.body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| failed(format!("writing the body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(|e| error(&request.url, e))?;
        pending.subscribe().block();
        let response = match pending.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(e))) => return Err(error(&request.url, e)),
            Some(Err(())) | None => return Err(failed("no response".into())),
        };
        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let incoming = response
            .consume()
            .map_err(|()| failed("response body".into()))?;
        let mut bytes = Vec::new();
        {
            let stream = incoming
                .stream()
                .map_err(|()| failed("response body".into()))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => bytes.extend_from_slice(&chunk),
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(failed(format!(
                            "reading the response: {}",
                            e.to_debug_string()
                        )));
                    }
                }
            }
        }
        drop(IncomingBody::finish(incoming));
        Ok(Response {
            status,
            headers,
            body: bytes,
        })
    }

    fn error(url: &str, code: ErrorCode) -> HttpError {
        match code {
            ErrorCode::HttpRequestDenied => HttpError::Denied(url.to_string()),
            other => HttpError::Failed {
                url: url.to_string(),
                reason: format!("{other:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_authority_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:8080/a/b?c=1"),
            Ok(("http", "127.0.0.1:8080", "/a/b?c=1"))
        );
        assert_eq!(
            split_url("https://api.example.com?x"),
            Ok(("https", "api.example.com", "?x"))
        );
        assert_eq!(
            split_url("https://api.example.com"),
            Ok(("https", "api.example.com", "/"))
        );
        assert!(split_url("api.example.com/x").is_err());
        assert!(split_url("http:///x").is_err());
    }
}
