//! The REST API, with Kafka Connect's paths, JSON shapes, status codes and error
//! body, so existing Kafka Connect tooling works unchanged.

pub mod auth;
pub mod error;
pub mod forward;
pub mod tls;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cluster::{HerderApi, HerderError, RequestSignature};
pub use error::RestError;

/// Shared state of the REST handlers.
#[derive(Clone)]
pub struct RestState {
    pub herder: Arc<dyn HerderApi>,
    /// Client for requests forwarded to other workers.
    pub http: reqwest::Client,
    /// Filled in once the broker answers; `null` until then.
    pub kafka_cluster_id: Arc<std::sync::OnceLock<String>>,
    /// HTTP basic auth, when `rest.extension.classes` turns it on.
    pub auth: Option<Arc<auth::BasicAuth>>,
}

type Result<T> = std::result::Result<T, RestError>;

/// Builds the router.
pub fn router(state: RestState) -> Router {
    let auth = state.auth.clone();
    let router = Router::new()
        .route("/", get(root))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route(
            "/connectors/{name}",
            get(get_connector).delete(delete_connector),
        )
        .route("/connectors/{name}/config", get(get_config).put(put_config))
        .route("/connectors/{name}/status", get(connector_status))
        .route(
            "/connectors/{name}/tasks",
            get(connector_tasks).post(put_task_configs),
        )
        .route("/connectors/{name}/tasks/{task}/status", get(task_status))
        .route(
            "/connectors/{name}/tasks/{task}/restart",
            post(restart_task),
        )
        .route("/connectors/{name}/pause", put(pause))
        .route("/connectors/{name}/resume", put(resume))
        .route("/connectors/{name}/restart", post(restart_connector))
        .route("/connector-plugins", get(list_plugins))
        .route("/connector-plugins/{plugin}/config/validate", put(validate))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            forward::forwarding,
        ));
    // Outside forwarding: a request is authenticated before it is answered or forwarded
    // (a forwarded request keeps its Authorization header and is checked again there).
    let router = match auth {
        Some(auth) => router.layer(axum::middleware::from_fn_with_state(
            auth,
            auth::require_basic_auth,
        )),
        None => router,
    };
    router.with_state(state)
}

/// Runs blocking herder work (which may call into plugins) off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, HerderError> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(RestError::from),
        Err(error) => Err(RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("request handler failed: {error}"),
        )),
    }
}

async fn not_found() -> RestError {
    RestError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
}

async fn method_not_allowed() -> RestError {
    RestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

async fn root(State(state): State<RestState>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("FERRY_COMMIT").unwrap_or("unknown"),
        "kafka_cluster_id": state.kafka_cluster_id.get(),
    }))
}

async fn list_connectors(
    State(state): State<RestState>,
    query: axum::extract::RawQuery,
) -> Result<Json<Value>> {
    // `expand` may repeat (`?expand=status&expand=info`), which serde_urlencoded
    // cannot read into a Vec, so parse the query by hand.
    let expand: Vec<String> = query
        .0
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.strip_prefix("expand="))
        .map(str::to_string)
        .collect();
    let herder = state.herder.clone();
    blocking(move || {
        let names = herder.connector_names()?;
        if expand.is_empty() {
            return Ok(json!(names));
        }
        let mut out = serde_json::Map::new();
        for name in names {
            let mut entry = serde_json::Map::new();
            if expand.iter().any(|e| e == "status") {
                entry.insert("status".into(), herder.status(&name)?);
            }
            if expand.iter().any(|e| e == "info") {
                entry.insert(
                    "info".into(),
                    serde_json::to_value(herder.info(&name)?).unwrap_or(Value::Null),
                );
            }
            out.insert(name, Value::Object(entry));
        }
        Ok(Value::Object(out))
    })
    .await
    .map(Json)
}

/// Parses a JSON body, answering 400 with Kafka's error body when it is not JSON.
fn parse_json(body: &Bytes) -> Result<Value> {
    serde_json::from_slice(body)
        .map_err(|e| RestError::bad_request(format!("Cannot deserialize request body: {e}")))
}

/// Reads a JSON object of config values; scalars are turned into strings as
/// Kafka Connect's JSON mapper does.
fn config_map(value: &Value) -> Result<BTreeMap<String, String>> {
    let object = value.as_object().ok_or_else(|| {
        RestError::bad_request("Connector config must be a JSON object of string values")
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in object {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => {
                return Err(RestError::bad_request(format!(
                    "Config value for '{k}' must not be null"
                )));
            }
            _ => {
                return Err(RestError::bad_request(format!(
                    "Config value for '{k}' must be a string"
                )));
            }
        };
        out.insert(k.clone(), text);
    }
    Ok(out)
}

fn created(name: &str, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/connectors/{}", urlencode(name))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Percent-encodes a path segment (connector names may hold any character).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn create_connector(State(state): State<RestState>, body: Bytes) -> Result<Response> {
    let request = parse_json(&body)?;
    let name = request
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            RestError::bad_request(
                "Connector name must be specified in the request body as \"name\"",
            )
        })?
        .to_string();
    let config = match request.get("config") {
        Some(config) => config_map(config)?,
        None => {
            return Err(RestError::bad_request(
                "Connector config must be specified in the request body as \"config\"",
            ));
        }
    };
    if let Some(inner) = config.get("name")
        && inner != &name
    {
        return Err(RestError::bad_request(format!(
            "Connector name configuration ({inner}) doesn't match connector name in the URL ({name})"
        )));
    }
    let herder = state.herder.clone();
    let n = name.clone();
    let (_, info) = blocking(move || herder.put_connector(&n, config, false)).await?;
    Ok(created(
        &name,
        serde_json::to_value(info).unwrap_or(Value::Null),
    ))
}

