//! Taking over a running Kafka Connect cluster: Kafka Connect 4.4.0 workers and
//! `ferry distributed` workers in one group (`sessioned` protocol, the same three
//! internal topics), sharing Kafka's own `FileStreamSource`/`FileStreamSink`
//! connectors, while workers of one kind replace those of the other one at a time.
//!
//! Every check reads both kinds of worker: statuses must be the same JSON on every
//! live worker, writes go through either kind's REST API, and the lines in the sink
//! file are counted for gaps and duplicates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, append_lines, cluster_props, kafka_connect_props, read_lines, report,
    unique_name, wait_for, wait_until, worker_props,
};
use serde_json::{Value, json};

/// How long a cluster may take to settle after a worker joins or leaves (a Kafka
/// Connect worker's start, a session timeout, a rebalance round, task starts).
const SETTLE: Duration = Duration::from_secs(180);

/// The converter both kinds of worker name by Kafka's class name.
const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";

/// The Kafka-only connector (`scripts/kafka/test-plugins`).
const KAFKA_ONLY: &str = "dev.ferry.kafkaonly.KafkaOnlySourceConnector";

/// One mixed cluster at a time: each runs up to four workers, two of them JVMs.
static ONE_CLUSTER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Cluster {
    broker: &'static Broker,
    group: String,
    data: tempfile::TempDir,
    workers: Vec<Worker>,
}

