//! Request forwarding in a cluster: a request only the leader (or a task's owner)
//! can answer is replayed there, as Kafka Connect's `completeOrForwardRequest`
//! does, with the `forward` query parameter bounding it to two hops.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::RestState;
use super::error::{ForwardTo, RestError};

/// Largest request body the API accepts.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Headers a forwarded request keeps: credentials and the internal signature.
const KEPT_HEADERS: [&str; 4] = [
    "authorization",
    "content-type",
    "x-connect-authorization",
    "x-connect-request-signature-algorithm",
];

/// `forward` from the query string: absent (a user's request), true or false.
fn forward_flag(query: Option<&str>) -> Option<bool> {
    query?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("forward="))
        .next_back()
        .map(|v| !v.eq_ignore_ascii_case("false"))
}

/// The query string without `forward`, plus the next hop's `forward` value.
fn next_query(query: Option<&str>, forward: bool) -> String {
    let mut pairs: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("forward="))
        .collect();
    let flag = format!("forward={forward}");
    pairs.push(&flag);
    pairs.join("&")
}

/// Middleware: runs the handler and, if it answered "ask that worker", asks it.
pub async fn forwarding(State(state): State<RestState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            return RestError::bad_request(format!("Cannot read request body: {error}"))
                .into_response();
        }
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let headers = parts.headers.clone();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let Some(ForwardTo(target)) = response.extensions().get::<ForwardTo>().cloned() else {
        return response;
    };
    let forward = forward_flag(query.as_deref());
    if forward == Some(false) {
        return RestError::new(
            StatusCode::CONFLICT,
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        )
        .into_response();
    }
    let url = format!(
        "{}{}?{}",
        target.trim_end_matches('/'),
        path,
        next_query(query.as_deref(), forward.is_none())
    );
    tracing::debug!(%method, %url, "forwarding request");
    let mut outgoing = state.http.request(method, &url).body(bytes);
    for name in KEPT_HEADERS {
        if let Some(value) = headers.get(name) {
            outgoing = outgoing.header(name, value.clone());
        }
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(error) => {
            return RestError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("IO Error trying to forward REST request: {error}"),
            )
            .into_response();
        }
    };
    let status = answer.status();
    let mut out_headers = HeaderMap::new();
    for name in [header::CONTENT_TYPE, header::LOCATION] {
        if let Some(value) = answer.headers().get(&name)
            && let Ok(value) = HeaderValue::from_bytes(value.as_bytes())
        {
            out_headers.insert(name, value);
        }
    }
    match answer.bytes().await {
        Ok(body) => (status, out_headers, body).into_response(),
        Err(error) => RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("IO Error trying to forward REST request: {error}"),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_parameter_bounds_hops() {
        assert_eq!(forward_flag(None), None);
        assert_eq!(forward_flag(Some("expand=status")), None);
        assert_eq!(forward_flag(Some("forward=true")), Some(true));
        assert_eq!(forward_flag(Some("forward=false")), Some(false));
        assert_eq!(
            next_query(Some("includeTasks=true&forward=true"), false),
            "includeTasks=true&forward=false"
        );
        assert_eq!(next_query(None, true), "forward=true");
    }
}
