//! The rest of Kafka Connect's REST API on a live standalone worker: Kafka's own REST
//! scenario with `${file:…}` config values, STOPPED and `initial_state`, PATCH
//! config, KIP-745 restarts, KIP-875 offsets for sources and sinks, topic tracking,
//! `/health`, loggers, plugin config definitions, `/openapi.json`, and request
//! timeouts while a plugin call is stuck.

use std::fs;
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, assert_error, config_map, file_sink_config, file_source_config, read_lines,
    unique_name, wait_until, with, with_test_plugins, worker_props, write_lines,
};
use reqwest::Method;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

fn patch(worker: &Worker, path: &str, body: &Value) -> (u16, Value) {
    worker
        .rest()
        .call(Method::PATCH, path, Some(body.to_string()))
}

fn strings(values: &[Vec<u8>]) -> Vec<String> {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

fn wait_state(worker: &Worker, name: &str, state: &str) -> Value {
    let mut last = Value::Null;
    let ok = wait_until(TIMEOUT, || {
        last = worker.rest().get(&format!("/connectors/{name}/status")).1;
        last["connector"]["state"] == state
    });
    assert!(ok, "{name} never reached {state}: {last}");
    last
}

/// Kafka's REST scenario (`ConnectWorkerIntegrationTest`/`RestExtension` style):
/// the topic comes from `${file:…}`, configs and task configs keep the variable,
/// data flows, a new config is picked up, and deleting both empties the list.
#[test]
fn kafka_rest_scenario_with_file_config_provider() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let secrets = data.path().join("secrets");
    fs::create_dir_all(&secrets).expect("secrets dir");
    let topic = unique_name("scenario");
    broker.create_topic(&topic, 1);
    let secrets_file = secrets.join("connect.properties");
    fs::write(&secrets_file, format!("topic={topic}\n")).expect("secrets");
    let variable = format!("${{file:{}:topic}}", secrets_file.display());

    let mut props = worker_props(broker, &[data.path()]);
    props.insert("config.providers".into(), "file".into());
    props.insert(
        "config.providers.file.class".into(),
        "org.apache.kafka.common.config.provider.FileConfigProvider".into(),
    );
    props.insert(
        "config.providers.file.param.allowed.paths".into(),
        secrets.display().to_string(),
    );
    let worker = Worker::start_standalone(props, &[]);
    let rest = worker.rest();

    assert_eq!(rest.get("/connectors"), (200, json!([])));
    let (status, plugins) = rest.get("/connector-plugins");
    assert_eq!(status, 200);
    for class in [
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
    ] {
        assert!(
            plugins
                .as_array()
                .is_some_and(|p| p.iter().any(|e| e["class"] == class)),
            "{class} missing from {plugins}"
        );
    }

    let input = data.path().join("in.txt");
    let output = data.path().join("out.txt");
    write_lines(&input, ["a", "b", "c"]);
    let source = with(
        file_source_config("scenario-source", &input, &topic),
        "topic",
        variable.clone(),
    );
    let sink = with(
        file_sink_config("scenario-sink", &output, &topic),
        "topics",
        variable.clone(),
    );

    let (status, validated) = rest.put(
        "/connector-plugins/FileStreamSource/config/validate",
        &config_map(&source),
    );
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["error_count"], 0, "{validated}");
    let names: Vec<&str> = validated["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .filter_map(|c| c["definition"]["name"].as_str())
        .collect();
    for expected in ["name", "connector.class", "tasks.max", "file", "topic"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let shown = validated["configs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["value"]["name"] == "topic"))
        .expect("topic value");
    assert_eq!(
        shown["value"]["value"],
        json!(variable),
        "validate must not show the secret"
    );

    let (status, created) = rest.create_connector("scenario-source", &source);
    assert_eq!(status, 201, "{created}");
    let (status, created_sink) = rest.create_connector("scenario-sink", &sink);
    assert_eq!(status, 201, "{created_sink}");
    let duplicate = rest.create_connector("scenario-source", &source);
    let message = assert_error(&duplicate, 409, "duplicate create");
    assert_eq!(message, "Connector scenario-source already exists");

    let mut expected_config = config_map(&source);
    expected_config["name"] = json!("scenario-source");
    wait_state(&worker, "scenario-source", "RUNNING");
    assert!(
        wait_until(TIMEOUT, || {
            rest.get("/connectors/scenario-source").1["tasks"]
                .as_array()
                .is_some_and(|t| t.len() == 1)
        }),
        "the source never got its task"
    );
    assert_eq!(
        rest.get("/connectors/scenario-source"),
        (
            200,
            json!({
                "name": "scenario-source",
                "config": expected_config,
                "tasks": [{"connector": "scenario-source", "task": 0}],
                "type": "source",
            })
        )
    );
    assert_eq!(
        rest.get("/connectors/scenario-source/config"),
        (200, expected_config.clone())
    );
    // file-source's task config is its connector config, variable kept, plus the
    // `task.class` Kafka Connect's workers add (and read).
    let mut source_task = expected_config.clone();
    source_task["task.class"] = json!("org.apache.kafka.connect.file.FileStreamSourceTask");
    assert_eq!(
        rest.get("/connectors/scenario-source/tasks"),
        (
            200,
            json!([{"id": {"connector": "scenario-source", "task": 0}, "config": source_task}])
        )
    );

    // The sink alike: info, config and tasks keep `topics` as the variable.
    let mut expected_sink = config_map(&sink);
    expected_sink["name"] = json!("scenario-sink");
    assert_eq!(expected_sink["topics"], json!(variable));
    assert!(
        wait_until(TIMEOUT, || {
            rest.get("/connectors/scenario-sink").1["tasks"]
                .as_array()
                .is_some_and(|t| t.len() == 1)
        }),
        "the sink never got its task"
    );
    assert_eq!(
        rest.get("/connectors/scenario-sink"),
        (
            200,
            json!({
                "name": "scenario-sink",
                "config": expected_sink,
                "tasks": [{"connector": "scenario-sink", "task": 0}],
                "type": "sink",
            })
        )
    );
    assert_eq!(
        rest.get("/connectors/scenario-sink/config"),
        (200, expected_sink.clone())
    );
    let mut sink_task = expected_sink.clone();
    sink_task["task.class"] = json!("org.apache.kafka.connect.file.FileStreamSinkTask");
    assert_eq!(
        rest.get("/connectors/scenario-sink/tasks"),
        (
            200,
            json!([{"id": {"connector": "scenario-sink", "task": 0}, "config": sink_task}])
        )
    );
    let listed = rest.get("/connectors").1;
    let mut names: Vec<&str> = listed
        .as_array()
        .map(|n| n.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    assert_eq!(names, ["scenario-sink", "scenario-source"]);

    assert!(
        wait_until(TIMEOUT, || read_lines(&output) == ["a", "b", "c"]),
        "data did not flow: {:?}",
        read_lines(&output)
    );

    // A new input file through PUT: its lines follow.
    let second = data.path().join("in2.txt");
    write_lines(&second, ["d", "e"]);
    let updated = with(source.clone(), "file", second.display().to_string());
    let (status, body) = rest.put("/connectors/scenario-source/config", &config_map(&updated));
    assert_eq!(status, 200, "{body}");
    assert!(
        wait_until(TIMEOUT, || read_lines(&output)
            .ends_with(&["d".to_string(), "e".to_string()])),
        "data from the new file did not follow: {:?}",
        read_lines(&output)
    );

    for name in ["scenario-source", "scenario-sink"] {
        let (status, body) = rest.delete(&format!("/connectors/{name}"));
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(rest.get("/connectors"), (200, json!([])));
}

/// `initial_state`, PUT stop/resume, PATCH config, and the KIP-875 offsets of a
/// source connector: read, refused unless STOPPED, altered, reset.
#[test]
fn stop_patch_and_source_offsets() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let rest = worker.rest();
    let topic = unique_name("offsets");
    broker.create_topic(&topic, 1);
    let input = data.path().join("in.txt");
    write_lines(&input, ["zero", "one", "two", "three", "four"]);
    let config = file_source_config("src", &input, &topic);

    // Created STOPPED: no tasks, status STOPPED.
    let mut body = ferry_tests::connector_json("src", &config);
    body["initial_state"] = json!("stopped");
    let (status, created) = rest.post("/connectors", &body);
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["tasks"], json!([]));
    let stopped = wait_state(&worker, "src", "STOPPED");
    assert_eq!(stopped["tasks"], json!([]), "{stopped}");
    assert_eq!(rest.get("/connectors/src/tasks"), (200, json!([])));
    assert_eq!(
        rest.get("/connectors/src/offsets"),
        (200, json!({"offsets": []}))
    );
    let mut bad_state = body.clone();
    bad_state["name"] = json!("other");
    bad_state["initial_state"] = json!("SLEEPING");
    assert_error(
        &rest.post("/connectors", &bad_state),
        400,
        "bad initial_state",
    );

    // Resume from STOPPED: the connector starts and its task reads everything.
    assert_eq!(rest.put_empty("/connectors/src/resume").0, 202);
    wait_state(&worker, "src", "RUNNING");
    let all = broker.consume_all(&topic, 5, TIMEOUT);
    assert_eq!(strings(&all), ["zero", "one", "two", "three", "four"]);

    // Offsets can be read while running, changed only while STOPPED.
    let expected_partition = json!({"filename": input.display().to_string()});
    assert!(
        wait_until(TIMEOUT, || rest.get("/connectors/src/offsets").1
            == json!({"offsets": [{"partition": expected_partition, "offset": {"position": 24}}]})),
        "offsets never showed the end of the file: {}",
        rest.get("/connectors/src/offsets").1
    );
    let alter = json!({"offsets": [{"partition": expected_partition, "offset": {"position": 13}}]});
    let refused = patch(&worker, "/connectors/src/offsets", &alter);
    assert_eq!(
        assert_error(&refused, 400, "alter while running"),
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/src/stop' endpoint"
    );
    assert_error(
        &rest.delete("/connectors/src/offsets"),
        400,
        "reset while running",
    );
    assert_eq!(
        assert_error(
            &patch(&worker, "/connectors/nope/offsets", &alter),
            404,
            "unknown"
        ),
        "Connector nope not found"
    );
    assert_error(&rest.get("/connectors/nope/offsets"), 404, "unknown");
    assert_error(&rest.delete("/connectors/nope/offsets"), 404, "unknown");

    assert_eq!(rest.put_empty("/connectors/src/stop").0, 204);
    wait_state(&worker, "src", "STOPPED");
    for empty in [json!({}), json!({"offsets": []})] {
        assert_eq!(
            assert_error(
                &patch(&worker, "/connectors/src/offsets", &empty),
                400,
                "empty"
            ),
            "Partitions / offsets need to be provided for an alter offsets request"
        );
    }
    let (status, message) = patch(&worker, "/connectors/src/offsets", &alter);
    assert_eq!(status, 200, "{message}");
    assert_eq!(
        message["message"],
        "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."
    );
    assert_eq!(rest.get("/connectors/src/offsets"), (200, alter.clone()));

    // PATCH config keeps the STOPPED state; null removes a key.
    let (status, patched) = patch(
        &worker,
        "/connectors/src/config",
        &json!({"tasks.max": "1", "batch.size": null, "errors.log.enable": "true"}),
    );
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["config"]["errors.log.enable"], "true");
    assert_error(
        &patch(&worker, "/connectors/src/config", &json!({"name": "other"})),
        400,
        "patch renaming",
    );
    assert_error(
        &patch(&worker, "/connectors/nope/config", &json!({"a": "b"})),
        404,
        "patch unknown",
    );
    wait_state(&worker, "src", "STOPPED");

    // Resumed at position 13: lines "three" and "four" again.
    assert_eq!(rest.put_empty("/connectors/src/resume").0, 202);
    let after = broker.consume_all(&topic, 7, TIMEOUT);
    assert_eq!(strings(&after[5..]), ["three", "four"]);

    // Reset: everything again from the start.
    assert_eq!(rest.put_empty("/connectors/src/stop").0, 204);
    wait_state(&worker, "src", "STOPPED");
    let (status, message) = rest.delete("/connectors/src/offsets");
    assert_eq!(status, 200, "{message}");
    assert!(
        message["message"]
            .as_str()
            .is_some_and(|m| m.contains("have been reset successfully")),
        "{message}"
    );
    assert_eq!(
        rest.get("/connectors/src/offsets"),
        (200, json!({"offsets": []}))
    );
    assert_eq!(rest.put_empty("/connectors/src/resume").0, 202);
    let again = broker.consume_all(&topic, 12, TIMEOUT);
    assert_eq!(
        strings(&again[7..]),
        ["zero", "one", "two", "three", "four"]
    );
}

/// Sink offsets are the `connect-<c>` group's: read, validated, altered, reset.
#[test]
fn sink_offsets_through_the_consumer_group() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let rest = worker.rest();
    let topic = unique_name("sinkoffsets");
    broker.create_topic(&topic, 1);
    broker.produce(&topic, &["r0", "r1", "r2", "r3", "r4"]);
    let output = data.path().join("out.txt");
    // Dynamic membership, so a stopped sink's consumer leaves the group at once.
    let config = with(
        file_sink_config("snk", &output, &topic),
        "ferry.sink.static.membership",
        "false",
    );
    assert_eq!(rest.create_connector("snk", &config).0, 201);
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() == 5),
        "sink output: {:?}",
        read_lines(&output)
    );
    let partition = json!({"kafka_topic": topic, "kafka_partition": 0});
    assert!(
        wait_until(TIMEOUT, || rest.get("/connectors/snk/offsets").1
            == json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 5}}]})),
        "sink offsets: {}",
        rest.get("/connectors/snk/offsets").1
    );

    assert_eq!(rest.put_empty("/connectors/snk/stop").0, 204);
    wait_state(&worker, "snk", "STOPPED");
    let invalid = [
        (
            json!({"kafka_topic": topic}),
            json!({"kafka_offset": 1}),
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
        ),
        (
            json!({"kafka_topic": topic, "kafka_partition": "zero"}),
            json!({"kafka_offset": 1}),
            "Failed to parse the following Kafka partition value in the provided offsets: 'zero'. Partition values for sink connectors need to be integers.",
        ),
        (
            partition.clone(),
            json!({"position": 1}),
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
        ),
        (
            partition.clone(),
            json!({"kafka_offset": "x"}),
            "Failed to parse the following Kafka offset value in the provided offsets: 'x'. Offset values for sink connectors need to be integers.",
        ),
    ];
    for (p, o, expected) in invalid {
        let response = patch(
            &worker,
            "/connectors/snk/offsets",
            &json!({"offsets": [{"partition": p, "offset": o}]}),
        );
        assert_eq!(
            assert_error(&response, 400, "invalid sink offset"),
            expected
        );
    }
    let alter = json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 3}}]});
    let (status, message) = patch(&worker, "/connectors/snk/offsets", &alter);
    assert_eq!(status, 200, "{message}");
    assert_eq!(rest.get("/connectors/snk/offsets"), (200, alter.clone()));

    // Resumed from offset 3: r3 and r4 again.
    assert_eq!(rest.put_empty("/connectors/snk/resume").0, 202);
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() == 7),
        "sink output: {:?}",
        read_lines(&output)
    );
    assert_eq!(read_lines(&output)[5..], ["r3", "r4"]);

    assert_eq!(rest.put_empty("/connectors/snk/stop").0, 204);
    wait_state(&worker, "snk", "STOPPED");
    let reset = wait_until(TIMEOUT, || rest.delete("/connectors/snk/offsets").0 == 200);
    assert!(reset, "reset: {}", rest.delete("/connectors/snk/offsets").1);
    assert_eq!(
        rest.get("/connectors/snk/offsets"),
        (200, json!({"offsets": []}))
    );
}