impl Cluster {
    fn new() -> Cluster {
        Cluster {
            broker: Broker::shared(),
            group: unique_name("mixed"),
            data: tempfile::tempdir().expect("temp dir"),
            workers: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.data.path().join(name)
    }

    /// The properties of a Ferry worker of this cluster; a Kafka Connect worker gets
    /// the same minus Ferry's own keys.
    fn props(&self) -> BTreeMap<String, String> {
        let mut props = worker_props(self.broker, &[self.data.path()]);
        props.extend(cluster_props(&self.group, 6000, 1000, 0));
        props.insert("key.converter".into(), STRING_CONVERTER.into());
        props.insert("value.converter".into(), STRING_CONVERTER.into());
        props.insert("rest.advertised.host.name".into(), "127.0.0.1".into());
        props
    }

    fn add_ferry(&mut self) -> usize {
        self.workers.push(Worker::start_distributed(self.props()));
        self.workers.len() - 1
    }

    fn add_kafka_connect(&mut self) -> usize {
        self.workers
            .push(Worker::start_kafka_connect(kafka_connect_props(
                &self.props(),
            )));
        self.workers.len() - 1
    }

    fn live(&mut self) -> Vec<usize> {
        (0..self.workers.len())
            .filter(|i| self.workers[*i].is_running())
            .collect()
    }

    fn id(&self, worker: usize) -> String {
        format!("127.0.0.1:{}", self.workers[worker].port())
    }

    /// Worker id → whether it is a Kafka Connect worker, for the live workers.
    fn live_kinds(&mut self) -> BTreeMap<String, bool> {
        self.live()
            .into_iter()
            .map(|i| (self.id(i), self.workers[i].is_kafka_connect()))
            .collect()
    }

    /// Stops worker `i`: SIGTERM and a clean exit, or `kill -9`.
    fn take_down(&mut self, i: usize, hard: bool) {
        if hard {
            self.workers[i].kill9();
        } else {
            self.workers[i].stop();
        }
    }

    /// A write through worker `via`, retried while the group is rebalancing (409) or
    /// the worker does not know its leader yet, as a Kafka Connect client would.
    fn write(
        &self,
        via: usize,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut last = (0, Value::Null);
        let done = wait_until(SETTLE, || {
            last = self.workers[via].rest().call(
                method.clone(),
                path,
                body.as_ref().map(Value::to_string),
            );
            !matches!(last.0, 409 | 503)
        });
        assert!(
            done,
            "{method} {path} via worker {via} kept answering {last:?}"
        );
        last
    }

    fn create(&self, via: usize, name: &str, config: Value) -> Value {
        let (code, body) = self.write(
            via,
            reqwest::Method::POST,
            "/connectors",
            Some(json!({"name": name, "config": config})),
        );
        assert_eq!(
            code,
            201,
            "create {name} via {}: {body}",
            self.workers[via].label()
        );
        body
    }

    /// Waits until every live worker answers `GET /connectors/{name}/status` with the
    /// same JSON (`type` aside), and `accept` takes it; returns it.
    fn wait_agreed(
        &mut self,
        name: &str,
        what: &str,
        mut accept: impl FnMut(&Value, &BTreeMap<String, bool>) -> bool,
    ) -> Value {
        let live = self.live();
        let kinds = self.live_kinds();
        let workers = &self.workers;
        let mut last = Vec::new();
        let found = wait_for(SETTLE, || {
            last = live.iter().map(|i| workers[*i].status(name)).collect();
            let first = last[0].clone()?;
            // `type` is each worker's reading of the class with its own plugins: a
            // worker without the plugin says "unknown", as Kafka Connect does.
            let comparable = |s: &Value| {
                let mut s = s.clone();
                if let Some(map) = s.as_object_mut() {
                    map.remove("type");
                }
                s
            };
            let same = last
                .iter()
                .all(|s| s.as_ref().map(comparable) == Some(comparable(&first)));
            (same && accept(&first, &kinds)).then_some(first)
        });
        found.unwrap_or_else(|| {
            panic!("{name}: the live workers {kinds:?} never agreed on {what}; last statuses: {last:#?}")
        })
    }

    /// Waits until `name` and its `tasks` tasks run on live workers, with every live
    /// worker reporting the same status.
    fn wait_running(&mut self, name: &str, tasks: usize) -> Value {
        self.wait_agreed(
            name,
            &format!("RUNNING with {tasks} tasks"),
            |status, kinds| {
                let on_live = |s: &Value| {
                    s["state"] == "RUNNING"
                        && s["worker_id"]
                            .as_str()
                            .is_some_and(|w| kinds.contains_key(w))
                };
                let list = status["tasks"].as_array().cloned().unwrap_or_default();
                // Tasks a smaller `tasks.max` dropped stay listed as UNASSIGNED, as
                // Kafka Connect lists every task status it has.
                on_live(&status["connector"])
                    && list.len() >= tasks
                    && list[..tasks].iter().all(on_live)
                    && list[tasks..].iter().all(|t| t["state"] == "UNASSIGNED")
            },
        )
    }

    /// Waits until every live worker reports `name` in `state` (connector and tasks).
    fn wait_state(&mut self, name: &str, state: &str) -> Value {
        self.wait_agreed(name, state, |status, _| {
            status["connector"]["state"] == state
                && status["tasks"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty() && t.iter().all(|t| t["state"] == state))
        })
    }

    /// Waits until every live worker answers 404 for `name`.
    fn wait_gone(&mut self, name: &str) {
        let live = self.live();
        let workers = &self.workers;
        let gone = wait_until(SETTLE, || {
            live.iter().all(|i| {
                workers[*i]
                    .rest()
                    .probe(&format!("/connectors/{name}"), Duration::from_secs(30))
                    .is_some_and(|(code, _)| code == 404)
            })
        });
        assert!(
            gone,
            "{name} is still visible on some worker after its delete"
        );
    }
}

/// Whether every connector and task of `status` runs on a worker of the given kind.
fn all_on(status: &Value, kinds: &BTreeMap<String, bool>, kafka_connect: bool) -> bool {
    let on = |s: &Value| {
        s["worker_id"]
            .as_str()
            .and_then(|w| kinds.get(w))
            .is_some_and(|k| *k == kafka_connect)
    };
    on(&status["connector"]) && status["tasks"].as_array().is_some_and(|t| t.iter().all(on))
}

/// Appends numbered lines to the source file until stopped; returns how many.
struct Writer {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<usize>,
}

impl Writer {
    fn start(path: &Path) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let path = path.to_owned();
        let thread = std::thread::spawn(move || {
            let mut n = 0;
            while !flag.load(Ordering::SeqCst) {
                append_lines(&path, (n..n + 5).map(line));
                n += 5;
                std::thread::sleep(Duration::from_millis(25));
            }
            n
        });
        Writer { stop, thread }
    }

    fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("writer thread")
    }
}

fn line(n: usize) -> String {
    format!("line-{n:07}")
}

/// Waits until the sink file holds more lines than it did: the pipeline still moves.
fn wait_progress(output: &Path) {
    let before = read_lines(output).len();
    let moved = wait_until(SETTLE, || read_lines(output).len() > before + 20);
    assert!(moved, "the sink file stopped growing at {before} lines");
}

