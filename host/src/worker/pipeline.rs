//! The per-task chain of plugin stages between a connector task and Kafka:
//! transforms (each optionally gated by a predicate), the key/value converters and
//! the header converter.
//! Every plugin call goes through the task's [`Operator`] (retries) and names its
//! [`Stage`] when it fails; an instance that trapped is replaced before its next call.

use std::borrow::Cow;
use std::sync::Arc;

use super::errors::report::OriginalRecord;
use super::errors::{Operator, Stage, StageFailure};
use crate::config::connector::{PluginSpec, ResolvedConnector};
use crate::data::batch::{self, ColumnBuilder};
use crate::plugin::bindings::types::{BytesColumn, HeaderColumn, RecordBatch, ValueColumn};
use crate::plugin::instance::{Converter, HeaderConverter, Predicate, Transform};
use crate::plugin::{CallError, LoadedPlugin, PluginContext, SandboxLimits};

/// Records as read from Kafka, being collected.
#[derive(Default)]
pub struct RawRecords {
    pub topics: Vec<String>,
    pub topic: Vec<u32>,
    pub partition: Vec<i32>,
    pub offset: Vec<i64>,
    pub timestamp: Vec<i64>,
    pub keys: ColumnBuilder,
    pub values: ColumnBuilder,
    pub header_counts: Vec<u32>,
    pub header_keys: ColumnBuilder,
    pub header_values: ColumnBuilder,
}

impl RawRecords {
    pub fn len(&self) -> usize {
        self.topic.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topic.is_empty()
    }

    /// Interns `topic` into the topic table.
    pub fn topic_index(&mut self, topic: &str) -> u32 {
        match self.topics.iter().position(|t| t == topic) {
            Some(i) => i as u32,
            None => {
                self.topics.push(topic.to_string());
                (self.topics.len() - 1) as u32
            }
        }
    }

    pub fn finish(self) -> RawBatch {
        RawBatch {
            topics: self.topics,
            topic: self.topic,
            partition: self.partition,
            offset: self.offset,
            timestamp: self.timestamp,
            keys: self.keys.finish(),
            values: self.values.finish(),
            header_counts: self.header_counts,
            header_keys: self.header_keys.finish(),
            header_values: self.header_values.finish(),
        }
    }
}

/// Records as read from Kafka, before conversion: kept until the batch is put so a
/// record that fails a stage can be dead-lettered exactly as it was consumed.
#[derive(Clone, Debug)]
pub struct RawBatch {
    pub topics: Vec<String>,
    pub topic: Vec<u32>,
    pub partition: Vec<i32>,
    pub offset: Vec<i64>,
    pub timestamp: Vec<i64>,
    pub keys: BytesColumn,
    pub values: BytesColumn,
    pub header_counts: Vec<u32>,
    pub header_keys: BytesColumn,
    pub header_values: BytesColumn,
}

impl RawBatch {
    pub fn len(&self) -> usize {
        self.topic.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topic.is_empty()
    }

    fn header_range(&self, range: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        let start: usize = self.header_counts[..range.start]
            .iter()
            .map(|&c| c as usize)
            .sum();
        let len: usize = self.header_counts[range.clone()]
            .iter()
            .map(|&c| c as usize)
            .sum();
        start..start + len
    }

    /// Records `range` as a batch of their own.
    pub fn slice(&self, range: std::ops::Range<usize>) -> RawBatch {
        let headers = self.header_range(&range);
        RawBatch {
            topics: self.topics.clone(),
            topic: self.topic[range.clone()].to_vec(),
            partition: self.partition[range.clone()].to_vec(),
            offset: self.offset[range.clone()].to_vec(),
            timestamp: self.timestamp[range.clone()].to_vec(),
            keys: batch::slice_bytes(&self.keys, range.clone()),
            values: batch::slice_bytes(&self.values, range.clone()),
            header_counts: self.header_counts[range].to_vec(),
            header_keys: batch::slice_bytes(&self.header_keys, headers.clone()),
            header_values: batch::slice_bytes(&self.header_values, headers),
        }
    }

