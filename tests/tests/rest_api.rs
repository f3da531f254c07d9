//! Kafka Connect's REST API on a standalone worker: paths, JSON shapes, status codes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use ferry_tests::{
    Broker, Worker, XorShift, assert_error, config_map, file_source_config, plugins_dir,
    unique_name, validation_errors, wait_until, with, without, worker_props, write_lines,
};
use serde_json::{Value, json};

const RUNNING_TIMEOUT: Duration = Duration::from_secs(120);

const FILE_SOURCE_ALIASES: [&str; 3] = [
    "FileStreamSource",
    "FileStreamSourceConnector",
    "org.apache.kafka.connect.file.FileStreamSourceConnector",
];

/// A broker, a data dir and a worker started without connectors.
fn setup() -> (&'static Broker, tempfile::TempDir, Worker) {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    (broker, data, worker)
}

/// A topic and an input file of `n` lines for a file-source connector.
fn source_input(broker: &Broker, dir: &Path, n: usize) -> (String, std::path::PathBuf) {
    let topic = unique_name("rest");
    broker.create_topic(&topic, 1);
    let input = dir.join(format!("{topic}.txt"));
    write_lines(&input, (0..n).map(|i| format!("value {i}")));
    (topic, input)
}

fn strings(values: &[Vec<u8>]) -> Vec<String> {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

fn assert_non_empty_string(value: &Value, what: &str) {
    assert!(
        value.as_str().is_some_and(|s| !s.is_empty()),
        "{what} must be a non-empty string, got {value}"
    );
}

/// `GET /` reports `version`, `commit` and `kafka_cluster_id` (the broker's).
#[test]
fn root_reports_version_commit_and_kafka_cluster_id() {
    let (broker, _data, worker) = setup();
    let (status, body) = worker.rest().get("/");
    assert_eq!(status, 200, "GET / answered {status}: {body}");
    assert_non_empty_string(&body["version"], "GET / .version");
    assert!(
        body["commit"].is_string(),
        "GET / .commit must be a string: {body}"
    );
    assert_non_empty_string(&body["kafka_cluster_id"], "GET / .kafka_cluster_id");
    if let Some(cluster_id) = broker.cluster_id() {
        assert_eq!(
            body["kafka_cluster_id"], cluster_id,
            "kafka_cluster_id must be the broker's cluster id"
        );
    }
}

/// Create → inspect (connector, config, status, tasks) → duplicate → pause → resume →
/// restart → task restart → delete, with Kafka Connect's codes and shapes.
#[test]
fn connector_lifecycle_shapes_and_codes() {
    let (broker, data, worker) = setup();
    let rest = worker.rest();
    let (topic, input) = source_input(broker, data.path(), 10);
    let name = "lifecycle";
    let config = file_source_config(name, &input, &topic);

    // Create: 201 with {name, config, tasks, type}.
    let (status, body) = rest.create_connector(name, &config);
    assert_eq!(status, 201, "POST /connectors answered {status}: {body}");
    assert_eq!(body["name"], name, "create response .name: {body}");
    assert_eq!(
        body["config"]["connector.class"], "file-source",
        "create response .config: {body}"
    );
    assert_eq!(
        body["config"]["name"], name,
        "create response .config.name: {body}"
    );
    assert!(
        body["tasks"].is_array(),
        "create response .tasks must be an array: {body}"
    );
    assert_eq!(body["type"], "source", "create response .type: {body}");

    let (status, body) = rest.get("/connectors");
    assert_eq!(status, 200, "GET /connectors answered {status}: {body}");
    assert_eq!(body, json!([name]), "GET /connectors lists connector names");

    let status_body = worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);

    // GET /connectors/{c}
    let (status, body) = rest.get(&format!("/connectors/{name}"));
    assert_eq!(
        status, 200,
        "GET /connectors/{name} answered {status}: {body}"
    );
    assert_eq!(body["name"], name, "connector info .name: {body}");
    assert_eq!(
        body["config"]["file"],
        input.display().to_string(),
        "info .config.file: {body}"
    );
    assert_eq!(
        body["config"]["topic"],
        topic.as_str(),
        "info .config.topic: {body}"
    );
    assert_eq!(
        body["tasks"],
        json!([{ "connector": name, "task": 0 }]),
        "info .tasks: {body}"
    );
    assert_eq!(body["type"], "source", "info .type: {body}");

    // GET /connectors/{c}/config: the flat config map, as created.
    let (status, body) = rest.get(&format!("/connectors/{name}/config"));
    assert_eq!(status, 200, "GET config answered {status}: {body}");
    assert_eq!(
        body,
        config_map(&config),
        "GET config returns the config as created"
    );

    // GET /connectors/{c}/status
    assert_eq!(status_body["name"], name, "status .name: {status_body}");
    assert_eq!(status_body["type"], "source", "status .type: {status_body}");
    assert_non_empty_string(
        &status_body["connector"]["worker_id"],
        "status .connector.worker_id",
    );
    let tasks = status_body["tasks"]
        .as_array()
        .expect("status .tasks is an array");
    assert_eq!(tasks.len(), 1, "one task (tasks.max=1): {status_body}");
    assert_eq!(tasks[0]["id"], 0, "status .tasks[0].id: {status_body}");
    assert_non_empty_string(&tasks[0]["worker_id"], "status .tasks[0].worker_id");

    // GET /connectors/{c}/tasks
    let (status, body) = rest.get(&format!("/connectors/{name}/tasks"));
    assert_eq!(status, 200, "GET tasks answered {status}: {body}");
    let tasks = body.as_array().expect("GET tasks returns an array");
    assert_eq!(tasks.len(), 1, "GET tasks: {body}");
    assert_eq!(
        tasks[0]["id"],
        json!({ "connector": name, "task": 0 }),
        "GET tasks [0].id: {body}"
    );
    assert!(
        tasks[0]["config"].is_object(),
        "GET tasks [0].config: {body}"
    );

    // It really runs.
    let values = broker.consume_all(&topic, 10, Duration::from_secs(60));
    assert_eq!(
        strings(&values),
        (0..10).map(|i| format!("value {i}")).collect::<Vec<_>>(),
        "the connector copies the file into the topic"
    );

    // Duplicate → 409.
    let duplicate = rest.create_connector(name, &config);
    assert_error(&duplicate, 409, "creating an existing connector");

    // Pause → 202, then PAUSED; resume → 202, then RUNNING.
    let (status, body) = rest.put_empty(&format!("/connectors/{name}/pause"));
    assert_eq!(status, 202, "PUT pause answered {status}: {body}");
    worker.wait_all_in_state(name, "PAUSED", RUNNING_TIMEOUT);
    let (status, body) = rest.put_empty(&format!("/connectors/{name}/resume"));
    assert_eq!(status, 202, "PUT resume answered {status}: {body}");
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);

    // Restart connector → 204; restart task → 204.
    let (status, body) = rest.post_empty(&format!("/connectors/{name}/restart"));
    assert_eq!(status, 204, "POST restart answered {status}: {body}");
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);
    let (status, body) = rest.post_empty(&format!("/connectors/{name}/tasks/0/restart"));
    assert_eq!(
        status, 204,
        "POST tasks/0/restart answered {status}: {body}"
    );
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);

    // Delete → 204, then gone.
    let (status, body) = rest.delete(&format!("/connectors/{name}"));
    assert_eq!(status, 204, "DELETE answered {status}: {body}");
    let gone = rest.get(&format!("/connectors/{name}"));
    assert_error(&gone, 404, "GET a deleted connector");
    assert_eq!(
        rest.get("/connectors").1,
        json!([]),
        "no connectors after delete"
    );
}

