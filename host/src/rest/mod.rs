//! The REST API, with Kafka Connect's paths, JSON shapes, status codes and error
//! body, so existing Kafka Connect tooling works unchanged. Every route is
//! described by the OpenAPI document served at `/openapi.json`, generated from the
//! handlers and the entity types they return.

pub mod auth;
pub mod entities;
pub mod error;
pub mod forward;
pub mod openapi;
pub mod tls;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::herder::{Health, HerderApi, HerderError, RequestSignature};
use crate::util::urlencode;
use crate::worker::status::TargetState;
use entities::*;
pub use error::RestError;

/// Shared state of the REST handlers.
#[derive(Clone)]
pub struct RestState {
    pub herder: Arc<dyn HerderApi>,
    /// Client for requests forwarded to other workers.
    pub http: reqwest::Client,
    /// Filled in once the broker answers; `null` until then.
    pub kafka_cluster_id: Arc<std::sync::OnceLock<String>>,
    /// How long a request may wait on the herder (Kafka Connect: 90 s).
    pub timeout: Duration,
    /// HTTP basic auth, when `rest.extension.classes` turns it on.
    pub auth: Option<Arc<auth::BasicAuth>>,
}

type Result<T> = std::result::Result<T, RestError>;

/// Every route with its OpenAPI description.
fn api_routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(root))
        .routes(routes!(health))
        .routes(routes!(list_connectors, create_connector))
        .routes(routes!(get_connector, delete_connector))
        .routes(routes!(get_config, put_config, patch_config))
        .routes(routes!(connector_status))
        .routes(routes!(connector_tasks, put_task_configs))
        .routes(routes!(fence_zombies))
        .routes(routes!(task_status))
        .routes(routes!(restart_task))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(stop))
        .routes(routes!(restart_connector))
        .routes(routes!(active_topics))
        .routes(routes!(reset_active_topics))
        .routes(routes!(get_offsets, alter_offsets, reset_offsets))
        .routes(routes!(list_plugins))
        .routes(routes!(plugin_config))
        .routes(routes!(validate))
        .routes(routes!(list_loggers))
        .routes(routes!(get_logger, set_logger))
}

/// The OpenAPI document of every route.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

/// Builds the router.
pub fn router(state: RestState) -> Router {
    let auth = state.auth.clone();
    let (router, api) = api_routes().split_for_parts();
    let document = Arc::new(api);
    let router = router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { Json(document.as_ref().clone()) }
            }),
        )
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

/// Runs blocking herder work (which may call into plugins) off the async runtime,
/// answering 500 if it takes longer than the request timeout: a stuck plugin call
/// never holds a request (or the server) hostage.
async fn blocking<T: Send + 'static>(
    state: &RestState,
    what: &str,
    f: impl FnOnce() -> std::result::Result<T, HerderError> + Send + 'static,
) -> Result<T> {
    let task = tokio::task::spawn_blocking(f);
    match tokio::time::timeout(state.timeout, task).await {
        Ok(Ok(result)) => result.map_err(RestError::from),
        Ok(Err(error)) => Err(RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("request handler failed: {error}"),
        )),
        Err(_) => {
            tracing::warn!(what, timeout = ?state.timeout, "REST request timed out");
            Err(RestError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "Request timed out. The worker was {what} and did not finish within {} ms",
                    state.timeout.as_millis()
                ),
            ))
        }
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
        match config_value(k, v)? {
            Some(text) => out.insert(k.clone(), text),
            None => {
                return Err(RestError::bad_request(format!(
                    "Config value for '{k}' must not be null"
                )));
            }
        };
    }
    Ok(out)
}

/// One config value as a string; `None` for JSON null.
fn config_value(key: &str, value: &Value) -> Result<Option<String>> {
    Ok(Some(match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => return Ok(None),
        _ => {
            return Err(RestError::bad_request(format!(
                "Config value for '{key}' must be a string"
            )));
        }
    }))
}

fn check_name(name: &str, config: &BTreeMap<String, String>) -> Result<()> {
    match config.get("name") {
        Some(inner) if inner != name => Err(RestError::bad_request(format!(
            "Connector name configuration ({inner}) doesn't match connector name in the URL ({name})"
        ))),
        _ => Ok(()),
    }
}

