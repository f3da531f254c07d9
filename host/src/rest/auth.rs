//! HTTP basic authentication for the REST API: the equivalent of Kafka Connect's
//! `BasicAuthSecurityRestExtension` (its `JaasBasicAuthFilter`), with the users in a
//! properties file of argon2id hashes (`user=$argon2id$…`, written by
//! `ferry hash-password`) instead of a JAAS login module.
//!
//! Passwords and `Authorization` headers are never logged.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::RestError;
use crate::config::WorkerConfig;

/// The worker key listing REST extensions, as in Kafka Connect.
pub const EXTENSIONS_KEY: &str = "rest.extension.classes";
/// Kafka Connect's class name of the basic-auth extension.
pub const EXTENSION_CLASS: &str =
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
/// The worker key naming the credentials file.
pub const CREDENTIALS_FILE_KEY: &str = "ferry.rest.basic.auth.credentials.file";
/// The realm in `WWW-Authenticate`.
pub const REALM: &str = "Ferry";
/// Kafka Connect's message for a request that failed authentication.
pub const UNAUTHORIZED_MESSAGE: &str = "User cannot access the resource.";
/// Successful verifications kept before the cache starts over.
const CACHE_LIMIT: usize = 4096;

/// Basic auth cannot be set up from the worker config.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error(
        "worker config: missing required property '{CREDENTIALS_FILE_KEY}' \
         ({EXTENSIONS_KEY} lists BasicAuthSecurityRestExtension)"
    )]
    MissingFile,
    #[error("cannot read {CREDENTIALS_FILE_KEY} {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{CREDENTIALS_FILE_KEY} {path}: the password of user '{user}' is stored in plaintext; \
         store an argon2id hash instead: run `ferry hash-password` and put its output after '{user}='"
    )]
    Plaintext { path: PathBuf, user: String },
    #[error(
        "{CREDENTIALS_FILE_KEY} {path}: the password hash of user '{user}' is not a valid \
         argon2 PHC string ({reason}); run `ferry hash-password` to make one"
    )]
    BadHash {
        path: PathBuf,
        user: String,
        reason: String,
    },
}

/// A password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the password is empty")]
    Empty,
    #[error("cannot get random bytes for the salt: {0}")]
    Random(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes `password` with argon2id (default parameters, random salt) as a PHC string.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    if password.is_empty() {
        return Err(HashError::Empty);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| HashError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// The users allowed in, and the verifications already done.
pub struct BasicAuth {
    /// User name to PHC hash.
    users: BTreeMap<String, String>,
    /// Verified against when the user is unknown, so that unknown users take as long.
    decoy: Option<String>,
    /// SHA-256 of `user:password` for every pair verified so far.
    verified: Mutex<HashSet<[u8; 32]>>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Whether `rest.extension.classes` lists the basic-auth extension.
pub fn enabled(config: &WorkerConfig) -> bool {
    config.props.get(EXTENSIONS_KEY).is_some_and(|classes| {
        crate::config::worker::split_list(classes)
            .iter()
            .any(|c| c == EXTENSION_CLASS || c == "BasicAuthSecurityRestExtension")
    })
}

impl BasicAuth {
    /// Basic auth for this worker: `None` unless `rest.extension.classes` asks for it.
    pub fn from_worker(config: &WorkerConfig) -> Result<Option<Arc<Self>>, AuthConfigError> {
        if !enabled(config) {
            return Ok(None);
        }
        let path = config
            .props
            .get(CREDENTIALS_FILE_KEY)
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .ok_or(AuthConfigError::MissingFile)?;
        Self::from_file(Path::new(path)).map(|auth| Some(Arc::new(auth)))
    }

    /// Reads a properties file of `user=<argon2 PHC hash>` lines.
    pub fn from_file(path: &Path) -> Result<Self, AuthConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| AuthConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_entries(path, crate::config::properties::parse(&text))
    }

    /// Checks every entry is an argon2 hash; `path` is for error messages.
    pub fn from_entries(
        path: &Path,
        entries: BTreeMap<String, String>,
    ) -> Result<Self, AuthConfigError> {
        for (user, hash) in &entries {
            let hash = hash.trim();
            if !hash.starts_with('$') {
                return Err(AuthConfigError::Plaintext {
                    path: path.to_path_buf(),
                    user: user.clone(),
                });
            }
            let bad = |reason: String| AuthConfigError::BadHash {
                path: path.to_path_buf(),
                user: user.clone(),
                reason,
            };
            let parsed = PasswordHash::new(hash).map_err(|e| bad(e.to_string()))?;
            if Algorithm::try_from(parsed.algorithm).is_err() {
                return Err(bad(format!(
                    "algorithm '{}' is not argon2",
                    parsed.algorithm
                )));
            }
        }
        if entries.is_empty() {
            tracing::warn!(file = %path.display(), "the basic-auth credentials file lists no user: every request will be refused");
        }
        let users: BTreeMap<String, String> = entries
            .into_iter()
            .map(|(user, hash)| (user, hash.trim().to_string()))
            .collect();
        Ok(Self {
            decoy: users.values().next().cloned(),
            users,
            verified: Mutex::new(HashSet::new()),
        })
    }

    fn cache_key(user: &str, password: &str) -> [u8; 32] {
        let mut digest = Sha256::new();
        digest.update(user.as_bytes());
        digest.update(b":");
        digest.update(password.as_bytes());
        digest.finalize().into()
    }

    /// Whether `user:password` was verified before (no argon2 work).
    pub fn cached(&self, user: &str, password: &str) -> bool {
        let key = Self::cache_key(user, password);
        self.verified
            .lock()
            .map(|set| set.contains(&key))
            .unwrap_or(false)
    }

    /// Checks `password` for `user` (argon2: slow, so call it off the async runtime).
    pub fn verify(&self, user: &str, password: &str) -> bool {
        if self.cached(user, password) {
            return true;
        }
        let (stored, known) = match self.users.get(user) {
            Some(hash) => (hash, true),
            None => match &self.decoy {
                Some(hash) => (hash, false),
                None => return false,
            },
        };
        let matches = PasswordHash::new(stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false);
        if !(matches && known) {
            return false;
        }
        if let Ok(mut set) = self.verified.lock() {
            if set.len() >= CACHE_LIMIT {
                set.clear();
            }
            set.insert(Self::cache_key(user, password));
        }
        true
    }
}

/// `(user, password)` from an `Authorization: Basic …` value, as Kafka's
/// `BasicAuthCredentials` reads it: scheme case-insensitive, user not empty.
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.split_once(' ')?;
    if scheme.is_empty() || !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    if user.is_empty() {
        return None;
    }
    Some((user.to_string(), password.to_string()))
}

/// Kafka's internal, signature-authenticated requests, which basic auth lets
/// through: `POST /connectors/{c}/tasks` and `PUT /connectors/{c}/fence`.
pub fn is_internal_request(method: &Method, path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let path = path.strip_suffix('/').unwrap_or(path);
    let Some(rest) = path.strip_prefix("connectors/") else {
        return false;
    };
    let Some((name, action)) = rest.split_once('/') else {
        return false;
    };
    if name.is_empty() {
        return false;
    }
    (method == Method::POST && action == "tasks") || (method == Method::PUT && action == "fence")
}

/// 401 with `WWW-Authenticate` and Kafka's error body.
pub fn unauthorized() -> Response {
    let mut response =
        RestError::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED_MESSAGE).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Ferry\""),
    );
    response
}