    /// Record `index` exactly as it was consumed.
    pub fn original(&self, index: usize) -> OriginalRecord {
        let one = self.slice(index..index + 1);
        let first = |column: &BytesColumn| {
            batch::iter_bytes(column)
                .next()
                .flatten()
                .map(<[u8]>::to_vec)
        };
        let headers = batch::iter_bytes(&one.header_keys)
            .zip(batch::iter_bytes(&one.header_values))
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k.unwrap_or_default()).into_owned(),
                    v.map(<[u8]>::to_vec),
                )
            })
            .collect();
        OriginalRecord {
            topic: self.topics[self.topic[index] as usize].clone(),
            partition: self.partition[index],
            offset: self.offset[index],
            timestamp: self.timestamp[index],
            key: first(&one.keys),
            value: first(&one.values),
            headers,
            source: None,
            cbor_payload: false,
        }
    }

    fn topic_names(&self) -> Vec<String> {
        self.topic
            .iter()
            .map(|&t| self.topics[t as usize].clone())
            .collect()
    }
}

/// A source batch ready for the producer: the records and their serialized keys,
/// values and header values.
pub struct Serialized<'a> {
    /// The polled batch itself when no transform changed it.
    pub records: Cow<'a, RecordBatch>,
    pub keys: BytesColumn,
    pub values: BytesColumn,
    /// One entry per header of `records`, in order.
    pub headers: BytesColumn,
}

/// An instance that can tell whether it trapped.
trait Poisonable {
    fn poisoned(&self) -> bool;
}

impl Poisonable for Converter {
    fn poisoned(&self) -> bool {
        Converter::poisoned(self)
    }
}

impl Poisonable for HeaderConverter {
    fn poisoned(&self) -> bool {
        HeaderConverter::poisoned(self)
    }
}

impl Poisonable for Transform {
    fn poisoned(&self) -> bool {
        Transform::poisoned(self)
    }
}

impl Poisonable for Predicate {
    fn poisoned(&self) -> bool {
        Predicate::poisoned(self)
    }
}

type Opener<T> = Box<dyn Fn() -> Result<T, CallError> + Send>;

/// One plugin instance in the chain, with what it needs to name its failures and to
/// replace itself after a trap (a trapped store is never called again).
struct Slot<T> {
    instance: T,
    stage: Stage,
    class: String,
    label: String,
    open: Opener<T>,
}

impl<T: Poisonable> Slot<T> {
    fn new(
        stage: Stage,
        class: String,
        label: String,
        open: Opener<T>,
    ) -> Result<Self, StageFailure> {
        let instance =
            open().map_err(|e| StageFailure::new(stage, class.clone(), label.clone(), e))?;
        Ok(Self {
            instance,
            stage,
            class,
            label,
            open,
        })
    }

    fn failure(&self, error: CallError) -> StageFailure {
        StageFailure::new(self.stage, self.class.clone(), self.label.clone(), error)
    }

    /// One call, on a fresh instance if the last one trapped.
    fn call<R>(
        &mut self,
        f: impl FnOnce(&mut T) -> Result<R, CallError>,
    ) -> Result<R, StageFailure> {
        if self.instance.poisoned() {
            tracing::info!(stage = %self.label, "replacing a plugin instance that trapped");
            self.instance = (self.open)().map_err(|e| self.failure(e))?;
        }
        f(&mut self.instance).map_err(|e| self.failure(e))
    }
}

struct TransformStage {
    transform: Slot<Transform>,
    predicate: Option<(Slot<Predicate>, bool)>,
}

/// Converters and transforms of one task, each in its own sandbox.
pub struct Pipeline {
    key: Slot<Converter>,
    value: Slot<Converter>,
    header: Slot<HeaderConverter>,
    stages: Vec<TransformStage>,
}

/// The class name to report for a plugin: the value the user configured under
/// `key` when there is one (a Kafka class name, usually), else the plugin's first
/// Java-style alias, else its name.
fn class_name(connector: &ResolvedConnector, key: &str, plugin: &LoadedPlugin) -> String {
    if let Some(configured) = connector
        .config
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return configured.to_string();
    }
    plugin
        .descriptor
        .aliases
        .iter()
        .find(|a| a.contains('.'))
        .cloned()
        .unwrap_or_else(|| plugin.descriptor.name.clone())
}

fn converter_slot(
    connector: &ResolvedConnector,
    spec: &PluginSpec,
    ctx: &PluginContext,
    limits: SandboxLimits,
    is_key: bool,
) -> Result<Slot<Converter>, StageFailure> {
    let key = if is_key {
        "key.converter"
    } else {
        "value.converter"
    };
    let stage = if is_key {
        Stage::KeyConverter
    } else {
        Stage::ValueConverter
    };
    let plugin = spec.plugin.clone();
    let config = spec.config_list();
    let ctx = ctx.clone();
    Slot::new(
        stage,
        class_name(connector, key, &plugin),
        format!("{key} ({})", plugin.descriptor.name),
        Box::new(move || Converter::open(&plugin, ctx.clone(), limits, &config, is_key)),
    )
}