fn created(name: &str, body: ConnectorInfo) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/connectors/{}", urlencode(name))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The values of a query parameter that may repeat (`?expand=status&expand=info`),
/// which serde_urlencoded cannot read into a Vec.
fn query_values(query: Option<&str>, key: &str) -> Vec<String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .collect()
}

/// `GET /`: version, commit and Kafka cluster id.
#[utoipa::path(get, path = "/", tag = "root",
    responses((status = 200, body = ServerInfo)))]
async fn root(State(state): State<RestState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("FERRY_COMMIT").unwrap_or("unknown").to_string(),
        kafka_cluster_id: state.kafka_cluster_id.get().cloned(),
    })
}

/// How long `/health` waits for the herder (Kafka Connect: 10 s).
const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /health` (KIP-1017): 200 healthy, 503 still starting, 500 unresponsive.
#[utoipa::path(get, path = "/health", tag = "root",
    responses((status = 200, body = WorkerStatus), (status = 503, body = WorkerStatus),
        (status = 500, body = WorkerStatus)))]
async fn health(State(state): State<RestState>) -> Response {
    let herder = state.herder.clone();
    let timeout = HEALTH_TIMEOUT.min(state.timeout);
    let check = tokio::task::spawn_blocking(move || herder.health(timeout));
    let (status, body) = match tokio::time::timeout(timeout + Duration::from_secs(1), check).await
    {
        Ok(Ok(Health::Healthy)) => (
            StatusCode::OK,
            WorkerStatus {
                status: "healthy".into(),
                message: "Worker has completed startup and is ready to handle requests.".into(),
            },
        ),
        Ok(Ok(Health::Starting)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            WorkerStatus {
                status: "starting".into(),
                message: "Worker is still starting up.".into(),
            },
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            WorkerStatus {
                status: "unhealthy".into(),
                message: "Worker was unable to handle this request and may be unable to handle other requests.".into(),
            },
        ),
    };
    (status, Json(body)).into_response()
}

/// `GET /connectors`: names, or with `expand=status` / `expand=info` a map of
/// name → details.
#[utoipa::path(get, path = "/connectors", tag = "connectors",
    params(("expand" = Option<Vec<String>>, Query, description = "status and/or info")),
    responses((status = 200, body = ConnectorList)))]
async fn list_connectors(
    State(state): State<RestState>,
    query: axum::extract::RawQuery,
) -> Result<Json<ConnectorList>> {
    let expand = query_values(query.0.as_deref(), "expand");
    let herder = state.herder.clone();
    blocking(&state, "listing connectors", move || {
        let names = herder.connector_names()?;
        if expand.is_empty() {
            return Ok(ConnectorList::Names(names));
        }
        let mut out = BTreeMap::new();
        for name in names {
            let mut entry = ExpandedConnector::default();
            if expand.iter().any(|e| e == "status") {
                match herder.status(&name) {
                    Ok(status) => {
                        entry.status = Some(status);
                    }
                    // Kafka leaves out a connector whose status is not known yet.
                    Err(HerderError::NotFound(_)) => continue,
                    Err(error) => return Err(error),
                }
            }
            if expand.iter().any(|e| e == "info") {
                match herder.info(&name) {
                    Ok(info) => entry.info = Some(info),
                    // Deleted while the list was being built.
                    Err(HerderError::NotFound(_)) => continue,
                    Err(error) => return Err(error),
                }
            }
            out.insert(name, entry);
        }
        Ok(ConnectorList::Expanded(out))
    })
    .await
    .map(Json)
}

/// `POST /connectors`: 201 with `Location`, 409 when the name is taken.
#[utoipa::path(post, path = "/connectors", tag = "connectors",
    request_body = CreateConnectorRequest,
    responses((status = 201, body = ConnectorInfo), (status = 400, body = ErrorMessage),
        (status = 409, body = ErrorMessage)))]
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
    let initial_state = match request.get("initial_state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(match s.to_ascii_uppercase().as_str() {
            "RUNNING" => TargetState::Started,
            "PAUSED" => TargetState::Paused,
            "STOPPED" => TargetState::Stopped,
            _ => {
                return Err(RestError::bad_request(format!(
                    "Invalid initial_state '{s}': must be one of RUNNING, PAUSED, STOPPED"
                )));
            }
        }),
        Some(other) => {
            return Err(RestError::bad_request(format!(
                "Invalid initial_state {other}: must be one of RUNNING, PAUSED, STOPPED"
            )));
        }
    };
    check_name(&name, &config)?;
    let herder = state.herder.clone();
    let n = name.clone();
    let (_, info) = blocking(&state, &format!("creating connector {name}"), move || {
        herder.put_connector(&n, config, false, initial_state)
    })
    .await?;
    Ok(created(&name, info))
}

/// `GET /connectors/{name}`.
#[utoipa::path(get, path = "/connectors/{name}", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 200, body = ConnectorInfo), (status = 404, body = ErrorMessage)))]
async fn get_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<ConnectorInfo>> {
    let herder = state.herder.clone();
    blocking(&state, "reading a connector", move || herder.info(&name))
        .await
        .map(Json)
}

/// `DELETE /connectors/{name}`: 204.
#[utoipa::path(delete, path = "/connectors/{name}", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorMessage)))]
async fn delete_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    let herder = state.herder.clone();
    let what = format!("deleting connector {name}");
    blocking(&state, &what, move || herder.delete(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /connectors/{name}/config`: the config as written (`${…}` unresolved).
