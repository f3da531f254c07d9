//! TLS for the REST listener (`listeners=https://…`) and for the worker's own REST
//! client, with Kafka Connect's keys: `listeners.https.ssl.<x>`, falling back to
//! `ssl.<x>`. Only PEM key and trust stores are read.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::WorkerConfig;
use crate::config::worker::ListenerScheme;

/// The listener-specific prefix, tried before the bare `ssl.*` key.
pub const LISTENER_PREFIX: &str = "listeners.https.";
/// Longest a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error(
        "worker config: '{key}={value}' is not supported: Ferry reads PEM stores only; \
         convert the store to PEM (e.g. `openssl pkcs12 -in store.p12 -nodes -out store.pem`, \
         after `keytool -importkeystore -deststoretype PKCS12` for JKS) and set '{key}=PEM'"
    )]
    UnsupportedStoreType { key: String, value: String },
    #[error(
        "worker config: an https listener needs a certificate and private key: set \
         'listeners.https.ssl.keystore.location' (or 'ssl.keystore.location') to a PEM file \
         holding both, or 'ssl.keystore.certificate.chain' and 'ssl.keystore.key'"
    )]
    MissingKeystore,
    #[error("cannot read '{key}' file {path}: {source}")]
    Read {
        key: String,
        path: PathBuf,
        source: io::Error,
    },
    #[error("worker config: '{key}': {reason}")]
    Invalid { key: String, reason: String },
    #[error(
        "worker config: '{key}' holds an encrypted private key, which Ferry does not support \
         (ssl.key.password): store the key unencrypted as PKCS#8 PEM \
         (`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem`) and protect the file instead"
    )]
    EncryptedKey { key: String },
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// `ssl.client.auth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    Requested,
    Required,
}

/// A PEM certificate chain with its private key.
#[derive(Debug)]
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    /// Both, normalized PEM, for the outgoing client.
    pem: Vec<u8>,
    /// The key the identity came from, for error messages.
    source_key: String,
}

/// The REST TLS settings of a worker.
#[derive(Debug)]
pub struct TlsSettings {
    identity: Option<Identity>,
    trust: Vec<CertificateDer<'static>>,
    client_auth: ClientAuth,
}

/// `listeners.https.ssl.<name>`, else `ssl.<name>`: the key found and its value.
fn lookup(props: &BTreeMap<String, String>, name: &str) -> Option<(String, String)> {
    [
        format!("{LISTENER_PREFIX}ssl.{name}"),
        format!("ssl.{name}"),
    ]
    .into_iter()
    .find_map(|key| {
        let value = props.get(&key)?.trim().to_string();
        (!value.is_empty()).then_some((key, value))
    })
}

/// Rewrites every PEM block with its base64 on 64-column lines: Kafka accepts PEM
/// values on one line (as properties files hold them), the PEM parser does not.
fn normalize_pem(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            break;
        };
        let body: String = body_start[..body_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push_str(&format!("-----BEGIN {label}-----\n"));
        for line in body.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str(&end_marker);
        out.push('\n');
        rest = &body_start[body_end + end_marker.len()..];
    }
    out
}

fn read_file(key: &str, path: &str) -> Result<String, TlsConfigError> {
    std::fs::read_to_string(path).map_err(|source| TlsConfigError::Read {
        key: key.to_string(),
        path: PathBuf::from(path),
        source,
    })
}

fn certificates(key: &str, pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError::Invalid {
            key: key.to_string(),
            reason: format!("bad PEM certificate: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsConfigError::Invalid {
            key: key.to_string(),
            reason: "no PEM certificate (-----BEGIN CERTIFICATE-----) found".into(),
        });
    }
    Ok(certs)
}

fn private_key(key: &str, pem: &str) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(TlsConfigError::EncryptedKey {
            key: key.to_string(),
        });
    }
    PrivateKeyDer::from_pem_slice(normalize_pem(pem).as_bytes()).map_err(|e| {
        TlsConfigError::Invalid {
            key: key.to_string(),
            reason: format!("no usable PEM private key (PKCS#8, PKCS#1 or SEC1): {e}"),
        }
    })
}

