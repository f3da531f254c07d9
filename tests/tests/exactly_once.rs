//! Exactly-once source support (KIP-618) end to end: `ferry distributed` workers
//! with `exactly.once.source.support=enabled` run `verifiable-source` tasks with
//! transactional producers; the workers are bounced with `kill -9` while the tasks
//! produce, and a `read_committed` consumer must then see every per-task seqno
//! exactly once. The same scenario with the support disabled shows (and counts)
//! the duplicates an at-least-once source produces after a crash.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, distributed_props, report, unique_name, validation_errors, wait_until,
    with_test_plugins,
};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{Value, json};

const SETTLE: Duration = Duration::from_secs(120);
const CONNECTOR: &str = "eos-source";

/// What a `read_committed` consumer saw: per task, every seqno in order.
#[derive(Default, Debug)]
struct Committed {
    seqnos: BTreeMap<u64, Vec<i64>>,
}

impl Committed {
    fn total(&self) -> usize {
        self.seqnos.values().map(Vec::len).sum()
    }

    fn highest(&self, task: u64) -> i64 {
        self.seqnos
            .get(&task)
            .and_then(|s| s.iter().max().copied())
            .unwrap_or(-1)
    }

    /// Records seen more than once.
    fn duplicates(&self) -> usize {
        self.seqnos
            .values()
            .map(|s| s.len() - s.iter().collect::<BTreeSet<_>>().len())
            .sum()
    }

    /// Seqnos missing below each task's highest one.
    fn gaps(&self) -> BTreeMap<u64, usize> {
        self.seqnos
            .iter()
            .filter_map(|(task, seqnos)| {
                let set: BTreeSet<i64> = seqnos.iter().copied().collect();
                let first = *set.first()?;
                let last = *set.last()?;
                let missing = (last - first + 1) as usize - set.len();
                // Seqnos start at 0 for a fresh task.
                let missing = missing + first as usize;
                (missing > 0).then_some((*task, missing))
            })
            .collect()
    }
}

/// Reads the whole topic as a `read_committed` consumer: up to the last stable
/// offset, never a record of an aborted or still-open transaction. (key, value)
/// as text.
fn read_committed_records(broker: &Broker, topic: &str) -> Vec<(String, String)> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("eos-reader"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("consumer");
    let partitions = broker.partition_count(topic).expect("topic exists") as i32;
    let mut tpl = TopicPartitionList::new();
    let mut ends = BTreeMap::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .expect("partition");
        // With read_committed this is the last stable offset.
        let (_, end) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .expect("watermarks");
        ends.insert(p, end);
    }
    consumer.assign(&tpl).expect("assign");
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // Positions also move past transaction markers, which are never returned.
        let done = consumer.position().is_ok_and(|positions| {
            ends.iter().all(|(p, end)| {
                *end == 0
                    || positions
                        .find_partition(topic, *p)
                        .is_some_and(|e| matches!(e.offset(), Offset::Offset(o) if o >= *end))
            })
        });
        if done || Instant::now() > deadline {
            break;
        }
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            let text =
                |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
            records.push((text(message.key()), text(message.payload())));
        }
    }
    records
}

/// `verifiable-source` records as a `read_committed` consumer sees them.
fn read_committed(broker: &Broker, topic: &str) -> Committed {
    let mut seen = Committed::default();
    for (key, value) in read_committed_records(broker, topic) {
        let task: u64 = key.trim().parse().expect("key is the task id");
        let seqno: i64 = value.trim().parse().expect("value is a seqno");
        seen.seqnos.entry(task).or_default().push(seqno);
    }
    seen
}

/// The last value of every key of the config topic (read uncommitted: Ferry's
/// config writes are not transactional).
fn config_records(broker: &Broker, topic: &str) -> BTreeMap<String, Value> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("eos-config-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let (_, end) = consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(10))
        .expect("watermarks");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .expect("partition");
    consumer.assign(&tpl).expect("assign");
    let mut out = BTreeMap::new();
    let mut next = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while next < end && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            next = message.offset() + 1;
            let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
            let value = message
                .payload()
                .and_then(|v| serde_json::from_slice(v).ok())
                .unwrap_or(Value::Null);
            out.insert(key, value);
        }
    }
    out
}

