//! The leader's whole assignment step (Kafka's `performAssignment`), a pure
//! function: the members' metadata and the configured work in, one `connect`
//! assignment per member out.
//!
//! What a member runs comes only from its own metadata (v1+ members report their
//! current assignment, revoked work included until it has stopped) and from the
//! leader's memory of the previous round in [`AssignorState`], as in Kafka. The
//! coordinator holds a round until every member rejoined, so that metadata is
//! fresh and work is never handed to a second worker while the first runs it.

use std::collections::BTreeMap;

use super::assignor::{self, AssignorState, Work};
use super::protocol::{Assignment, CONFIG_MISMATCH, NO_ERROR, SubProtocol, WorkerState};
use crate::worker::work::ConnectorsAndTasks;

/// What the leader plans from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    pub protocol: SubProtocol,
    pub leader_id: &'a str,
    /// The leader's own url, should its metadata be missing from `members`.
    pub leader_url: &'a str,
    /// Every member's id and JoinGroup metadata.
    pub members: &'a [(String, WorkerState)],
    /// How far the leader has read the config log.
    pub config_offset: i64,
    /// The connectors and task counts in the config log at `config_offset`.
    pub work: &'a Work,
    pub now_ms: u64,
    /// `scheduled.rebalance.max.delay.ms`.
    pub max_delay_ms: u64,
}

/// The outcome of one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One assignment per member id.
    pub assignments: BTreeMap<String, Assignment>,
    /// Who runs what once every member applied its assignment (member id → url,
    /// work), for routing requests to owners; `None` when the round only asks the
    /// members to catch up with the config log.
    pub allocation: Option<BTreeMap<String, (String, ConnectorsAndTasks)>>,
}

