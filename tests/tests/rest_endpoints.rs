//! Endpoint details of Kafka Connect's REST API on a live standalone worker, beyond
//! the lifecycle and contract suites: validation of the framework's `errors.*` keys
//! and of a body naming another plugin, `Location` headers, `initial_state=PAUSED`,
//! the task status endpoint, PUT name mismatches, KIP-875 validations, the `env`
//! and `directory` config providers end to end, provider values never leaking
//! through errors or the log, and reads that answer while a plugin call is stuck.

use std::fs;
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, append_lines, assert_error, config_map, connector_json, file_sink_config,
    file_source_config, read_lines, unique_name, validation_errors, wait_until, with,
    with_test_plugins, worker_props, write_lines,
};
use reqwest::Method;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

fn wait_status(worker: &Worker, name: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let reached = wait_until(TIMEOUT, || {
        last = worker.rest().get(&format!("/connectors/{name}/status")).1;
        ok(&last)
    });
    assert!(reached, "{name} never reached the expected status: {last}");
    last
}

fn config_entry<'a>(validated: &'a Value, key: &str) -> &'a Value {
    validated["configs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["definition"]["name"] == key))
        .unwrap_or_else(|| panic!("{key} missing from {validated}"))
}

/// The framework's `errors.*` keys are listed with Kafka's definitions and
/// validated per key; a body naming another connector plugin than the path is a 400.
#[test]
fn validate_covers_error_handling_keys_and_refuses_another_plugin() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let rest = worker.rest();
    let input = data.path().join("in.txt");
    write_lines(&input, ["x"]);

    let source = file_source_config("v-src", &input, "t");
    let (status, validated) = rest.validate("file-source", &source);
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["error_count"], 0, "{validated}");
    assert!(
        validated["groups"]
            .as_array()
            .is_some_and(|g| g.contains(&json!("Error Handling"))),
        "{validated}"
    );
    for (key, kind, default) in [
        ("errors.retry.timeout", "LONG", "0"),
        ("errors.retry.delay.max.ms", "LONG", "60000"),
        ("errors.tolerance", "STRING", "none"),
        ("errors.log.enable", "BOOLEAN", "false"),
        ("errors.log.include.messages", "BOOLEAN", "false"),
    ] {
        let entry = config_entry(&validated, key);
        assert_eq!(entry["definition"]["type"], kind, "{entry}");
        assert_eq!(entry["definition"]["default_value"], default, "{entry}");
        assert_eq!(entry["definition"]["group"], "Error Handling", "{entry}");
        assert_eq!(entry["value"]["value"], default, "{entry}");
    }

    let bad = with(
        with(source.clone(), "errors.tolerance", "bogus"),
        "errors.retry.timeout",
        "soon",
    );
    let (status, validated) = rest.validate("file-source", &bad);
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["error_count"], 2, "{validated}");
    assert_eq!(
        validation_errors(&validated, "errors.tolerance"),
        Some(vec![
            "Invalid value bogus for configuration errors.tolerance: String must be one of: none, all"
                .to_string()
        ])
    );
    assert_eq!(
        validation_errors(&validated, "errors.retry.timeout"),
        Some(vec![
            "Invalid value soon for configuration errors.retry.timeout: Not a number of type LONG"
                .to_string()
        ])
    );
    let refused = rest.create_connector("v-src", &bad);
    let message = assert_error(&refused, 400, "create with bad errors.tolerance");
    assert!(
        message.contains("errors.tolerance") && message.contains("2 error(s)"),
        "{message}"
    );

    // Sink-only keys: the dead letter queue.
    let output = data.path().join("out.txt");
    let sink = file_sink_config("v-snk", &output, "orders");
    let (_, validated) = rest.validate("file-sink", &sink);
    assert_eq!(validated["error_count"], 0, "{validated}");
    let factor = config_entry(
        &validated,
        "errors.deadletterqueue.topic.replication.factor",
    );
    assert_eq!(factor["definition"]["type"], "SHORT", "{factor}");
    assert_eq!(factor["definition"]["default_value"], "3", "{factor}");
    let dlq = with(
        with(sink.clone(), "errors.deadletterqueue.topic.name", "orders"),
        "errors.deadletterqueue.topic.replication.factor",
        "70000",
    );
    let (_, validated) = rest.validate("file-sink", &dlq);
    assert_eq!(validated["error_count"], 2, "{validated}");
    assert_eq!(
        validation_errors(&validated, "errors.deadletterqueue.topic.name"),
        Some(vec![
            "The DLQ topic 'orders' may not be included in the list of topics ('topics=[orders]') consumed by the connector".to_string()
        ])
    );
    assert_eq!(
        validation_errors(&validated, "errors.deadletterqueue.topic.replication.factor"),
        Some(vec![
            "Invalid value 70000 for configuration errors.deadletterqueue.topic.replication.factor: Not a number of type SHORT".to_string()
        ])
    );
    let regex_sink = with(
        with(without_topics(sink), "topics.regex", "ord.*"),
        "errors.deadletterqueue.topic.name",
        "orders-dlq",
    );
    let (_, validated) = rest.validate("file-sink", &regex_sink);
    assert_eq!(
        validation_errors(&validated, "errors.deadletterqueue.topic.name"),
        Some(vec![
            "The DLQ topic 'orders-dlq' may not be included in the regex matching the topics ('topics.regex=ord.*') consumed by the connector".to_string()
        ])
    );

    // The body's connector.class must name the plugin of the path (any alias).
    let other = rest.validate(
        "file-source",
        &with(source.clone(), "connector.class", "file-sink"),
    );
    assert_eq!(
        assert_error(&other, 400, "validate another plugin"),
        "Included connector type file-sink does not match request type file-source"
    );
    let alias = with(
        source,
        "connector.class",
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
    );
    let (status, validated) = rest.validate("FileStreamSource", &alias);
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["error_count"], 0, "{validated}");
}

