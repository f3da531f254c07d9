//! Ferry's automatic restart of failed tasks (`ferry.task.restart.*`, an extension:
//! Kafka Connect has none). `test-chaos-source` traps in its first
//! `fail.instances` task instances, counting them in a granted directory: a task
//! that fails twice comes back RUNNING without a REST call, on a standalone and on a
//! cluster worker; one that keeps failing stays FAILED once its attempts are used,
//! its trace naming them, and a manual restart over REST starts the count afresh.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ferry_tests::{
    Broker, Worker, distributed_props, unique_name, validation_errors, wait_for, wait_until,
    with_test_plugins, worker_props,
};
use serde_json::Value;

/// A chaos source that traps on its second poll in its first `fail_instances`
/// instances (0 = every instance), restarted up to `attempts` times.
fn chaos_config(
    topic: &str,
    instances: &Path,
    fail_instances: u32,
    attempts: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("connector.class", "test-chaos-source".into()),
        ("tasks.max", "1".into()),
        ("topic", topic.into()),
        ("mode", "trap".into()),
        ("fail.after.polls", "1".into()),
        ("records.per.poll", "5".into()),
        ("instance.dir", instances.display().to_string()),
        ("fail.instances", fail_instances.to_string()),
        ("ferry.task.restart.max.attempts", attempts.to_string()),
        ("ferry.task.restart.backoff.ms", "100".into()),
        // Long enough that no failing run here counts as a healthy one.
        ("ferry.task.restart.backoff.max.ms", "20000".into()),
    ]
}