async fn get_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let herder = state.herder.clone();
    let info = blocking(move || herder.info(&name)).await?;
    Ok(Json(serde_json::to_value(info).unwrap_or(Value::Null)))
}

async fn delete_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    let herder = state.herder.clone();
    blocking(move || herder.delete(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let herder = state.herder.clone();
    let config = blocking(move || herder.config(&name)).await?;
    Ok(Json(json!(config)))
}

async fn put_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let config = config_map(&parse_json(&body)?)?;
    if let Some(inner) = config.get("name")
        && inner != &name
    {
        return Err(RestError::bad_request(format!(
            "Connector name configuration ({inner}) doesn't match connector name in the URL ({name})"
        )));
    }
    let herder = state.herder.clone();
    let n = name.clone();
    let (created_new, info) = blocking(move || herder.put_connector(&n, config, true)).await?;
    let body = serde_json::to_value(info).unwrap_or(Value::Null);
    Ok(if created_new {
        created(&name, body)
    } else {
        (StatusCode::OK, Json(body)).into_response()
    })
}

async fn connector_status(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let herder = state.herder.clone();
    blocking(move || herder.status(&name)).await.map(Json)
}

async fn connector_tasks(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let herder = state.herder.clone();
    blocking(move || herder.tasks(&name)).await.map(Json)
}

fn task_number(task: &str) -> Result<u32> {
    task.parse()
        .map_err(|_| RestError::new(StatusCode::NOT_FOUND, format!("Task {task} not found")))
}

async fn task_status(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let task = task_number(&task)?;
    let herder = state.herder.clone();
    blocking(move || herder.task_status(&name, task))
        .await
        .map(Json)
}

async fn restart_task(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> Result<StatusCode> {
    let task = task_number(&task)?;
    let herder = state.herder.clone();
    blocking(move || herder.restart_task(&name, task)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn pause(State(state): State<RestState>, Path(name): Path<String>) -> Result<StatusCode> {
    let herder = state.herder.clone();
    blocking(move || herder.pause(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn resume(State(state): State<RestState>, Path(name): Path<String>) -> Result<StatusCode> {
    let herder = state.herder.clone();
    blocking(move || herder.resume(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
struct RestartQuery {
    #[serde(default, rename = "includeTasks")]
    include_tasks: Option<String>,
    #[serde(default, rename = "onlyFailed")]
    only_failed: Option<String>,
}

fn flag(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

async fn restart_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
    Query(query): Query<RestartQuery>,
) -> Result<Response> {
    let include_tasks = flag(&query.include_tasks);
    let only_failed = flag(&query.only_failed);
    let herder = state.herder.clone();
    if !include_tasks && !only_failed {
        blocking(move || herder.restart_connector(&name)).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    // KIP-745: restart the connector and (failed) tasks, answer 202 with the status.
    let status =
        blocking(move || herder.restart_with_flags(&name, include_tasks, only_failed)).await?;
    Ok((StatusCode::ACCEPTED, Json(status)).into_response())
}

#[derive(Deserialize)]
struct PluginsQuery {
    #[serde(default, rename = "connectorsOnly")]
    connectors_only: Option<String>,
}

async fn list_plugins(
    State(state): State<RestState>,
    Query(query): Query<PluginsQuery>,
) -> Json<Value> {
    let connectors_only = query
        .connectors_only
        .as_deref()
        .is_none_or(|v| !v.eq_ignore_ascii_case("false"));
    Json(json!(state.herder.plugins(connectors_only)))
}

async fn validate(
    State(state): State<RestState>,
    Path(plugin): Path<String>,
    body: Bytes,
) -> Result<Json<Value>> {
    let mut config = config_map(&parse_json(&body)?)?;
    config
        .entry("connector.class".to_string())
        .or_insert_with(|| plugin.clone());
    let herder = state.herder.clone();
    let infos = blocking(move || herder.validate_for_plugin(&plugin, &config)).await?;
    Ok(Json(serde_json::to_value(infos).unwrap_or(Value::Null)))
}

/// Internal endpoint: a worker running a connector hands the leader its task configs.
async fn put_task_configs(
    State(state): State<RestState>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = RequestSignature {
        signature: header("x-connect-authorization"),
        algorithm: header("x-connect-request-signature-algorithm"),
    };
    let value = parse_json(&body)?;
    let list = value
        .as_array()
        .ok_or_else(|| RestError::bad_request("Task configs must be a JSON array of objects"))?;
    let configs = list.iter().map(config_map).collect::<Result<Vec<_>>>()?;
    let herder = state.herder.clone();
    blocking(move || herder.put_task_configs(&name, configs, &body, &signature)).await?;
    Ok(StatusCode::NO_CONTENT)
}