/// Refuses a store type other than PEM, naming the key.
fn check_store_type(props: &BTreeMap<String, String>, name: &str) -> Result<(), TlsConfigError> {
    match lookup(props, name) {
        Some((key, value)) if !value.eq_ignore_ascii_case("PEM") => {
            Err(TlsConfigError::UnsupportedStoreType { key, value })
        }
        _ => Ok(()),
    }
}

impl TlsSettings {
    /// The settings of a worker that uses https (its listener or its advertised URL);
    /// `None` for a plain-http worker, whose `ssl.*` keys are left to its Kafka clients.
    pub fn from_worker(config: &WorkerConfig) -> Result<Option<Self>, TlsConfigError> {
        let https = config.listener_scheme == ListenerScheme::Https
            || config.advertised_url.starts_with("https://");
        if !https {
            return Ok(None);
        }
        Self::from_props(&config.props).map(Some)
    }

    /// Reads the keys from worker properties.
    pub fn from_props(props: &BTreeMap<String, String>) -> Result<Self, TlsConfigError> {
        check_store_type(props, "keystore.type")?;
        check_store_type(props, "truststore.type")?;
        let identity = match (
            lookup(props, "keystore.location"),
            lookup(props, "keystore.certificate.chain"),
            lookup(props, "keystore.key"),
        ) {
            (Some((key, path)), _, _) => {
                let text = read_file(&key, &path)?;
                let private = private_key(&key, &text)?;
                Some((key, normalize_pem(&text), private))
            }
            (None, Some((chain_key, chain)), Some((key_key, key))) => {
                let private = private_key(&key_key, &key)?;
                let pem = normalize_pem(&format!("{chain}\n{key}"));
                Some((chain_key, pem, private))
            }
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(TlsConfigError::MissingKeystore);
            }
            (None, None, None) => None,
        };
        let identity = match identity {
            Some((source_key, pem, key)) => {
                if let Some((password_key, _)) = lookup(props, "key.password") {
                    tracing::warn!(key = %password_key, "ignored: the PEM private key is not encrypted");
                }
                Some(Identity {
                    chain: certificates(&source_key, &pem)?,
                    key,
                    pem: pem.into_bytes(),
                    source_key,
                })
            }
            None => None,
        };
        let trust = match (
            lookup(props, "truststore.location"),
            lookup(props, "truststore.certificates"),
        ) {
            (Some((key, path)), _) => certificates(&key, &normalize_pem(&read_file(&key, &path)?))?,
            (None, Some((key, text))) => certificates(&key, &normalize_pem(&text))?,
            (None, None) => Vec::new(),
        };
        let client_auth = match lookup(props, "client.auth") {
            None => ClientAuth::None,
            Some((key, value)) => match value.to_ascii_lowercase().as_str() {
                "none" => ClientAuth::None,
                "requested" => ClientAuth::Requested,
                "required" => ClientAuth::Required,
                _ => {
                    return Err(TlsConfigError::Invalid {
                        key,
                        reason: format!("'{value}' must be one of none, requested, required"),
                    });
                }
            },
        };
        if client_auth != ClientAuth::None && trust.is_empty() {
            return Err(TlsConfigError::Invalid {
                key: "ssl.truststore.location".into(),
                reason: "ssl.client.auth verifies client certificates against the truststore, \
                         so a truststore is required"
                    .into(),
            });
        }
        Ok(Self {
            identity,
            trust,
            client_auth,
        })
    }

    pub fn client_auth(&self) -> ClientAuth {
        self.client_auth
    }

    /// The rustls server config (ring provider) of the https listener.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsConfigError> {
        let identity = self
            .identity
            .as_ref()
            .ok_or(TlsConfigError::MissingKeystore)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError::Tls(e.to_string()))?;
        let builder = match self.client_auth {
            ClientAuth::None => builder.with_no_client_auth(),
            mode => {
                let mut roots = RootCertStore::empty();
                for cert in &self.trust {
                    roots
                        .add(cert.clone())
                        .map_err(|e| TlsConfigError::Invalid {
                            key: "ssl.truststore.location".into(),
                            reason: e.to_string(),
                        })?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let verifier = if mode == ClientAuth::Requested {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                let verifier = verifier
                    .build()
                    .map_err(|e| TlsConfigError::Tls(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| TlsConfigError::Invalid {
                key: identity.source_key.clone(),
                reason: e.to_string(),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// Applies the truststore (instead of the built-in roots) and, as the client
    /// certificate, the keystore to a client that calls other workers.
    pub fn configure_client(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TlsConfigError> {
        if !self.trust.is_empty() {
            builder = builder.tls_built_in_root_certs(false);
            for cert in &self.trust {
                let cert = reqwest::Certificate::from_der(cert.as_ref())
                    .map_err(|e| TlsConfigError::Tls(e.to_string()))?;
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(identity) = &self.identity {
            let identity = reqwest::Identity::from_pem(&identity.pem)
                .map_err(|e| TlsConfigError::Tls(e.to_string()))?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }
}

/// How much longer than its own request timeout a worker waits for another worker.
const FORWARD_TIMEOUT_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);

/// The client a worker uses for requests to other workers (forwarding, internal
/// task configs): it trusts the configured truststore and presents the keystore.
/// A request to a worker that stops answering fails a little after the REST request
/// timeout (so a target that times out itself gets its own answer through), and a
/// forwarded request can never hang the worker that forwarded it.
pub fn worker_http_client(config: &WorkerConfig) -> Result<reqwest::Client, TlsConfigError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(config.rest_request_timeout + FORWARD_TIMEOUT_MARGIN)
        .connect_timeout(config.rest_request_timeout);
    if let Some(tls) = TlsSettings::from_worker(config)? {
        builder = tls.configure_client(builder)?;
    }
    builder
        .build()
        .map_err(|e| TlsConfigError::Tls(e.to_string()))
}

/// The server config for the worker's listener: `None` for an http listener.
pub fn server_config(config: &WorkerConfig) -> Result<Option<Arc<ServerConfig>>, TlsConfigError> {
    if config.listener_scheme != ListenerScheme::Https {
        return Ok(None);
    }
    match TlsSettings::from_worker(config)? {
        Some(tls) => tls.server_config().map(Some),
        None => Err(TlsConfigError::MissingKeystore),
    }
}

/// A listener handing axum TLS connections; handshakes run in their own tasks, so a
/// slow client does not hold up the others.
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `tcp` and completes handshakes with `config`. Call inside a runtime.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (sender, incoming) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = sender.closed() => return,
                    accepted = tcp.accept() => accepted,
                };
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::debug!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = sender.send((tls, peer)).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { incoming, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

    struct Pki {
        ca: String,
        chain: String,
        key: String,
        dir: tempfile::TempDir,
    }

    fn pki() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Ferry test CA");
        let ca =
            CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("CA");
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".into()])
            .expect("params");
        let cert = params.signed_by(&key, &ca).expect("cert");
        Pki {
            ca: ca.pem(),
            chain: cert.pem(),
            key: key.serialize_pem(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn write(pki: &Pki, name: &str, text: &str) -> String {
        let path = pki.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn loads_pem_keystore_and_truststore_files() {
        let pki = pki();
        let keystore = write(&pki, "keystore.pem", &format!("{}{}", pki.key, pki.chain));
        let truststore = write(&pki, "truststore.pem", &pki.ca);
        let settings = TlsSettings::from_props(&props(&[
            ("listeners.https.ssl.keystore.type", "PEM"),
            ("listeners.https.ssl.keystore.location", &keystore),
            ("ssl.truststore.location", &truststore),
            ("ssl.client.auth", "required"),
        ]))
        .expect("valid");
        assert_eq!(settings.client_auth(), ClientAuth::Required);
        assert_eq!(settings.trust.len(), 1);
        settings.server_config().expect("server config");
        settings
            .configure_client(reqwest::Client::builder().use_rustls_tls())
            .expect("client")
            .build()
            .expect("client");
    }

    #[test]
    fn loads_inline_pem_on_one_line() {
        let pki = pki();
        let one_line = |text: &str| text.replace('\n', " ");
        let settings = TlsSettings::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &one_line(&pki.chain)),
            ("ssl.keystore.key", &one_line(&pki.key)),
        ]))
        .expect("valid");
        settings.server_config().expect("server config");
    }

    #[test]
    fn bad_settings_name_the_key() {
        let pki = pki();
        let keystore = write(&pki, "keystore.pem", &format!("{}{}", pki.key, pki.chain));
        for (pairs, key) in [
            (
                vec![
                    ("listeners.https.ssl.keystore.type", "JKS"),
                    ("ssl.keystore.location", keystore.as_str()),
                ],
                "listeners.https.ssl.keystore.type",
            ),
            (
                vec![("ssl.truststore.type", "PKCS12")],
                "ssl.truststore.type",
            ),
            (
                vec![("ssl.keystore.location", "/nonexistent/keystore.pem")],
                "ssl.keystore.location",
            ),
            (
                vec![
                    ("ssl.keystore.location", keystore.as_str()),
                    ("ssl.client.auth", "sometimes"),
                ],
                "ssl.client.auth",
            ),
            (
                vec![
                    ("ssl.keystore.location", keystore.as_str()),
                    ("ssl.client.auth", "required"),
                ],
                "ssl.truststore.location",
            ),
        ] {
            let error = TlsSettings::from_props(&props(&pairs)).expect_err("invalid");
            assert!(error.to_string().contains(key), "{key}: {error}");
        }
        let error = TlsSettings::from_props(&props(&[("ssl.keystore.type", "JKS")]))
            .expect_err("JKS")
            .to_string();
        assert!(
            error.contains("ssl.keystore.type") && error.contains("PEM"),
            "{error}"
        );
        let encrypted = write(
            &pki,
            "encrypted.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
        );
        let error = TlsSettings::from_props(&props(&[("ssl.keystore.location", &encrypted)]))
            .expect_err("encrypted");
        assert!(
            matches!(error, TlsConfigError::EncryptedKey { .. }),
            "{error}"
        );
    }

    #[test]
    fn https_listener_without_keystore_fails_and_http_ignores_ssl_keys() {
        let https = WorkerConfig::from_props(props(&[("listeners", "https://127.0.0.1:8443")]))
            .expect("valid");
        assert!(matches!(
            server_config(&https),
            Err(TlsConfigError::MissingKeystore)
        ));
        let http = WorkerConfig::from_props(props(&[
            ("listeners", "http://127.0.0.1:8083"),
            ("ssl.keystore.type", "JKS"),
        ]))
        .expect("valid");
        assert!(server_config(&http).expect("plain").is_none());
        worker_http_client(&http).expect("plain client");
    }

    /// A real handshake: a client trusting the CA gets an answer, one that does not
    /// fails; with `ssl.client.auth=required` a client needs a certificate.
    #[tokio::test]
    async fn serves_https_and_verifies_clients() {
        let pki = pki();
        let keystore = write(&pki, "keystore.pem", &format!("{}{}", pki.chain, pki.key));
        let truststore = write(&pki, "truststore.pem", &pki.ca);
        let serve = |settings: TlsSettings| async move {
            let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let port = tcp.local_addr().expect("addr").port();
            let listener =
                TlsListener::new(tcp, settings.server_config().expect("config")).expect("tls");
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("https://127.0.0.1:{port}/")
        };
        let base = [
            ("ssl.keystore.location", keystore.as_str()),
            ("ssl.truststore.location", truststore.as_str()),
        ];
        let url = serve(TlsSettings::from_props(&props(&base)).expect("valid")).await;
        let trusting = TlsSettings::from_props(&props(&[base[1]]))
            .expect("valid")
            .configure_client(reqwest::Client::builder().use_rustls_tls())
            .expect("client")
            .build()
            .expect("client");
        let answer = trusting.get(&url).send().await.expect("trusted call");
        assert_eq!(answer.status(), 200);
        let stranger = reqwest::Client::builder()
            .use_rustls_tls()
            .build()
            .expect("client");
        assert!(stranger.get(&url).send().await.is_err(), "untrusted CA");

        let mut required = base.to_vec();
        required.push(("ssl.client.auth", "required"));
        let url = serve(TlsSettings::from_props(&props(&required)).expect("valid")).await;
        assert!(
            trusting.get(&url).send().await.is_err(),
            "no client certificate"
        );
        let with_identity = TlsSettings::from_props(&props(&base))
            .expect("valid")
            .configure_client(reqwest::Client::builder().use_rustls_tls())
            .expect("client")
            .build()
            .expect("client");
        let answer = with_identity.get(&url).send().await.expect("mutual TLS");
        assert_eq!(answer.status(), 200);
    }
}