/// `GET /connectors?expand=status` and `?expand=info`, as Kafka Connect UIs use them.
#[test]
fn list_connectors_with_expand() {
    let (broker, data, worker) = setup();
    let rest = worker.rest();
    let (topic, input) = source_input(broker, data.path(), 1);
    let name = "expanded";
    let (status, body) = rest.create_connector(name, &file_source_config(name, &input, &topic));
    assert_eq!(status, 201, "create answered {status}: {body}");
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);

    let (status, body) = rest.get("/connectors?expand=status");
    assert_eq!(status, 200, "expand=status answered {status}: {body}");
    assert_eq!(body[name]["status"]["name"], name, "expand=status: {body}");
    assert_eq!(
        body[name]["status"]["connector"]["state"], "RUNNING",
        "expand=status: {body}"
    );

    let (status, body) = rest.get("/connectors?expand=info");
    assert_eq!(status, 200, "expand=info answered {status}: {body}");
    assert_eq!(body[name]["info"]["name"], name, "expand=info: {body}");
    assert_eq!(body[name]["info"]["type"], "source", "expand=info: {body}");
}

/// 404 for unknown connectors, 400 for malformed JSON, a missing `connector.class` or
/// an unknown class — each with `{"error_code", "message"}` — and nothing gets created.
#[test]
fn errors_have_kafka_codes_and_shape() {
    let (broker, data, worker) = setup();
    let rest = worker.rest();
    let (topic, input) = source_input(broker, data.path(), 1);

    assert_error(
        &rest.get("/connectors/no-such"),
        404,
        "GET unknown connector",
    );
    assert_error(
        &rest.get("/connectors/no-such/status"),
        404,
        "GET status of unknown connector",
    );
    assert_error(
        &rest.get("/connectors/no-such/config"),
        404,
        "GET config of unknown connector",
    );
    assert_error(
        &rest.put_empty("/connectors/no-such/pause"),
        404,
        "pause unknown connector",
    );
    assert_error(
        &rest.post_empty("/connectors/no-such/restart"),
        404,
        "restart unknown connector",
    );
    assert_error(
        &rest.delete("/connectors/no-such"),
        404,
        "DELETE unknown connector",
    );

    assert_error(
        &rest.post_raw("/connectors", "{\"name\": \"broken\", \"config\": {"),
        400,
        "POST malformed JSON",
    );

    let no_class = without(
        file_source_config("no-class", &input, &topic),
        "connector.class",
    );
    let message = assert_error(
        &rest.create_connector("no-class", &no_class),
        400,
        "POST without connector.class",
    );
    assert!(
        message.contains("connector.class"),
        "the error for a missing connector.class must name it: {message:?}"
    );

    let unknown_class = "com.example.NoSuchConnector";
    let config = with(
        file_source_config("unknown-class", &input, &topic),
        "connector.class",
        unknown_class,
    );
    let message = assert_error(
        &rest.create_connector("unknown-class", &config),
        400,
        "POST with an unknown connector.class",
    );
    assert!(
        message.contains(unknown_class),
        "the error for an unknown connector.class must name it: {message:?}"
    );

    assert_eq!(
        rest.get("/connectors").1,
        json!([]),
        "failed creations must not leave connectors behind"
    );
}