fn without_topics(config: ferry_tests::Config) -> ferry_tests::Config {
    ferry_tests::without(config, "topics")
}

/// 201 with `Location` from POST and PUT-create, `initial_state=PAUSED`, the task
/// status endpoint, PUT with another name, and KIP-875's validations of a running
/// sink and of null source partitions.
#[test]
fn created_paused_task_status_and_offsets_validation() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let rest = worker.rest();
    let topic = unique_name("paused");
    broker.create_topic(&topic, 1);
    let input = data.path().join("in.txt");
    write_lines(&input, ["one", "two"]);
    let source = file_source_config("paused-src", &input, &topic);

    let client = reqwest::blocking::Client::new();
    let mut body = connector_json("paused-src", &source);
    body["initial_state"] = json!("PAUSED");
    let response = client
        .post(format!("{}/connectors", rest.base()))
        .json(&body)
        .send()
        .expect("POST /connectors");
    assert_eq!(response.status().as_u16(), 201);
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    assert_eq!(location.as_deref(), Some("/connectors/paused-src"));
    let created: Value = response.json().expect("json");
    assert_eq!(created["name"], "paused-src");
    assert_eq!(created["type"], "source");

    let status = wait_status(&worker, "paused-src", |s| {
        s["connector"]["state"] == "PAUSED"
            && s["tasks"].as_array().is_some_and(|t| t.len() == 1)
            && s["tasks"][0]["state"] == "PAUSED"
    });
    let worker_id = status["connector"]["worker_id"].clone();
    assert!(
        worker_id.as_str().is_some_and(|w| !w.is_empty()),
        "{status}"
    );
    assert_eq!(
        rest.get("/connectors/paused-src/tasks/0/status"),
        (
            200,
            json!({"id": 0, "state": "PAUSED", "worker_id": worker_id, "version": "0.1.0"})
        )
    );
    assert_eq!(
        assert_error(
            &rest.get("/connectors/paused-src/tasks/7/status"),
            404,
            "unknown task"
        ),
        "No status found for task paused-src-7"
    );
    assert_eq!(
        assert_error(
            &rest.get("/connectors/nope/tasks/0/status"),
            404,
            "unknown connector"
        ),
        "No status found for task nope-0"
    );
    // Paused from the start: nothing reaches the topic until it is resumed.
    assert_eq!(broker.record_count(&topic).unwrap_or(0), 0);
    assert_eq!(rest.put_empty("/connectors/paused-src/resume").0, 202);
    assert_eq!(broker.consume_all(&topic, 2, TIMEOUT).len(), 2);

    // A logger level set over REST applies at once: the source's offset commits
    // are logged at DEBUG, which the default INFO level hides.
    const COMMIT_LINE: &str = "committed source offsets";
    assert_eq!(worker.log_count(COMMIT_LINE), 0);
    let (status, affected) = rest.put("/admin/loggers/ferry::worker", &json!({"level": "DEBUG"}));
    assert_eq!(status, 200, "{affected}");
    append_lines(&input, ["three"]);
    assert!(
        wait_until(TIMEOUT, || worker.log_count(COMMIT_LINE) > 0),
        "no DEBUG line after the level change"
    );
    assert_eq!(broker.consume_all(&topic, 3, TIMEOUT).len(), 3);

    // PUT with a different name in the body.
    let renamed = with(source.clone(), "name", "other");
    assert_eq!(
        assert_error(
            &rest.put("/connectors/paused-src/config", &config_map(&renamed)),
            400,
            "PUT with another name"
        ),
        "Connector name configuration (other) doesn't match connector name in the URL (paused-src)"
    );

    // PUT creating a connector: 201 with Location.
    let output = data.path().join("out.txt");
    let sink = file_sink_config("put-snk", &output, &topic);
    let response = client
        .put(format!("{}/connectors/put-snk/config", rest.base()))
        .json(&config_map(&sink))
        .send()
        .expect("PUT config");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some("/connectors/put-snk")
    );
    assert!(
        wait_until(TIMEOUT, || read_lines(&output) == ["one", "two", "three"]),
        "sink output: {:?}",
        read_lines(&output)
    );

    // KIP-875: a running sink's offsets cannot change; a source partition cannot be null.
    let partition = json!({"kafka_topic": topic, "kafka_partition": 0});
    let alter = json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 0}}]});
    let patch = |path: &str, body: &Value| rest.call(Method::PATCH, path, Some(body.to_string()));
    assert_eq!(
        assert_error(
            &patch("/connectors/put-snk/offsets", &alter),
            400,
            "alter a running sink"
        ),
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/put-snk/stop' endpoint"
    );
    assert_error(
        &rest.delete("/connectors/put-snk/offsets"),
        400,
        "reset a running sink",
    );
    assert_eq!(rest.put_empty("/connectors/paused-src/stop").0, 204);
    wait_status(&worker, "paused-src", |s| {
        s["connector"]["state"] == "STOPPED"
    });
    let null_partition = json!({"offsets": [{"partition": null, "offset": {"position": 1}}]});
    assert_eq!(
        assert_error(
            &patch("/connectors/paused-src/offsets", &null_partition),
            400,
            "null source partition"
        ),
        "Source partitions may not be null"
    );
    let scalar_offset = json!({"offsets": [{"partition": {"filename": "f"}, "offset": 5}]});
    assert!(
        assert_error(
            &patch("/connectors/paused-src/offsets", &scalar_offset),
            400,
            "scalar source offset"
        )
        .starts_with("Source offsets must be JSON objects or null"),
    );
    // A null offset is a tombstone: the partition's offset goes away.
    let file_partition = json!({"filename": input.display().to_string()});
    assert!(
        wait_until(TIMEOUT, || {
            rest.get("/connectors/paused-src/offsets").1["offsets"]
                .as_array()
                .is_some_and(|o| o.len() == 1)
        }),
        "{}",
        rest.get("/connectors/paused-src/offsets").1
    );
    let tombstone = json!({"offsets": [{"partition": file_partition, "offset": null}]});
    let (status, body) = patch("/connectors/paused-src/offsets", &tombstone);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        rest.get("/connectors/paused-src/offsets"),
        (200, json!({"offsets": []}))
    );
}