#[utoipa::path(get, path = "/connectors/{name}/config", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 200, body = BTreeMap<String, String>), (status = 404, body = ErrorMessage)))]
async fn get_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<BTreeMap<String, String>>> {
    let herder = state.herder.clone();
    blocking(&state, "reading a connector config", move || {
        herder.config(&name)
    })
    .await
    .map(Json)
}

/// `PUT /connectors/{name}/config`: 201 when created, 200 when updated.
#[utoipa::path(put, path = "/connectors/{name}/config", tag = "connectors",
    params(("name" = String, Path)),
    request_body = BTreeMap<String, String>,
    responses((status = 200, body = ConnectorInfo), (status = 201, body = ConnectorInfo),
        (status = 400, body = ErrorMessage), (status = 409, body = ErrorMessage)))]
async fn put_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let config = config_map(&parse_json(&body)?)?;
    check_name(&name, &config)?;
    let herder = state.herder.clone();
    let n = name.clone();
    let (created_new, info) = blocking(
        &state,
        &format!("writing the config of connector {name}"),
        move || herder.put_connector(&n, config, true, None),
    )
    .await?;
    Ok(if created_new {
        created(&name, info)
    } else {
        (StatusCode::OK, Json(info)).into_response()
    })
}

/// `PATCH /connectors/{name}/config` (KIP-477): merges into the stored config; a
/// `null` value removes the key.
#[utoipa::path(patch, path = "/connectors/{name}/config", tag = "connectors",
    params(("name" = String, Path)),
    request_body = BTreeMap<String, Option<String>>,
    responses((status = 200, body = ConnectorInfo), (status = 400, body = ErrorMessage),
        (status = 404, body = ErrorMessage)))]
async fn patch_config(
    State(state): State<RestState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<ConnectorInfo>> {
    let value = parse_json(&body)?;
    let object = value.as_object().ok_or_else(|| {
        RestError::bad_request(
            "Connector config patch must be a JSON object of string or null values",
        )
    })?;
    let mut patch = BTreeMap::new();
    for (k, v) in object {
        patch.insert(k.clone(), config_value(k, v)?);
    }
    if let Some(Some(inner)) = patch.get("name")
        && inner != &name
    {
        return Err(RestError::bad_request(format!(
            "Connector name configuration ({inner}) doesn't match connector name in the URL ({name})"
        )));
    }
    let herder = state.herder.clone();
    let what = format!("patching the config of connector {name}");
    blocking(&state, &what, move || herder.patch_config(&name, patch))
        .await
        .map(Json)
}

/// `GET /connectors/{name}/status`.
#[utoipa::path(get, path = "/connectors/{name}/status", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 200, body = ConnectorStateInfo), (status = 404, body = ErrorMessage)))]
async fn connector_status(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<ConnectorStateInfo>> {
    let herder = state.herder.clone();
    let status = blocking(&state, "reading a connector status", move || {
        herder.status(&name)
    })
    .await?;
    Ok(Json(status))
}

/// `GET /connectors/{name}/tasks`: task ids with their configs (`${…}` unresolved).
#[utoipa::path(get, path = "/connectors/{name}/tasks", tag = "tasks",
    params(("name" = String, Path)),
    responses((status = 200, body = Vec<TaskInfo>), (status = 404, body = ErrorMessage)))]