/// The Kafka class name works as `connector.class`, and `PUT /connectors/{c}/config`
/// creates (201) then updates (200).
#[test]
fn kafka_class_alias_and_put_config() {
    let (broker, data, worker) = setup();
    let rest = worker.rest();
    let (topic, input) = source_input(broker, data.path(), 3);

    let name = "by-alias";
    let config = with(
        file_source_config(name, &input, &topic),
        "connector.class",
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
    );
    let (status, body) = rest.put(&format!("/connectors/{name}/config"), &config_map(&config));
    assert_eq!(
        status, 201,
        "PUT config of a new connector answered {status}: {body}"
    );
    assert_eq!(body["name"], name, "PUT config response .name: {body}");
    assert_eq!(body["type"], "source", "PUT config response .type: {body}");
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);
    let values = broker.consume_all(&topic, 3, Duration::from_secs(60));
    assert_eq!(
        values.len(),
        3,
        "the connector created by its Kafka class name runs"
    );

    let updated = with(config, "batch.size", "10");
    let (status, body) = rest.put(&format!("/connectors/{name}/config"), &config_map(&updated));
    assert_eq!(
        status, 200,
        "PUT config of an existing connector answered {status}: {body}"
    );
    let (_, body) = rest.get(&format!("/connectors/{name}/config"));
    assert_eq!(body["batch.size"], "10", "the update is visible: {body}");
    worker.wait_all_in_state(name, "RUNNING", RUNNING_TIMEOUT);
}