/// `${env:…}`, `${directory:…}` and `${file:…}` end to end: data flows through
/// topics named by the env and directory providers; a path outside the allow-list
/// is refused naming the key; a value from a provider never appears in a
/// validation error, a 400 or the worker log.
#[test]
fn config_provider_values_flow_and_never_leak() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let secrets = data.path().join("secrets");
    fs::create_dir_all(&secrets).expect("secrets dir");
    let topic = unique_name("providers");
    broker.create_topic(&topic, 1);
    fs::write(secrets.join("sink-topic"), &topic).expect("directory secret");
    let secret = unique_name("hunter2-secret");
    fs::write(
        secrets.join("connect.properties"),
        format!("tasks={secret}\n"),
    )
    .expect("file secret");

    let mut props = worker_props(broker, &[data.path()]);
    for (key, value) in [
        ("config.providers", "file,dir,env".to_string()),
        ("config.providers.file.class", "FileConfigProvider".into()),
        (
            "config.providers.file.param.allowed.paths",
            secrets.display().to_string(),
        ),
        (
            "config.providers.dir.class",
            "org.apache.kafka.common.config.provider.DirectoryConfigProvider".into(),
        ),
        (
            "config.providers.dir.param.allowed.paths",
            secrets.display().to_string(),
        ),
        (
            "config.providers.env.class",
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider".into(),
        ),
        (
            "config.providers.env.param.allowlist.pattern",
            "FERRY_TEST_.*".into(),
        ),
    ] {
        props.insert(key.into(), value);
    }
    let worker =
        Worker::start_standalone_with_env(props, &[], &[("FERRY_TEST_SOURCE_TOPIC", &topic)]);
    let rest = worker.rest();

    let input = data.path().join("in.txt");
    let output = data.path().join("out.txt");
    write_lines(&input, ["alpha", "beta"]);
    let source = with(
        file_source_config("env-src", &input, "unused"),
        "topic",
        "${env:FERRY_TEST_SOURCE_TOPIC}",
    );
    let directory_variable = format!("${{dir:{}:sink-topic}}", secrets.display());
    let sink = with(
        file_sink_config("dir-snk", &output, "unused"),
        "topics",
        directory_variable.clone(),
    );
    assert_eq!(rest.create_connector("env-src", &source).0, 201);
    assert_eq!(rest.create_connector("dir-snk", &sink).0, 201);
    assert!(
        wait_until(TIMEOUT, || read_lines(&output) == ["alpha", "beta"]),
        "data did not flow through the provider-named topic: {:?}",
        read_lines(&output)
    );
    assert_eq!(
        rest.get("/connectors/dir-snk/config").1["topics"],
        json!(directory_variable)
    );
    let (_, tasks) = rest.get("/connectors/env-src/tasks");
    assert_eq!(
        tasks[0]["config"]["topic"],
        "${env:FERRY_TEST_SOURCE_TOPIC}"
    );

    // A path outside the provider's allow-list: an error on that key.
    let outside = with(
        file_source_config("outside", &input, "t"),
        "topic",
        format!(
            "${{file:{}:topic}}",
            data.path().join("other.properties").display()
        ),
    );
    let (_, validated) = rest.validate("file-source", &outside);
    let errors = validation_errors(&validated, "topic").unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("is not allowed to be accessed")),
        "{validated}"
    );

    // A bad value from a provider is reported as its variable, never resolved.
    let variable = format!("${{file:{}/connect.properties:tasks}}", secrets.display());
    let leaky = with(
        file_source_config("leaky", &input, "t"),
        "tasks.max",
        variable.clone(),
    );
    let (status, validated) = rest.validate("file-source", &leaky);
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["error_count"], 1, "{validated}");
    let errors = validation_errors(&validated, "tasks.max").unwrap_or_default();
    assert!(
        errors.len() == 1 && errors[0].contains(&variable),
        "the error names the variable: {errors:?}"
    );
    assert!(!validated.to_string().contains(&secret), "{validated}");
    let refused = rest.create_connector("leaky", &leaky);
    assert_error(&refused, 400, "create with a bad provider value");
    assert!(!refused.1.to_string().contains(&secret), "{}", refused.1);
    assert_eq!(
        worker.log_count(&secret),
        0,
        "the worker log shows a provider's value"
    );
}