impl Pipeline {
    /// Opens every stage of `connector` for one task.
    pub fn open(
        connector: &ResolvedConnector,
        ctx: &PluginContext,
        limits: SandboxLimits,
    ) -> Result<Self, StageFailure> {
        let key = converter_slot(connector, &connector.key_converter, ctx, limits, true)?;
        let value = converter_slot(connector, &connector.value_converter, ctx, limits, false)?;
        let header = {
            let spec = &connector.header_converter;
            let plugin = spec.plugin.clone();
            let config = spec.config_list();
            let open_ctx = ctx.clone();
            Slot::new(
                Stage::HeaderConverter,
                class_name(connector, "header.converter", &plugin),
                format!("header.converter ({})", plugin.descriptor.name),
                Box::new(move || HeaderConverter::open(&plugin, open_ctx.clone(), limits, &config)),
            )?
        };
        let mut stages = Vec::new();
        for spec in &connector.transforms {
            let label = format!(
                "transforms.{} ({})",
                spec.alias, spec.transform.plugin.descriptor.name
            );
            let plugin: Arc<LoadedPlugin> = spec.transform.plugin.clone();
            let config = spec.transform.config_list();
            let open_ctx = ctx.clone();
            let transform = Slot::new(
                Stage::Transformation,
                class_name(
                    connector,
                    &format!("transforms.{}.type", spec.alias),
                    &plugin,
                ),
                label.clone(),
                Box::new(move || Transform::open(&plugin, open_ctx.clone(), limits, &config)),
            )?;
            let predicate = match &spec.predicate {
                None => None,
                Some((p, negate)) => {
                    let plugin = p.plugin.clone();
                    let config = p.config_list();
                    let open_ctx = ctx.clone();
                    let alias = connector
                        .config
                        .get(&format!("transforms.{}.predicate", spec.alias))
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    let slot = Slot::new(
                        Stage::Predicate,
                        class_name(connector, &format!("predicates.{alias}.type"), &plugin),
                        format!("{label} predicate {alias} ({})", plugin.descriptor.name),
                        Box::new(move || {
                            Predicate::open(&plugin, open_ctx.clone(), limits, &config)
                        }),
                    )?;
                    Some((slot, *negate))
                }
            };
            stages.push(TransformStage {
                transform,
                predicate,
            });
        }
        Ok(Self {
            key,
            value,
            header,
            stages,
        })
    }