/// KIP-745: every combination of `includeTasks` and `onlyFailed`.
#[test]
fn restart_combinations_follow_kip_745() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker =
        Worker::start_standalone(with_test_plugins(worker_props(broker, &[data.path()])), &[]);
    let rest = worker.rest();
    let topic = unique_name("restarts");
    broker.create_topic(&topic, 1);
    let config: Vec<(&str, String)> = vec![
        ("connector.class", "test-chaos-source".into()),
        ("tasks.max", "2".into()),
        ("topic", topic.clone()),
        ("mode", "trap".into()),
        ("fail.after.polls", "1".into()),
    ];
    assert_eq!(rest.create_connector("chaos", &config).0, 201);
    let failed = |rest: &ferry_tests::Rest| {
        wait_until(TIMEOUT, || {
            let status = rest.get("/connectors/chaos/status").1;
            status["tasks"]
                .as_array()
                .is_some_and(|t| t.len() == 2 && t.iter().all(|t| t["state"] == "FAILED"))
        })
    };
    assert!(failed(rest), "tasks never FAILED");

    // Neither flag: 204, only the connector instance restarts.
    let (status, body) = rest.post_empty("/connectors/chaos/restart");
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) =
        rest.post_empty("/connectors/chaos/restart?includeTasks=false&onlyFailed=false");
    assert_eq!((status, body), (204, Value::Null));

    // onlyFailed without tasks: the connector is RUNNING, so nothing restarts.
    let (status, plan) = rest.post_empty("/connectors/chaos/restart?onlyFailed=true");
    assert_eq!(status, 202, "{plan}");
    assert_eq!(plan["connector"]["state"], "RUNNING");
    assert!(
        plan["tasks"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["state"] == "FAILED"))
    );

    // Failed tasks only.
    let (status, plan) =
        rest.post_empty("/connectors/chaos/restart?includeTasks=true&onlyFailed=true");
    assert_eq!(status, 202, "{plan}");
    assert_eq!(plan["connector"]["state"], "RUNNING");
    assert!(
        plan["tasks"]
            .as_array()
            .is_some_and(|t| t.len() == 2 && t.iter().all(|t| t["state"] == "RESTARTING")),
        "{plan}"
    );
    assert!(failed(rest), "restarted tasks trap again");

    // Everything.
    let (status, plan) = rest.post_empty("/connectors/chaos/restart?includeTasks=true");
    assert_eq!(status, 202, "{plan}");
    assert_eq!(plan["connector"]["state"], "RESTARTING");
    assert!(
        plan["tasks"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["state"] == "RESTARTING"))
    );
    assert_eq!(plan["name"], "chaos");
    assert_eq!(plan["type"], "source");

    for query in ["", "?includeTasks=true", "?onlyFailed=true"] {
        let response = rest.post_empty(&format!("/connectors/nope/restart{query}"));
        assert_error(&response, 404, "restart unknown");
    }
    assert_error(
        &rest.post_empty("/connectors/chaos/tasks/7/restart"),
        404,
        "unknown task",
    );
}

