//! Kafka Connect's REST error body: `{"error_code":N,"message":"…"}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::herder::HerderError;

/// An error answered with Kafka Connect's error body.
#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    pub message: String,
    /// Another worker (the leader, or a task's owner) must answer this request.
    pub forward_to: Option<String>,
}

/// Marks a response that the forwarding layer replaces with the answer of the
/// worker at this URL.
#[derive(Clone, Debug)]
pub struct ForwardTo(pub String);

/// Kafka Connect's message when no worker can be asked.
pub const NO_LEADER_MESSAGE: &str = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";

impl RestError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            forward_to: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<HerderError> for RestError {
    fn from(error: HerderError) -> Self {
        let status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match error {
            HerderError::Elsewhere {
                message,
                target: Some(url),
            } if !url.is_empty() => Self {
                status,
                message,
                forward_to: Some(url),
            },
            HerderError::Elsewhere { .. } => Self::new(status, NO_LEADER_MESSAGE),
            _ => Self::new(status, error.to_string()),
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let body = json!({"error_code": self.status.as_u16(), "message": self.message});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(url) = self.forward_to {
            response.extensions_mut().insert(ForwardTo(url));
        }
        response
    }
}
