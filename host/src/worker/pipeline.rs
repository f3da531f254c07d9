//! The per-task chain of plugin stages between a connector task and Kafka:
//! transforms (each optionally gated by a predicate), the key/value converters and
//! the header converter.

use crate::config::connector::{PluginSpec, ResolvedConnector};
use crate::data::batch::{self, ColumnBuilder};
use crate::plugin::bindings::types::{BytesColumn, HeaderColumn, RecordBatch, ValueColumn};
use crate::plugin::instance::{Converter, HeaderConverter, Predicate, Transform};
use crate::plugin::{CallError, PluginContext, SandboxLimits};

/// A failure in one named stage of the pipeline.
#[derive(Debug, thiserror::Error)]
#[error("{stage}: {error}")]
pub struct StageError {
    pub stage: String,
    pub error: CallError,
}

impl StageError {
    fn new(stage: impl Into<String>, error: CallError) -> Self {
        Self {
            stage: stage.into(),
            error,
        }
    }

    /// The trace shown in the task status.
    pub fn trace(&self) -> String {
        format!("Error in stage {}: {}", self.stage, self.error.trace())
    }
}

struct Stage {
    name: String,
    transform: Transform,
    predicate: Option<(Predicate, bool)>,
}

/// Records as read from Kafka, before conversion.
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
}

/// Converters and transforms of one task, each in its own sandbox.
pub struct Pipeline {
    key_name: String,
    value_name: String,
    key: Converter,
    value: Converter,
    header_name: String,
    header: HeaderConverter,
    stages: Vec<Stage>,
}

fn describe(spec: &PluginSpec) -> String {
    spec.plugin.descriptor.name.clone()
}

impl Pipeline {
    /// Opens every stage of `connector` for one task.
    pub fn open(
        connector: &ResolvedConnector,
        ctx: &PluginContext,
        limits: SandboxLimits,
    ) -> Result<Self, StageError> {
        let key_name = format!("key.converter ({})", describe(&connector.key_converter));
        let value_name = format!("value.converter ({})", describe(&connector.value_converter));
        let key = Converter::open(
            &connector.key_converter.plugin,
            ctx.clone(),
            limits,
            &connector.key_converter.config_list(),
            true,
        )
        .map_err(|e| StageError::new(&key_name, e))?;
        let value = Converter::open(
            &connector.value_converter.plugin,
            ctx.clone(),
            limits,
            &connector.value_converter.config_list(),
            false,
        )
        .map_err(|e| StageError::new(&value_name, e))?;
        let header_name = format!(
            "header.converter ({})",
            describe(&connector.header_converter)
        );
        let header = HeaderConverter::open(
            &connector.header_converter.plugin,
            ctx.clone(),
            limits,
            &connector.header_converter.config_list(),
        )
        .map_err(|e| StageError::new(&header_name, e))?;
        let mut stages = Vec::new();
        for spec in &connector.transforms {
            let name = format!("transforms.{} ({})", spec.alias, describe(&spec.transform));
            let transform = Transform::open(
                &spec.transform.plugin,
                ctx.clone(),
                limits,
                &spec.transform.config_list(),
            )
            .map_err(|e| StageError::new(&name, e))?;
            let predicate = match &spec.predicate {
                None => None,
                Some((p, negate)) => Some((
                    Predicate::open(&p.plugin, ctx.clone(), limits, &p.config_list())
                        .map_err(|e| StageError::new(&name, e))?,
                    *negate,
                )),
            };
            stages.push(Stage {
                name,
                transform,
                predicate,
            });
        }
        Ok(Self {
            key_name,
            value_name,
            key,
            value,
            header_name,
            header,
            stages,
        })
    }

    /// Applies every transform in order; records a transform drops disappear.
    pub fn transform(&mut self, mut records: RecordBatch) -> Result<RecordBatch, StageError> {
        for stage in &mut self.stages {
            if batch::len(&records) == 0 {
                break;
            }
            records = apply_stage(stage, records)?;
        }
        Ok(records)
    }

    /// Serializes keys and values for the producer.
    pub fn serialize(
        &mut self,
        records: &RecordBatch,
    ) -> Result<(BytesColumn, BytesColumn), StageError> {
        let topics = batch::topic_names(records);
        let n = topics.len();
        let keys = self
            .key
            .from_connect(&topics, &records.key)
            .map_err(|e| StageError::new(&self.key_name, e))?;
        batch::check_bytes(&keys, "key", n)
            .map_err(|e| StageError::new(&self.key_name, CallError::Invalid(e.to_string())))?;
        let values = self
            .value
            .from_connect(&topics, &records.value)
            .map_err(|e| StageError::new(&self.value_name, e))?;
        batch::check_bytes(&values, "value", n)
            .map_err(|e| StageError::new(&self.value_name, CallError::Invalid(e.to_string())))?;
        Ok((keys, values))
    }