/// `/health`, loggers, plugin config definitions, topic tracking and `/openapi.json`.
#[test]
fn health_loggers_plugin_config_topics_and_openapi() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let rest = worker.rest();

    assert_eq!(
        rest.get("/health"),
        (
            200,
            json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
        )
    );

    let (status, loggers) = rest.get("/admin/loggers");
    assert_eq!(status, 200);
    assert_eq!(loggers["root"]["level"], "INFO", "{loggers}");
    let (status, affected) = rest.put("/admin/loggers/ferry::worker", &json!({"level": "DEBUG"}));
    assert_eq!(status, 200, "{affected}");
    assert!(
        affected
            .as_array()
            .is_some_and(|a| a.contains(&json!("ferry::worker"))),
        "{affected}"
    );
    let (status, level) = rest.get("/admin/loggers/ferry::worker");
    assert_eq!(status, 200);
    assert_eq!(level["level"], "DEBUG");
    assert!(level["last_modified"].as_u64().is_some(), "{level}");
    assert_eq!(
        assert_error(
            &rest.put("/admin/loggers/ferry", &json!({"level": "LOUD"})),
            404,
            "bad level"
        ),
        "invalid log level 'LOUD'."
    );
    assert_eq!(
        assert_error(
            &rest.put("/admin/loggers/ferry", &json!({})),
            400,
            "no level"
        ),
        "Desired 'level' parameter was not specified in request."
    );
    let (status, body) = rest.put(
        "/admin/loggers/ferry::rest?scope=cluster",
        &json!({"level": "WARN"}),
    );
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(rest.get("/admin/loggers/ferry::rest").1["level"], "WARN");
    assert_eq!(
        assert_error(
            &rest.get("/admin/loggers/no.such.logger"),
            404,
            "unknown logger"
        ),
        "Logger no.such.logger not found."
    );

    let (status, keys) = rest.get("/connector-plugins/FileStreamSource/config");
    assert_eq!(status, 200, "{keys}");
    let names: Vec<&str> = keys
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    for expected in ["file", "topic", "tasks.max", "connector.class"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    assert!(keys[0]["order"].is_number(), "{}", keys[0]);
    assert_eq!(
        assert_error(
            &rest.get("/connector-plugins/nope/config"),
            404,
            "unknown plugin"
        ),
        "Unknown plugin nope."
    );

    // Topic tracking: the source's topic is recorded, then reset.
    let topic = unique_name("tracked");
    broker.create_topic(&topic, 1);
    let input = data.path().join("in.txt");
    write_lines(&input, ["x"]);
    assert_eq!(
        rest.create_connector("tracked", &file_source_config("tracked", &input, &topic))
            .0,
        201
    );
    assert!(
        wait_until(TIMEOUT, || rest.get("/connectors/tracked/topics")
            == (200, json!({"tracked": {"topics": [topic]}}))),
        "{}",
        rest.get("/connectors/tracked/topics").1
    );
    assert_eq!(rest.put_empty("/connectors/tracked/topics/reset").0, 202);
    assert_eq!(
        rest.get("/connectors/tracked/topics"),
        (200, json!({"tracked": {"topics": []}}))
    );

    let (status, document) = rest.get("/openapi.json");
    assert_eq!(status, 200);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "{}",
        document["openapi"]
    );
    for path in [
        "/connectors/{name}/offsets",
        "/admin/loggers/{name}",
        "/health",
    ] {
        assert!(document["paths"][path].is_object(), "{path} not documented");
    }
}

