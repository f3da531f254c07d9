//! The cluster-only parts of the REST API on two `ferry distributed` workers: STOPPED
//! and `initial_state`, KIP-875 offsets, KIP-558 topic tracking through the status
//! topic, KIP-745 restarts and cluster-scope logger levels. Every call is made through
//! both workers, so each one is answered by the leader and forwarded by the follower
//! at least once, and every outcome is read back from both workers.

use std::time::Duration;

use ferry_tests::{
    Broker, Worker, assert_error, connector_json, distributed_props, file_sink_config,
    file_source_config, read_lines, unique_name, wait_until, with, write_lines,
};
use reqwest::Method;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

fn strings(values: &[Vec<u8>]) -> Vec<String> {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

struct Pair {
    broker: &'static Broker,
    data: tempfile::TempDir,
    workers: [Worker; 2],
}

impl Pair {
    fn start() -> Pair {
        let broker = Broker::shared();
        let data = tempfile::tempdir().expect("temp dir");
        let group = unique_name("restcluster");
        let start =
            || Worker::start_distributed(distributed_props(broker, &group, &[data.path()], 0));
        let workers = [start(), start()];
        Pair {
            broker,
            data,
            workers,
        }
    }

    /// Sends a request through `via` until it is not answered 409 "no leader yet" /
    /// "rebalance in progress", as a client of Kafka Connect would retry.
    fn call(&self, via: usize, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut last = (0, Value::Null);
        let done = wait_until(TIMEOUT, || {
            last = self.workers[via]
                .rest()
                .call(method.clone(), path, body.map(Value::to_string));
            last.0 != 409
                || last.1["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("already exists"))
        });
        assert!(
            done,
            "{method} {path} via worker {via} kept answering 409: {last:?}"
        );
        last
    }

    /// Waits until both workers report `state` for the connector and `tasks` tasks
    /// all in `state`; returns the status.
    fn wait_state(&self, name: &str, state: &str, tasks: usize) -> Value {
        let mut last = Value::Null;
        let ok = wait_until(TIMEOUT, || {
            self.workers.iter().all(|w| {
                last = w.rest().get(&format!("/connectors/{name}/status")).1;
                last["connector"]["state"] == state
                    && last["tasks"]
                        .as_array()
                        .is_some_and(|t| t.len() == tasks && t.iter().all(|t| t["state"] == state))
            })
        });
        assert!(
            ok,
            "{name} never reached {state} with {tasks} tasks: {last}"
        );
        last
    }

    /// Waits until `GET path` answers `expected` on both workers.
    fn wait_both(&self, path: &str, expected: &Value) {
        let mut last = (0, Value::Null);
        let ok = wait_until(TIMEOUT, || {
            self.workers.iter().all(|w| {
                last = w.rest().get(path);
                last == (200, expected.clone())
            })
        });
        assert!(
            ok,
            "GET {path} never answered {expected} on both workers: {last:?}"
        );
    }
}

#[test]
fn stopped_connectors_offsets_topics_and_restarts_across_a_cluster() {
    let pair = Pair::start();
    // KIP-1017: healthy once a worker has its first assignment and its herder
    // thread answers (503 "starting" before that).
    for worker in &pair.workers {
        let mut last = (0, Value::Null);
        let healthy = wait_until(TIMEOUT, || {
            last = worker.rest().get("/health");
            assert!(
                last.0 == 200 || (last.0 == 503 && last.1["status"] == "starting"),
                "{last:?}"
            );
            last.0 == 200
        });
        assert!(healthy, "never healthy: {last:?}");
        assert_eq!(
            last.1,
            json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
        );
    }
    let topic = unique_name("clusteroffsets");
    pair.broker.create_topic(&topic, 1);
    let input = pair.data.path().join("in.txt");
    write_lines(&input, ["zero", "one", "two", "three", "four"]);

    // KIP-980: created STOPPED through worker 1, no tasks anywhere.
    let mut body = connector_json("src", &file_source_config("src", &input, &topic));
    body["initial_state"] = json!("STOPPED");
    let (status, created) = pair.call(1, Method::POST, "/connectors", Some(&body));
    assert_eq!(status, 201, "{created}");
    pair.wait_state("src", "STOPPED", 0);
    pair.wait_both("/connectors/src/tasks", &json!([]));
    pair.wait_both("/connectors/src/offsets", &json!({"offsets": []}));

    // KIP-875: offsets altered before the first run, through either worker.
    let partition = json!({"filename": input.display().to_string()});
    let alter = json!({"offsets": [{"partition": partition, "offset": {"position": 13}}]});
    let (status, message) = pair.call(0, Method::PATCH, "/connectors/src/offsets", Some(&alter));
    assert_eq!(status, 200, "{message}");
    assert!(
        message["message"]
            .as_str()
            .is_some_and(|m| m.contains("altered successfully")),
        "{message}"
    );
    pair.wait_both("/connectors/src/offsets", &alter);

    // Resumed: the task starts at position 13, so only "three" and "four".
    assert_eq!(
        pair.call(1, Method::PUT, "/connectors/src/resume", None).0,
        202
    );
    pair.wait_state("src", "RUNNING", 1);
    let records = pair.broker.consume_all(&topic, 2, TIMEOUT);
    assert_eq!(strings(&records), ["three", "four"]);
    let end = json!({"offsets": [{"partition": partition, "offset": {"position": 24}}]});
    pair.wait_both("/connectors/src/offsets", &end);

    // While running, changes are refused by whichever worker is asked.
    for via in 0..2 {
        let refused = pair.call(via, Method::PATCH, "/connectors/src/offsets", Some(&alter));
        assert!(
            assert_error(&refused, 400, "alter while running")
                .starts_with("Connectors must be in the STOPPED state"),
            "{refused:?}"
        );
    }

    // KIP-558: the topic the task produced to is recorded in the status topic, and
    // every worker reads it from there.
    pair.wait_both(
        "/connectors/src/topics",
        &json!({"src": {"topics": [topic]}}),
    );

    // KIP-745 through the follower and the leader alike.
    for via in 0..2 {
        let (status, plan) = pair.call(
            via,
            Method::POST,
            "/connectors/src/restart?includeTasks=true",
            None,
        );
        assert_eq!(status, 202, "{plan}");
        assert_eq!(plan["connector"]["state"], "RESTARTING", "{plan}");
        assert_eq!(plan["tasks"][0]["state"], "RESTARTING", "{plan}");
        pair.wait_state("src", "RUNNING", 1);
        let (status, plan) = pair.call(
            via,
            Method::POST,
            "/connectors/src/restart?includeTasks=true&onlyFailed=true",
            None,
        );
        assert_eq!(status, 202, "{plan}");
        assert_eq!(plan["connector"]["state"], "RUNNING", "{plan}");
        assert_eq!(plan["tasks"][0]["state"], "RUNNING", "{plan}");
        assert_eq!(
            pair.call(via, Method::POST, "/connectors/src/restart", None)
                .0,
            204
        );
    }
    pair.wait_state("src", "RUNNING", 1);

    // Stopped through worker 0: no tasks anywhere; topics reset through worker 1.
    assert_eq!(
        pair.call(0, Method::PUT, "/connectors/src/stop", None).0,
        204
    );
    pair.wait_state("src", "STOPPED", 0);
    pair.wait_both("/connectors/src/tasks", &json!([]));
    assert_eq!(
        pair.call(1, Method::PUT, "/connectors/src/topics/reset", None)
            .0,
        202
    );
    pair.wait_both("/connectors/src/topics", &json!({"src": {"topics": []}}));

    // Reset through worker 1, then everything is read again from the start.
    let (status, message) = pair.call(1, Method::DELETE, "/connectors/src/offsets", None);
    assert_eq!(status, 200, "{message}");
    assert!(
        message["message"]
            .as_str()
            .is_some_and(|m| m.contains("reset successfully")),
        "{message}"
    );
    pair.wait_both("/connectors/src/offsets", &json!({"offsets": []}));
    assert_eq!(
        pair.call(0, Method::PUT, "/connectors/src/resume", None).0,
        202
    );
    let records = pair.broker.consume_all(&topic, 7, TIMEOUT);
    assert_eq!(
        strings(&records[2..]),
        ["zero", "one", "two", "three", "four"]
    );
    pair.wait_both(
        "/connectors/src/topics",
        &json!({"src": {"topics": [topic]}}),
    );
}

#[test]
fn sink_offsets_and_cluster_scope_loggers_across_a_cluster() {
    let pair = Pair::start();
    let topic = unique_name("clustersink");
    pair.broker.create_topic(&topic, 1);
    pair.broker.produce(&topic, &["r0", "r1", "r2", "r3", "r4"]);
    let output = pair.data.path().join("out.txt");
    let config = with(
        file_sink_config("snk", &output, &topic),
        "ferry.sink.static.membership",
        "false",
    );
    let (status, created) = pair.call(
        0,
        Method::POST,
        "/connectors",
        Some(&connector_json("snk", &config)),
    );
    assert_eq!(status, 201, "{created}");
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() == 5),
        "sink output: {:?}",
        read_lines(&output)
    );
    let partition = json!({"kafka_topic": topic, "kafka_partition": 0});
    pair.wait_both(
        "/connectors/snk/offsets",
        &json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 5}}]}),
    );

    // Stopped through worker 1; its `connect-snk` offsets altered through worker 0
    // (retried while the stopped consumer may still be leaving the group).
    assert_eq!(
        pair.call(1, Method::PUT, "/connectors/snk/stop", None).0,
        204
    );
    pair.wait_state("snk", "STOPPED", 0);
    let alter = json!({"offsets": [{"partition": partition, "offset": {"kafka_offset": 3}}]});
    let mut last = (0, Value::Null);
    let altered = wait_until(TIMEOUT, || {
        last = pair.call(0, Method::PATCH, "/connectors/snk/offsets", Some(&alter));
        last.0 == 200
    });
    assert!(altered, "alter sink offsets: {last:?}");
    pair.wait_both("/connectors/snk/offsets", &alter);
    assert_eq!(
        pair.call(1, Method::PUT, "/connectors/snk/resume", None).0,
        202
    );
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() == 7),
        "sink output: {:?}",
        read_lines(&output)
    );
    assert_eq!(read_lines(&output)[5..], ["r3", "r4"]);

    // Cluster scope: set through one worker, applied by both.
    let (status, body) = pair.workers[1].rest().put(
        "/admin/loggers/ferry::rest?scope=cluster",
        &json!({"level": "WARN"}),
    );
    assert_eq!((status, body), (204, Value::Null));
    let ok = wait_until(TIMEOUT, || {
        pair.workers
            .iter()
            .all(|w| w.rest().get("/admin/loggers/ferry::rest").1["level"] == "WARN")
    });
    assert!(
        ok,
        "cluster-scope level not applied by both workers: {:?} / {:?}",
        pair.workers[0].rest().get("/admin/loggers/ferry::rest"),
        pair.workers[1].rest().get("/admin/loggers/ferry::rest")
    );
    // Worker scope stays on the worker asked.
    let (status, _) = pair.workers[0]
        .rest()
        .put("/admin/loggers/ferry::rest", &json!({"level": "DEBUG"}));
    assert_eq!(status, 200);
    assert_eq!(
        pair.workers[0].rest().get("/admin/loggers/ferry::rest").1["level"],
        "DEBUG"
    );
    assert_eq!(
        pair.workers[1].rest().get("/admin/loggers/ferry::rest").1["level"],
        "WARN"
    );
}
