//! The sink task loop: consumer → converters → transforms → `put`, then `flush`
//! and commit the consumer offsets every `offset.flush.interval.ms`, on partition
//! revocation and on clean shutdown. Offsets are committed only after a
//! successful flush, so a crash re-delivers instead of losing records.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::errors::report::Reporter;
use super::errors::tolerance::run_tolerant;
use super::errors::{ErrorPolicy, Operator, Stage, StageFailure};
use super::pipeline::{Pipeline, RawBatch, RawRecords};
use super::status::State;
use super::task::TaskArgs;
use super::topics::TaskTopics;
use crate::data::batch;
use crate::plugin::bindings::types::{RecordBatch, TopicPartitionOffset};
use crate::plugin::instance::SinkTask;
use crate::plugin::{CallError, PluginContext};
use crate::util::lock;

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;

/// The sink task's own calls, behind a trait so the commit logic can be tested
/// without a plugin.
pub trait SinkCalls: Send {
    fn put(&mut self, batch: &RecordBatch) -> Result<(), CallError>;
    fn flush(&mut self, offsets: &[TopicPartitionOffset]) -> Result<(), CallError>;
    fn stop(&mut self) -> Result<(), CallError>;
}

impl SinkCalls for SinkTask {
    fn put(&mut self, batch: &RecordBatch) -> Result<(), CallError> {
        SinkTask::put(self, batch)
    }
    fn flush(&mut self, offsets: &[TopicPartitionOffset]) -> Result<(), CallError> {
        SinkTask::flush(self, offsets)
    }
    fn stop(&mut self) -> Result<(), CallError> {
        SinkTask::stop(self)
    }
}

/// Where flushed offsets go: the task's consumer, or a fake in tests.
pub trait OffsetCommitter {
    fn commit_offsets(&self, offsets: &TopicPartitionList) -> Result<(), String>;
}

impl<C: ConsumerContext> OffsetCommitter for BaseConsumer<C> {
    fn commit_offsets(&self, offsets: &TopicPartitionList) -> Result<(), String> {
        self.commit(offsets, CommitMode::Sync)
            .map_err(|e| e.to_string())
    }
}

/// State shared between the loop and the rebalance callback (which runs inside
/// `poll` on the same thread, never while the loop holds the lock).
struct Shared {
    task: Option<Box<dyn SinkCalls>>,
    /// Next offset to consume per (topic, partition), not yet committed.
    pending: BTreeMap<(String, i32), i64>,
    failure: Option<String>,
    /// Where failed records went: flushed before their offsets are committed.
    reporter: Arc<Reporter>,
}

impl Shared {
    /// Flushes the task (and the dead letter queue) and returns the offsets that are
    /// now safe to commit. A `retriable` flush failure commits nothing this time: the
    /// offsets stay pending for the next commit, as Kafka retries a flush.
    fn flush(&mut self, only: Option<&[(String, i32)]>) -> Result<TopicPartitionList, String> {
        let chosen: Vec<((String, i32), i64)> = self
            .pending
            .iter()
            .filter(|(tp, _)| only.is_none_or(|o| o.contains(tp)))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        let offsets: Vec<TopicPartitionOffset> = chosen
            .iter()
            .map(|((topic, partition), offset)| TopicPartitionOffset {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
            })
            .collect();
        if let Some(task) = self.task.as_mut() {
            match task.flush(&offsets) {
                Ok(()) => {}
                Err(CallError::Retriable(message)) => {
                    tracing::warn!(
                        "sink task flush failed, offsets will be committed later: {message}"
                    );
                    return Ok(TopicPartitionList::new());
                }
                Err(error) => return Err(format!("sink task flush failed: {}", error.trace())),
            }
        }
        self.reporter.flush()?;
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), offset) in &chosen {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                .map_err(|e| format!("bad offset: {e}"))?;
            self.pending.remove(&(topic.clone(), *partition));
        }
        Ok(tpl)
    }
}

/// Consumer context that flushes and commits revoked partitions before they go.
struct SinkContext {
    shared: Arc<Mutex<Shared>>,
}

impl ClientContext for SinkContext {}

impl ConsumerContext for SinkContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(assigned) => {
                let partitions: Vec<String> = assigned
                    .elements()
                    .iter()
                    .map(|e| format!("{}-{}", e.topic(), e.partition()))
                    .collect();
                tracing::info!(?partitions, "partitions assigned");
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(error) => tracing::warn!(%error, "consumer rebalance failed"),
        }
    }

    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let partitions: Vec<(String, i32)> = revoked
            .elements()
            .iter()
            .map(|e| (e.topic().to_string(), e.partition()))
            .collect();
        let mut shared = lock(&self.shared);
        match shared.flush(Some(&partitions)) {
            Ok(tpl) if tpl.count() > 0 => {
                if let Err(error) = consumer.commit_offsets(&tpl) {
                    tracing::warn!(%error, "cannot commit offsets of revoked partitions");
                }
            }
            Ok(_) => {}
            Err(failure) => shared.failure = Some(failure),
        }
    }
}