    /// Converts raw Kafka records into a Connect batch.
    pub fn deserialize(&mut self, raw: RawRecords) -> Result<RecordBatch, StageError> {
        let topic_names: Vec<String> = raw
            .topic
            .iter()
            .map(|&t| raw.topics[t as usize].clone())
            .collect();
        let n = raw.len();
        let keys = raw.keys.finish();
        let values = raw.values.finish();
        let headers = self.headers_to_connect(
            &raw.topics,
            &raw.topic,
            raw.header_counts,
            raw.header_keys.finish(),
            raw.header_values.finish(),
        )?;
        let key = self
            .key
            .to_connect(&topic_names, &keys)
            .map_err(|e| StageError::new(&self.key_name, e))?;
        let value = self
            .value
            .to_connect(&topic_names, &values)
            .map_err(|e| StageError::new(&self.value_name, e))?;
        let out = RecordBatch {
            topics: raw.topics,
            topic: raw.topic,
            partition: raw.partition,
            kafka_offset: raw.offset,
            timestamp: raw.timestamp,
            key,
            value,
            headers,
            source_partition: batch::empty_bytes(),
            source_offset: batch::empty_bytes(),
        };
        check_value_column(&out.key, n).map_err(|e| StageError::new(&self.key_name, e))?;
        check_value_column(&out.value, n).map_err(|e| StageError::new(&self.value_name, e))?;
        batch::check(&out)
            .map_err(|e| StageError::new("deserialize", CallError::Invalid(e.to_string())))?;
        Ok(out)
    }
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

impl Pipeline {
    /// Raw Kafka header bytes to Connect headers (Kafka's
    /// `WorkerSinkTask.convertHeadersFor`), every header of the batch in one call.
    fn headers_to_connect(
        &mut self,
        topics: &[String],
        topic: &[u32],
        counts: Vec<u32>,
        keys: BytesColumn,
        raw: BytesColumn,
    ) -> Result<HeaderColumn, StageError> {
        let n = raw.lengths.len();
        let values = if n == 0 {
            batch::empty_values()
        } else {
            let (topic_ids, names) = header_owners(topic, &counts, &keys);
            let values = self
                .header
                .to_connect_header(topics, &topic_ids, &names, &raw)
                .map_err(|e| StageError::new(&self.header_name, e))?;
            check_value_column(&values, n).map_err(|e| StageError::new(&self.header_name, e))?;
            values
        };
        Ok(HeaderColumn {
            counts,
            keys,
            values,
        })
    }

    /// Connect headers of a (transformed) batch to the bytes put on the Kafka
    /// records (Kafka's `WorkerSourceTask.convertHeaderFor`), in one call.
    pub fn serialize_headers(&mut self, records: &RecordBatch) -> Result<BytesColumn, StageError> {
        let headers = &records.headers;
        let n = headers.values.schema_ids.len();
        if n == 0 {
            return Ok(batch::empty_bytes());
        }
        let (topic_ids, names) = header_owners(&records.topic, &headers.counts, &headers.keys);
        let bytes = self
            .header
            .from_connect_header(&records.topics, &topic_ids, &names, &headers.values)
            .map_err(|e| StageError::new(&self.header_name, e))?;
        batch::check_bytes(&bytes, "header", n)
            .map_err(|e| StageError::new(&self.header_name, CallError::Invalid(e.to_string())))?;
        Ok(bytes)
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

fn apply_stage(stage: &mut Stage, records: RecordBatch) -> Result<RecordBatch, StageError> {
    let n = batch::len(&records);
    let mask = match &mut stage.predicate {
        None => None,
        Some((predicate, negate)) => {
            let mut mask = predicate
                .test(&records)
                .map_err(|e| StageError::new(&stage.name, e))?;
            if mask.len() != n {
                return Err(StageError::new(
                    &stage.name,
                    CallError::Invalid(format!(
                        "predicate returned {} results for {n} records",
                        mask.len()
                    )),
                ));
            }
            if *negate {
                mask.iter_mut().for_each(|m| *m = !*m);
            }
            Some(mask)
        }
    };
    let run = |transform: &mut Transform, part: &RecordBatch| -> Result<RecordBatch, StageError> {
        let out = transform
            .apply(part)
            .map_err(|e| StageError::new(&stage.name, e))?;
        batch::check(&out)
            .map_err(|e| StageError::new(&stage.name, CallError::Invalid(e.to_string())))?;
        Ok(out)
    };
    let Some(mask) = mask else {
        return run(&mut stage.transform, &records);
    };
    if mask.iter().all(|&m| m) {
        return run(&mut stage.transform, &records);
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
        parts.push(if matching {
            run(&mut stage.transform, &part)?
        } else {
            part
        });
        start = end;
    }
    Ok(batch::concat(parts))
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
