//! The `ferry` binary: `ferry standalone WORKER.properties [CONNECTOR...]`,
//! `ferry distributed WORKER.properties` and `ferry hash-password`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use rdkafka::producer::{BaseProducer, Producer};

use ferry::config::WorkerConfig;
use ferry::config::distributed::DistributedConfig;
use ferry::config::properties;
use ferry::config::providers::ConfigProviders;
use ferry::herder::HerderApi;
use ferry::herder::distributed::DistributedHerder;
use ferry::herder::standalone::Herder;
use ferry::plugin::cache::{CompileCache, Compiler};
use ferry::plugin::{PluginRegistry, engine};
use ferry::rest::{self, RestState};
use ferry::storage::config_log::ConfigLog;
use ferry::storage::file_offsets::FileOffsetStore;
use ferry::storage::kafka_offsets::KafkaOffsetStore;
use ferry::storage::status_log::StatusLog;
use ferry::worker::WorkerServices;
use ferry::worker::topics::MemoryTopics;

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "A Kafka Connect-compatible connector host whose plugins are sandboxed WebAssembly components"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a single worker with source offsets in a local file, as Kafka Connect's
    /// `connect-standalone.sh` does.
    Standalone {
        /// Worker properties (Kafka Connect names: bootstrap.servers, plugin.path, …).
        worker: PathBuf,
        /// Connector configs to start: `.properties` or Kafka Connect JSON.
        connectors: Vec<PathBuf>,
    },
    /// Run one worker of a cluster: workers with the same `group.id` share connectors
    /// and tasks, with configs, offsets and statuses in Kafka topics, as Kafka
    /// Connect's `connect-distributed.sh` does.
    Distributed {
        /// Worker properties (bootstrap.servers, group.id, config.storage.topic, …).
        worker: PathBuf,
    },
    /// List the plugins found in the given directories and exit.
    Plugins {
        /// Plugin directories (like `plugin.path`).
        dirs: Vec<PathBuf>,
    },
    /// Read a password from standard input (one line) and print its argon2id hash,
    /// for the REST basic-auth credentials file (`user=<hash>`).
    HashPassword,
    /// Compile one plugin component (read from stdin) into the compile-cache artifact
    /// OUTPUT. A worker runs this for each cache miss, so the compiler's memory goes
    /// back to the system when it is done instead of staying the worker's peak.
    #[command(name = "compile-plugin", hide = true)]
    CompilePlugin {
        /// Where to write the artifact.
        output: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    ferry::logging::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Standalone { worker, connectors } => standalone(&worker, &connectors),
        Command::Distributed { worker } => distributed(&worker),
        Command::Plugins { dirs } => list_plugins(&dirs),
        Command::HashPassword => hash_password(),
        Command::CompilePlugin { output } => compile_plugin(&output),
    }
}

fn compile_plugin(output: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .context("cannot read the component from standard input")?;
    let engine = engine::new_engine().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let artifact = match ferry::plugin::cache::precompile(&engine, &bytes) {
        Ok(artifact) => artifact,
        Err(ferry::plugin::cache::CacheError::Compile(error)) => {
            // The worker reads this as the plugin's error, not as a failed compiler.
            eprintln!("{error:#}");
            std::process::exit(ferry::plugin::cache::INVALID_COMPONENT_EXIT);
        }
        Err(other) => return Err(other.into()),
    };
    std::fs::write(output, &artifact)
        .with_context(|| format!("cannot write {}", output.display()))?;
    tracing::info!(
        bytes = bytes.len(),
        millis = started.elapsed().as_millis() as u64,
        peak_rss_kib = peak_rss_kib().unwrap_or(0),
        "compiled plugin in a compiler process"
    );
    Ok(())
}

/// This process's peak resident set (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The compile cache in `dir`, compiling misses in `ferry compile-plugin` child
/// processes (in this process if this binary cannot be found).
fn compile_cache(dir: PathBuf) -> CompileCache {
    let cache = CompileCache::new(dir);
    match std::env::current_exe() {
        Ok(program) => cache.with_compiler(Compiler::Subprocess { program }),
        Err(error) => {
            tracing::warn!(%error, "cannot find the ferry binary: plugins compile in the worker process");
            cache
        }
    }
}

fn hash_password() -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']);
    let hash = rest::auth::hash_password(password)?;
    println!("{hash}");
    Ok(())
}