    /// Applies every transform in order; records a transform drops disappear. A batch
    /// no transform touches is not copied.
    pub fn transform<'a>(
        &mut self,
        mut records: Cow<'a, RecordBatch>,
        op: &mut Operator<'_>,
    ) -> Result<Cow<'a, RecordBatch>, StageFailure> {
        for stage in &mut self.stages {
            if batch::len(&records) == 0 {
                break;
            }
            records = apply_stage(stage, records, op)?;
        }
        Ok(records)
    }

    /// Serializes keys and values for the producer.
    pub fn serialize(
        &mut self,
        records: &RecordBatch,
        op: &mut Operator<'_>,
    ) -> Result<(BytesColumn, BytesColumn), StageFailure> {
        let topics = batch::topic_names(records);
        let n = topics.len();
        let mut columns = Vec::with_capacity(2);
        for (slot, column, what) in [
            (&mut self.key, &records.key, "key"),
            (&mut self.value, &records.value, "value"),
        ] {
            let bytes = op.stage(|| slot.call(|c| c.from_connect(&topics, column)))?;
            batch::check_bytes(&bytes, what, n)
                .map_err(|e| slot.failure(CallError::Invalid(e.to_string())))?;
            columns.push(bytes);
        }
        let values = columns.pop().unwrap_or_else(batch::empty_bytes);
        let keys = columns.pop().unwrap_or_else(batch::empty_bytes);
        Ok((keys, values))
    }

    /// The source side of the chain: transforms, then converters.
    pub fn source_chain<'a>(
        &mut self,
        polled: Cow<'a, RecordBatch>,
        op: &mut Operator<'_>,
    ) -> Result<Serialized<'a>, StageFailure> {
        let records = self.transform(polled, op)?;
        let (keys, values) = self.serialize(&records, op)?;
        let headers = self.serialize_headers(&records, op)?;
        Ok(Serialized {
            records,
            keys,
            values,
            headers,
        })
    }

    /// The sink side of the chain: converters, then transforms.
    pub fn sink_chain(
        &mut self,
        raw: &RawBatch,
        op: &mut Operator<'_>,
    ) -> Result<RecordBatch, StageFailure> {
        let records = self.deserialize(raw, op)?;
        Ok(self.transform(Cow::Owned(records), op)?.into_owned())
    }

    /// Converts raw Kafka records into a Connect batch.
    pub fn deserialize(
        &mut self,
        raw: &RawBatch,
        op: &mut Operator<'_>,
    ) -> Result<RecordBatch, StageFailure> {
        let topic_names = raw.topic_names();
        let n = raw.len();
        let key = op.stage(|| self.key.call(|c| c.to_connect(&topic_names, &raw.keys)))?;
        check_value_column(&key, n).map_err(|e| self.key.failure(e))?;
        let value = op.stage(|| self.value.call(|c| c.to_connect(&topic_names, &raw.values)))?;
        check_value_column(&value, n).map_err(|e| self.value.failure(e))?;
        let headers = self.headers_to_connect(raw, op)?;
        let out = RecordBatch {
            topics: raw.topics.clone(),
            topic: raw.topic.clone(),
            partition: raw.partition.clone(),
            kafka_offset: raw.offset.clone(),
            timestamp: raw.timestamp.clone(),
            key,
            value,
            headers,
            source_partition: batch::empty_bytes(),
            source_offset: batch::empty_bytes(),
        };
        batch::check(&out).map_err(|e| self.value.failure(CallError::Invalid(e.to_string())))?;
        Ok(out)
    }

    /// Raw Kafka header bytes to Connect headers (Kafka's
    /// `WorkerSinkTask.convertHeadersFor`), every header of the batch in one call; a
    /// batch without headers makes no call.
    fn headers_to_connect(
        &mut self,
        raw: &RawBatch,
        op: &mut Operator<'_>,
    ) -> Result<HeaderColumn, StageFailure> {
        let n = raw.header_values.lengths.len();
        let values = if n == 0 {
            batch::empty_values()
        } else {
            let (topic_ids, names) =
                header_owners(&raw.topic, &raw.header_counts, &raw.header_keys);
            let values = op.stage(|| {
                self.header.call(|h| {
                    h.to_connect_header(&raw.topics, &topic_ids, &names, &raw.header_values)
                })
            })?;
            check_value_column(&values, n).map_err(|e| self.header.failure(e))?;
            values
        };
        Ok(HeaderColumn {
            counts: raw.header_counts.clone(),
            keys: raw.header_keys.clone(),
            values,
        })
    }

    /// Connect headers of a (transformed) batch to the bytes put on the Kafka
    /// records (Kafka's `WorkerSourceTask.convertHeaderFor`), in one call.
    pub fn serialize_headers(
        &mut self,
        records: &RecordBatch,
        op: &mut Operator<'_>,
    ) -> Result<BytesColumn, StageFailure> {
        let headers = &records.headers;
        let n = headers.values.schema_ids.len();
        if n == 0 {
            return Ok(batch::empty_bytes());
        }
        let (topic_ids, names) = header_owners(&records.topic, &headers.counts, &headers.keys);
        let bytes = op.stage(|| {
            self.header.call(|h| {
                h.from_connect_header(&records.topics, &topic_ids, &names, &headers.values)
            })
        })?;
        batch::check_bytes(&bytes, "header", n)
            .map_err(|e| self.header.failure(CallError::Invalid(e.to_string())))?;
        Ok(bytes)
    }

    /// A source record as polled, for the dead letter queue: key and value
    /// serialized by the connector's converters where they can; where one cannot,
    /// the Connect value in Ferry's CBOR encoding (and `cbor_payload` set).
    pub fn source_original(&mut self, polled: &RecordBatch, index: usize) -> OriginalRecord {
        let one = batch::slice(polled, index..index + 1);
        let topics = batch::topic_names(&one);
        let mut cbor = false;
        let mut convert = |slot: &mut Slot<Converter>, column: &ValueColumn| {
            let converted = slot
                .call(|c| c.from_connect(&topics, column))
                .ok()
                .filter(|b| batch::check_bytes(b, "value", 1).is_ok());
            let bytes = match converted {
                Some(bytes) => bytes,
                None => {
                    cbor = true;
                    column.values.clone()
                }
            };
            batch::iter_bytes(&bytes)
                .next()
                .flatten()
                .map(<[u8]>::to_vec)
        };
        let key = convert(&mut self.key, &one.key);
        let value = convert(&mut self.value, &one.value);
        let (topic_ids, names) = header_owners(&one.topic, &one.headers.counts, &one.headers.keys);
        let header_count = one.headers.values.schema_ids.len();
        let header_bytes = if header_count == 0 {
            batch::empty_bytes()
        } else {
            self.header
                .call(|h| {
                    h.from_connect_header(&one.topics, &topic_ids, &names, &one.headers.values)
                })
                .ok()
                .filter(|b| batch::check_bytes(b, "header", header_count).is_ok())
                .unwrap_or_else(|| {
                    cbor = true;
                    one.headers.values.values.clone()
                })
        };
        let headers = batch::iter_bytes(&one.headers.keys)
            .zip(batch::iter_bytes(&header_bytes))
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k.unwrap_or_default()).into_owned(),
                    v.map(<[u8]>::to_vec),
                )
            })
            .collect();
        let text = |column: &BytesColumn| {
            batch::iter_bytes(column)
                .next()
                .flatten()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let source = text(&one.source_partition).zip(text(&one.source_offset));
        OriginalRecord {
            topic: topics.first().cloned().unwrap_or_default(),
            partition: one.partition.first().copied().unwrap_or(-1),
            offset: -1,
            timestamp: one.timestamp.first().copied().unwrap_or(-1),
            key,
            value,
            headers,
            source,
            cbor_payload: cbor,
        }
    }
}