/// `topic.tracking.enable=false` / `topic.tracking.allow.reset=false` → 403.
#[test]
fn topic_tracking_can_be_disabled() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let mut props = worker_props(broker, &[data.path()]);
    props.insert("topic.tracking.allow.reset".into(), "false".into());
    let worker = Worker::start_standalone(props.clone(), &[]);
    assert_eq!(
        assert_error(
            &worker.rest().put_empty("/connectors/c/topics/reset"),
            403,
            "reset off"
        ),
        "Topic tracking reset is disabled."
    );
    drop(worker);
    props.insert("topic.tracking.enable".into(), "false".into());
    let worker = Worker::start_standalone(props, &[]);
    assert_eq!(
        assert_error(
            &worker.rest().get("/connectors/c/topics"),
            403,
            "tracking off"
        ),
        "Topic tracking is disabled."
    );
}

/// A plugin stuck inside a call: the request waiting on it answers 500 after the
/// request timeout, and every other request keeps answering at once.
#[test]
fn a_stuck_plugin_call_never_hangs_the_rest_api() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let mut props = with_test_plugins(worker_props(broker, &[data.path()]));
    props.insert("ferry.rest.request.timeout.ms".into(), "3000".into());
    props.insert("ferry.sandbox.call.timeout.ms".into(), "60000".into());
    let worker = Worker::start_standalone(props, &[]);
    let base = worker.rest().base().to_string();
    let config = json!({
        "connector.class": "test-chaos-source",
        "topic": "t",
        "hang.in.validate": "true",
    });
    let stuck = std::thread::spawn(move || {
        let started = Instant::now();
        let response = reqwest::blocking::Client::new()
            .put(format!(
                "{base}/connector-plugins/test-chaos-source/config/validate"
            ))
            .json(&config)
            .timeout(Duration::from_secs(30))
            .send()
            .expect("validate answers");
        let status = response.status().as_u16();
        let body: Value = response.json().expect("json body");
        (started.elapsed(), status, body)
    });
    // While it is stuck, other requests answer quickly.
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..3 {
        let started = Instant::now();
        let (status, _) = worker
            .rest()
            .try_call(Method::GET, "/connectors", None, Duration::from_secs(5))
            .expect("GET /connectors answers while a plugin is stuck");
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    let (elapsed, status, body) = stuck.join().expect("thread");
    assert_eq!(status, 500, "{body}");
    assert!(
        elapsed < Duration::from_secs(15),
        "answered after {elapsed:?}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Request timed out.") && message.contains("test-chaos-source"),
        "{body}"
    );
    assert_eq!(body["error_code"], 500);
    assert_eq!(worker.rest().get("/health").0, 200);
}