/// Runs a sink task until it is stopped or fails.
pub fn run(args: TaskArgs) {
    let connector = args.connector.clone();
    let ctx = PluginContext::new(connector.name.clone(), Some(args.task_id));
    let (task, mut pipeline) = match args.open_stages(&ctx, SinkTask::open) {
        Ok(opened) => opened,
        Err(trace) => return args.fail(trace),
    };
    let reporter = match args.reporter() {
        Ok(reporter) => Arc::new(reporter),
        Err(trace) => return args.fail(trace),
    };
    let shared = Arc::new(Mutex::new(Shared {
        task: Some(Box::new(task)),
        pending: BTreeMap::new(),
        failure: None,
        reporter: reporter.clone(),
    }));
    let mut rejoins = 0;
    let outcome = loop {
        let consumer = match subscribe(&args, &shared) {
            Ok(consumer) => consumer,
            Err(error) => return args.fail(error),
        };
        match run_loop(&args, &consumer, &shared, &mut pipeline, &reporter) {
            Ok(LoopEnd::Stopped) if args.signals.cancelled() => break Ok(()),
            Ok(LoopEnd::Stopped) => break commit(&consumer, &shared),
            Ok(LoopEnd::Rejoin { reason, progressed }) => {
                rejoins = if progressed { 1 } else { rejoins + 1 };
                if rejoins > MAX_REJOINS {
                    // New consumers did not help either: say so instead of looking
                    // healthy; a restart (REST) tries again.
                    break Err(format!(
                        "sink task cannot consume: {MAX_REJOINS} new consumer group \
                         memberships in a row made no progress; last: {reason}"
                    ));
                }
                tracing::warn!(%reason, "rejoining the consumer group with a new consumer");
                // Hand over what was delivered; offsets the broker cannot take now
                // are dropped with this consumer, and those records come again.
                if let Err(error) = commit(&consumer, &shared) {
                    break Err(error);
                }
                lock(&shared).pending.clear();
            }
            Err(error) => {
                if !args.signals.cancelled() {
                    let _ = commit(&consumer, &shared);
                }
                break Err(error);
            }
        }
    };
    if args.signals.cancelled() {
        // Abandoned past its stop deadline: another instance may own the work now,
        // so neither the final commit nor a status write is this one's to make.
        tracing::info!("cancelled task ended without committing offsets or writing its status");
        return;
    }
    if let Err(error) = outcome {
        return args.fail(error);
    }
    if let Some(mut task) = lock(&shared).task.take()
        && let Err(error) = task.stop()
    {
        tracing::warn!("sink task stop failed: {error}");
    }
    args.status.set_state(State::Unassigned);
}

/// How long a sink task whose assigned partitions hold records it has not consumed
/// may receive none before it rejoins its consumer group with a new consumer. A
/// consumer that lost its membership (say, a broker frozen past the session timeout)
/// normally rejoins by itself; this catches one that never gets its partitions back.
const STALL_TIMEOUT: Duration = Duration::from_secs(90);

/// How many times in a row a sink task takes a new consumer without consuming
/// anything in between before it fails.
const MAX_REJOINS: u32 = 3;

/// How a sink loop ended without failing.
enum LoopEnd {
    /// The task was asked to stop.
    Stopped,
    /// The consumer cannot go on: a fatal consumer error, or records wait on
    /// assigned partitions and none arrived for [`STALL_TIMEOUT`]. A new consumer
    /// (a new group membership) may.
    Rejoin {
        reason: String,
        /// Whether this consumer delivered any record before it gave up.
        progressed: bool,
    },
}