/// How many task instances the chaos source has recorded.
fn instances(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn instance_dir(data: &Path) -> PathBuf {
    let dir = data.join("instances");
    std::fs::create_dir_all(&dir).expect("instance dir");
    dir
}

/// Waits until the task is RUNNING in its third instance and its records keep
/// coming, with no REST call in between.
fn assert_back_running(broker: &Broker, worker: &Worker, name: &str, topic: &str, dir: &Path) {
    let third = wait_until(Duration::from_secs(120), || {
        instances(dir) >= 3 && worker.task_state(name, 0).as_deref() == Some("RUNNING")
    });
    assert!(
        third,
        "the task never came back RUNNING in a third instance: {} instances, status {:?}",
        instances(dir),
        worker.status(name)
    );
    let before = broker.record_count(topic).unwrap_or(0);
    let growing = wait_until(Duration::from_secs(60), || {
        broker.record_count(topic).unwrap_or(0) > before + 100
    });
    assert!(
        growing,
        "the restarted task produces no records: {:?}",
        worker.status(name)
    );
    assert_eq!(instances(dir), 3, "two failures, two restarts");
    // Statuses are published by the herder on its own cadence: the second failure's
    // FAILED may reach the status topic just after the third instance started, and
    // its RUNNING follows.
    assert!(
        wait_until(Duration::from_secs(30), || {
            worker.task_state(name, 0).as_deref() == Some("RUNNING")
        }),
        "the third instance is not reported RUNNING: {:?}",
        worker.status(name)
    );
}

/// Waits until the task is FAILED for good (attempts used up); returns its trace.
fn wait_given_up(worker: &Worker, name: &str) -> String {
    let task: Option<Value> = wait_for(Duration::from_secs(120), || {
        worker.task_status(name, 0).filter(|t| {
            t["state"] == "FAILED"
                && t["trace"]
                    .as_str()
                    .is_some_and(|trace| trace.contains("gave up"))
        })
    });
    let task = task.unwrap_or_else(|| {
        panic!(
            "the task never gave up restarting: {:?}",
            worker.status(name)
        )
    });
    task["trace"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_task_that_fails_twice_comes_back_running_on_its_own() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let dir = instance_dir(data.path());
    let topic = unique_name("restart");
    broker.create_topic(&topic, 1);
    let worker =
        Worker::start_standalone(with_test_plugins(worker_props(broker, &[data.path()])), &[]);
    let name = unique_name("comeback");
    let (status, body) = worker
        .rest()
        .create_connector(&name, &chaos_config(&topic, &dir, 2, 3));
    assert_eq!(status, 201, "{body}");
    assert_back_running(broker, &worker, &name, &topic, &dir);
    assert_eq!(
        worker.log_count("restarting the failed task automatically"),
        2
    );
}

#[test]
fn attempts_run_out_and_a_manual_restart_resets_the_count() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let dir = instance_dir(data.path());
    let topic = unique_name("giveup");
    broker.create_topic(&topic, 1);
    let worker =
        Worker::start_standalone(with_test_plugins(worker_props(broker, &[data.path()])), &[]);
    let rest = worker.rest();
    let name = unique_name("giveup");
    let (status, body) = rest.create_connector(&name, &chaos_config(&topic, &dir, 0, 2));
    assert_eq!(status, 201, "{body}");

    let trace = wait_given_up(&worker, &name);
    assert!(
        trace.contains("trapping after 1 successful polls"),
        "{trace}"
    );
    assert!(
        trace.contains(
            "Ferry restarted this task automatically 2 of 2 times and gave up after 2 attempts"
        ),
        "{trace}"
    );
    assert_eq!(instances(&dir), 3, "the first run and two restarts");

    // A task restart over REST: a fresh count, so two more automatic restarts.
    let (status, body) = rest.post_empty(&format!("/connectors/{name}/tasks/0/restart"));
    assert_eq!(status, 204, "{body}");
    let six = wait_until(Duration::from_secs(120), || instances(&dir) >= 6);
    assert!(
        six,
        "{} instances after the manual restart",
        instances(&dir)
    );
    wait_given_up(&worker, &name);
    assert_eq!(instances(&dir), 6);

    // The same through the connector restart with its tasks.
    let (status, body) = rest.post_empty(&format!(
        "/connectors/{name}/restart?includeTasks=true&onlyFailed=true"
    ));
    assert_eq!(status, 202, "{body}");
    let nine = wait_until(Duration::from_secs(120), || instances(&dir) >= 9);
    assert!(
        nine,
        "{} instances after the manual restart",
        instances(&dir)
    );
    wait_given_up(&worker, &name);
    assert_eq!(instances(&dir), 9);
}

#[test]
fn restart_keys_are_validated() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker =
        Worker::start_standalone(with_test_plugins(worker_props(broker, &[data.path()])), &[]);
    let config = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("topic", "t".to_string()),
        ("ferry.task.restart.max.attempts", "-1".to_string()),
        ("ferry.task.restart.backoff.ms", "soon".to_string()),
    ];
    let (status, body) = worker.rest().validate("test-chaos-source", &config);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        validation_errors(&body, "ferry.task.restart.max.attempts"),
        Some(vec![
            "Invalid value -1 for configuration ferry.task.restart.max.attempts: Value must be at least 0"
                .to_string()
        ])
    );
    assert_eq!(
        validation_errors(&body, "ferry.task.restart.backoff.ms"),
        Some(vec![
            "Invalid value soon for configuration ferry.task.restart.backoff.ms: Not a number of type LONG"
                .to_string()
        ])
    );
}

#[test]
fn a_cluster_worker_restarts_the_failed_task_it_owns() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let dir = instance_dir(data.path());
    let topic = unique_name("restart-dist");
    broker.create_topic(&topic, 1);
    let group = unique_name("restart-cluster");
    let worker = Worker::start_distributed(with_test_plugins(distributed_props(
        broker,
        &group,
        &[data.path()],
        0,
    )));
    let name = unique_name("comeback-dist");
    let created = wait_for(Duration::from_secs(60), || {
        let (status, body) = worker
            .rest()
            .create_connector(&name, &chaos_config(&topic, &dir, 2, 3));
        (status == 201).then_some(body)
    });
    assert!(created.is_some(), "the connector was never created");
    assert_back_running(broker, &worker, &name, &topic, &dir);
}
