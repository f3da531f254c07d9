//! Which connectors and tasks: Kafka Connect's `ConnectorTaskId` and a set of
//! connectors and tasks (its `ConnectorsAndTasks`), the one shape the group
//! protocol, the assignor and the herders share.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kafka Connect's `ConnectorTaskId`: connector name and task index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

impl TaskId {
    pub fn new(connector: impl Into<String>, task: u32) -> Self {
        Self {
            connector: connector.into(),
            task,
        }
    }
}

/// Connectors and tasks a worker owns, is given or gives up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConnectorsAndTasks {
    pub connectors: BTreeSet<String>,
    pub tasks: BTreeSet<TaskId>,
}

impl ConnectorsAndTasks {
    pub fn is_empty(&self) -> bool {
        self.connectors.is_empty() && self.tasks.is_empty()
    }

    /// Connectors plus tasks.
    pub fn len(&self) -> usize {
        self.connectors.len() + self.tasks.len()
    }

    /// Adds everything in `other` (set union).
    pub fn merge(&mut self, other: &ConnectorsAndTasks) {
        self.connectors.extend(other.connectors.iter().cloned());
        self.tasks.extend(other.tasks.iter().cloned());
    }

    /// What a member does with an incremental assignment: stop `revoked`, start
    /// `assigned`.
    pub fn apply(&mut self, revoked: &ConnectorsAndTasks, assigned: &ConnectorsAndTasks) {
        self.connectors.retain(|c| !revoked.connectors.contains(c));
        self.tasks.retain(|t| !revoked.tasks.contains(t));
        self.merge(assigned);
    }

    /// Everything in `self` or `other`.
    pub fn union(&self, other: &ConnectorsAndTasks) -> ConnectorsAndTasks {
        let mut all = self.clone();
        all.merge(other);
        all
    }

    /// What `self` holds that `other` does not.
    pub fn difference(&self, other: &ConnectorsAndTasks) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: self
                .connectors
                .difference(&other.connectors)
                .cloned()
                .collect(),
            tasks: self.tasks.difference(&other.tasks).cloned().collect(),
        }
    }

    /// Whether the connector (`task` None) or one of its tasks is in the set.
    pub fn contains(&self, connector: &str, task: Option<u32>) -> bool {
        match task {
            None => self.connectors.contains(connector),
            Some(t) => self.tasks.contains(&TaskId::new(connector, t)),
        }
    }
}

#[cfg(test)]
impl ConnectorsAndTasks {
    /// A set from literal connector names and (connector, task) pairs.
    pub fn of(connectors: &[&str], tasks: &[(&str, u32)]) -> Self {
        Self {
            connectors: connectors.iter().map(|c| c.to_string()).collect(),
            tasks: tasks.iter().map(|(c, t)| TaskId::new(*c, *t)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_removes_revoked_and_adds_assigned() {
        let mut owned = ConnectorsAndTasks::of(&["a", "b"], &[("a", 0), ("a", 1)]);
        owned.apply(
            &ConnectorsAndTasks::of(&["b"], &[("a", 1)]),
            &ConnectorsAndTasks::of(&["c"], &[("c", 0)]),
        );
        assert_eq!(
            owned,
            ConnectorsAndTasks::of(&["a", "c"], &[("a", 0), ("c", 0)])
        );
        assert_eq!(owned.len(), 4);
    }

    #[test]
    fn union_and_difference() {
        let a = ConnectorsAndTasks::of(&["a"], &[("a", 0)]);
        let b = ConnectorsAndTasks::of(&["b"], &[("a", 0), ("b", 0)]);
        assert_eq!(
            a.union(&b),
            ConnectorsAndTasks::of(&["a", "b"], &[("a", 0), ("b", 0)])
        );
        assert_eq!(
            b.difference(&a),
            ConnectorsAndTasks::of(&["b"], &[("b", 0)])
        );
        assert!(a.difference(&a).is_empty());
        assert!(b.contains("a", Some(0)) && !b.contains("a", None));
    }
}