/// While a task restart waits on a plugin stuck in a call, reads about that very
/// connector (status, info, tasks, the expanded list, the task's status) still
/// answer at once, and the restart itself answers 500 after the request timeout.
#[test]
fn reads_answer_while_a_restart_waits_on_a_stuck_plugin() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let mut props = with_test_plugins(worker_props(broker, &[data.path()]));
    // The restart holds the connector for 5 s (the task shutdown timeout) and
    // answers after 4.5 s; the reads run in the first 2 s.
    props.insert("ferry.rest.request.timeout.ms".into(), "4500".into());
    let worker = Worker::start_standalone(props, &[]);
    let rest = worker.rest();
    let topic = unique_name("stuck");
    broker.create_topic(&topic, 1);
    let config = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("tasks.max", "1".into()),
        ("topic", topic.clone()),
        ("mode", "loop".into()),
        ("fail.after.polls", "1".into()),
        ("ferry.sandbox.call.timeout.ms", "60000".into()),
    ];
    assert_eq!(rest.create_connector("stuck", &config).0, 201);
    // The first poll's records arrive; the second poll spins for a minute.
    assert!(!broker.consume_all(&topic, 1, TIMEOUT).is_empty());
    wait_status(&worker, "stuck", |s| s["tasks"][0]["state"] == "RUNNING");

    let base = rest.base().to_string();
    let restart = std::thread::spawn(move || {
        let started = Instant::now();
        let response = reqwest::blocking::Client::new()
            .post(format!("{base}/connectors/stuck/tasks/0/restart"))
            .timeout(Duration::from_secs(30))
            .send()
            .expect("restart answers");
        let status = response.status().as_u16();
        let body: Value = response.json().unwrap_or(Value::Null);
        (started.elapsed(), status, body)
    });
    // The restart holds the connector while it waits (5 s) for the stuck task to
    // stop; every read during that time answers quickly.
    let reads = [
        "/connectors/stuck/status",
        "/connectors/stuck",
        "/connectors/stuck/config",
        "/connectors/stuck/tasks",
        "/connectors/stuck/tasks/0/status",
        "/connectors?expand=status&expand=info",
        "/health",
    ];
    let window = Instant::now();
    let mut rounds = 0;
    while window.elapsed() < Duration::from_millis(2000) {
        for path in reads {
            let started = Instant::now();
            let (status, body) = rest
                .try_call(Method::GET, path, None, Duration::from_secs(10))
                .unwrap_or_else(|e| panic!("GET {path}: {e}"));
            assert_eq!(status, 200, "GET {path}: {body}");
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "GET {path} took {:?} while a restart waited on a stuck plugin",
                started.elapsed()
            );
        }
        rounds += 1;
    }
    assert!(
        !restart.is_finished(),
        "the restart ended before the reads were done, so they proved nothing"
    );
    assert!(rounds > 0);
    let (elapsed, status, body) = restart.join().expect("restart thread");
    assert_eq!(status, 500, "{body}");
    assert!(
        elapsed < Duration::from_secs(15),
        "answered after {elapsed:?}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Request timed out.")),
        "{body}"
    );
}

