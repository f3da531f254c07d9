//! A tiny client for the worker's Kafka Connect REST API.

use std::time::Duration;

use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::Value;

/// REST client bound to one worker's base URL. Every call returns the HTTP status and
/// the body parsed as JSON (`Null` for an empty body, a JSON string holding the raw text
/// when the body is not JSON).
#[derive(Clone)]
pub struct Rest {
    base: String,
    client: Client,
    /// HTTP basic credentials sent with every call, if set.
    credentials: Option<(String, String)>,
}

impl Rest {
    /// A client for `base` (e.g. `http://127.0.0.1:8083`).
    pub fn new(base: impl Into<String>) -> Rest {
        let client = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("build HTTP client");
        Rest::with_client(base, client)
    }

    /// A client for `base` using `client` (e.g. one that trusts a test CA).
    pub fn with_client(base: impl Into<String>, client: Client) -> Rest {
        Rest {
            base: base.into().trim_end_matches('/').to_owned(),
            client,
            credentials: None,
        }
    }

    /// The same client, sending `Authorization: Basic …` for `user`/`password`.
    pub fn with_basic_auth(&self, user: &str, password: &str) -> Rest {
        Rest {
            credentials: Some((user.to_owned(), password.to_owned())),
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body.to_string()))
    }

    /// `POST path` without a body.
    pub fn post_empty(&self, path: &str) -> (u16, Value) {
        self.call(Method::POST, path, None)
    }

    /// `POST path` with `raw` as the body, declared as `application/json` (for
    /// malformed-JSON tests).
    pub fn post_raw(&self, path: &str, raw: &str) -> (u16, Value) {
        self.call(Method::POST, path, Some(raw.to_owned()))
    }

    /// `PUT path` with a JSON body.
    pub fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body.to_string()))
    }

    /// `PUT path` without a body.
    pub fn put_empty(&self, path: &str) -> (u16, Value) {
        self.call(Method::PUT, path, None)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None)
    }

    /// Panics on transport errors (connection refused, timeout); see [`Rest::try_call`].
    pub fn call(&self, method: Method, path: &str, body: Option<String>) -> (u16, Value) {
        self.try_call(method.clone(), path, body, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{method} {}{path}: {e:#}", self.base))
    }

    /// One request with its own timeout; transport errors come back as `Err`.
    pub fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        timeout: Duration,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .timeout(timeout)
            .header("Accept", "application/json");
        if let Some((user, password)) = &self.credentials {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send()?;
        let status = response.status().as_u16();
        let text = response.text()?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, value))
    }

    /// `POST /connectors` with `{"name": name, "config": config}`.
    pub fn create_connector(&self, name: &str, config: &[(&str, String)]) -> (u16, Value) {
        self.post("/connectors", &crate::files::connector_json(name, config))
    }

    /// `PUT /connector-plugins/{plugin}/config/validate` with `config` as the body.
    pub fn validate(&self, plugin: &str, config: &[(&str, String)]) -> (u16, Value) {
        self.put(
            &format!("/connector-plugins/{plugin}/config/validate"),
            &crate::connectors::config_map(config),
        )
    }

    /// `GET path` with a short timeout, `None` on any transport error.
    pub fn probe(&self, path: &str, timeout: Duration) -> Option<(u16, Value)> {
        self.try_call(Method::GET, path, None, timeout).ok()
    }
}

/// Asserts that `response` is a Kafka Connect error: HTTP `status` and a body
/// `{"error_code": status, "message": "<non-empty>"}`. Returns the message.
pub fn assert_error(response: &(u16, Value), status: u16, what: &str) -> String {
    let (got, body) = response;
    assert_eq!(
        *got, status,
        "{what}: expected HTTP {status}, got {got} with body {body}"
    );
    assert_eq!(
        body["error_code"].as_u64(),
        Some(u64::from(status)),
        "{what}: error body must carry \"error_code\": {status}; body: {body}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        !message.is_empty(),
        "{what}: error body must carry a non-empty \"message\"; body: {body}"
    );
    message.to_owned()
}

/// The `errors` listed for config `key` in a validate response
/// (`{"configs":[{"definition":…,"value":{"name":key,"errors":[…]}}]}`); `None` if the
/// response has no entry for `key`.
pub fn validation_errors(validate_body: &Value, key: &str) -> Option<Vec<String>> {
    let entry = validate_body["configs"]
        .as_array()?
        .iter()
        .find(|c| c["value"]["name"] == key)?;
    Some(
        entry["value"]["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    )
}