/// A consumer in the task's group (`connect-<connector>` unless overridden),
/// subscribed to the connector's topics or topic regex.
fn subscribe(
    args: &TaskArgs,
    shared: &Arc<Mutex<Shared>>,
) -> Result<BaseConsumer<SinkContext>, String> {
    let connector = &args.connector;
    let client_id = format!("connector-consumer-{}", args.label());
    let consumer_config = crate::kafka::consumer_config(
        &args.services.config,
        &connector.config.props,
        &connector.name,
        args.task_id,
        &client_id,
    );
    let consumer: BaseConsumer<SinkContext> = consumer_config
        .create_with_context(SinkContext {
            shared: shared.clone(),
        })
        .map_err(|error| format!("cannot create Kafka consumer: {error}"))?;
    let subscribed = match &connector.topics_regex {
        Some(regex) => {
            let pattern = if regex.starts_with('^') {
                regex.clone()
            } else {
                format!("^{regex}")
            };
            consumer.subscribe(&[pattern.as_str()])
        }
        None => {
            let topics: Vec<&str> = connector.topics.iter().map(String::as_str).collect();
            consumer.subscribe(&topics)
        }
    };
    subscribed.map_err(|error| format!("cannot subscribe: {error}"))?;
    Ok(consumer)
}

/// When nothing arrived for [`STALL_TIMEOUT`]: the assigned partitions that hold
/// records this consumer has not read (partition, position, high watermark), or
/// `None` when every one is caught up or the broker cannot tell (it is down: the
/// consumer will resume when it is back, and that is no stall of the task's own).
fn unread_partitions(consumer: &BaseConsumer<SinkContext>) -> Option<String> {
    let positions = consumer.position().ok()?;
    let mut behind = Vec::new();
    for element in positions.elements() {
        let (_, high) = consumer
            .fetch_watermarks(element.topic(), element.partition(), Duration::from_secs(5))
            .ok()?;
        let position = element.offset().to_raw().unwrap_or(-1);
        if high > 0 && position < high {
            behind.push(format!(
                "{}-{} at {position} of {high}",
                element.topic(),
                element.partition()
            ));
        }
    }
    (!behind.is_empty()).then(|| format!("unread records on {}", behind.join(", ")))
}

/// Flushes the task and commits what it flushed. A flush failure fails the task; a
/// commit the broker cannot take (it is down, or the group is rebalancing) does not:
/// as in Kafka Connect, it is logged and the offsets are committed at the next
/// interval, and at worst the records after them are delivered again.
fn commit(consumer: &dyn OffsetCommitter, shared: &Arc<Mutex<Shared>>) -> Result<(), String> {
    let tpl = lock(shared).flush(None)?;
    if tpl.count() > 0
        && let Err(error) = consumer.commit_offsets(&tpl)
    {
        tracing::warn!(%error, "cannot commit consumer offsets; will retry at the next commit");
        let mut shared = lock(shared);
        for element in tpl.elements() {
            if let Some(offset) = element.offset().to_raw() {
                shared
                    .pending
                    .entry((element.topic().to_owned(), element.partition()))
                    .or_insert(offset);
            }
        }
    }
    Ok(())
}

fn run_loop(
    args: &TaskArgs,
    consumer: &BaseConsumer<SinkContext>,
    shared: &Arc<Mutex<Shared>>,
    pipeline: &mut Pipeline,
    reporter: &Reporter,
) -> Result<LoopEnd, String> {
    let policy = reporter.policy().clone();
    let signals = args.signals.clone();
    let mut last_record = Instant::now();
    let mut progressed = false;
    let flush_interval = args.services.config.offset_flush_interval;
    let mut last_commit = Instant::now();
    let mut paused_partitions: Option<TopicPartitionList> = None;
    let mut active_topics = TaskTopics::new(args.services.config.topic_tracking);
    args.status.set_state(if signals.paused() {
        State::Paused
    } else {
        State::Running
    });
    while !signals.stopping() {
        if let Some(failure) = lock(shared).failure.take() {
            return Err(failure);
        }
        if last_commit.elapsed() >= flush_interval {
            commit(consumer, shared)?;
            last_commit = Instant::now();
        }
        // Pause by pausing the assigned partitions: the consumer stays in its group.
        if signals.paused() != paused_partitions.is_some() {
            if signals.paused() {
                let assignment = consumer.assignment().map_err(|e| e.to_string())?;
                consumer.pause(&assignment).map_err(|e| e.to_string())?;
                paused_partitions = Some(assignment);
                args.status.set_state(State::Paused);
            } else if let Some(assignment) = paused_partitions.take() {
                consumer.resume(&assignment).map_err(|e| e.to_string())?;
                args.status.set_state(State::Running);
            }
        }
        let raw = poll_batch(consumer, Duration::from_millis(100)).finish();
        if let Some((code, reason)) = consumer.client().fatal_error() {
            // librdkafka gives up on a consumer for good here (e.g. a static member
            // fenced by its own rejoin after a session timeout): take a new one.
            return Ok(LoopEnd::Rejoin {
                reason: format!("the Kafka consumer hit a fatal error ({code:?}): {reason}"),
                progressed,
            });
        }
        if raw.is_empty() {
            if paused_partitions.is_none() && last_record.elapsed() >= STALL_TIMEOUT {
                match unread_partitions(consumer) {
                    Some(diagnosis) => {
                        return Ok(LoopEnd::Rejoin {
                            reason: format!("no progress for {STALL_TIMEOUT:?} with {diagnosis}"),
                            progressed,
                        });
                    }
                    None => last_record = Instant::now(),
                }
            }
            continue;
        }
        last_record = Instant::now();
        progressed = true;
        // Next offset to consume per partition: a partition's records arrive in order,
        // so its last record in the batch decides.
        let mut consumed: BTreeMap<(String, i32), i64> = BTreeMap::new();
        let mut last: BTreeMap<(u32, i32), i64> = BTreeMap::new();
        for ((&t, &p), &o) in raw.topic.iter().zip(&raw.partition).zip(&raw.offset) {
            last.insert((t, p), o + 1);
        }
        for ((t, p), next) in last {
            consumed.insert((raw.topics[t as usize].clone(), p), next);
        }
        active_topics.observe(
            args.services.topics.as_ref(),
            &args.connector.name,
            args.task_id,
            raw.topics.iter().map(String::as_str),
        );
        let records = convert(&raw, pipeline, &policy, signals.as_ref(), reporter)?;
        if batch::len(&records) > 0 {
            put(args, shared, &records, &policy)?;
        }
        lock(shared).pending.extend(consumed);
    }
    Ok(LoopEnd::Stopped)
}