async fn connector_tasks(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Vec<TaskInfo>>> {
    let herder = state.herder.clone();
    let tasks = blocking(&state, "reading task configs", move || herder.tasks(&name)).await?;
    Ok(Json(tasks))
}

/// A task number from the path; like Kafka, a non-number is a 404.
fn task_number(task: &str) -> Result<u32> {
    task.parse()
        .map_err(|_| RestError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found"))
}

/// `GET /connectors/{name}/tasks/{task}/status`.
#[utoipa::path(get, path = "/connectors/{name}/tasks/{task}/status", tag = "tasks",
    params(("name" = String, Path), ("task" = u32, Path)),
    responses((status = 200, body = TaskState), (status = 404, body = ErrorMessage)))]
async fn task_status(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> Result<Json<TaskState>> {
    let task = task_number(&task)?;
    let herder = state.herder.clone();
    let status = blocking(&state, "reading a task status", move || {
        herder.task_status(&name, task)
    })
    .await?;
    Ok(Json(status))
}

/// `POST /connectors/{name}/tasks/{task}/restart`: 204.
#[utoipa::path(post, path = "/connectors/{name}/tasks/{task}/restart", tag = "tasks",
    params(("name" = String, Path), ("task" = u32, Path)),
    responses((status = 204), (status = 404, body = ErrorMessage), (status = 409, body = ErrorMessage)))]