/// Two Kafka Connect workers run `FileStreamSource` and `FileStreamSink`; Ferry workers
/// join and Kafka Connect workers leave one at a time until Ferry runs everything,
/// then the reverse. Returns the duplicate count; gaps fail the test.
fn rolling_migration(hard: bool) -> usize {
    let _serial = serial();
    let mut c = Cluster::new();
    let topic = unique_name("migrate");
    c.broker.create_topic(&topic, 1);
    let input = c.path("in.txt");
    let output = c.path("out.txt");
    std::fs::write(&input, "").expect("create the source file");

    let kc1 = c.add_kafka_connect();
    let kc2 = c.add_kafka_connect();
    c.create(
        kc1,
        "file-source",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1",
               "file": input.display().to_string(), "topic": topic}),
    );
    c.create(
        kc2,
        "file-sink",
        json!({"connector.class": "FileStreamSink", "tasks.max": "1",
               "file": output.display().to_string(), "topics": topic}),
    );
    let writer = Writer::start(&input);
    let settle = |c: &mut Cluster| {
        c.wait_running("file-source", 1);
        c.wait_running("file-sink", 1);
        wait_progress(&output);
    };
    settle(&mut c);

    // Kafka Connect → Ferry, one worker at a time.
    let f1 = c.add_ferry();
    settle(&mut c);
    c.take_down(kc1, hard);
    settle(&mut c);
    let f2 = c.add_ferry();
    settle(&mut c);
    c.take_down(kc2, hard);
    settle(&mut c);
    let kinds = c.live_kinds();
    for name in ["file-source", "file-sink"] {
        let status = c.wait_running(name, 1);
        assert!(
            all_on(&status, &kinds, false),
            "{name} is not on Ferry: {status}"
        );
    }
    // Kafka's offsets, read back through a Ferry worker: Kafka's partition shape.
    let (code, offsets) = c.workers[f1].rest().get("/connectors/file-source/offsets");
    assert_eq!(code, 200, "{offsets}");
    assert_eq!(
        offsets["offsets"][0]["partition"],
        json!({"filename": input.display().to_string()}),
        "{offsets}"
    );

    // Ferry → Kafka Connect.
    c.add_kafka_connect();
    settle(&mut c);
    c.take_down(f1, hard);
    settle(&mut c);
    c.add_kafka_connect();
    settle(&mut c);
    c.take_down(f2, hard);
    settle(&mut c);
    let kinds = c.live_kinds();
    for name in ["file-source", "file-sink"] {
        let status = c.wait_running(name, 1);
        assert!(
            all_on(&status, &kinds, true),
            "{name} is not on Kafka Connect: {status}"
        );
    }

    let written = writer.finish();
    let expected: BTreeSet<String> = (0..written).map(line).collect();
    let mut got = Vec::new();
    let complete = wait_until(SETTLE, || {
        got = read_lines(&output);
        let seen: BTreeSet<&String> = got.iter().collect();
        expected.iter().all(|l| seen.contains(l))
    });
    let distinct: BTreeSet<&String> = got.iter().collect();
    let missing = expected.iter().filter(|l| !distinct.contains(l)).count();
    assert!(
        complete,
        "{missing} of {written} lines never reached the sink file"
    );
    assert!(
        distinct.iter().all(|l| expected.contains(*l)),
        "the sink file has lines nobody wrote"
    );
    let duplicates = got.len() - distinct.len();
    report(&format!(
        "rolling migration ({}): {written} lines, 0 gaps, {duplicates} duplicates",
        if hard { "kill -9" } else { "clean stops" }
    ));
    duplicates
}

#[test]
fn rolling_migration_with_clean_stops_loses_and_repeats_nothing() {
    assert_eq!(rolling_migration(false), 0, "duplicates after clean stops");
}

#[test]
fn rolling_migration_with_kill_9_loses_nothing() {
    rolling_migration(true);
}

