//! The worker and connector configs both implementations run with. They are the same
//! Kafka Connect keys and values on both sides; Ferry only adds where its plugins live,
//! its compile cache and its sandbox grant.

use std::collections::BTreeMap;
use std::path::Path;

use ferry_tests::{Broker, Config, cluster_props, plugins_dir};

use crate::node::Flavor;

/// Kafka's `FileStreamSource` default; set explicitly on both sides.
pub const SOURCE_BATCH_SIZE: &str = "2000";

/// `offset.flush.interval.ms` of every worker (Kafka's default is 60000).
pub const OFFSET_FLUSH_INTERVAL_MS: &str = "10000";

/// Group session settings of both clusters.
pub const SESSION_TIMEOUT_MS: u64 = 10_000;
pub const HEARTBEAT_INTERVAL_MS: u64 = 1000;

const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";

/// Settings every worker of `flavor` gets. Ferry: `plugin.path=build/plugins`, the
/// compile cache `cache_dir`, and `dir` (where every input and output file lives) as
/// its sandbox's allowed paths.
fn base_props(
    flavor: Flavor,
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
) -> BTreeMap<String, String> {
    let mut props: BTreeMap<String, String> = [
        ("bootstrap.servers", broker.bootstrap_servers()),
        ("key.converter", STRING_CONVERTER.to_owned()),
        ("value.converter", STRING_CONVERTER.to_owned()),
        (
            "offset.flush.interval.ms",
            OFFSET_FLUSH_INTERVAL_MS.to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if flavor.is_ferry() {
        for (k, v) in [
            ("plugin.path", plugin_path(flavor)),
            ("ferry.plugin.cache.dir", cache_dir.display().to_string()),
            ("ferry.sandbox.allowed.paths", dir.display().to_string()),
        ] {
            props.insert(k.to_owned(), v);
        }
    }
    props
}

/// The baseline binary's plugins (`--baseline-plugins`; plugins built from its own
/// WIT), else `build/plugins`.
fn plugin_path(flavor: Flavor) -> String {
    match (flavor, crate::node::BASELINE_PLUGINS.get()) {
        (Flavor::FerryBaseline, Some(dir)) => dir.display().to_string(),
        _ => plugins_dir().display().to_string(),
    }
}

/// A standalone worker's properties, its offsets file in `dir`.
pub fn standalone_props(
    flavor: Flavor,
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    name: &str,
) -> BTreeMap<String, String> {
    let mut props = base_props(flavor, broker, dir, cache_dir);
    props.insert(
        "offset.storage.file.filename".into(),
        dir.join(format!("{name}.offsets")).display().to_string(),
    );
    props
}

/// A distributed worker's properties for the cluster `group`: its own internal
/// topics (replication factor 1), the session settings above and
/// `scheduled.rebalance.max.delay.ms=0`.
pub fn distributed_props(
    flavor: Flavor,
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    group: &str,
) -> BTreeMap<String, String> {
    let mut props = base_props(flavor, broker, dir, cache_dir);
    props.extend(cluster_props(
        group,
        SESSION_TIMEOUT_MS,
        HEARTBEAT_INTERVAL_MS,
        0,
    ));
    props
}

/// `FileStreamSource` reading `file` into `topic`: one task, `batch.size=2000`.
pub fn source(name: &str, file: &Path, topic: &str) -> Config {
    vec![
        ("name", name.to_owned()),
        ("connector.class", "FileStreamSource".to_owned()),
        ("tasks.max", "1".to_owned()),
        ("file", file.display().to_string()),
        ("topic", topic.to_owned()),
        ("batch.size", SOURCE_BATCH_SIZE.to_owned()),
    ]
}

/// `FileStreamSink` writing `topic` into `file` with `tasks` tasks.
pub fn sink(name: &str, file: &Path, topic: &str, tasks: usize) -> Config {
    vec![
        ("name", name.to_owned()),
        ("connector.class", "FileStreamSink".to_owned()),
        ("tasks.max", tasks.to_string()),
        ("file", file.display().to_string()),
        ("topics", topic.to_owned()),
    ]
}
