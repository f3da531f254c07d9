//! A plugin granted one file (a path-typed config key) can open exactly that file:
//! not its siblings, not the directory listing, nothing outside, not through `..`.
//! `test-chaos-source` in probe mode tries each path from inside the sandbox and
//! reports `probe:<path>:ok|denied` as records.

use std::time::Duration;

use ferry_tests::{Broker, Worker, unique_name, with_test_plugins, worker_props, write_properties};

#[test]
fn a_file_grant_opens_that_file_and_nothing_else() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let allowed = data.path().join("allowed");
    std::fs::create_dir(&allowed).expect("allowed dir");
    let granted = allowed.join("granted.txt");
    let sibling = allowed.join("sibling.txt");
    let outside = data.path().join("outside.txt");
    for (path, text) in [
        (&granted, "granted"),
        (&sibling, "secret"),
        (&outside, "secret"),
    ] {
        std::fs::write(path, text).expect("write probe file");
    }
    let topic = unique_name("probe");
    broker.create_topic(&topic, 1);

    let probes = [
        granted.display().to_string(),
        sibling.display().to_string(),
        format!("{}/", allowed.display()),
        outside.display().to_string(),
        format!("{}/../outside.txt", allowed.display()),
        "/etc/passwd".to_string(),
    ];
    let connector = write_properties(
        &data.path().join("probe.properties"),
        &[
            ("name", "probe".to_string()),
            ("connector.class", "test-chaos-source".to_string()),
            ("topic", topic.clone()),
            ("max.records", "0".to_string()),
            ("grant.file", granted.display().to_string()),
            ("probe.paths", probes.join(",")),
        ],
    );
    let props = with_test_plugins(worker_props(broker, &[allowed.as_path()]));
    let _worker = Worker::start_standalone(props, &[connector]);

    let records: Vec<String> = broker
        .consume_all(&topic, probes.len(), Duration::from_secs(60))
        .into_iter()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect();
    let expected: Vec<String> = probes
        .iter()
        .enumerate()
        .map(|(i, p)| format!("probe:{p}:{}", if i == 0 { "ok" } else { "denied" }))
        .collect();
    assert_eq!(
        records, expected,
        "only the granted file may be readable from inside the sandbox"
    );
}