/// `GET /connector-plugins` lists connectors under the Kafka class they replace
/// (file-source as `FileStreamSourceConnector`, with Ferry's name and the short
/// aliases as `aliases`), and `?connectorsOnly=false` lists converters, transforms
/// and predicates too.
#[test]
fn connector_plugins_lists_file_source_with_aliases() {
    let (_broker, _data, worker) = setup();
    let (status, body) = worker.rest().get("/connector-plugins");
    assert_eq!(
        status, 200,
        "GET /connector-plugins answered {status}: {body}"
    );
    let plugins = body
        .as_array()
        .expect("/connector-plugins returns an array");
    for plugin in plugins {
        assert!(
            plugin["type"] == "source" || plugin["type"] == "sink",
            "by default (connectorsOnly=true) only connectors are listed, got {plugin}"
        );
        assert!(
            plugin["class"].is_string(),
            "each plugin has a class: {plugin}"
        );
        assert!(
            plugin["version"].is_string(),
            "each plugin has a version: {plugin}"
        );
    }
    let file_source = plugins
        .iter()
        .find(|p| p["class"] == "org.apache.kafka.connect.file.FileStreamSourceConnector")
        .unwrap_or_else(|| panic!("file-source is not listed: {body}"));
    assert_eq!(
        file_source["type"], "source",
        "file-source type: {file_source}"
    );
    assert!(
        plugins.iter().any(|p| p["class"]
            == "org.apache.kafka.connect.file.FileStreamSinkConnector"
            && p["type"] == "sink"),
        "file-sink is not listed: {body}"
    );

    // Aliases: either an "aliases" array on the entry, or entries of their own.
    let mut names: Vec<String> = file_source["aliases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.extend(
        plugins
            .iter()
            .filter(|p| p["type"] == "source")
            .filter_map(|p| p["class"].as_str().map(str::to_owned)),
    );
    for alias in FILE_SOURCE_ALIASES.iter().chain(&["file-source"]) {
        assert!(
            names.iter().any(|n| n == alias),
            "alias {alias} of file-source is not listed (as \"aliases\" or as a class): {body}"
        );
    }

    let (status, body) = worker.rest().get("/connector-plugins?connectorsOnly=false");
    assert_eq!(
        status, 200,
        "connectorsOnly=false answered {status}: {body}"
    );
    let all = body
        .as_array()
        .expect("/connector-plugins returns an array");
    for (class, kind) in [
        (
            "org.apache.kafka.connect.storage.StringConverter",
            "converter",
        ),
        ("org.apache.kafka.connect.json.JsonConverter", "converter"),
        (
            "org.apache.kafka.connect.transforms.InsertField$Value",
            "transformation",
        ),
        (
            "org.apache.kafka.connect.transforms.InsertField$Key",
            "transformation",
        ),
        (
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "predicate",
        ),
    ] {
        assert!(
            all.iter().any(|p| p["class"] == class && p["type"] == kind),
            "connectorsOnly=false must list {class} as {kind}: {body}"
        );
    }
}

