//! `verifiable-source`: Kafka's `VerifiableSourceConnector`, for system tests of
//! distributed mode. Each task emits a strictly increasing sequence number starting at
//! 0: key = task id (INT32), value = seqno (INT64), source partition `{"id":<task>}`,
//! offset `{"seqno":<n>}`. A task that is restarted or moved to another worker resumes
//! after its last committed seqno, so a sink can check that nothing was lost and see
//! what was duplicated. `throughput` caps records per second per task (-1 = unlimited).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, SourceConnector, SourceTask, Value,
};

const TOPIC: &str = "topic";
const THROUGHPUT: &str = "throughput";
const RECORDS_PER_POLL: &str = "records.per.poll";
/// Set by the connector in each task config: the task's index. (The SDK does not
/// expose the host's task id to a task, so the connector numbers its task configs.)
const TASK_ID: &str = "task.id";

const DEFAULT_THROUGHPUT: i64 = -1;
const DEFAULT_RECORDS_PER_POLL: u32 = 100;
/// The longest a poll sleeps waiting for the next record to be due, so that a stop
/// request is answered promptly; an empty batch makes the host back off on its own.
const MAX_POLL_WAIT: Duration = Duration::from_millis(50);

/// The connector: `max_tasks` copies of its config, numbered through `task.id`.
pub struct VerifiableSourceConnector {
    config: Config,
}

impl Plugin for VerifiableSourceConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::source("verifiable-source")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "VerifiableSource",
                "VerifiableSourceConnector",
                "org.apache.kafka.connect.tools.VerifiableSourceConnector",
            ])
            .summary(
                "Emits increasing per-task sequence numbers for system tests (Kafka's VerifiableSource).",
            )
            .config(
                ConfigKey::string(TOPIC)
                    .required()
                    .importance(Importance::High)
                    .doc("The topic to publish data to"),
            )
            .config(
                ConfigKey::long(THROUGHPUT)
                    .default_value(DEFAULT_THROUGHPUT.to_string())
                    .importance(Importance::High)
                    .doc("Records per second each task emits; a negative value means unlimited, 0 emits nothing."),
            )
            .config(
                ConfigKey::int(RECORDS_PER_POLL)
                    .default_value(DEFAULT_RECORDS_PER_POLL.to_string())
                    .importance(Importance::Low)
                    .doc("The maximum number of records a task returns from one poll."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if config.get(TOPIC).is_some_and(|t| t.contains(',')) {
            problems.push(ConfigProblem::new(
                TOPIC,
                "'topic' in VerifiableSourceConnector configuration requires definition of a single topic",
            ));
        }
        if let Err(e) = config.parse::<i64>(THROUGHPUT) {
            problems.push(ConfigProblem::new(THROUGHPUT, e.message()));
        }
        if let Err(e) = records_per_poll(config) {
            problems.push(ConfigProblem::new(RECORDS_PER_POLL, e.message()));
        }
        problems
    }
}

fn records_per_poll(config: &Config) -> Result<u32, PluginError> {
    match config.parse::<u32>(RECORDS_PER_POLL)? {
        Some(0) => Err(PluginError::config(format!(
            "Invalid value 0 for configuration {RECORDS_PER_POLL}: must be at least 1"
        ))),
        Some(n) => Ok(n),
        None => Ok(DEFAULT_RECORDS_PER_POLL),
    }
}

impl SourceConnector for VerifiableSourceConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        if let Some(problem) = Self::validate(&config).into_iter().next() {
            return Err(PluginError::Config(problem.message));
        }
        config.require(TOPIC)?;
        Ok(VerifiableSourceConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok((0..max_tasks)
            .map(|i| {
                let mut c = self.config.clone();
                c.set(TASK_ID, i.to_string());
                c
            })
            .collect())
    }
}

/// The task: numbers records from the seqno after the last committed one.
pub struct VerifiableSourceTask {
    id: i32,
    topic: String,
    throughput: i64,
    records_per_poll: u32,
    /// `{"id":<task id>}`.
    partition: String,
    key_schema: Arc<Schema>,
    value_schema: Arc<Schema>,
    /// The next seqno to emit.
    seqno: i64,
    /// The seqno this run started at: throughput counts from here.
    starting_seqno: i64,
    started: Instant,
}