/// Converts and transforms a consumed batch under the connector's `errors.*` policy:
/// records that fail a stage are reported (log, dead letter queue) and, with
/// `errors.tolerance=all`, skipped; their offsets still commit, as in Kafka.
fn convert(
    raw: &RawBatch,
    pipeline: &mut Pipeline,
    policy: &ErrorPolicy,
    signals: &super::task::Signals,
    reporter: &Reporter,
) -> Result<RecordBatch, String> {
    let mut op = Operator::new(policy, signals);
    let mut skipped = 0u64;
    let outputs = run_tolerant(
        raw.len(),
        policy.tolerates_all(),
        |range| {
            if range.len() == raw.len() {
                pipeline.sink_chain(raw, &mut op)
            } else {
                pipeline.sink_chain(&raw.slice(range), &mut op)
            }
        },
        &mut |index, failure| {
            skipped += 1;
            reporter.report(&raw.original(index), failure).map(|_| ())
        },
    )?;
    if skipped > 0 {
        tracing::warn!(
            skipped,
            "records failed conversion or transformation and were skipped"
        );
    }
    Ok(batch::concat(outputs))
}

/// `put`, retried on a `retriable` error (indefinitely by default, as Kafka; a
/// positive `errors.retry.timeout` bounds it). A `put` failure fails the task.
fn put(
    args: &TaskArgs,
    shared: &Arc<Mutex<Shared>>,
    records: &RecordBatch,
    policy: &ErrorPolicy,
) -> Result<(), String> {
    let signals = args.signals.clone();
    let mut op = Operator::new(policy, signals.as_ref());
    let class = args.connector.connector.descriptor.name.clone();
    op.task_call(|| {
        let result = match lock(shared).task.as_mut() {
            Some(task) => task.put(records),
            None => Ok(()),
        };
        result.map_err(|e| StageFailure::new(Stage::TaskPut, class.clone(), "sink task put", e))
    })
    .map_err(|failure| format!("sink task put failed: {}", failure.error.trace()))
}