/// `PUT /connector-plugins/{p}/config/validate` returns `error_count`, `groups` and
/// `configs` with per-key `errors`; also under an alias.
#[test]
fn validate_reports_error_count_and_configs() {
    let (broker, data, worker) = setup();
    let rest = worker.rest();
    let (topic, input) = source_input(broker, data.path(), 1);
    let good = file_source_config("validated", &input, &topic);

    let (status, body) = rest.validate("file-source", &good);
    assert_eq!(status, 200, "validate answered {status}: {body}");
    assert_eq!(
        body["error_count"], 0,
        "a valid config has error_count 0: {body}"
    );
    assert!(
        body["groups"].is_array(),
        "validate .groups must be an array: {body}"
    );
    let configs = body["configs"]
        .as_array()
        .expect("validate .configs is an array");
    for entry in configs {
        assert!(
            entry["definition"]["name"].is_string() && entry["value"]["name"].is_string(),
            "each validate entry has definition.name and value.name: {entry}"
        );
        assert!(
            entry["value"]["errors"].is_array(),
            "value.errors is an array: {entry}"
        );
    }
    for key in ["file", "topic"] {
        assert_eq!(
            validation_errors(&body, key),
            Some(vec![]),
            "validate lists {key} without errors: {body}"
        );
    }

    let missing_topic = without(good.clone(), "topic");
    let (status, body) = rest.validate("file-source", &missing_topic);
    assert_eq!(status, 200, "validate answered {status}: {body}");
    assert!(
        body["error_count"].as_u64().is_some_and(|n| n >= 1),
        "a config without the required topic has errors: {body}"
    );
    let errors = validation_errors(&body, "topic").unwrap_or_default();
    assert!(
        !errors.is_empty(),
        "the missing topic is reported on its key: {body}"
    );

    // Kafka requires the body's connector.class to match the plugin in the path.
    let by_alias = with(good, "connector.class", "FileStreamSourceConnector");
    let (status, body) = rest.validate("FileStreamSourceConnector", &by_alias);
    assert_eq!(
        status, 200,
        "validate under an alias answered {status}: {body}"
    );
    assert_eq!(body["error_count"], 0, "validate under an alias: {body}");
}

/// A `.wasm` file of random bytes (and one with a valid header but garbage after it) in
/// the plugin path does not stop the worker: it starts and serves the good plugins.
#[test]
fn corrupt_wasm_in_plugin_path_does_not_stop_startup() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let junk = tempfile::tempdir().expect("temp dir");
    let mut rng = XorShift::new(42);
    fs::write(junk.path().join("random.wasm"), rng.bytes(64 * 1024)).expect("write junk");
    let mut fake = b"\0asm\x0d\x00\x01\x00".to_vec();
    fake.extend(rng.bytes(4096));
    fs::write(junk.path().join("fake-component.wasm"), fake).expect("write junk");

    let mut props: BTreeMap<String, String> = worker_props(broker, &[data.path()]);
    props.insert(
        "plugin.path".into(),
        format!("{},{}", junk.path().display(), plugins_dir().display()),
    );
    let worker = Worker::start_standalone(props, &[]);
    let log = worker.log_tail(1000);
    for junk_file in ["random.wasm", "fake-component.wasm"] {
        assert!(
            log.lines().any(|l| l.contains("skipping plugin file")
                && l.contains(junk_file)
                && l.contains("reason=")),
            "the worker must log one line naming {junk_file} and why it was skipped:\n{log}"
        );
    }
    let (status, body) = worker.rest().get("/connector-plugins");
    assert_eq!(
        status, 200,
        "GET /connector-plugins answered {status}: {body}"
    );
    assert!(
        body.as_array()
            .is_some_and(|a| a.iter().any(|p| p["aliases"]
                .as_array()
                .is_some_and(|names| names.iter().any(|n| n == "file-source")))),
        "the good plugins are still served next to corrupt ones: {body}"
    );

    // And they work.
    let (topic, input) = source_input(broker, data.path(), 2);
    let (status, body) = worker.rest().create_connector(
        "after-junk",
        &file_source_config("after-junk", &input, &topic),
    );
    assert_eq!(status, 201, "create answered {status}: {body}");
    assert!(
        wait_until(Duration::from_secs(60), || broker
            .record_count(&topic)
            .is_some_and(|n| n >= 2)),
        "the connector copies its file; status {:?}",
        worker.status("after-junk")
    );
}