/// What the REST server needs besides the herder: the client for other workers,
/// basic auth and TLS, all checked before anything starts.
struct RestSetup {
    http: reqwest::Client,
    auth: Option<Arc<rest::auth::BasicAuth>>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl RestSetup {
    fn from_worker(config: &WorkerConfig) -> anyhow::Result<Self> {
        Ok(Self {
            http: rest::tls::worker_http_client(config)?,
            auth: rest::auth::BasicAuth::from_worker(config)?,
            tls: rest::tls::server_config(config)?,
        })
    }
}

fn list_plugins(dirs: &[PathBuf]) -> anyhow::Result<()> {
    let engine = engine::new_engine().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let linker = PluginRegistry::linker(&engine).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let registry = PluginRegistry::discover(
        &engine,
        &linker,
        &compile_cache(CompileCache::default_dir()),
        dirs,
    );
    for plugin in registry.all() {
        println!(
            "{}\t{}\t{}\t{}",
            plugin.descriptor.name,
            plugin
                .kinds()
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(","),
            plugin.descriptor.version,
            plugin.descriptor.aliases.join(",")
        );
    }
    Ok(())
}

/// Reads worker properties, resolving `${provider:…}` variables with the providers
/// they declare (as Kafka Connect does for its worker config).
fn read_worker_config(path: &Path) -> anyhow::Result<(WorkerConfig, ConfigProviders)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read worker config {}", path.display()))?;
    let raw = properties::parse(&text);
    let providers = ConfigProviders::from_worker(&raw)?;
    let props = providers.resolve(&raw)?;
    Ok((WorkerConfig::from_props(props)?, providers))
}

/// Reads a connector config file: `.json` (Kafka Connect's `{"name","config"}` or a
/// flat object) or `.properties`.
fn read_connector_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read connector config {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "json") {
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        let (name, config) = match (value.get("name"), value.get("config")) {
            (Some(name), Some(config)) => (name.as_str().map(str::to_string), config.clone()),
            _ => (None, value.clone()),
        };
        let object = config
            .as_object()
            .with_context(|| format!("{}: config must be a JSON object", path.display()))?;
        let mut out: BTreeMap<String, String> = object
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        if let Some(name) = name {
            out.insert("name".into(), name);
        }
        Ok(out)
    } else {
        Ok(properties::parse(&text))
    }
}

/// Creates the Wasm engine and discovers the plugins on `plugin.path`.
fn load_plugins(config: &WorkerConfig) -> anyhow::Result<Arc<PluginRegistry>> {
    let engine = engine::new_engine()
        .map_err(|e| anyhow::anyhow!("cannot create the Wasm engine: {e:#}"))?;
    let linker = PluginRegistry::linker(&engine)
        .map_err(|e| anyhow::anyhow!("cannot link host functions: {e:#}"))?;
    let cache = compile_cache(config.cache_dir.clone());
    let started = std::time::Instant::now();
    let registry = Arc::new(PluginRegistry::discover(
        &engine,
        &linker,
        &cache,
        &config.plugin_path,
    ));
    tracing::info!(
        plugins = registry.all().len(),
        millis = started.elapsed().as_millis() as u64,
        "plugin discovery done"
    );
    Ok(registry)
}

