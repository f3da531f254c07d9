//! Topic tracking (KIP-558): the topics each connector has produced to or consumed
//! from, for `GET /connectors/{c}/topics`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Mutex;

/// Where a worker records and reads connectors' active topics: memory in
/// standalone, the status topic (`topic-<t>-connector-<c>` records) in a cluster.
pub trait TopicTracker: Send + Sync {
    /// Records that `task` of `connector` used `topic` (idempotent).
    fn record(&self, connector: &str, task: u32, topic: &str);
    /// The connector's active topics, sorted.
    fn topics(&self, connector: &str) -> Vec<String>;
    /// Forgets the connector's active topics.
    fn reset(&self, connector: &str) -> Result<(), String>;
}

/// Standalone: active topics kept in memory, as Kafka's standalone worker does.
#[derive(Default)]
pub struct MemoryTopics {
    topics: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl MemoryTopics {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeSet<String>>> {
        crate::util::lock(&self.topics)
    }
}

impl TopicTracker for MemoryTopics {
    fn record(&self, connector: &str, _task: u32, topic: &str) {
        self.lock()
            .entry(connector.to_string())
            .or_default()
            .insert(topic.to_string());
    }

    fn topics(&self, connector: &str) -> Vec<String> {
        self.lock()
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn reset(&self, connector: &str) -> Result<(), String> {
        self.lock().remove(connector);
        Ok(())
    }
}

/// A task's view of tracking: reports each topic once per task run, and nothing
/// when `topic.tracking.enable=false`.
pub struct TaskTopics {
    seen: HashSet<String>,
    enabled: bool,
}

impl TaskTopics {
    pub fn new(enabled: bool) -> Self {
        Self {
            seen: HashSet::new(),
            enabled,
        }
    }

    /// Records each topic of `topics` not reported by this task yet.
    pub fn observe<'a>(
        &mut self,
        tracker: &dyn TopicTracker,
        connector: &str,
        task: u32,
        topics: impl IntoIterator<Item = &'a str>,
    ) {
        if !self.enabled {
            return;
        }
        for topic in topics {
            if !self.seen.contains(topic) {
                tracker.record(connector, task, topic);
                self.seen.insert(topic.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_report_each_topic_once_and_reset_forgets() {
        let tracker = MemoryTopics::default();
        let mut task = TaskTopics::new(true);
        task.observe(&tracker, "c", 0, ["b", "a", "b"]);
        task.observe(&tracker, "c", 0, ["a"]);
        assert_eq!(tracker.topics("c"), vec!["a", "b"]);
        tracker.reset("c").expect("reset");
        assert!(tracker.topics("c").is_empty());
        let mut off = TaskTopics::new(false);
        off.observe(&tracker, "c", 0, ["x"]);
        assert!(tracker.topics("c").is_empty());
    }
}
