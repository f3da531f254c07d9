//! A misbehaving plugin (`test-chaos-source`: trap, endless loop, unbounded allocation)
//! fails only its own task: the worker, its REST API and a healthy connector next to it
//! keep going, and a task restart over REST brings the misbehaving task back.

use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, append_lines, file_source_config, unique_name, wait_for, wait_until,
    with_test_plugins, worker_props, write_lines, write_properties,
};

const HEALTHY: &str = "healthy";
const CHAOS: &str = "chaos";
/// Polls the chaos task completes before misbehaving, each time it starts.
const FAIL_AFTER_POLLS: u32 = 20;
/// Lines the healthy connector copies per round.
const ROUND: usize = 1000;

fn healthy_line(i: usize) -> String {
    format!("healthy {i:06}")
}

/// Waits until the healthy connector's topic holds exactly the first `n` healthy lines
/// in order, and that the connector and its task still report RUNNING.
fn assert_healthy_copied(broker: &Broker, worker: &Worker, topic: &str, n: usize, when: &str) {
    let values = broker.consume_all(topic, n, Duration::from_secs(120));
    let got: Vec<String> = values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    let expected: Vec<String> = (0..n).map(healthy_line).collect();
    assert!(
        got == expected,
        "{when}: the healthy connector copied {} of {n} lines (or out of order); \
         healthy status {:?}",
        got.len(),
        worker.status(HEALTHY)
    );
    assert_eq!(
        worker.connector_state(HEALTHY).as_deref(),
        Some("RUNNING"),
        "{when}: the healthy connector must stay RUNNING"
    );
    assert_eq!(
        worker.task_state(HEALTHY, 0).as_deref(),
        Some("RUNNING"),
        "{when}: the healthy task must stay RUNNING"
    );
}

/// Waits for the chaos task to be FAILED while checking, on every poll, that the REST
/// API answers within 5 s. Returns the trace.
fn wait_chaos_failed(worker: &Worker, mode: &str, when: &str) -> String {
    let mut slowest = Duration::ZERO;
    let failed = wait_for(Duration::from_secs(180), || {
        let asked = Instant::now();
        let answer = worker.rest().probe("/", Duration::from_secs(5));
        slowest = slowest.max(asked.elapsed());
        assert!(
            matches!(answer, Some((200, _))),
            "mode {mode}, {when}: GET / did not answer 200 within 5 s while the chaos task \
             misbehaves: {answer:?}"
        );
        worker
            .task_status(CHAOS, 0)
            .filter(|t| t["state"] == "FAILED")
    });
    let task = failed.unwrap_or_else(|| {
        panic!(
            "mode {mode}, {when}: the chaos task never reached FAILED; status {:?}",
            worker.status(CHAOS)
        )
    });
    let trace = task["trace"].as_str().unwrap_or_default().to_owned();
    assert!(
        !trace.trim().is_empty(),
        "mode {mode}, {when}: a FAILED task must carry a non-empty trace: {task}"
    );
    eprintln!(
        "mode {mode}, {when}: chaos task FAILED (slowest GET / meanwhile: {slowest:?}); trace: {}",
        trace.lines().next().unwrap_or_default()
    );
    trace
}

/// The number of records in the chaos topic once it stopped growing (the failed task's
/// last batches may still be in flight when FAILED is reported).
fn settled_count(broker: &Broker, topic: &str) -> i64 {
    let mut last = -1;
    let settled = wait_for(Duration::from_secs(60), || {
        let now = broker.record_count(topic).unwrap_or(0);
        let stable = now == last;
        last = now;
        if !stable {
            // Compare over at least half a second.
            std::thread::sleep(Duration::from_millis(500));
        }
        stable.then_some(now)
    });
    settled.unwrap_or(last)
}