fn new_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn distributed(worker_path: &Path) -> anyhow::Result<()> {
    let (mut config, providers) = read_worker_config(worker_path)?;
    config.distributed = true;
    let settings = DistributedConfig::from_worker(&config)?;
    config.exactly_once_source = settings.exactly_once_source;
    let setup = RestSetup::from_worker(&config)?;
    let config = Arc::new(config);
    let registry = load_plugins(&config)?;
    let topic_error = |e: ferry::storage::kafka_log::LogError| anyhow::anyhow!("{e}");
    let offsets = Arc::new(
        KafkaOffsetStore::open(
            &config,
            &settings.offset_topic.name,
            settings.offset_topic.partitions,
            settings.offset_topic.replication_factor,
        )
        .map_err(topic_error)?,
    );
    let configs = ConfigLog::open(
        &config,
        &settings.config_topic.name,
        settings.config_topic.replication_factor,
    )
    .map_err(topic_error)?;
    let statuses = Arc::new(
        StatusLog::open(
            &config,
            &settings.status_topic.name,
            settings.status_topic.partitions,
            settings.status_topic.replication_factor,
        )
        .map_err(topic_error)?,
    );
    let services = Arc::new(WorkerServices {
        config: config.clone(),
        registry,
        offsets,
        topics: statuses.clone(),
        providers,
        fencing: Default::default(),
    });
    let runtime = new_runtime()?;
    let cluster_id = Arc::new(OnceLock::new());
    let herder = DistributedHerder::start(
        services,
        settings,
        configs,
        statuses,
        setup.http.clone(),
        runtime.handle().clone(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let served = runtime.block_on(async {
        spawn_cluster_id_lookup(&config, cluster_id.clone());
        let listener = tokio::net::TcpListener::bind(config.listener)
            .await
            .with_context(|| format!("cannot listen on {}", config.listener))?;
        tracing::info!(listener = %config.listener, advertised = %config.advertised_url, "REST API listening");
        serve(listener, herder.clone(), cluster_id, setup).await
    });
    tracing::info!("stopping work and leaving the group");
    let stopper = herder.clone();
    // The herder blocks on HTTP calls through the runtime; stop it off the runtime.
    std::thread::spawn(move || stopper.shutdown())
        .join()
        .map_err(|_| anyhow::anyhow!("shutdown panicked"))?;
    drop(runtime);
    tracing::info!("worker stopped");
    served
}

fn standalone(worker_path: &Path, connector_paths: &[PathBuf]) -> anyhow::Result<()> {
    let (config, providers) = read_worker_config(worker_path)?;
    let config = Arc::new(config);
    let setup = RestSetup::from_worker(&config)?;
    let connector_configs = connector_paths
        .iter()
        .map(|p| read_connector_file(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let registry = load_plugins(&config)?;

    let offsets = Arc::new(FileOffsetStore::open(config.offsets_file.clone())?);
    let services = Arc::new(WorkerServices {
        config: config.clone(),
        registry,
        offsets,
        topics: Arc::new(MemoryTopics::default()),
        providers,
        fencing: Default::default(),
    });
    let herder = Arc::new(Herder::new(services));
    herder.start_ticker();
    let cluster_id = Arc::new(OnceLock::new());

    let runtime = new_runtime()?;
    runtime.block_on(async {
        spawn_cluster_id_lookup(&config, cluster_id.clone());
        let listener = tokio::net::TcpListener::bind(config.listener)
            .await
            .with_context(|| format!("cannot listen on {}", config.listener))?;
        tracing::info!(listener = %config.listener, advertised = %config.advertised_url, "REST API listening");
        for props in connector_configs {
            let Some(name) = props.get("name").cloned() else {
                bail!("a connector config on the command line has no 'name'");
            };
            let h = herder.clone();
            let n = name.clone();
            let result = tokio::task::spawn_blocking(move || h.put_connector(&n, props, true, None)).await?;
            if let Err(error) = result {
                bail!("cannot create connector {name}: {error}");
            }
        }
        serve(listener, herder.clone(), cluster_id, setup).await
    })?;
    tracing::info!("stopping connectors");
    herder.shutdown();
    tracing::info!("worker stopped");
    Ok(())
}

/// Serves the REST API for `herder` (over TLS for an https listener) until SIGTERM
/// or Ctrl-C.
async fn serve(
    listener: tokio::net::TcpListener,
    herder: Arc<dyn HerderApi>,
    cluster_id: Arc<OnceLock<String>>,
    setup: RestSetup,
) -> anyhow::Result<()> {
    let timeout = herder.services().config.rest_request_timeout;
    let app = rest::router(RestState {
        herder,
        http: setup.http,
        kafka_cluster_id: cluster_id,
        timeout,
        auth: setup.auth,
    });
    match setup.tls {
        Some(tls) => {
            let listener = rest::tls::TlsListener::new(listener, tls)?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?
        }
    }
    Ok(())
}

fn spawn_cluster_id_lookup(config: &WorkerConfig, slot: Arc<OnceLock<String>>) {
    let client_config = ferry::kafka::admin_config(config);
    std::thread::spawn(move || {
        let producer: BaseProducer = match client_config.create() {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "cannot create a client to read the Kafka cluster id");
                return;
            }
        };
        for _ in 0..60 {
            if let Some(id) = producer.client().fetch_cluster_id(Duration::from_secs(5)) {
                let _ = slot.set(id);
                return;
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested");
}