struct Scenario {
    broker: Broker,
    workers: Vec<Worker>,
    topic: String,
    _data: tempfile::TempDir,
}

impl Scenario {
    fn start(support: &str) -> Scenario {
        let broker = Broker::start();
        let data = tempfile::tempdir().expect("temp dir");
        let group = unique_name("eos");
        let mut props = distributed_props(&broker, &group, &[data.path()], 0);
        props.insert("exactly.once.source.support".into(), support.into());
        let workers = vec![
            Worker::start_distributed(props.clone()),
            Worker::start_distributed(props),
        ];
        let topic = unique_name("eos-topic");
        broker.create_topic(&topic, 3);
        Scenario {
            broker,
            workers,
            topic,
            _data: data,
        }
    }

    /// `POST /connectors`, retrying while the group forms (409, no leader yet).
    fn create(&self, config: Value) {
        let body = json!({"name": CONNECTOR, "config": config});
        let mut last = (0, Value::Null);
        let done = wait_until(SETTLE, || {
            last = self.workers[0].rest().post("/connectors", &body);
            last.0 != 409
        });
        assert!(done && last.0 == 201, "create: {last:?}");
    }

    /// Waits until both tasks' committed seqnos pass `floor`.
    fn wait_progress(&self, floor: &BTreeMap<u64, i64>, what: &str) -> Committed {
        let mut seen = Committed::default();
        let progressed = wait_until(SETTLE, || {
            seen = read_committed(&self.broker, &self.topic);
            (0..2).all(|t| seen.highest(t) > floor.get(&t).copied().unwrap_or(-1) + 200)
        });
        assert!(
            progressed,
            "{what}: tasks made no committed progress past {floor:?}; seen {:?}; statuses {:?} / {:?}\nworker 0 log:\n{}\nworker 1 log:\n{}",
            (0..2).map(|t| seen.highest(t)).collect::<Vec<_>>(),
            self.workers[0].status(CONNECTOR),
            self.workers[1].status(CONNECTOR),
            self.workers[0].log_tail(60),
            self.workers[1].log_tail(60),
        );
        seen
    }
}

/// Bounces both workers twice with `kill -9` while the source produces; returns
/// what a `read_committed` consumer saw once the source was paused.
fn bounce(support: &str, connector: Value) -> Committed {
    let mut scenario = Scenario::start(support);
    let mut config = connector;
    config["connector.class"] = json!("verifiable-source");
    config["tasks.max"] = json!("2");
    config["topic"] = json!(scenario.topic);
    config["throughput"] = json!("300");
    config["records.per.poll"] = json!("20");
    scenario.create(config);
    let mut floor = BTreeMap::new();
    let seen = scenario.wait_progress(&floor, "before any bounce");
    floor = (0..2).map(|t| (t, seen.highest(t))).collect();
    for round in 0..2 {
        for i in 0..scenario.workers.len() {
            scenario.workers[i].kill9();
            scenario.workers[i].restart();
            let seen = scenario.wait_progress(&floor, &format!("round {round}, worker {i}"));
            floor = (0..2).map(|t| (t, seen.highest(t))).collect();
        }
    }
    let (code, _) = scenario.workers[0]
        .rest()
        .put_empty(&format!("/connectors/{CONNECTOR}/pause"));
    assert_eq!(code, 202);
    scenario.workers[0].wait_all_in_state(CONNECTOR, "PAUSED", SETTLE);
    // Paused tasks commit nothing more: read until two reads agree.
    let mut last = read_committed(&scenario.broker, &scenario.topic);
    let stable = wait_until(SETTLE, || {
        let now = read_committed(&scenario.broker, &scenario.topic);
        let same = now.total() == last.total();
        last = now;
        same
    });
    assert!(stable, "the topic kept growing after the pause");
    last
}