impl SourceTask for VerifiableSourceTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let id = task_id(&config)?;
        let partition = partition_json(id);
        let seqno = match ferry_sdk::host::read_offset(&partition) {
            Some(offset) => next_seqno(&offset)?,
            None => 0,
        };
        let topic = config.require(TOPIC)?.to_string();
        ferry_sdk::info!(
            "Started VerifiableSourceTask {id} producing to topic {topic} resuming from seqno {seqno}"
        );
        Ok(VerifiableSourceTask {
            id,
            topic,
            throughput: config.parse_or(THROUGHPUT, DEFAULT_THROUGHPUT)?,
            records_per_poll: records_per_poll(&config)?,
            partition,
            key_schema: Schema::int32().into_arc(),
            value_schema: Schema::int64().into_arc(),
            seqno,
            starting_seqno: seqno,
            started: Instant::now(),
        })
    }

    fn poll(&mut self) -> Result<Vec<ConnectRecord>, PluginError> {
        let sent = (self.seqno - self.starting_seqno) as u64;
        let mut count = allowed(self.throughput, self.started.elapsed(), sent);
        if count == 0 {
            if self.throughput == 0 {
                return Ok(Vec::new());
            }
            let wait = until_next(self.throughput, self.started.elapsed(), sent);
            std::thread::sleep(wait.min(MAX_POLL_WAIT));
            count = allowed(self.throughput, self.started.elapsed(), sent);
        }
        let count = count.min(u64::from(self.records_per_poll));
        let records = (0..count as i64)
            .map(|i| self.record(self.seqno + i))
            .collect();
        self.seqno += count as i64;
        Ok(records)
    }
}

impl VerifiableSourceTask {
    fn record(&self, seqno: i64) -> ConnectRecord {
        ConnectRecord::new(
            &self.topic,
            Some(Arc::clone(&self.value_schema)),
            Value::Int64(seqno),
        )
        .with_key(Some(Arc::clone(&self.key_schema)), Value::Int32(self.id))
        .with_source(self.partition.clone(), offset_json(seqno))
    }
}

fn task_id(config: &Config) -> Result<i32, PluginError> {
    Ok(config.parse::<i32>(TASK_ID)?.unwrap_or(0))
}

/// The source partition of task `id`: `{"id":<id>}` (Kafka's field name).
fn partition_json(id: i32) -> String {
    serde_json::json!({ "id": id }).to_string()
}

/// The source offset after `seqno`: `{"seqno":<seqno>}`.
fn offset_json(seqno: i64) -> String {
    format!("{{\"seqno\":{seqno}}}")
}

/// The seqno to resume at after a committed offset `{"seqno":N}`: N + 1.
fn next_seqno(offset: &str) -> Result<i64, PluginError> {
    serde_json::from_str::<serde_json::Value>(offset)
        .ok()
        .and_then(|v| v.get("seqno").and_then(serde_json::Value::as_i64))
        .and_then(|n| n.checked_add(1))
        .ok_or_else(|| PluginError::fatal(format!("Offset seqno is the incorrect type: {offset}")))
}

/// How many more records may go out `elapsed` after the start when `sent` already
/// have, at `throughput` records/s (negative: unlimited). Record k is due k/throughput
/// seconds after the start, so the first goes out at once.
fn allowed(throughput: i64, elapsed: Duration, sent: u64) -> u64 {
    match throughput {
        ..0 => return u64::MAX,
        0 => return 0,
        _ => {}
    }
    let due = (throughput as u128 * elapsed.as_nanos()) / 1_000_000_000 + 1;
    u64::try_from(due.saturating_sub(u128::from(sent))).unwrap_or(u64::MAX)
}

/// How long after `elapsed` record number `sent` is due at `throughput` records/s
/// (> 0).
fn until_next(throughput: i64, elapsed: Duration, sent: u64) -> Duration {
    let due_at_nanos = u128::from(sent) * 1_000_000_000 / throughput.max(1) as u128;
    let wait = due_at_nanos.saturating_sub(elapsed.as_nanos());
    Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX))
}