fn task_states(status: &Value) -> Vec<String> {
    status["tasks"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .map(|t| t["state"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// KIP-745 where the plan depends on what failed: only the failed one of two tasks
/// restarts, and a FAILED connector restarts under `onlyFailed=true`.
#[test]
fn restart_plans_pick_exactly_the_failed_instances() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker =
        Worker::start_standalone(with_test_plugins(worker_props(broker, &[data.path()])), &[]);
    let rest = worker.rest();
    let topic = unique_name("plans");
    broker.create_topic(&topic, 1);

    // Task 1 traps after its first poll; task 0 keeps running.
    let mixed = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("tasks.max", "2".into()),
        ("topic", topic.clone()),
        ("mode", "trap".into()),
        ("fail.after.polls", "1".into()),
        ("misbehaving.tasks", "1".into()),
        ("max.records", "10".into()),
    ];
    assert_eq!(rest.create_connector("mixed", &mixed).0, 201);
    let one_failed = |s: &Value| task_states(s) == ["RUNNING", "FAILED"];
    wait_status(&worker, "mixed", one_failed);
    let (status, plan) =
        rest.post_empty("/connectors/mixed/restart?includeTasks=true&onlyFailed=true");
    assert_eq!(status, 202, "{plan}");
    assert_eq!(plan["name"], "mixed");
    assert_eq!(plan["connector"]["state"], "RUNNING", "{plan}");
    assert_eq!(task_states(&plan), ["RUNNING", "RESTARTING"], "{plan}");
    let after = wait_status(&worker, "mixed", one_failed);
    assert!(
        after["tasks"][1]["trace"]
            .as_str()
            .is_some_and(|t| t.contains("trapping after")),
        "{after}"
    );
    // onlyFailed without includeTasks: the connector is RUNNING, nothing restarts.
    let (status, plan) = rest.post_empty("/connectors/mixed/restart?onlyFailed=true");
    assert_eq!(status, 202, "{plan}");
    assert_eq!(plan["connector"]["state"], "RUNNING", "{plan}");
    assert_eq!(task_states(&plan), ["RUNNING", "FAILED"], "{plan}");

    // A connector that fails to start.
    let broken = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("topic", topic.clone()),
        ("fail.in.open", "true".into()),
    ];
    assert_eq!(rest.create_connector("broken", &broken).0, 201);
    let connector_failed = |s: &Value| {
        s["connector"]["state"] == "FAILED"
            && s["connector"]["trace"]
                .as_str()
                .is_some_and(|t| t.contains("fail.in.open is set"))
    };
    wait_status(&worker, "broken", connector_failed);
    for query in [
        "?onlyFailed=true",
        "?includeTasks=true&onlyFailed=true",
        "?includeTasks=true",
    ] {
        let (status, plan) = rest.post_empty(&format!("/connectors/broken/restart{query}"));
        assert_eq!(status, 202, "{query}: {plan}");
        assert_eq!(plan["connector"]["state"], "RESTARTING", "{query}: {plan}");
        assert_eq!(plan["tasks"], json!([]), "{query}: {plan}");
        wait_status(&worker, "broken", connector_failed);
    }
    let (status, body) = rest.post_empty("/connectors/broken/restart");
    assert_eq!((status, body), (204, Value::Null));
    wait_status(&worker, "broken", connector_failed);
}