/// Plans one round. A leader behind a member's config offset assigns nothing and
/// reports `CONFIG_MISMATCH`, so everyone reads the log and rejoins.
pub fn plan(state: &mut AssignorState, input: &PlanInput<'_>) -> Plan {
    let max_offset = input
        .members
        .iter()
        .map(|(_, s)| s.config_offset)
        .max()
        .unwrap_or(-1);
    let leader_url = input
        .members
        .iter()
        .find(|(id, _)| id == input.leader_id)
        .map_or(input.leader_url, |(_, s)| s.url.as_str());
    let base = |error: i16, offset: i64| {
        let mut a = Assignment::empty(input.protocol.version());
        a.error = error;
        a.leader = input.leader_id.to_string();
        a.leader_url = leader_url.to_string();
        a.config_offset = offset;
        a
    };
    if input.config_offset < max_offset {
        tracing::warn!(
            leader_offset = input.config_offset,
            max_offset,
            "Was selected to perform assignments, but do not have latest config found in sync request. Returning an empty configuration to trigger re-sync."
        );
        return Plan {
            assignments: input
                .members
                .iter()
                .map(|(id, _)| (id.clone(), base(CONFIG_MISMATCH, max_offset)))
                .collect(),
            allocation: None,
        };
    }
    let members: Vec<assignor::Member> = input
        .members
        .iter()
        .map(|(id, s)| assignor::Member {
            id: id.clone(),
            url: s.url.clone(),
            owned: s
                .allocation
                .as_ref()
                .map(|a| a.assigned.clone())
                .unwrap_or_default(),
        })
        .collect();
    let outcome = assignor::assign(
        state,
        &members,
        input.work,
        input.now_ms,
        input.max_delay_ms,
    );
    let urls: BTreeMap<&str, &str> = input
        .members
        .iter()
        .map(|(id, s)| (id.as_str(), s.url.as_str()))
        .collect();
    let allocation = outcome
        .allocation
        .iter()
        .map(|(id, work)| {
            let url = urls.get(id.as_str()).copied().unwrap_or_default();
            (id.clone(), (url.to_string(), work.clone()))
        })
        .collect();
    let assignments = outcome
        .assignments
        .into_iter()
        .map(|(id, a)| {
            let mut out = base(NO_ERROR, input.config_offset);
            if input.protocol == SubProtocol::Eager {
                // Eager members gave up everything before joining: send it all.
                out.assigned = outcome.allocation.get(&id).cloned().unwrap_or_default();
            } else {
                out.assigned = a.assigned;
                out.revoked = a.revoked;
                out.delay_ms = i32::try_from(a.delay_ms).unwrap_or(i32::MAX);
            }
            (id, out)
        })
        .collect();
    Plan {
        assignments,
        allocation: Some(allocation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::work::TaskId;

    fn work(items: &[(&str, u32)]) -> Work {
        items.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    }

    fn member(id: &str, offset: i64, owned: Option<ConnectorsAndTasks>) -> (String, WorkerState) {
        let allocation = owned.map(|assigned| Assignment {
            assigned,
            ..Assignment::empty(SubProtocol::Sessioned.version())
        });
        (
            id.to_string(),
            WorkerState {
                url: format!("http://{id}:8083/"),
                config_offset: offset,
                allocation,
            },
        )
    }

    fn input<'a>(
        members: &'a [(String, WorkerState)],
        work: &'a Work,
        protocol: SubProtocol,
    ) -> PlanInput<'a> {
        PlanInput {
            protocol,
            leader_id: "a",
            leader_url: "http://fallback/",
            members,
            config_offset: 10,
            work,
            now_ms: 1_000,
            max_delay_ms: 0,
        }
    }

    /// Every member applies its assignment, as its metadata would report next round.
    fn apply(members: &mut [(String, WorkerState)], plan: &Plan) {
        for (id, state) in members.iter_mut() {
            let a = &plan.assignments[id];
            let mut owned = state
                .allocation
                .as_ref()
                .map(|x| x.assigned.clone())
                .unwrap_or_default();
            owned.apply(&a.revoked, &a.assigned);
            state.allocation = Some(Assignment {
                assigned: owned,
                ..Assignment::empty(SubProtocol::Sessioned.version())
            });
        }
    }

    fn owned(state: &WorkerState) -> ConnectorsAndTasks {
        state
            .allocation
            .as_ref()
            .map(|a| a.assigned.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_leader_behind_the_config_log_asks_everyone_to_catch_up() {
        let members = [member("a", 4, None), member("b", 12, None)];
        let work = work(&[("c", 2)]);
        let mut state = AssignorState::default();
        let plan = plan(&mut state, &input(&members, &work, SubProtocol::Sessioned));
        assert_eq!(plan.allocation, None);
        for a in plan.assignments.values() {
            assert_eq!(a.error, CONFIG_MISMATCH);
            assert_eq!(a.config_offset, 12);
            assert!(a.assigned.is_empty());
        }
    }

    #[test]
    fn running_work_is_never_handed_to_a_second_worker() {
        let all = ConnectorsAndTasks {
            connectors: ["c".to_string(), "d".to_string()].into(),
            tasks: (0..4)
                .map(|i| TaskId::new("c", i))
                .chain((0..2).map(|i| TaskId::new("d", i)))
                .collect(),
        };
        // `a` runs everything; `b` and `c` join.
        let mut members = vec![
            member("a", 10, Some(all)),
            member("b", 10, Some(ConnectorsAndTasks::default())),
            member("c", 10, None),
        ];
        let work = work(&[("c", 4), ("d", 2)]);
        let mut state = AssignorState::default();
        for round in 0..4 {
            let plan = plan(&mut state, &input(&members, &work, SubProtocol::Sessioned));
            for (id, a) in &plan.assignments {
                assert_eq!(a.error, NO_ERROR);
                assert_eq!(a.leader_url, "http://a:8083/");
                for (other, s) in &members {
                    if other != id {
                        let overlap = a.assigned.difference(&a.assigned.difference(&owned(s)));
                        assert!(
                            overlap.is_empty(),
                            "round {round}: {id} given {overlap:?} that {other} still runs"
                        );
                    }
                }
            }
            apply(&mut members, &plan);
        }
        // Settled: everything runs exactly once, spread 3 × (2 or 3 items).
        let mut seen = ConnectorsAndTasks::default();
        for (_, s) in &members {
            let mine = owned(s);
            assert!(mine.difference(&seen) == mine, "{mine:?} runs twice");
            assert!((2..=3).contains(&mine.len()));
            seen.merge(&mine);
        }
        assert_eq!(seen.len(), 8);
    }

    #[test]
    fn work_claimed_twice_is_revoked_from_all_but_one() {
        let both = ConnectorsAndTasks {
            connectors: ["c".to_string()].into(),
            tasks: [TaskId::new("c", 0)].into(),
        };
        let members = [
            member("a", 10, Some(both.clone())),
            member("b", 10, Some(both)),
        ];
        let work = work(&[("c", 1)]);
        let plan = plan(
            &mut AssignorState::default(),
            &input(&members, &work, SubProtocol::Compatible),
        );
        let (a, b) = (&plan.assignments["a"], &plan.assignments["b"]);
        assert!(a.assigned.is_empty() && b.assigned.is_empty());
        assert_eq!(a.revoked.len() + b.revoked.len(), 2);
    }

    #[test]
    fn eager_members_are_sent_their_whole_allocation() {
        let members = [member("a", 10, None), member("b", 10, None)];
        let work = work(&[("c", 2)]);
        let plan = plan(
            &mut AssignorState::default(),
            &input(&members, &work, SubProtocol::Eager),
        );
        let allocation = plan.allocation.expect("planned");
        for (id, a) in &plan.assignments {
            assert!(a.revoked.is_empty());
            assert_eq!(a.assigned, allocation[id].1);
            assert_eq!(allocation[id].0, format!("http://{id}:8083/"));
        }
        let total: usize = plan.assignments.values().map(|a| a.assigned.len()).sum();
        assert_eq!(total, 3);
    }
}