#[test]
fn exactly_once_sources_survive_kill_9_bounces_without_duplicates() {
    let seen = bounce(
        "enabled",
        json!({"exactly.once.support": "required", "transaction.boundary": "poll"}),
    );
    report(&format!(
        "exactly-once source, 4 kill -9 bounces (enabled): {} records, {} duplicates, gaps {:?}",
        seen.total(),
        seen.duplicates(),
        seen.gaps()
    ));
    assert_eq!(seen.seqnos.len(), 2, "both tasks produced");
    assert!(seen.gaps().is_empty(), "gaps: {:?}", seen.gaps());
    assert_eq!(seen.duplicates(), 0, "exactly-once: no duplicates");
}

#[test]
fn without_exactly_once_the_same_bounces_duplicate_records() {
    let seen = bounce("disabled", json!({}));
    report(&format!(
        "at-least-once source, 4 kill -9 bounces (disabled): {} records, {} duplicates, gaps {:?}",
        seen.total(),
        seen.duplicates(),
        seen.gaps()
    ));
    assert!(seen.gaps().is_empty(), "gaps: {:?}", seen.gaps());
    // Offsets are flushed every second (offset.flush.interval.ms=1000) while each
    // task produces 300 records a second: a kill -9 replays what followed the flush.
    assert!(
        seen.duplicates() > 0,
        "kill -9 without exactly-once should repeat records since the last offset flush"
    );
}

#[test]
fn validation_and_the_fence_endpoint_answer_as_kafka() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let mut props = distributed_props(broker, &unique_name("eos-validate"), &[data.path()], 0);
    props.insert("exactly.once.source.support".into(), "preparing".into());
    let worker = Worker::start_distributed(props);
    let rest = worker.rest();
    let config = |extra: &[(&'static str, &str)]| {
        let mut config: Vec<(&'static str, String)> = vec![
            ("connector.class", "verifiable-source".into()),
            ("name", "v".into()),
            ("topic", "t".into()),
        ];
        config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        config
    };
    let (code, body) = rest.validate(
        "verifiable-source",
        &config(&[("exactly.once.support", "required")]),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        validation_errors(&body, "exactly.once.support"),
        Some(vec![
            "This worker does not have exactly-once source support enabled.".to_string()
        ])
    );
    let (_, body) = rest.validate(
        "verifiable-source",
        &config(&[("transaction.boundary", "connector")]),
    );
    let errors = validation_errors(&body, "transaction.boundary").expect("listed");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .starts_with("The connector does not support connector-defined transaction boundaries"),
        "{errors:?}"
    );
    let (_, body) = rest.validate(
        "verifiable-source",
        &config(&[
            ("transaction.boundary", "Interval"),
            ("transaction.boundary.interval.ms", "-5"),
        ]),
    );
    assert_eq!(
        validation_errors(&body, "transaction.boundary.interval.ms"),
        Some(vec![
            "Invalid value -5 for configuration transaction.boundary.interval.ms: Value must be at least 0"
                .to_string()
        ])
    );
    assert_eq!(
        validation_errors(&body, "transaction.boundary"),
        Some(vec![])
    );
    // The internal fence endpoint wants a signature, like POST /connectors/{c}/tasks.
    let mut answer = (0, Value::Null);
    let signed_checked = wait_until(SETTLE, || {
        answer = rest.put_empty("/connectors/v/fence");
        answer.0 == 400
    });
    assert!(signed_checked, "{answer:?}");
    assert_eq!(
        answer.1["message"], "Internal request missing required signature",
        "{answer:?}"
    );
}

/// One exactly-once worker on the shared broker with the test plugins loaded.
fn single_worker(prefix: &str) -> (Worker, String, tempfile::TempDir) {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let group = unique_name(prefix);
    let mut props = with_test_plugins(distributed_props(broker, &group, &[data.path()], 0));
    props.insert("exactly.once.source.support".into(), "enabled".into());
    (Worker::start_distributed(props), group, data)
}

fn create_on(worker: &Worker, name: &str, config: Value) {
    let body = json!({"name": name, "config": config});
    let mut last = (0, Value::Null);
    let done = wait_until(SETTLE, || {
        last = worker.rest().post("/connectors", &body);
        last.0 != 409
    });
    assert!(done && last.0 == 201, "create {name}: {last:?}");
}

