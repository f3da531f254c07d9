//! Filesystem grants: a file connector may only touch paths under the worker's
//! `ferry.sandbox.allowed.paths`.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use ferry_tests::{
    Broker, Config, Worker, assert_error, file_sink_config, file_source_config, unique_name,
    validation_errors, wait_for, worker_props, write_lines,
};

const SECRET: &str = "top secret: must never reach Kafka";

struct Setup {
    broker: &'static Broker,
    worker: Worker,
    topic: String,
    allowed: PathBuf,
    outside: PathBuf,
    _root: tempfile::TempDir,
}

/// `root/allowed` is granted; `root/outside/secret.txt` and `root/allowed-evil/` (a
/// sibling sharing the allowed dir's name as a string prefix) are not.
fn setup() -> Setup {
    let broker = Broker::shared();
    let root = tempfile::tempdir().expect("temp dir");
    let allowed = root.path().join("allowed");
    let outside = root.path().join("outside");
    for dir in [&allowed, &outside, &root.path().join("allowed-evil")] {
        fs::create_dir(dir).expect("create dir");
    }
    write_lines(&outside.join("secret.txt"), [SECRET]);
    write_lines(
        &root.path().join("allowed-evil").join("secret.txt"),
        [SECRET],
    );
    write_lines(&allowed.join("ok.txt"), ["fine"]);
    let topic = unique_name("sandbox");
    broker.create_topic(&topic, 1);
    let worker = Worker::start_standalone(worker_props(broker, &[&allowed]), &[]);
    Setup {
        broker,
        worker,
        topic,
        allowed,
        outside,
        _root: root,
    }
}

/// Validation names `file` as erroneous and creation answers 400; nothing is created.
fn assert_rejected(setup: &Setup, plugin: &str, name: &str, config: &Config, what: &str) {
    let rest = setup.worker.rest();
    let (status, body) = rest.validate(plugin, config);
    assert_eq!(status, 200, "{what}: validate answered {status}: {body}");
    assert!(
        body["error_count"].as_u64().is_some_and(|n| n >= 1),
        "{what}: validate must report an error: {body}"
    );
    let errors = validation_errors(&body, "file").unwrap_or_default();
    assert!(
        !errors.is_empty(),
        "{what}: validate must report the error on the `file` key: {body}"
    );
    assert_error(&rest.create_connector(name, config), 400, what);
    assert_error(
        &rest.get(&format!("/connectors/{name}")),
        404,
        &format!("{what}: the rejected connector must not exist"),
    );
}

/// Paths outside the allowed dir are refused for reading (source) and writing (sink),
/// including a sibling dir whose name merely starts with the allowed dir's name.
#[test]
fn file_paths_outside_allowed_paths_are_rejected() {
    let setup = setup();
    let secret = setup.outside.join("secret.txt");
    assert_rejected(
        &setup,
        "file-source",
        "read-outside",
        &file_source_config("read-outside", &secret, &setup.topic),
        "file-source reading outside the allowed paths",
    );

    let written = setup.outside.join("written.txt");
    assert_rejected(
        &setup,
        "file-sink",
        "write-outside",
        &file_sink_config("write-outside", &written, &setup.topic),
        "file-sink writing outside the allowed paths",
    );
    assert!(
        !written.exists(),
        "a rejected sink must not create its file"
    );

    let evil: PathBuf = format!("{}-evil/secret.txt", setup.allowed.display()).into();
    assert_rejected(
        &setup,
        "file-source",
        "read-prefix-sibling",
        &file_source_config("read-prefix-sibling", &evil, &setup.topic),
        "a sibling dir sharing the allowed dir's name as a prefix",
    );

    // A path inside stays fine.
    let ok = setup.allowed.join("ok.txt");
    let (status, body) = setup.worker.rest().validate(
        "file-source",
        &file_source_config("inside", &ok, &setup.topic),
    );
    assert_eq!(status, 200, "validate answered {status}: {body}");
    assert_eq!(
        body["error_count"], 0,
        "a file inside the allowed paths is valid: {body}"
    );
}

/// `allowed/../outside/secret.txt` is outside; a symlink inside the allowed dir that
/// points outside must not leak the target either (rejected up front, or the task fails
/// reading it — but nothing of it reaches the topic).
#[test]
fn dot_dot_and_symlink_escapes_are_refused() {
    let setup = setup();
    let dotdot = setup.allowed.join("..").join("outside").join("secret.txt");
    assert_rejected(
        &setup,
        "file-source",
        "dotdot",
        &file_source_config("dotdot", &dotdot, &setup.topic),
        "a ../ path escaping the allowed dir",
    );

    let link = setup.allowed.join("link.txt");
    std::os::unix::fs::symlink(setup.outside.join("secret.txt"), &link).expect("symlink");
    let config = file_source_config("symlink", &link, &setup.topic);
    let rest = setup.worker.rest();
    let (status, body) = rest.validate("file-source", &config);
    assert_eq!(status, 200, "validate answered {status}: {body}");
    let rejected_up_front = !validation_errors(&body, "file")
        .unwrap_or_default()
        .is_empty();
    if rejected_up_front {
        assert_rejected(
            &setup,
            "file-source",
            "symlink",
            &config,
            "a symlink escaping",
        );
    } else {
        let (status, body) = rest.create_connector("symlink", &config);
        assert_eq!(status, 201, "create answered {status}: {body}");
        let task = wait_for(Duration::from_secs(120), || {
            setup
                .worker
                .task_status("symlink", 0)
                .filter(|t| t["state"] == "FAILED")
        });
        assert!(
            task.is_some(),
            "a symlink escaping the allowed dir was accepted and its task did not fail; \
             status {:?}",
            setup.worker.status("symlink")
        );
        leak_check(setup.broker, &setup.topic);
    }
}

fn leak_check(broker: &Broker, topic: &str) {
    let count = broker.record_count(topic).unwrap_or(0);
    let values = broker.consume_all(topic, count as usize, Duration::from_secs(30));
    assert!(
        !values.iter().any(|v| v == SECRET.as_bytes()),
        "the secret outside the allowed dir reached topic {topic}"
    );
}