fn chaos_scenario(mode: &str, overrides: &[(&'static str, &str)]) {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let healthy_topic = unique_name("healthy");
    let chaos_topic = unique_name("chaos");
    broker.create_topic(&healthy_topic, 1);
    broker.create_topic(&chaos_topic, 1);

    let input = data.path().join("healthy.txt");
    write_lines(&input, (0..ROUND).map(healthy_line));
    let healthy = write_properties(
        &data.path().join("healthy.properties"),
        &file_source_config(HEALTHY, &input, &healthy_topic),
    );
    let props = with_test_plugins(worker_props(broker, &[data.path()]));
    let worker = Worker::start_standalone(props, &[healthy]);
    worker.wait_all_in_state(HEALTHY, "RUNNING", Duration::from_secs(120));
    assert_healthy_copied(broker, &worker, &healthy_topic, ROUND, "before chaos");

    // The misbehaving connector, next to the healthy one.
    let mut config = vec![
        ("connector.class", "test-chaos-source".to_owned()),
        ("tasks.max", "1".to_owned()),
        ("topic", chaos_topic.clone()),
        ("mode", mode.to_owned()),
        ("fail.after.polls", FAIL_AFTER_POLLS.to_string()),
    ];
    config.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let (status, body) = worker.rest().create_connector(CHAOS, &config);
    assert_eq!(
        status, 201,
        "mode {mode}: creating the chaos connector answered {status}: {body}"
    );

    wait_chaos_failed(&worker, mode, "first run");
    append_lines(&input, (ROUND..2 * ROUND).map(healthy_line));
    assert_healthy_copied(
        broker,
        &worker,
        &healthy_topic,
        2 * ROUND,
        "after the chaos task failed",
    );

    // A task restart brings it back: it runs (RUNNING, and/or new records) ...
    let before = settled_count(broker, &chaos_topic);
    let (status, body) = worker
        .rest()
        .post_empty(&format!("/connectors/{CHAOS}/tasks/0/restart"));
    assert_eq!(
        status, 204,
        "mode {mode}: task restart answered {status}: {body}"
    );
    let mut saw_running = false;
    let ran_again = wait_until(Duration::from_secs(120), || {
        saw_running |= worker.task_state(CHAOS, 0).as_deref() == Some("RUNNING");
        saw_running || broker.record_count(&chaos_topic).unwrap_or(0) > before
    });
    assert!(
        ran_again,
        "mode {mode}: after POST tasks/0/restart the chaos task neither reported RUNNING nor \
         produced records ({before} before); status {:?}",
        worker.status(CHAOS)
    );
    eprintln!(
        "mode {mode}: restarted task came back (saw RUNNING: {saw_running}, records before: \
         {before}, now: {:?})",
        broker.record_count(&chaos_topic)
    );
    // ... and, a fresh instance misbehaving again after FAIL_AFTER_POLLS polls, is
    // contained again.
    wait_chaos_failed(&worker, mode, "after restart");
    append_lines(&input, (2 * ROUND..3 * ROUND).map(healthy_line));
    assert_healthy_copied(
        broker,
        &worker,
        &healthy_topic,
        3 * ROUND,
        "after the second failure",
    );

    let (status, body) = worker.rest().delete(&format!("/connectors/{CHAOS}"));
    assert_eq!(
        status, 204,
        "mode {mode}: deleting the failed connector answered {status}: {body}"
    );
}

/// The guest traps (`unreachable`).
#[test]
fn trapping_task_fails_alone_and_restarts() {
    chaos_scenario("trap", &[]);
}

/// The guest loops forever inside `poll`: the per-call CPU deadline (1 s here) stops it.
#[test]
fn looping_task_hits_call_timeout_fails_alone_and_restarts() {
    chaos_scenario("loop", &[("ferry.sandbox.call.timeout.ms", "1000")]);
}

/// The guest allocates without bound: the 32 MiB memory cap stops it.
#[test]
fn allocating_task_hits_memory_cap_fails_alone_and_restarts() {
    chaos_scenario("alloc", &[("ferry.sandbox.memory.max.bytes", "33554432")]);
}