/// Polls up to `MAX_BATCH` records, waiting at most `wait` for the first.
fn poll_batch(consumer: &BaseConsumer<SinkContext>, wait: Duration) -> RawRecords {
    let mut raw = RawRecords::default();
    let mut timeout = wait;
    while raw.len() < MAX_BATCH {
        let Some(result) = consumer.poll(timeout) else {
            break;
        };
        timeout = Duration::ZERO;
        let message = match result {
            Ok(m) => m,
            Err(error) => {
                tracing::warn!(%error, "consumer error");
                break;
            }
        };
        let topic = raw.topic_index(message.topic());
        raw.topic.push(topic);
        raw.partition.push(message.partition());
        raw.offset.push(message.offset());
        raw.timestamp
            .push(message.timestamp().to_millis().unwrap_or(-1));
        raw.keys.push(message.key());
        raw.values.push(message.payload());
        let mut count = 0u32;
        if let Some(headers) = message.headers() {
            for header in headers.iter() {
                raw.header_keys.push(Some(header.key.as_bytes()));
                raw.header_values.push(header.value);
                count += 1;
            }
        }
        raw.header_counts.push(count);
    }
    raw
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::worker::errors::ErrorPolicy;

    /// A sink task whose flush answers from a script; records what it saw.
    struct FakeTask {
        flushes: Flushes,
        answers: Vec<Result<(), CallError>>,
    }

    impl SinkCalls for FakeTask {
        fn put(&mut self, _: &RecordBatch) -> Result<(), CallError> {
            Ok(())
        }
        fn flush(&mut self, offsets: &[TopicPartitionOffset]) -> Result<(), CallError> {
            lock(&self.flushes).push(offsets.to_vec());
            if self.answers.is_empty() {
                Ok(())
            } else {
                self.answers.remove(0)
            }
        }
        fn stop(&mut self) -> Result<(), CallError> {
            Ok(())
        }
    }

    #[derive(Default)]
    struct FakeConsumer {
        commits: RefCell<Vec<Vec<(String, i32, i64)>>>,
        fail: bool,
    }

    impl OffsetCommitter for FakeConsumer {
        fn commit_offsets(&self, offsets: &TopicPartitionList) -> Result<(), String> {
            if self.fail {
                return Err("broker away".into());
            }
            self.commits.borrow_mut().push(
                offsets
                    .elements()
                    .iter()
                    .map(|e| {
                        (
                            e.topic().to_string(),
                            e.partition(),
                            e.offset().to_raw().unwrap_or(-1),
                        )
                    })
                    .collect(),
            );
            Ok(())
        }
    }

    type Flushes = Arc<Mutex<Vec<Vec<TopicPartitionOffset>>>>;

    fn shared(answers: Vec<Result<(), CallError>>) -> (Arc<Mutex<Shared>>, Flushes) {
        let flushes = Arc::new(Mutex::new(Vec::new()));
        let task = FakeTask {
            flushes: flushes.clone(),
            answers,
        };
        let shared = Shared {
            task: Some(Box::new(task)),
            pending: [(("t".to_string(), 0), 10), (("t".to_string(), 1), 20)]
                .into_iter()
                .collect(),
            failure: None,
            reporter: Arc::new(Reporter::new(ErrorPolicy::default(), "c", 0, None)),
        };
        (Arc::new(Mutex::new(shared)), flushes)
    }

    #[test]
    fn offsets_commit_after_a_successful_flush() {
        let (shared, flushes) = shared(vec![]);
        let consumer = FakeConsumer::default();
        commit(&consumer, &shared).expect("commit");
        assert_eq!(lock(&flushes).len(), 1);
        assert_eq!(
            *consumer.commits.borrow(),
            [vec![("t".to_string(), 0, 10), ("t".to_string(), 1, 20)]]
        );
        assert!(lock(&shared).pending.is_empty());
    }

    #[test]
    fn a_failed_flush_commits_nothing_and_fails_the_task() {
        let (shared, _) = shared(vec![Err(CallError::Fatal("disk full".into()))]);
        let consumer = FakeConsumer::default();
        assert!(commit(&consumer, &shared).is_err_and(|e| e.contains("disk full")));
        assert!(consumer.commits.borrow().is_empty());
    }

    #[test]
    fn a_retriable_flush_keeps_the_offsets_for_the_next_commit() {
        let (shared, flushes) = shared(vec![Err(CallError::Retriable("busy".into()))]);
        let consumer = FakeConsumer::default();
        commit(&consumer, &shared).expect("no failure");
        assert!(consumer.commits.borrow().is_empty());
        assert_eq!(lock(&shared).pending.len(), 2);
        commit(&consumer, &shared).expect("commit");
        assert_eq!(consumer.commits.borrow().len(), 1);
        assert_eq!(lock(&flushes).len(), 2);
    }

    #[test]
    fn offsets_the_broker_refuses_wait_for_the_next_commit() {
        let (shared, _) = shared(vec![]);
        let consumer = FakeConsumer {
            fail: true,
            ..FakeConsumer::default()
        };
        commit(&consumer, &shared).expect("a refused commit is no task failure");
        assert_eq!(lock(&shared).pending.len(), 2);
    }

    #[test]
    fn a_revocation_flushes_only_the_revoked_partitions() {
        let (shared, flushes) = shared(vec![]);
        let tpl = lock(&shared)
            .flush(Some(&[("t".to_string(), 1)]))
            .expect("flush");
        assert_eq!(tpl.count(), 1);
        assert_eq!(lock(&flushes)[0].len(), 1);
        assert_eq!(lock(&flushes)[0][0].partition, 1);
        assert_eq!(lock(&shared).pending.len(), 1);
    }
}
