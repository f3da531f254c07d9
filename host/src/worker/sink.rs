//! The sink task loop: consumer → converters → transforms → `put`, then `flush`
//! and commit the consumer offsets every `offset.flush.interval.ms`, on partition
//! revocation and on clean shutdown. Offsets are committed only after a
//! successful flush, so a crash re-delivers instead of losing records.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::pipeline::{Pipeline, RawRecords};
use super::status::State;
use super::task::TaskArgs;
use super::topics::TaskTopics;
use crate::plugin::bindings::types::TopicPartitionOffset;
use crate::plugin::instance::SinkTask;
use crate::plugin::{CallError, PluginContext};

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;

/// State shared between the loop and the rebalance callback (which runs inside
/// `poll` on the same thread, never while the loop holds the lock).
struct Shared {
    task: Option<SinkTask>,
    /// Next offset to consume per (topic, partition), not yet committed.
    pending: BTreeMap<(String, i32), i64>,
    failure: Option<String>,
}

impl Shared {
    /// Flushes the task and returns the offsets that are now safe to commit.
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
            task.flush(&offsets)
                .map_err(|e| format!("sink task flush failed: {}", e.trace()))?;
        }
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), offset) in &chosen {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                .map_err(|e| format!("bad offset: {e}"))?;
            self.pending.remove(&(topic.clone(), *partition));
        }
        Ok(tpl)
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    match shared.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
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
                if let Err(error) = consumer.commit(&tpl, CommitMode::Sync) {
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
    let services = args.services.clone();
    let connector = args.connector.clone();
    let ctx = PluginContext::new(connector.name.clone(), Some(args.task_id));
    let (task, mut pipeline) = match args.open_stages(&ctx, SinkTask::open) {
        Ok(opened) => opened,
        Err(trace) => return args.fail(trace),
    };
    let shared = Arc::new(Mutex::new(Shared {
        task: Some(task),
        pending: BTreeMap::new(),
        failure: None,
    }));
    let client_id = format!("connector-consumer-{}", args.label());
    let consumer_config = crate::kafka::consumer_config(
        &services.config,
        &connector.config.props,
        &connector.name,
        args.task_id,
        &client_id,
    );
    let consumer: BaseConsumer<SinkContext> =
        match consumer_config.create_with_context(SinkContext {
            shared: shared.clone(),
        }) {
            Ok(c) => c,
            Err(error) => return args.fail(format!("cannot create Kafka consumer: {error}")),
        };
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
    if let Err(error) = subscribed {
        return args.fail(format!("cannot subscribe: {error}"));
    }
    let outcome = run_loop(&args, &consumer, &shared, &mut pipeline);
    let final_commit = commit(&consumer, &shared);
    if let Err(error) = outcome.and(final_commit) {
        return args.fail(error);
    }
    if let Some(mut task) = lock(&shared).task.take()
        && let Err(error) = task.stop()
    {
        tracing::warn!("sink task stop failed: {error}");
    }
    consumer.unsubscribe();
    args.status.set_state(State::Unassigned);
}

fn commit(consumer: &BaseConsumer<SinkContext>, shared: &Arc<Mutex<Shared>>) -> Result<(), String> {
    let tpl = lock(shared).flush(None)?;
    if tpl.count() > 0 {
        consumer
            .commit(&tpl, CommitMode::Sync)
            .map_err(|e| format!("cannot commit consumer offsets: {e}"))?;
    }
    Ok(())
}

fn run_loop(
    args: &TaskArgs,
    consumer: &BaseConsumer<SinkContext>,
    shared: &Arc<Mutex<Shared>>,
    pipeline: &mut Pipeline,
) -> Result<(), String> {
    let signals = args.signals.clone();
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
        let raw = poll_batch(consumer, Duration::from_millis(100));
        if raw.is_empty() {
            continue;
        }
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
        let records = pipeline.deserialize(raw).map_err(|e| e.trace())?;
        let records = pipeline.transform(records).map_err(|e| e.trace())?;
        let mut retry = Duration::from_millis(100);
        loop {
            let result = match lock(shared).task.as_mut() {
                Some(task) => task.put(&records),
                None => return Ok(()),
            };
            match result {
                Ok(()) => break,
                Err(CallError::Retriable(message)) if !signals.stopping() => {
                    tracing::warn!("put failed, will retry: {message}");
                    signals.wait(retry);
                    retry = (retry * 2).min(Duration::from_secs(10));
                }
                Err(error) => return Err(format!("sink task put failed: {}", error.trace())),
            }
        }
        lock(shared).pending.extend(consumed);
    }
    Ok(())
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