fn check_value_column(column: &ValueColumn, n: usize) -> Result<(), CallError> {
    if column.schema_ids.len() != n || column.values.lengths.len() != n {
        return Err(CallError::Invalid(format!(
            "converter returned {} values for {n} records",
            column.values.lengths.len()
        )));
    }
    Ok(())
}

fn apply_stage<'a>(
    stage: &mut TransformStage,
    records: Cow<'a, RecordBatch>,
    op: &mut Operator<'_>,
) -> Result<Cow<'a, RecordBatch>, StageFailure> {
    let n = batch::len(&records);
    let mask = match &mut stage.predicate {
        None => None,
        Some((predicate, negate)) => {
            let mut mask = op.stage(|| predicate.call(|p| p.test(&records)))?;
            if mask.len() != n {
                return Err(predicate.failure(CallError::Invalid(format!(
                    "predicate returned {} results for {n} records",
                    mask.len()
                ))));
            }
            if *negate {
                mask.iter_mut().for_each(|m| *m = !*m);
            }
            Some(mask)
        }
    };
    let transform = &mut stage.transform;
    let mut run = |part: &RecordBatch| -> Result<RecordBatch, StageFailure> {
        let out = op.stage(|| transform.call(|t| t.apply(part)))?;
        batch::check(&out).map_err(|e| transform.failure(CallError::Invalid(e.to_string())))?;
        Ok(out)
    };
    let Some(mask) = mask else {
        return run(&records).map(Cow::Owned);
    };
    if mask.iter().all(|&m| m) {
        return run(&records).map(Cow::Owned);
    }
    if !mask.iter().any(|&m| m) {
        return Ok(records);
    }
    // Apply to each run of matching records, keeping order.
    let mut parts = Vec::new();
    let mut start = 0;
    while start < n {
        let matching = mask[start];
        let mut end = start;
        while end < n && mask[end] == matching {
            end += 1;
        }
        let part = batch::slice(&records, start..end);
        parts.push(if matching { run(&part)? } else { part });
        start = end;
    }
    Ok(Cow::Owned(batch::concat(parts)))
}

/// Who each header of a batch belongs to, as the header converter takes it: the
/// topic index of its record and its key.
fn header_owners(topic: &[u32], counts: &[u32], keys: &BytesColumn) -> (Vec<u32>, Vec<String>) {
    let topic_ids = topic
        .iter()
        .zip(counts)
        .flat_map(|(&t, &c)| std::iter::repeat_n(t, c as usize))
        .collect();
    let keys = batch::iter_bytes(keys)
        .map(|k| String::from_utf8_lossy(k.unwrap_or_default()).into_owned())
        .collect();
    (topic_ids, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_owners_follow_record_counts() {
        let mut keys = ColumnBuilder::default();
        for k in ["a", "b", "c"] {
            keys.push(Some(k.as_bytes()));
        }
        let (topic_ids, names) = header_owners(&[1, 0, 1], &[2, 0, 1], &keys.finish());
        assert_eq!(topic_ids, vec![1, 1, 1]);
        assert_eq!(names, vec!["a", "b", "c"]);
    }
}