ferry_sdk::export_source!(VerifiableSourceConnector, VerifiableSourceTask);

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().collect()
    }

    fn seqnos(records: &[ConnectRecord]) -> Vec<i64> {
        records.iter().filter_map(|r| r.value.as_i64()).collect()
    }

    #[test]
    fn task_configs_are_numbered() {
        let mut c = VerifiableSourceConnector::open(config(&[("topic", "t")])).expect("open");
        let configs = c.task_configs(3).expect("configs");
        let ids: Vec<_> = configs.iter().map(|c| c.get(TASK_ID)).collect();
        assert_eq!(ids, [Some("0"), Some("1"), Some("2")]);
        assert!(configs.iter().all(|c| c.get(TOPIC) == Some("t")));
    }

    #[test]
    fn connector_validates() {
        let bad = config(&[
            ("topic", "a,b"),
            ("throughput", "fast"),
            ("records.per.poll", "0"),
        ]);
        assert_eq!(VerifiableSourceConnector::validate(&bad).len(), 3);
        assert!(VerifiableSourceConnector::open(bad).is_err());
        assert!(VerifiableSourceConnector::open(config(&[("throughput", "5")])).is_err());
    }

    #[test]
    fn emits_increasing_seqnos_with_kafka_fields() {
        ferry_sdk::host::testing::clear_offsets();
        let mut task = VerifiableSourceTask::open(config(&[
            ("topic", "t"),
            ("task.id", "2"),
            ("records.per.poll", "3"),
        ]))
        .expect("open");
        let first = task.poll().expect("poll");
        assert_eq!(seqnos(&first), [0, 1, 2]);
        assert_eq!(seqnos(&task.poll().expect("poll")), [3, 4, 5]);
        let r = &first[1];
        assert_eq!(r.topic, "t");
        assert_eq!(r.key, Value::Int32(2));
        assert_eq!(r.key_schema.as_deref(), Some(&Schema::int32()));
        assert_eq!(r.value_schema.as_deref(), Some(&Schema::int64()));
        assert_eq!(r.source_partition.as_deref(), Some(r#"{"id":2}"#));
        assert_eq!(r.source_offset.as_deref(), Some(r#"{"seqno":1}"#));
    }

    #[test]
    fn resumes_after_the_committed_seqno() {
        ferry_sdk::host::testing::clear_offsets();
        ferry_sdk::host::testing::set_offset(r#"{"id":1}"#, r#"{"seqno":41}"#);
        let mut task =
            VerifiableSourceTask::open(config(&[("topic", "t"), ("task.id", "1")])).expect("open");
        assert_eq!(seqnos(&task.poll().expect("poll"))[..2], [42, 43]);
        // Another task's partition is untouched.
        let mut other =
            VerifiableSourceTask::open(config(&[("topic", "t"), ("task.id", "0")])).expect("open");
        assert_eq!(seqnos(&other.poll().expect("poll"))[0], 0);
        ferry_sdk::host::testing::clear_offsets();

        assert_eq!(next_seqno(r#"{"seqno":0}"#), Ok(1));
        assert!(next_seqno(r#"{"seqno":"x"}"#).is_err());
        assert!(next_seqno("not json").is_err());
    }

    #[test]
    fn throughput_paces_records() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        assert_eq!(allowed(-1, s(0), 1_000), u64::MAX);
        assert_eq!(allowed(0, s(10), 0), 0);
        // 10 records/s: record k is due at k * 100 ms.
        assert_eq!(allowed(10, s(0), 0), 1);
        assert_eq!(allowed(10, s(0), 1), 0);
        assert_eq!(allowed(10, ms(99), 1), 0);
        assert_eq!(allowed(10, ms(100), 1), 1);
        assert_eq!(allowed(10, s(1), 3), 8);
        assert_eq!(until_next(10, ms(30), 1), ms(70));
        assert_eq!(until_next(10, s(5), 1), Duration::ZERO);
    }

    #[test]
    fn limited_task_sleeps_briefly_and_returns() {
        ferry_sdk::host::testing::clear_offsets();
        let mut task = VerifiableSourceTask::open(config(&[("topic", "t"), ("throughput", "1")]))
            .expect("open");
        assert_eq!(seqnos(&task.poll().expect("poll")), [0]);
        let start = Instant::now();
        assert!(task.poll().expect("poll").is_empty());
        let waited = start.elapsed();
        assert!(
            waited >= MAX_POLL_WAIT && waited < Duration::from_millis(500),
            "{waited:?}"
        );
    }
}