#[test]
fn connector_defined_boundaries_commit_and_abort_where_the_task_asks() {
    let broker = Broker::shared();
    let (worker, _group, _data) = single_worker("eos-connector");
    let topic = unique_name("eos-chaos");
    broker.create_topic(&topic, 1);
    // Ten records a poll, six polls: commit after polls 2, 4 and 6, abort poll 3.
    create_on(
        &worker,
        "chaos",
        json!({
            "connector.class": "test-chaos-source", "tasks.max": "1", "topic": topic,
            "records.per.poll": "10", "max.records": "60",
            "exactly.once.support": "required", "transaction.boundary": "connector",
            "transaction.commit.every": "2", "transaction.abort.poll": "3",
        }),
    );
    let mut values = Vec::new();
    let complete = wait_until(SETTLE, || {
        values = read_committed_records(broker, &topic)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        values.len() >= 50
    });
    assert!(
        complete,
        "committed: {values:?}; status {:?}\n{}",
        worker.status("chaos"),
        worker.log_tail(60)
    );
    let expected: Vec<String> = (1..=20)
        .chain(31..=60)
        .map(|n| format!("chaos-{n}"))
        .collect();
    assert_eq!(
        values, expected,
        "poll 3's records (chaos-21..30) were aborted"
    );
    // An abort the task asked for is not a failure.
    worker.wait_all_in_state("chaos", "RUNNING", SETTLE);
}

#[test]
fn the_leader_fences_the_previous_generation_before_fewer_tasks_start() {
    let broker = Broker::shared();
    let (worker, group, _data) = single_worker("eos-fence");
    let topic = unique_name("eos-fence-topic");
    broker.create_topic(&topic, 2);
    // The connector keeps its offsets in its own topic (created by the task).
    let own_offsets = unique_name("eos-own-offsets");
    let config = |tasks: &str| {
        json!({
            "connector.class": "verifiable-source", "tasks.max": tasks, "topic": topic,
            "throughput": "200", "offsets.storage.topic": own_offsets,
        })
    };
    create_on(&worker, "fenced", config("2"));
    let config_topic = format!("{group}-configs");
    let task_count = |expected: u64| {
        let mut last = Value::Null;
        let found = wait_until(SETTLE, || {
            last = config_records(broker, &config_topic)
                .remove("tasks-fencing-fenced")
                .unwrap_or(Value::Null);
            last == json!({"task-count": expected})
        });
        assert!(found, "task count record {last}, wanted {expected}");
    };
    task_count(2);
    let mut seen = Committed::default();
    assert!(wait_until(SETTLE, || {
        seen = read_committed(broker, &topic);
        seen.highest(0) > 100 && seen.highest(1) > 100
    }));
    // Two tasks become one: the leader must fence both old transactional ids
    // before the new task 0 starts, then record the new count.
    let (code, body) = worker.rest().put("/connectors/fenced/config", &config("1"));
    assert_eq!(code, 200, "{body}");
    task_count(1);
    assert!(
        wait_until(SETTLE, || worker
            .log_count("fenced the producers of the previous task generation")
            > 0),
        "no fencing round in the log:\n{}",
        worker.log_tail(60)
    );
    let before = seen.highest(0);
    assert!(wait_until(SETTLE, || {
        seen = read_committed(broker, &topic);
        seen.highest(0) > before + 100
    }));
    assert_eq!(
        seen.duplicates(),
        0,
        "no duplicates across the reconfiguration"
    );
    assert!(seen.gaps().is_empty(), "gaps: {:?}", seen.gaps());
    // The offsets went, inside the transactions, to the connector's own topic.
    let offsets: BTreeSet<String> = read_committed_records(broker, &own_offsets)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert!(
        offsets.contains(r#"["fenced",{"id":0}]"#) && offsets.contains(r#"["fenced",{"id":1}]"#),
        "own offsets topic keys: {offsets:?}"
    );
}