/// Per worker id, how many tasks of `statuses` it runs (every live worker listed).
fn task_counts(statuses: &[Value], kinds: &BTreeMap<String, bool>) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = kinds.keys().map(|w| (w.clone(), 0)).collect();
    for status in statuses {
        for task in status["tasks"].as_array().into_iter().flatten() {
            *counts
                .entry(task["worker_id"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
    }
    counts
}

/// Creates `config` as `name-1`, `name-2`, … through `via` until its connector runs
/// on a worker of the kind that has the plugin (placement is the leader's choice,
/// by load: each copy that landed on the other kind, failing there naming `plugin`,
/// is kept until then so the next lands elsewhere, and deleted after). Returns the
/// final name and its agreed status.
fn create_on_own_kind(
    c: &mut Cluster,
    via: usize,
    name: &str,
    config: &Value,
    plugin: &str,
    kafka_connect: bool,
) -> (String, Value) {
    let mut misplaced: Vec<String> = Vec::new();
    for attempt in 1..=6 {
        let name = format!("{name}-{attempt}");
        c.create(via, &name, config.clone());
        let status = c.wait_agreed(&name, "a final connector state", |s, _| {
            matches!(s["connector"]["state"].as_str(), Some("RUNNING" | "FAILED"))
        });
        let kinds = c.live_kinds();
        let on_own = status["connector"]["worker_id"]
            .as_str()
            .and_then(|w| kinds.get(w))
            .is_some_and(|k| *k == kafka_connect);
        if on_own {
            for other in misplaced {
                let (code, body) = c.write(
                    via,
                    reqwest::Method::DELETE,
                    &format!("/connectors/{other}"),
                    None,
                );
                assert_eq!(code, 204, "{body}");
                c.wait_gone(&other);
            }
            return (name, status);
        }
        assert_eq!(status["connector"]["state"], "FAILED", "{status}");
        let trace = status["connector"]["trace"].as_str().unwrap_or_default();
        assert!(
            trace.contains(plugin),
            "the trace does not name {plugin}: {status}"
        );
        misplaced.push(name);
    }
    panic!("{name} never landed on a worker that has {plugin}");
}

/// Waits until every task of `name` (`tasks` of them) runs on a worker of the kind
/// that has the plugin and has FAILED, with a trace containing `failure`, on the
/// other kind; returns how many failed.
fn wait_split_by_kind(
    c: &mut Cluster,
    name: &str,
    tasks: usize,
    failure: &str,
    kafka_connect: bool,
) -> usize {
    let status = c.wait_agreed(name, "tasks split by worker kind", |s, kinds| {
        let list = s["tasks"].as_array().cloned().unwrap_or_default();
        list.len() == tasks
            && list.iter().all(
                |t| match t["worker_id"].as_str().and_then(|w| kinds.get(w)) {
                    Some(k) if *k == kafka_connect => t["state"] == "RUNNING",
                    Some(_) => {
                        t["state"] == "FAILED"
                            && t["trace"].as_str().is_some_and(|tr| tr.contains(failure))
                    }
                    None => false,
                },
            )
    });
    status["tasks"]
        .as_array()
        .map_or(0, |t| t.iter().filter(|t| t["state"] == "FAILED").count())
}

/// Two Kafka Connect and two Ferry workers share 6 sink tasks evenly; connectors are
/// created, paused, resumed, restarted and deleted through both kinds of REST API;
/// each kind fails only the tasks whose plugin it lacks; and each kind restarts
/// alone on the internal topics the mixed cluster wrote.
#[test]
fn mixed_cluster_shares_work_and_rest_both_ways() {
    let _serial = serial();
    let mut c = Cluster::new();
    // A Ferry worker leads: the config topic is Ferry's writing.
    let f1 = c.add_ferry();
    let kc1 = c.add_kafka_connect();
    let f2 = c.add_ferry();
    let kc2 = c.add_kafka_connect();
    let (topic_a, topic_b) = (unique_name("mixed-a"), unique_name("mixed-b"));
    c.broker.create_topic(&topic_a, 3);
    c.broker.create_topic(&topic_b, 3);
    let sink = |topic: &str, file: &str| {
        json!({"connector.class": "FileStreamSink", "tasks.max": "3",
               "file": c.path(file).display().to_string(), "topics": topic})
    };
    let (sink_a, sink_b) = (sink(&topic_a, "out-a.txt"), sink(&topic_b, "out-b.txt"));
    let created = c.create(kc1, "sink-a", sink_a.clone());
    assert_eq!(created["config"]["topics"], topic_a.as_str(), "{created}");
    c.create(f1, "sink-b", sink_b.clone());

    // 6 tasks over 4 workers: max − min ≤ 1, statuses the same on all four.
    let kinds = c.live_kinds();
    let deadline = Instant::now() + SETTLE;
    loop {
        let statuses = [c.wait_running("sink-a", 3), c.wait_running("sink-b", 3)];
        let counts = task_counts(&statuses, &kinds);
        let spread = counts.values().max().unwrap_or(&0) - counts.values().min().unwrap_or(&0);
        if spread <= 1 {
            report(&format!("mixed cluster: tasks per worker {counts:?}"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "tasks are not balanced: {counts:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Both kinds serve the records: 30 records on each topic reach each file.
    let records: Vec<String> = (0..30).map(line).collect();
    c.broker.produce(&topic_a, &records);
    c.broker.produce(&topic_b, &records);
    for file in ["out-a.txt", "out-b.txt"] {
        let path = c.path(file);
        let mut got = Vec::new();
        let ok = wait_until(SETTLE, || {
            got = read_lines(&path);
            got.len() >= records.len()
        });
        got.sort();
        let mut want = records.clone();
        want.sort();
        assert!(ok && got == want, "{file}: {got:?}");
    }

    // Writes through either kind, seen by all.
    let put = reqwest::Method::PUT;
    let post = reqwest::Method::POST;
    assert_eq!(
        c.write(f2, put.clone(), "/connectors/sink-a/pause", None).0,
        202
    );
    c.wait_state("sink-a", "PAUSED");
    assert_eq!(
        c.write(kc2, put.clone(), "/connectors/sink-a/resume", None)
            .0,
        202
    );
    c.wait_running("sink-a", 3);
    let (code, body) = c.write(
        kc1,
        post.clone(),
        "/connectors/sink-b/restart?includeTasks=true",
        None,
    );
    assert_eq!(code, 202, "{body}");
    c.wait_running("sink-b", 3);
    let (code, body) = c.write(f1, post.clone(), "/connectors/sink-a/tasks/1/restart", None);
    assert_eq!(code, 204, "{body}");
    c.wait_running("sink-a", 3);
    // The other way round: pause through Kafka Connect, resume and restart through
    // Ferry, a task restart through Kafka Connect.
    assert_eq!(
        c.write(kc1, put.clone(), "/connectors/sink-b/pause", None)
            .0,
        202
    );
    c.wait_state("sink-b", "PAUSED");
    assert_eq!(
        c.write(f2, put.clone(), "/connectors/sink-b/resume", None)
            .0,
        202
    );
    c.wait_running("sink-b", 3);
    let (code, body) = c.write(
        f2,
        post.clone(),
        "/connectors/sink-a/restart?includeTasks=true",
        None,
    );
    assert_eq!(code, 202, "{body}");
    c.wait_running("sink-a", 3);
    let (code, body) = c.write(
        kc2,
        post.clone(),
        "/connectors/sink-b/tasks/2/restart",
        None,
    );
    assert_eq!(code, 204, "{body}");
    c.wait_running("sink-b", 3);
    // A config update through Kafka Connect, then back through Ferry. (Not a smaller
    // `tasks.max`: both kinds, as Kafka Connect, keep showing a dropped task with
    // the last status its worker wrote.)
    let mut changed = sink_b.clone();
    changed["errors.log.enable"] = json!("true");
    let (code, body) = c.write(
        kc2,
        put.clone(),
        "/connectors/sink-b/config",
        Some(changed.clone()),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["config"]["errors.log.enable"], "true", "{body}");
    c.wait_running("sink-b", 3);
    let (code, body) = c.write(f2, put, "/connectors/sink-b/config", Some(sink_b.clone()));
    assert_eq!(code, 200, "{body}");
    c.wait_running("sink-b", 3);

    // A plugin only Ferry has, created through a Ferry follower (forwarded to the
    // Ferry leader): only the tasks placed on Kafka Connect fail, with Kafka
    // Connect's own trace (it cannot tell a source from a sink without the class).
    let ferry_only = json!({"connector.class": "verifiable-source", "tasks.max": "8",
                            "topic": unique_name("ferry-only"), "throughput": "5"});
    let (ferry_only, _) = create_on_own_kind(
        &mut c,
        f2,
        "ferry-only",
        &ferry_only,
        "verifiable-source",
        false,
    );
    let failed_on_kafka = wait_split_by_kind(
        &mut c,
        &ferry_only,
        8,
        "is not a recognizable type (source or sink)",
        false,
    );
    assert!(
        failed_on_kafka > 0,
        "no Ferry-only task landed on Kafka Connect"
    );
    c.wait_running("sink-a", 3);
    c.wait_running("sink-b", 3);
    // The worker a create reaches and the leader both validate it, as in Kafka
    // Connect: a class only Kafka Connect has, sent to a Kafka Connect worker, is
    // forwarded to the Ferry leader and refused there, naming it.
    let kafka_only = json!({"connector.class": KAFKA_ONLY, "tasks.max": "8",
                            "topic": unique_name("kafka-only")});
    let (code, body) = c.write(
        kc2,
        post,
        "/connectors",
        Some(json!({"name": "kafka-only", "config": kafka_only.clone()})),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains(KAFKA_ONLY)),
        "{body}"
    );
    let (code, body) = c.write(
        kc1,
        reqwest::Method::DELETE,
        &format!("/connectors/{ferry_only}"),
        None,
    );
    assert_eq!(code, 204, "{body}");
    c.wait_gone(&ferry_only);
    let (code, body) = c.write(f2, reqwest::Method::DELETE, "/connectors/sink-a", None);
    assert_eq!(code, 204, "{body}");
    c.wait_gone("sink-a");

    // Each kind alone on the topics the mixed cluster wrote: Kafka Connect on a
    // config topic a Ferry leader wrote, then (after a Kafka Connect leader ran with
    // Ferry followers) Ferry.
    for i in [kc2, f2, kc1, f1] {
        c.workers[i].stop();
    }
    let kc = c.add_kafka_connect();
    check_alone(&mut c, kc, &sink_b, true);

    // Ferry workers join the Kafka Connect leader; a plugin only Kafka Connect has,
    // created through the leader: only the tasks placed on Ferry fail, naming it.
    let fa = c.add_ferry();
    let fb = c.add_ferry();
    c.wait_running("sink-b", 3);
    let (kafka_only, _) =
        create_on_own_kind(&mut c, kc, "kafka-only", &kafka_only, KAFKA_ONLY, true);
    let failed_on_ferry = wait_split_by_kind(&mut c, &kafka_only, 8, KAFKA_ONLY, true);
    assert!(failed_on_ferry > 0, "no Kafka-only task landed on Ferry");
    c.wait_running("sink-b", 3);
    report(&format!(
        "mixed cluster: {failed_on_kafka} Ferry-only tasks failed on Kafka Connect, {failed_on_ferry} Kafka-only tasks failed on Ferry"
    ));
    let (code, body) = c.write(
        fb,
        reqwest::Method::DELETE,
        &format!("/connectors/{kafka_only}"),
        None,
    );
    assert_eq!(code, 204, "{body}");
    c.wait_gone(&kafka_only);
    for i in [fa, fb, kc] {
        c.workers[i].stop();
    }
    let f = c.add_ferry();
    check_alone(&mut c, f, &sink_b, false);
}

/// The lone worker `alone` runs `sink-b` (config `sink_b`, 3 tasks) from the topics
/// the cluster wrote, and shows its config and Kafka's task class.
fn check_alone(c: &mut Cluster, alone: usize, sink_b: &Value, kafka_connect: bool) {
    let status = c.wait_running("sink-b", 3);
    assert!(all_on(&status, &c.live_kinds(), kafka_connect), "{status}");
    let rest = c.workers[alone].rest();
    assert_eq!(rest.get("/connectors").1, json!(["sink-b"]));
    let (code, config) = rest.get("/connectors/sink-b/config");
    assert_eq!(code, 200);
    let mut want = sink_b.clone();
    want["name"] = json!("sink-b");
    assert_eq!(config, want);
    let (code, tasks) = rest.get("/connectors/sink-b/tasks");
    assert_eq!(code, 200);
    let classes: BTreeSet<&str> = tasks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["config"]["task.class"].as_str())
        .collect();
    assert_eq!(
        classes,
        BTreeSet::from(["org.apache.kafka.connect.file.FileStreamSinkTask"]),
        "{tasks}"
    );
}