async fn restart_task(
    State(state): State<RestState>,
    Path((name, task)): Path<(String, String)>,
) -> Result<StatusCode> {
    let task = task_number(&task)?;
    let herder = state.herder.clone();
    let what = format!("restarting task {name}-{task}");
    blocking(&state, &what, move || herder.restart_task(&name, task)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /connectors/{name}/pause`: 202.
#[utoipa::path(put, path = "/connectors/{name}/pause", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 202), (status = 404, body = ErrorMessage)))]
async fn pause(State(state): State<RestState>, Path(name): Path<String>) -> Result<StatusCode> {
    let herder = state.herder.clone();
    let what = format!("pausing connector {name}");
    blocking(&state, &what, move || herder.pause(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `PUT /connectors/{name}/resume`: 202 (also leaves STOPPED).
#[utoipa::path(put, path = "/connectors/{name}/resume", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 202), (status = 404, body = ErrorMessage)))]
async fn resume(State(state): State<RestState>, Path(name): Path<String>) -> Result<StatusCode> {
    let herder = state.herder.clone();
    let what = format!("resuming connector {name}");
    blocking(&state, &what, move || herder.resume(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `PUT /connectors/{name}/stop` (KIP-875): 204; the connector keeps its config
/// but runs no instance and no tasks.
#[utoipa::path(put, path = "/connectors/{name}/stop", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorMessage), (status = 409, body = ErrorMessage)))]
async fn stop(State(state): State<RestState>, Path(name): Path<String>) -> Result<StatusCode> {
    let herder = state.herder.clone();
    let what = format!("writing the STOPPED target state for connector {name}");
    blocking(&state, &what, move || herder.stop(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RestartQuery {
    /// Also restart the connector's tasks.
    #[serde(default, rename = "includeTasks")]
    #[param(rename = "includeTasks")]
    include_tasks: Option<String>,
    /// Restart only what has FAILED.
    #[serde(default, rename = "onlyFailed")]
    #[param(rename = "onlyFailed")]
    only_failed: Option<String>,
}

fn flag(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `POST /connectors/{name}/restart` (KIP-745): without flags 204 and only the
/// connector instance restarts; otherwise 202 with what restarts marked RESTARTING.
#[utoipa::path(post, path = "/connectors/{name}/restart", tag = "connectors",
    params(("name" = String, Path), RestartQuery),
    responses((status = 202, body = ConnectorStateInfo), (status = 204),
        (status = 404, body = ErrorMessage), (status = 409, body = ErrorMessage)))]
async fn restart_connector(
    State(state): State<RestState>,
    Path(name): Path<String>,
    Query(query): Query<RestartQuery>,
) -> Result<Response> {
    let include_tasks = flag(&query.include_tasks);
    let only_failed = flag(&query.only_failed);
    let herder = state.herder.clone();
    let what = format!("handling restart request for connector {name}");
    if !include_tasks && !only_failed {
        blocking(&state, &what, move || herder.restart_connector(&name)).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let status = blocking(&state, &what, move || {
        herder.restart_with_flags(&name, include_tasks, only_failed)
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(status)).into_response())
}

fn require_topic_tracking(state: &RestState, reset: bool) -> Result<()> {
    let config = &state.herder.services().config;
    if !config.topic_tracking {
        return Err(RestError::new(
            StatusCode::FORBIDDEN,
            "Topic tracking is disabled.",
        ));
    }
    if reset && !config.topic_tracking_reset {
        return Err(RestError::new(
            StatusCode::FORBIDDEN,
            "Topic tracking reset is disabled.",
        ));
    }
    Ok(())
}

/// `GET /connectors/{name}/topics` (KIP-558): `{"<name>":{"topics":[…]}}`.
#[utoipa::path(get, path = "/connectors/{name}/topics", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 200, body = BTreeMap<String, ActiveTopics>), (status = 403, body = ErrorMessage)))]
async fn active_topics(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<BTreeMap<String, ActiveTopics>>> {
    require_topic_tracking(&state, false)?;
    let herder = state.herder.clone();
    let n = name.clone();
    let topics = blocking(&state, "reading active topics", move || {
        Ok(herder.services().topics.topics(&n))
    })
    .await?;
    Ok(Json(BTreeMap::from([(name, ActiveTopics { topics })])))
}

/// `PUT /connectors/{name}/topics/reset` (KIP-558): 202.
#[utoipa::path(put, path = "/connectors/{name}/topics/reset", tag = "connectors",
    params(("name" = String, Path)),
    responses((status = 202), (status = 403, body = ErrorMessage)))]
async fn reset_active_topics(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    require_topic_tracking(&state, true)?;
    let herder = state.herder.clone();
    blocking(&state, "resetting active topics", move || {
        herder
            .services()
            .topics
            .reset(&name)
            .map_err(HerderError::Internal)
    })
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// `GET /connectors/{name}/offsets` (KIP-875).
#[utoipa::path(get, path = "/connectors/{name}/offsets", tag = "offsets",
    params(("name" = String, Path)),
    responses((status = 200, body = ConnectorOffsets), (status = 404, body = ErrorMessage)))]
async fn get_offsets(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<ConnectorOffsets>> {
    let herder = state.herder.clone();
    let what = format!("reading offsets of connector {name}");
    blocking(&state, &what, move || herder.offsets(&name))
        .await
        .map(Json)
}

/// `PATCH /connectors/{name}/offsets` (KIP-875): only while STOPPED.
#[utoipa::path(patch, path = "/connectors/{name}/offsets", tag = "offsets",
    params(("name" = String, Path)),
    request_body = ConnectorOffsets,
    responses((status = 200, body = Message), (status = 400, body = ErrorMessage),
        (status = 404, body = ErrorMessage)))]
async fn alter_offsets(
    State(state): State<RestState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<Message>> {
    let value = parse_json(&body)?;
    let offsets = crate::herder::offsets::parse_request(&value).map_err(RestError::from)?;
    let herder = state.herder.clone();
    let what = format!("modifying offsets for connector {name}");
    blocking(&state, &what, move || herder.alter_offsets(&name, &offsets))
        .await
        .map(Json)
}

/// `DELETE /connectors/{name}/offsets` (KIP-875): only while STOPPED.
#[utoipa::path(delete, path = "/connectors/{name}/offsets", tag = "offsets",
    params(("name" = String, Path)),
    responses((status = 200, body = Message), (status = 400, body = ErrorMessage),
        (status = 404, body = ErrorMessage)))]
async fn reset_offsets(
    State(state): State<RestState>,
    Path(name): Path<String>,
) -> Result<Json<Message>> {
    let herder = state.herder.clone();
    let what = format!("resetting offsets for connector {name}");
    blocking(&state, &what, move || herder.reset_offsets(&name))
        .await
        .map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PluginsQuery {
    /// Only connector plugins (default true).
    #[serde(default, rename = "connectorsOnly")]
    #[param(rename = "connectorsOnly")]
    connectors_only: Option<String>,
}

/// `GET /connector-plugins`.
#[utoipa::path(get, path = "/connector-plugins", tag = "plugins",
    params(PluginsQuery),
    responses((status = 200, body = Vec<PluginInfo>)))]
async fn list_plugins(
    State(state): State<RestState>,
    Query(query): Query<PluginsQuery>,
) -> Result<Json<Vec<PluginInfo>>> {
    let connectors_only = query
        .connectors_only
        .as_deref()
        .is_none_or(|v| !v.eq_ignore_ascii_case("false"));
    Ok(Json(state.herder.plugins(connectors_only)))
}

/// `GET /connector-plugins/{plugin}/config` (KIP-769): the plugin's config keys.
#[utoipa::path(get, path = "/connector-plugins/{plugin}/config", tag = "plugins",
    params(("plugin" = String, Path)),
    responses((status = 200, body = Vec<ConfigKeyInfo>), (status = 404, body = ErrorMessage)))]
async fn plugin_config(
    State(state): State<RestState>,
    Path(plugin): Path<String>,
) -> Result<Json<Vec<ConfigKeyInfo>>> {
    let herder = state.herder.clone();
    blocking(&state, "reading a plugin's config definition", move || {
        crate::herder::plugin_config_keys(herder.services(), &plugin)
    })
    .await
    .map(Json)
}

/// `PUT /connector-plugins/{plugin}/config/validate`: Kafka's `ConfigInfos`, with an
/// error for every invalid key (framework keys included).
#[utoipa::path(put, path = "/connector-plugins/{plugin}/config/validate", tag = "plugins",
    params(("plugin" = String, Path)),
    request_body = BTreeMap<String, String>,
    responses((status = 200, body = ConfigInfos), (status = 400, body = ErrorMessage),
        (status = 404, body = ErrorMessage)))]
async fn validate(
    State(state): State<RestState>,
    Path(plugin): Path<String>,
    body: Bytes,
) -> Result<Json<ConfigInfos>> {
    let mut config = config_map(&parse_json(&body)?)?;
    config
        .entry("connector.class".to_string())
        .or_insert_with(|| plugin.clone());
    let herder = state.herder.clone();
    let what = format!("performing config validation for connector plugin {plugin}");
    blocking(&state, &what, move || {
        herder.validate_for_plugin(&plugin, &config)
    })
    .await
    .map(Json)
}

fn logger_entity(level: crate::logging::LoggerLevel) -> LoggerLevel {
    LoggerLevel {
        level: level.level,
        last_modified: level.last_modified,
    }
}

/// `GET /admin/loggers`: levels of Ferry's loggers and of every logger with a level
/// of its own.
#[utoipa::path(get, path = "/admin/loggers", tag = "loggers",
    responses((status = 200, body = BTreeMap<String, LoggerLevel>)))]
async fn list_loggers() -> Json<BTreeMap<String, LoggerLevel>> {
    Json(
        crate::logging::all()
            .into_iter()
            .map(|(name, level)| (name, logger_entity(level)))
            .collect(),
    )
}

/// `GET /admin/loggers/{name}`.
#[utoipa::path(get, path = "/admin/loggers/{name}", tag = "loggers",
    params(("name" = String, Path)),
    responses((status = 200, body = LoggerLevel), (status = 404, body = ErrorMessage)))]
async fn get_logger(Path(name): Path<String>) -> Result<Json<LoggerLevel>> {
    crate::logging::get(&name)
        .map(|l| Json(logger_entity(l)))
        .map_err(|e| RestError::new(StatusCode::NOT_FOUND, e.to_string()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LoggerQuery {
    /// `worker` (default) or `cluster` (KIP-976).
    #[serde(default)]
    scope: Option<String>,
}

/// `PUT /admin/loggers/{name}`: `scope=worker` answers 200 with the loggers set;
/// `scope=cluster` asks every worker and answers 204.
#[utoipa::path(put, path = "/admin/loggers/{name}", tag = "loggers",
    params(("name" = String, Path), LoggerQuery),
    request_body = SetLoggerLevel,
    responses((status = 200, body = Vec<String>), (status = 204),
        (status = 400, body = ErrorMessage), (status = 404, body = ErrorMessage)))]
async fn set_logger(
    State(state): State<RestState>,
    Path(name): Path<String>,
    Query(query): Query<LoggerQuery>,
    body: Bytes,
) -> Result<Response> {
    let value = parse_json(&body)?;
    let Some(level) = value
        .get("level")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(RestError::bad_request(
            "Desired 'level' parameter was not specified in request.",
        ));
    };
    let level = crate::logging::check_level(&level)
        .map_err(|_| {
            RestError::new(
                StatusCode::NOT_FOUND,
                format!("invalid log level '{level}'."),
            )
        })?
        .to_string();
    let scope = query.scope.unwrap_or_default().to_ascii_lowercase();
    if scope == "cluster" {
        let herder = state.herder.clone();
        blocking(&state, "writing a cluster log level", move || {
            herder.set_cluster_logger_level(&name, &level)
        })
        .await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if !scope.is_empty() && scope != "worker" {
        tracing::warn!(scope, "invalid logging scope; defaulting to worker");
    }
    let affected = crate::logging::set_level(&name, &level)
        .map_err(|e| RestError::new(StatusCode::NOT_FOUND, e.to_string()))?;
    Ok((StatusCode::OK, Json(affected)).into_response())
}

/// Internal endpoint: a worker running a connector hands the leader its task configs.
#[utoipa::path(post, path = "/connectors/{name}/tasks", tag = "internal",
    params(("name" = String, Path)),
    request_body = Vec<BTreeMap<String, String>>,
    responses((status = 204), (status = 400, body = ErrorMessage), (status = 403, body = ErrorMessage),
        (status = 404, body = ErrorMessage), (status = 409, body = ErrorMessage), (status = 503, body = ErrorMessage)))]
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
    blocking(&state, "writing task configs", move || {
        herder.put_task_configs(&name, configs, &body, &signature)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Kafka's `PUT /connectors/{connector}/fence` (KIP-618, internal): a worker whose
/// exactly-once task waits asks the leader to fence the connector's zombies.
#[utoipa::path(put, path = "/connectors/{name}/fence", tag = "internal",
    params(("name" = String, Path, description = "Connector name")),
    request_body(content = String, description = "Empty"),
    responses((status = 204), (status = 400, body = ErrorMessage), (status = 403, body = ErrorMessage),
        (status = 404, body = ErrorMessage), (status = 409, body = ErrorMessage), (status = 500, body = ErrorMessage)))]
async fn fence_zombies(
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
    let herder = state.herder.clone();
    blocking(&state, "fencing zombie source tasks", move || {
        herder.fence_zombies(&name, &body, &signature)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_query_values_are_all_read() {
        assert_eq!(
            query_values(Some("expand=status&expand=info&forward=true"), "expand"),
            vec!["status", "info"]
        );
        assert!(query_values(None, "expand").is_empty());
    }

    #[test]
    fn the_openapi_document_describes_every_route() {
        let document = openapi_document();
        let paths: Vec<&String> = document.paths.paths.keys().collect();
        for path in [
            "/",
            "/health",
            "/connectors",
            "/connectors/{name}/config",
            "/connectors/{name}/offsets",
            "/connectors/{name}/stop",
            "/connectors/{name}/topics/reset",
            "/connector-plugins/{plugin}/config/validate",
            "/admin/loggers/{name}",
        ] {
            assert!(
                paths.iter().any(|p| *p == path),
                "{path} missing from {paths:?}"
            );
        }
    }
}