/// Middleware: lets a request through when it carries valid credentials or is one
/// of the internal requests; answers 401 otherwise.
pub async fn require_basic_auth(
    State(auth): State<Arc<BasicAuth>>,
    request: Request,
    next: Next,
) -> Response {
    if is_internal_request(request.method(), request.uri().path()) {
        tracing::trace!("internal request: skipping basic authentication");
        return next.run(request).await;
    }
    let credentials = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_basic);
    let Some((user, password)) = credentials else {
        tracing::debug!("request without usable basic credentials refused");
        return unauthorized();
    };
    let ok = if auth.cached(&user, &password) {
        true
    } else {
        let auth = auth.clone();
        let user = user.clone();
        tokio::task::spawn_blocking(move || auth.verify(&user, &password))
            .await
            .unwrap_or(false)
    };
    if ok {
        next.run(request).await
    } else {
        tracing::debug!(%user, "request failed basic authentication");
        unauthorized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user_password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_password)
        )
    }

    fn auth_with(pairs: &[(&str, &str)]) -> Result<BasicAuth, AuthConfigError> {
        let entries = pairs
            .iter()
            .map(|(u, h)| (u.to_string(), h.to_string()))
            .collect();
        BasicAuth::from_entries(Path::new("creds.properties"), entries)
    }

    #[test]
    fn parses_basic_headers_like_kafka() {
        assert_eq!(
            parse_basic(&header("alice:s3cr:et")),
            Some(("alice".into(), "s3cr:et".into()))
        );
        assert_eq!(
            parse_basic(&header("bob:")),
            Some(("bob".into(), String::new()))
        );
        let lower = header("alice:pw").replacen("Basic", "basic", 1);
        assert_eq!(parse_basic(&lower), Some(("alice".into(), "pw".into())));
        assert_eq!(parse_basic(&header(":pw")), None, "empty user");
        assert_eq!(parse_basic(&header("nocolon")), None);
        assert_eq!(parse_basic("Basic !!!notbase64"), None);
        assert_eq!(parse_basic("Bearer abc"), None);
        assert_eq!(parse_basic("Basic"), None);
        assert_eq!(
            parse_basic(" Basic YTpi"),
            None,
            "no scheme before the space"
        );
    }

    #[test]
    fn verifies_hashes_and_caches_successes() {
        let hash = hash_password("right").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let auth = auth_with(&[("alice", &hash)]).expect("valid file");
        assert!(!auth.cached("alice", "right"));
        assert!(!auth.verify("alice", "wrong"));
        assert!(!auth.verify("mallory", "right"), "unknown user");
        assert!(!auth.cached("alice", "wrong"), "failures are not cached");
        assert!(auth.verify("alice", "right"));
        assert!(auth.cached("alice", "right"), "success is cached");
        assert!(auth.verify("alice", "right"));
        assert!(!auth.cached("alice", "righ"));
        let debug = format!("{auth:?}");
        assert!(!debug.contains("argon2"), "{debug}");
    }

    #[test]
    fn plaintext_and_bad_hashes_are_refused_naming_the_user() {
        let error = auth_with(&[("alice", "hunter2")]).expect_err("plaintext");
        let message = error.to_string();
        assert!(message.contains("'alice'"), "{message}");
        assert!(message.contains("ferry hash-password"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        let error = auth_with(&[("bob", "$sha256$abc")]).expect_err("not argon2");
        assert!(error.to_string().contains("'bob'"), "{error}");
        assert!(matches!(error, AuthConfigError::BadHash { .. }), "{error}");
    }

    #[test]
    fn config_requires_the_credentials_file() {
        let mut props = BTreeMap::new();
        props.insert(EXTENSIONS_KEY.to_string(), EXTENSION_CLASS.to_string());
        let config = WorkerConfig::from_props(props.clone()).expect("valid");
        let error = BasicAuth::from_worker(&config).expect_err("missing file");
        assert!(error.to_string().contains(CREDENTIALS_FILE_KEY), "{error}");
        props.insert(
            EXTENSIONS_KEY.to_string(),
            "x.Other, BasicAuthSecurityRestExtension".to_string(),
        );
        let config = WorkerConfig::from_props(props).expect("valid");
        assert!(enabled(&config));
        let config = WorkerConfig::from_props(BTreeMap::new()).expect("valid");
        assert!(BasicAuth::from_worker(&config).expect("off").is_none());
    }

    /// The middleware on a real server: 401 with the challenge and Kafka's body, 200
    /// with the right password, internal requests let through without credentials.
    #[tokio::test]
    async fn middleware_answers_401_with_a_challenge() {
        let hash = hash_password("right").expect("hash");
        let auth = Arc::new(auth_with(&[("alice", &hash)]).expect("valid"));
        let app = axum::Router::new()
            .route("/connectors", axum::routing::get(|| async { "[]" }))
            .route(
                "/connectors/{name}/tasks",
                axum::routing::post(|| async { "internal" }),
            )
            .layer(axum::middleware::from_fn_with_state(
                auth,
                require_basic_auth,
            ));
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", tcp.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(tcp, app).await });
        let client = reqwest::Client::new();
        let url = format!("{base}/connectors");
        for request in [
            client.get(&url),
            client.get(&url).basic_auth("alice", Some("wrong")),
            client.get(&url).basic_auth("bob", Some("right")),
            client.get(&url).header("authorization", "Bearer x"),
        ] {
            let answer = request.send().await.expect("call");
            assert_eq!(answer.status(), 401);
            assert_eq!(
                answer.headers()["www-authenticate"],
                "Basic realm=\"Ferry\""
            );
            let body: serde_json::Value = answer.json().await.expect("json");
            assert_eq!(body["error_code"], 401);
            assert_eq!(body["message"], UNAUTHORIZED_MESSAGE);
        }
        let answer = client
            .get(&url)
            .basic_auth("alice", Some("right"))
            .send()
            .await
            .expect("call");
        assert_eq!(answer.status(), 200);
        let answer = client
            .post(format!("{base}/connectors/c/tasks"))
            .send()
            .await
            .expect("call");
        assert_eq!(answer.status(), 200, "internal request is exempt");
    }

    #[test]
    fn only_kafkas_internal_requests_are_exempt() {
        assert!(is_internal_request(&Method::POST, "/connectors/c/tasks"));
        assert!(is_internal_request(
            &Method::POST,
            "/connectors/c%2Fd/tasks/"
        ));
        assert!(is_internal_request(&Method::PUT, "/connectors/c/fence"));
        assert!(!is_internal_request(&Method::GET, "/connectors/c/tasks"));
        assert!(!is_internal_request(&Method::POST, "/connectors/c/fence"));
        assert!(!is_internal_request(&Method::PUT, "/connectors/c/tasks"));
        assert!(!is_internal_request(&Method::POST, "/connectors//tasks"));
        assert!(!is_internal_request(
            &Method::POST,
            "/connectors/c/tasks/0/restart"
        ));
        assert!(!is_internal_request(&Method::POST, "/connectors"));
        assert!(!is_internal_request(&Method::GET, "/"));
    }
}
