//! Leader-side incremental cooperative assignor of distributed mode (KIP-415).
//!
//! Members keep running what they own across rebalances and the leader hands out
//! only deltas. Work changes owner in two rounds — revoked from the old owner in one,
//! given to a new owner in the next — so no connector or task ever runs twice.
//! Work of a departed worker is held for up to `max_delay_ms` (Connect's
//! `scheduled.rebalance.max.delay.ms`) so that a quick restart gets its work back
//! instead of reshuffling the cluster twice.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::worker::work::{ConnectorsAndTasks, TaskId};

/// One group member as the leader sees it in JoinGroup metadata.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: String,
    pub url: String,
    /// What it runs now (its previous allocation).
    pub owned: ConnectorsAndTasks,
}

/// The work that should exist: connector name -> number of committed task configs
/// (tasks are 0..n). Connectors not in the map must not run anywhere.
pub type Work = BTreeMap<String, u32>;

/// What the leader tells one member: only NEW work in `assigned`, work to stop in `revoked`,
/// and `delay_ms` > 0 when lost work is being held for a departed worker (members rejoin after it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberAssignment {
    pub assigned: ConnectorsAndTasks,
    pub revoked: ConnectorsAndTasks,
    pub delay_ms: u32,
}

/// Work of one departed member, kept aside so its worker can get it back if it returns.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HeldWork {
    /// Matches the returning worker, which rejoins under a new member id.
    url: String,
    work: ConnectorsAndTasks,
}

/// Leader memory between rounds (lost only when leadership moves, as in Kafka).
#[derive(Clone, Debug, Default)]
pub struct AssignorState {
    /// Previous round's members, id -> url: who is missing now has departed.
    members: BTreeMap<String, String>,
    /// Previous round's full allocation per member id: what a departed member was running.
    allocation: BTreeMap<String, ConnectorsAndTasks>,
    /// Work of departed members held until the deadline, per departed member id.
    held: BTreeMap<String, HeldWork>,
    /// When held work is given out anyway; `None` when nothing is held.
    deadline_ms: Option<u64>,
}

impl AssignorState {
    pub fn new() -> Self {
        Self::default()
    }

    /// When held work stops waiting for its departed worker.
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline_ms
    }

    /// All work currently held for departed workers.
    pub fn held(&self) -> ConnectorsAndTasks {
        let mut all = ConnectorsAndTasks::default();
        for held in self.held.values() {
            all.merge(&held.work);
        }
        all
    }
}

/// The result of one assignment round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Keyed by member id; every member present.
    pub assignments: BTreeMap<String, MemberAssignment>,
    /// Who will own what once every member applies its assignment (for routing requests
    /// to owners): member id -> full assignment.
    pub allocation: BTreeMap<String, ConnectorsAndTasks>,
}

/// One member while the round is computed.
struct Slot {
    id: String,
    url: String,
    /// Joined since the previous round with nothing running: may take held work.
    fresh: bool,
    /// Owned work that survives this round.
    kept: ConnectorsAndTasks,
    revoked: ConnectorsAndTasks,
    assigned: ConnectorsAndTasks,
}

impl Slot {
    /// Load counts what the member keeps plus what it is given this round.
    fn load<K: Kind>(&self) -> usize {
        K::set(&self.kept).len() + K::set(&self.assigned).len()
    }
}

/// Connectors and tasks are balanced separately; this lets one routine do both.
trait Kind {
    type Item: Ord + Clone;
    fn set(a: &ConnectorsAndTasks) -> &BTreeSet<Self::Item>;
    fn set_mut(a: &mut ConnectorsAndTasks) -> &mut BTreeSet<Self::Item>;
    /// Every item `work` says should exist.
    fn all(work: &Work) -> BTreeSet<Self::Item>;
    /// Which `count` items of `from` an over-loaded member gives up.
    fn surplus(from: &BTreeSet<Self::Item>, count: usize) -> Vec<Self::Item>;
}

struct Connectors;

impl Kind for Connectors {
    type Item = String;

    fn set(a: &ConnectorsAndTasks) -> &BTreeSet<String> {
        &a.connectors
    }

    fn set_mut(a: &mut ConnectorsAndTasks) -> &mut BTreeSet<String> {
        &mut a.connectors
    }

    fn all(work: &Work) -> BTreeSet<String> {
        work.keys().cloned().collect()
    }

    fn surplus(from: &BTreeSet<String>, count: usize) -> Vec<String> {
        from.iter().rev().take(count).cloned().collect()
    }
}

struct Tasks;

impl Kind for Tasks {
    type Item = TaskId;

    fn set(a: &ConnectorsAndTasks) -> &BTreeSet<TaskId> {
        &a.tasks
    }

    fn set_mut(a: &mut ConnectorsAndTasks) -> &mut BTreeSet<TaskId> {
        &mut a.tasks
    }

    fn all(work: &Work) -> BTreeSet<TaskId> {
        work.iter()
            .flat_map(|(c, &n)| (0..n).map(move |i| TaskId::new(c.clone(), i)))
            .collect()
    }

    /// Takes from the connector this member runs most tasks of, so that one
    /// connector's tasks end up spread over workers.
    fn surplus(from: &BTreeSet<TaskId>, count: usize) -> Vec<TaskId> {
        let mut by_connector: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for t in from {
            by_connector
                .entry(t.connector.as_str())
                .or_default()
                .push(t.task);
        }
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            // Most tasks first; among equals the smallest connector name.
            let fullest = by_connector
                .iter_mut()
                .filter(|(_, indexes)| !indexes.is_empty())
                .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(a.0)));
            let Some((c, indexes)) = fullest else { break };
            let Some(i) = indexes.pop() else { break };
            picked.push(TaskId::new(*c, i));
        }
        picked
    }
}

fn task_exists(work: &Work, task: &TaskId) -> bool {
    work.get(&task.connector).is_some_and(|&n| task.task < n)
}

/// Gives each item to the least-loaded eligible slot (ties: slot order, which is id order).
fn spread<K: Kind>(items: &BTreeSet<K::Item>, slots: &mut [Slot], eligible: &[usize]) {
    let mut queue: BTreeSet<(usize, usize)> = eligible
        .iter()
        .map(|&i| (slots[i].load::<K>(), i))
        .collect();
    for item in items {
        let Some((load, i)) = queue.pop_first() else {
            return;
        };
        K::set_mut(&mut slots[i].assigned).insert(item.clone());
        queue.insert((load + 1, i));
    }
}

/// Caps every slot at its balanced share so that the round ends balanced, or balanced
/// once the follow-up round hands out what is revoked here.
///
/// With `total = n·floor + extra`, that holds when every slot ends with at most `floor`
/// except at most `extra` slots with `floor + 1`; the `+1` shares go to the most loaded
/// slots so that the fewest items move. A slot over its share first gives up work it was
/// to be given this round (nobody runs it yet, so it goes straight to a slot under its
/// share) and only then revokes running work. A round that revokes nothing therefore
/// ends balanced, which matters because nothing else would trigger another round.
fn balance<K: Kind>(slots: &mut [Slot]) {
    let loads: Vec<usize> = slots.iter().map(Slot::load::<K>).collect();
    let (Some(&max), Some(&min)) = (loads.iter().max(), loads.iter().min()) else {
        return;
    };
    if max - min <= 1 {
        return;
    }
    let total: usize = loads.iter().sum();
    let (floor, extra) = (total / slots.len(), total % slots.len());
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by(|&a, &b| loads[b].cmp(&loads[a]).then(a.cmp(&b)));
    let mut share = vec![floor; slots.len()];
    for &i in order.iter().take(extra) {
        share[i] = floor + 1;
    }

    let mut pool = BTreeSet::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        let surplus = loads[i].saturating_sub(share[i]);
        if surplus == 0 {
            continue;
        }
        let unstarted = surplus.min(K::set(&slot.assigned).len());
        for item in K::surplus(K::set(&slot.assigned), unstarted) {
            K::set_mut(&mut slot.assigned).remove(&item);
            pool.insert(item);
        }
        for item in K::surplus(K::set(&slot.kept), surplus - unstarted) {
            K::set_mut(&mut slot.kept).remove(&item);
            K::set_mut(&mut slot.revoked).insert(item);
        }
    }

    // The shares add up to the total, so the pool always fits under them.
    for item in pool {
        let under = (0..slots.len())
            .filter(|&i| slots[i].load::<K>() < share[i])
            .min_by_key(|&i| (slots[i].load::<K>(), i));
        let Some(i) = under else { break };
        K::set_mut(&mut slots[i].assigned).insert(item);
    }
}

/// Records the work of members gone since the previous round and drops held work that
/// was deleted or that somebody runs again.
fn update_held(state: &mut AssignorState, slots: &[Slot], work: &Work, owned: &ConnectorsAndTasks) {
    let present: BTreeSet<&str> = slots.iter().map(|s| s.id.as_str()).collect();
    for (id, url) in &state.members {
        if present.contains(id.as_str()) {
            continue;
        }
        if let Some(previous) = state.allocation.get(id) {
            let held = state.held.entry(id.clone()).or_insert_with(|| HeldWork {
                url: url.clone(),
                work: ConnectorsAndTasks::default(),
            });
            held.work.merge(previous);
        }
    }
    for held in state.held.values_mut() {
        held.work
            .connectors
            .retain(|c| work.contains_key(c) && !owned.connectors.contains(c));
        held.work
            .tasks
            .retain(|t| task_exists(work, t) && !owned.tasks.contains(t));
    }
    state.held.retain(|_, held| !held.work.is_empty());
}

/// Hands held work back to returning workers, to other fresh workers while waiting, or
/// releases it (by dropping it from `state.held`) once it may no longer wait.
fn place_held(state: &mut AssignorState, slots: &mut [Slot], now_ms: u64, max_delay_ms: u64) {
    if state.held.is_empty() {
        return;
    }
    if max_delay_ms == 0 {
        state.held.clear();
        return;
    }
    let deadline = *state
        .deadline_ms
        .get_or_insert(now_ms.saturating_add(max_delay_ms));

    // A fresh member at a departed member's url is that worker restarted: it gets back
    // what it ran, even at the deadline, since that moves nothing else. (`balance` trims
    // it to the worker's share if work changed meanwhile.)
    let mut returning = vec![false; slots.len()];
    for (id, held) in std::mem::take(&mut state.held) {
        let home = slots
            .iter()
            .position(|s| s.fresh && !held.url.is_empty() && s.url == held.url);
        match home {
            Some(i) => {
                slots[i].assigned.merge(&held.work);
                returning[i] = true;
            }
            None => {
                state.held.insert(id, held);
            }
        }
    }
    if now_ms >= deadline {
        state.held.clear();
        return;
    }
    let candidates: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].fresh && !returning[i])
        .collect();
    if !candidates.is_empty() {
        let pool = state.held();
        state.held.clear();
        spread::<Connectors>(&pool.connectors, slots, &candidates);
        spread::<Tasks>(&pool.tasks, slots, &candidates);
    }
}

/// Items in `work` that nobody keeps, is given, or waits for.
fn unassigned<K: Kind>(
    work: &Work,
    slots: &[Slot],
    held: &ConnectorsAndTasks,
) -> BTreeSet<K::Item> {
    let mut free = K::all(work);
    for slot in slots {
        free.retain(|x| !K::set(&slot.kept).contains(x) && !K::set(&slot.assigned).contains(x));
    }
    free.retain(|x| !K::set(held).contains(x));
    free
}

/// Computes one round: what each member must stop and start, and the allocation that results.
pub fn assign(
    state: &mut AssignorState,
    members: &[Member],
    work: &Work,
    now_ms: u64,
    max_delay_ms: u64,
) -> Outcome {
    // Id order makes every tie-break deterministic; a repeated id keeps its first entry.
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted.dedup_by(|later, first| later.id == first.id);

    // Deleted and duplicated work is revoked; the first claimant (by id) keeps a duplicate.
    let mut owned = ConnectorsAndTasks::default();
    let mut slots: Vec<Slot> = Vec::with_capacity(sorted.len());
    for member in &sorted {
        let mut slot = Slot {
            id: member.id.clone(),
            url: member.url.clone(),
            fresh: member.owned.is_empty() && !state.members.contains_key(&member.id),
            kept: ConnectorsAndTasks::default(),
            revoked: ConnectorsAndTasks::default(),
            assigned: ConnectorsAndTasks::default(),
        };
        for c in &member.owned.connectors {
            let target = if work.contains_key(c) && owned.connectors.insert(c.clone()) {
                &mut slot.kept
            } else {
                &mut slot.revoked
            };
            target.connectors.insert(c.clone());
        }
        for t in &member.owned.tasks {
            let target = if task_exists(work, t) && owned.tasks.insert(t.clone()) {
                &mut slot.kept
            } else {
                &mut slot.revoked
            };
            target.tasks.insert(t.clone());
        }
        slots.push(slot);
    }

    update_held(state, &slots, work, &owned);
    place_held(state, &mut slots, now_ms, max_delay_ms);
    let held = state.held();
    if held.is_empty() {
        state.deadline_ms = None;
    }

    let all: Vec<usize> = (0..slots.len()).collect();
    let free_connectors = unassigned::<Connectors>(work, &slots, &held);
    spread::<Connectors>(&free_connectors, &mut slots, &all);
    let free_tasks = unassigned::<Tasks>(work, &slots, &held);
    spread::<Tasks>(&free_tasks, &mut slots, &all);

    // Moving work while some is held would shuffle it again when the holder returns.
    if held.is_empty() {
        balance::<Connectors>(&mut slots);
        balance::<Tasks>(&mut slots);
    }

    let delay_ms = match state.deadline_ms {
        Some(deadline) => u32::try_from(deadline.saturating_sub(now_ms)).unwrap_or(u32::MAX),
        None => 0,
    };
    let mut outcome = Outcome::default();
    let mut previous_members = BTreeMap::new();
    for slot in slots {
        let mut full = slot.kept;
        full.merge(&slot.assigned);
        outcome.allocation.insert(slot.id.clone(), full);
        outcome.assignments.insert(
            slot.id.clone(),
            MemberAssignment {
                assigned: slot.assigned,
                revoked: slot.revoked,
                delay_ms,
            },
        );
        previous_members.insert(slot.id, slot.url);
    }
    state.members = previous_members;
    state.allocation = outcome.allocation.clone();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(items: &[(&str, u32)]) -> Work {
        items.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()
    }

    fn url(id: &str) -> String {
        format!("http://{id}:8083")
    }

    fn member(id: &str) -> Member {
        Member {
            id: id.to_owned(),
            url: url(id),
            owned: ConnectorsAndTasks::default(),
        }
    }

    fn owning(connectors: &[&str], tasks: &[(&str, u32)]) -> ConnectorsAndTasks {
        ConnectorsAndTasks::of(connectors, tasks)
    }

    /// A cluster whose members apply each round's assignment and rejoin.
    struct Sim {
        state: AssignorState,
        members: Vec<Member>,
        work: Work,
        now: u64,
        max_delay: u64,
        /// How far the clock moves after each round.
        step_ms: u64,
    }

    impl Sim {
        fn new(ids: &[&str], work: Work, max_delay: u64) -> Self {
            Sim {
                state: AssignorState::new(),
                members: ids.iter().map(|id| member(id)).collect(),
                work,
                now: 1_000,
                max_delay,
                step_ms: 0,
            }
        }

        fn join(&mut self, id: &str, url: &str) {
            self.members.push(Member {
                id: id.to_owned(),
                url: url.to_owned(),
                owned: ConnectorsAndTasks::default(),
            });
        }

        fn leave(&mut self, id: &str) -> Member {
            let at = self.members.iter().position(|m| m.id == id);
            let Some(at) = at else {
                panic!("no member {id}");
            };
            self.members.remove(at)
        }

        fn owned(&self, id: &str) -> ConnectorsAndTasks {
            match self.members.iter().find(|m| m.id == id) {
                Some(m) => m.owned.clone(),
                None => panic!("no member {id}"),
            }
        }

        fn round(&mut self) -> Outcome {
            let out = assign(
                &mut self.state,
                &self.members,
                &self.work,
                self.now,
                self.max_delay,
            );
            check_round(&self.members, &self.work, &out);
            for m in &mut self.members {
                let a = &out.assignments[&m.id];
                m.owned.apply(&a.revoked, &a.assigned);
            }
            // No revocation and no delay means no member rejoins, so this must be final.
            if out
                .assignments
                .values()
                .all(|a| a.revoked.is_empty() && a.delay_ms == 0)
            {
                assert_balanced(&self.members);
            }
            self.now += self.step_ms;
            out
        }

        /// Runs rounds until one revokes nothing and nothing is held; returns all outcomes.
        fn converge(&mut self, max_rounds: usize) -> Vec<Outcome> {
            let mut outcomes = Vec::new();
            loop {
                let out = self.round();
                let quiet = out.assignments.values().all(|a| a.revoked.is_empty())
                    && self.state.held().is_empty();
                outcomes.push(out);
                if quiet {
                    return outcomes;
                }
                assert!(
                    outcomes.len() < max_rounds,
                    "no convergence in {max_rounds} rounds: {:#?}",
                    self.members
                );
            }
        }

        fn assert_settled(&self) {
            assert_exclusive(&self.members);
            assert_all_owned(&self.members, &self.work);
            assert_balanced(&self.members);
        }
    }

    fn union(members: &[Member]) -> ConnectorsAndTasks {
        let mut all = ConnectorsAndTasks::default();
        for m in members {
            all.merge(&m.owned);
        }
        all
    }

    fn is_subset(a: &ConnectorsAndTasks, b: &ConnectorsAndTasks) -> bool {
        a.connectors.is_subset(&b.connectors) && a.tasks.is_subset(&b.tasks)
    }

    fn is_disjoint(a: &ConnectorsAndTasks, b: &ConnectorsAndTasks) -> bool {
        a.connectors.is_disjoint(&b.connectors) && a.tasks.is_disjoint(&b.tasks)
    }

    fn all_work(work: &Work) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: Connectors::all(work),
            tasks: Tasks::all(work),
        }
    }

    /// Invariants of every single round, whatever the input.
    fn check_round(members: &[Member], work: &Work, out: &Outcome) {
        let ids: BTreeSet<&String> = members.iter().map(|m| &m.id).collect();
        assert_eq!(ids, out.assignments.keys().collect::<BTreeSet<_>>());
        assert_eq!(ids, out.allocation.keys().collect::<BTreeSet<_>>());
        let running = union(members);
        for m in members {
            let a = &out.assignments[&m.id];
            assert!(
                is_subset(&a.revoked, &m.owned),
                "{} revokes unowned work",
                m.id
            );
            // Cooperative: nothing is started while any member still runs it.
            assert!(
                is_disjoint(&a.assigned, &running),
                "{} is given running work {:?}",
                m.id,
                a.assigned
            );
            let mut after = m.owned.clone();
            after.apply(&a.revoked, &a.assigned);
            assert_eq!(after, out.allocation[&m.id]);
        }
        let allocated: Vec<&ConnectorsAndTasks> = out.allocation.values().collect();
        for (i, a) in allocated.iter().enumerate() {
            assert!(is_subset(a, &all_work(work)), "allocation has deleted work");
            for b in &allocated[i + 1..] {
                assert!(is_disjoint(a, b), "work allocated twice");
            }
        }
    }

    fn assert_exclusive(members: &[Member]) {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                assert!(
                    is_disjoint(&a.owned, &b.owned),
                    "{} and {} share work",
                    a.id,
                    b.id
                );
            }
        }
    }

    fn assert_all_owned(members: &[Member], work: &Work) {
        assert_eq!(union(members), all_work(work));
    }

    fn spread_of(members: &[Member], count: fn(&ConnectorsAndTasks) -> usize) -> usize {
        let loads: Vec<usize> = members.iter().map(|m| count(&m.owned)).collect();
        match (loads.iter().max(), loads.iter().min()) {
            (Some(max), Some(min)) => max - min,
            _ => 0,
        }
    }

    fn assert_balanced(members: &[Member]) {
        assert!(
            spread_of(members, |a| a.connectors.len()) <= 1,
            "connectors unbalanced: {members:#?}"
        );
        assert!(
            spread_of(members, |a| a.tasks.len()) <= 1,
            "tasks unbalanced: {members:#?}"
        );
    }

    fn sample_work() -> Work {
        work(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 0)])
    }

    #[test]
    fn fresh_cluster_is_balanced_in_one_round() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 0);
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.revoked.is_empty()));
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
        sim.assert_settled();
        assert_eq!(sim.converge(1).len(), 1);
    }

    #[test]
    fn same_input_gives_same_output() {
        let members = vec![member("w2"), member("w1"), member("w3")];
        let first = assign(&mut AssignorState::new(), &members, &sample_work(), 0, 0);
        let reversed: Vec<Member> = members.iter().rev().cloned().collect();
        let second = assign(&mut AssignorState::new(), &reversed, &sample_work(), 0, 0);
        assert_eq!(first, second);
    }

    #[test]
    fn scale_up_moves_only_revoked_surplus() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 0);
        sim.converge(2);
        let before: Vec<Member> = sim.members.clone();

        sim.join("w4", &url("w4"));
        let outcomes = sim.converge(2);
        assert!(outcomes.len() <= 2);
        sim.assert_settled();
        assert!(!sim.owned("w4").is_empty());

        let mut revoked: BTreeMap<&str, ConnectorsAndTasks> = BTreeMap::new();
        for out in &outcomes {
            for (id, a) in &out.assignments {
                revoked.entry(id.as_str()).or_default().merge(&a.revoked);
            }
        }
        let mut moved = 0;
        for old in &before {
            let now = sim.owned(&old.id);
            let gone = &revoked[old.id.as_str()];
            for c in &old.owned.connectors {
                assert_eq!(now.connectors.contains(c), !gone.connectors.contains(c));
            }
            for t in &old.owned.tasks {
                assert_eq!(now.tasks.contains(t), !gone.tasks.contains(t));
            }
            moved += gone.len();
        }
        // 6 connectors and 15 tasks over 4 workers: w4 takes 1–2 connectors and 3–4 tasks.
        assert_eq!(moved, sim.owned("w4").len());
        assert!(moved <= 6, "moved {moved}");
    }

    #[test]
    fn member_gone_without_delay_is_reassigned_at_once() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 0);
        sim.converge(2);
        sim.leave("w2");
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
        assert_all_owned(&sim.members, &sim.work);
        sim.converge(2);
        sim.assert_settled();
    }

    #[test]
    fn returning_worker_gets_its_work_back() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 10_000);
        sim.converge(2);
        let old = sim.leave("w2").owned;
        assert!(!old.is_empty());

        let out = sim.round();
        assert_eq!(sim.state.deadline_ms(), Some(11_000));
        assert_eq!(sim.state.held(), old);
        for a in out.assignments.values() {
            assert_eq!(a.delay_ms, 10_000);
            assert!(a.assigned.is_empty() && a.revoked.is_empty());
        }

        // Members rejoin while waiting: still held, with the remaining delay.
        sim.now = 4_000;
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.delay_ms == 7_000));
        assert_eq!(sim.state.held(), old);

        sim.now = 6_000;
        sim.join("w2-restarted", &url("w2"));
        let out = sim.round();
        assert_eq!(out.assignments["w2-restarted"].assigned, old);
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
        assert!(out.assignments.values().all(|a| a.revoked.is_empty()));
        assert_eq!(sim.state.deadline_ms(), None);
        assert!(sim.state.held().is_empty());
        sim.converge(1);
        sim.assert_settled();
    }

    #[test]
    fn returning_in_the_same_round_as_leaving() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 10_000);
        sim.converge(2);
        let old = sim.leave("w3").owned;
        sim.join("w3-b", &url("w3"));
        let out = sim.round();
        assert_eq!(out.assignments["w3-b"].assigned, old);
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
    }

    #[test]
    fn returning_worker_is_capped_at_its_share() {
        let mut sim = Sim::new(
            &["w1", "w2", "w3"],
            work(&[("a", 2), ("b", 2), ("c", 2)]),
            10_000,
        );
        sim.members[0].owned = owning(&["a"], &[("a", 0), ("a", 1)]);
        sim.members[1].owned = owning(&["b"], &[("b", 0), ("b", 1)]);
        sim.members[2].owned = owning(&["c"], &[("c", 0), ("c", 1)]);
        sim.converge(1);
        sim.leave("w3");
        sim.round();
        // Everything but w3's work is deleted while it is away.
        sim.work = work(&[("c", 2)]);
        sim.round();
        sim.join("w3-b", &url("w3"));
        let out = sim.round();
        assert_eq!(
            out.assignments["w3-b"].assigned,
            owning(&["c"], &[("c", 0)])
        );
        assert_eq!(out.assignments["w1"].assigned, owning(&[], &[("c", 1)]));
        assert!(
            out.assignments
                .values()
                .all(|a| a.revoked.is_empty() && a.delay_ms == 0)
        );
        sim.assert_settled();
    }

    #[test]
    fn departed_worker_not_returning_is_spread_after_deadline() {
        let mut sim = Sim::new(&["w1", "w2", "w3", "w4"], sample_work(), 10_000);
        sim.converge(2);
        let old = sim.leave("w4").owned;

        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.delay_ms == 10_000));
        sim.now = 10_999;
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.delay_ms == 1));
        assert_eq!(sim.state.held(), old);

        sim.now = 11_000;
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
        let mut given = ConnectorsAndTasks::default();
        for a in out.assignments.values() {
            given.merge(&a.assigned);
        }
        assert_eq!(given, old);
        assert_all_owned(&sim.members, &sim.work);
        sim.converge(2);
        sim.assert_settled();
    }

    #[test]
    fn held_work_goes_to_a_new_empty_worker() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 10_000);
        sim.converge(2);
        let old = sim.leave("w1").owned;
        sim.round();
        sim.join("w9", &url("w9"));
        let out = sim.round();
        assert_eq!(out.assignments["w9"].assigned, old);
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
        sim.converge(2);
        sim.assert_settled();
    }

    #[test]
    fn no_balancing_while_work_is_held() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 10_000);
        sim.converge(2);
        sim.leave("w3");
        // w2's tasks show up at w1: badly unbalanced, but w3's work is held.
        let moved = std::mem::take(&mut sim.members[1].owned.tasks);
        sim.members[0].owned.tasks.extend(moved);
        let out = sim.round();
        assert!(out.assignments.values().all(|a| a.revoked.is_empty()));
        assert!(out.assignments.values().all(|a| a.assigned.is_empty()));
        assert!(out.assignments.values().all(|a| a.delay_ms == 10_000));

        sim.now = 11_000;
        sim.step_ms = 1;
        sim.converge(3);
        sim.assert_settled();
    }

    #[test]
    fn deleted_and_shrunk_work_is_revoked_and_new_work_assigned() {
        let mut sim = Sim::new(&["w1", "w2", "w3"], sample_work(), 0);
        sim.converge(2);
        sim.work.remove("e");
        sim.work.insert("d".to_owned(), 2);
        sim.work.insert("g".to_owned(), 1);
        let out = sim.round();
        let mut revoked = ConnectorsAndTasks::default();
        for a in out.assignments.values() {
            revoked.merge(&a.revoked);
        }
        let gone = owning(
            &["e"],
            &[
                ("d", 2),
                ("d", 3),
                ("e", 0),
                ("e", 1),
                ("e", 2),
                ("e", 3),
                ("e", 4),
            ],
        );
        assert!(is_subset(&gone, &revoked));
        assert_all_owned(&sim.members, &sim.work);
        // "g" goes to a member with the fewest connectors once "e" is gone.
        let holder = out
            .assignments
            .iter()
            .find(|(_, a)| a.assigned.connectors.contains("g"))
            .map(|(id, _)| id.clone());
        let Some(holder) = holder else {
            panic!("g not assigned");
        };
        let fewest = sim
            .members
            .iter()
            .map(|m| m.owned.connectors.len())
            .min()
            .unwrap_or(0);
        assert!(sim.owned(&holder).connectors.len() <= fewest + 1);
        sim.converge(2);
        sim.assert_settled();
    }

    #[test]
    fn unknown_connector_is_revoked() {
        let members = vec![Member {
            owned: owning(&["ghost"], &[("ghost", 0), ("a", 7)]),
            ..member("w1")
        }];
        let out = assign(
            &mut AssignorState::new(),
            &members,
            &work(&[("a", 1)]),
            0,
            0,
        );
        let a = &out.assignments["w1"];
        assert_eq!(a.revoked, owning(&["ghost"], &[("ghost", 0), ("a", 7)]));
        assert_eq!(a.assigned, owning(&["a"], &[("a", 0)]));
    }

    #[test]
    fn duplicates_are_resolved_in_favour_of_the_first_member() {
        let members = vec![
            Member {
                owned: owning(&["a", "b"], &[("a", 0), ("b", 0)]),
                ..member("w2")
            },
            Member {
                owned: owning(&["a"], &[("a", 0), ("a", 1)]),
                ..member("w1")
            },
            Member {
                owned: owning(&["b", "c"], &[("a", 1), ("b", 0), ("c", 0)]),
                ..member("w3")
            },
        ];
        let mut state = AssignorState::new();
        let out = assign(
            &mut state,
            &members,
            &work(&[("a", 2), ("b", 1), ("c", 1)]),
            0,
            0,
        );
        assert!(out.assignments["w1"].revoked.is_empty());
        assert_eq!(out.assignments["w2"].revoked, owning(&["a"], &[("a", 0)]));
        assert_eq!(
            out.assignments["w3"].revoked,
            owning(&["b"], &[("a", 1), ("b", 0)])
        );
        assert!(out.assignments.values().all(|a| a.assigned.is_empty()));
        assert_eq!(out.allocation["w1"], owning(&["a"], &[("a", 0), ("a", 1)]));
        assert_eq!(out.allocation["w2"], owning(&["b"], &[("b", 0)]));

        let mut sim = Sim {
            state,
            members,
            work: work(&[("a", 2), ("b", 1), ("c", 1)]),
            now: 0,
            max_delay: 0,
            step_ms: 0,
        };
        for m in &mut sim.members {
            let a = &out.assignments[&m.id];
            m.owned.apply(&a.revoked, &a.assigned);
        }
        sim.converge(2);
        sim.assert_settled();
    }

    #[test]
    fn new_leader_has_no_lost_work() {
        // A new leader knows no previous allocation: unowned work is simply unassigned.
        let members = vec![
            Member {
                owned: owning(&["a"], &[("a", 0)]),
                ..member("w1")
            },
            member("w2"),
        ];
        let out = assign(
            &mut AssignorState::new(),
            &members,
            &work(&[("a", 1), ("b", 1)]),
            0,
            60_000,
        );
        assert_eq!(out.assignments["w2"].assigned, owning(&["b"], &[("b", 0)]));
        assert!(out.assignments.values().all(|a| a.delay_ms == 0));
    }

    #[test]
    fn tasks_of_one_connector_spread_when_rebalanced() {
        let members = vec![
            Member {
                owned: owning(&["a"], &[("a", 0), ("a", 1), ("a", 2), ("a", 3)]),
                ..member("w1")
            },
            member("w2"),
        ];
        let mut sim = Sim {
            state: AssignorState::new(),
            members,
            work: work(&[("a", 4)]),
            now: 0,
            max_delay: 0,
            step_ms: 0,
        };
        let outcomes = sim.converge(2);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(
            outcomes[0].assignments["w1"].revoked,
            owning(&[], &[("a", 2), ("a", 3)])
        );
        sim.assert_settled();
    }

    #[test]
    fn no_members_is_harmless() {
        let mut state = AssignorState::new();
        let out = assign(&mut state, &[], &sample_work(), 0, 0);
        assert!(out.assignments.is_empty() && out.allocation.is_empty());
    }

    /// Deterministic pseudo-random numbers (Knuth's MMIX LCG).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n.max(1)
        }

        fn pick<'a>(&mut self, members: &'a [Member]) -> &'a Member {
            &members[self.below(members.len() as u64) as usize]
        }
    }

    #[test]
    fn random_scenarios_converge_balanced() {
        for seed in 0..400 {
            let mut rng = Lcg(seed);
            let max_delay = if rng.below(2) == 0 { 0 } else { 5_000 };
            let mut next_id = 0;
            let mut next_connector = 0;
            let mut sim = Sim::new(&[], Work::new(), max_delay);
            sim.step_ms = 1_500;
            for _ in 0..=rng.below(5) {
                next_id += 1;
                sim.join(&format!("m{next_id:03}"), &url(&format!("host{next_id}")));
            }
            for _ in 0..rng.below(8) {
                next_connector += 1;
                sim.work
                    .insert(format!("c{next_connector}"), rng.below(7) as u32);
            }

            for _ in 0..12 {
                match rng.below(6) {
                    0 if sim.members.len() < 8 => {
                        next_id += 1;
                        sim.join(&format!("m{next_id:03}"), &url(&format!("host{next_id}")));
                    }
                    1 if sim.members.len() > 1 => {
                        let id = rng.pick(&sim.members).id.clone();
                        sim.leave(&id);
                    }
                    2 if !sim.members.is_empty() => {
                        // Restart: same worker, new member id, nothing running.
                        let id = rng.pick(&sim.members).id.clone();
                        let gone = sim.leave(&id);
                        next_id += 1;
                        sim.join(&format!("m{next_id:03}"), &gone.url);
                    }
                    3 => {
                        next_connector += 1;
                        sim.work
                            .insert(format!("c{next_connector}"), rng.below(7) as u32);
                    }
                    4 if !sim.work.is_empty() => {
                        let names: Vec<String> = sim.work.keys().cloned().collect();
                        let name = &names[rng.below(names.len() as u64) as usize];
                        sim.work.remove(name);
                    }
                    5 if !sim.work.is_empty() => {
                        let names: Vec<String> = sim.work.keys().cloned().collect();
                        let name = names[rng.below(names.len() as u64) as usize].clone();
                        sim.work.insert(name, rng.below(7) as u32);
                    }
                    _ => {}
                }
                for _ in 0..rng.below(3) {
                    sim.round();
                    assert_exclusive(&sim.members);
                }
                if rng.below(3) == 0 {
                    // Without a delay every change settles in one round plus one to
                    // hand out what balancing freed; a 5 s delay at 1.5 s per round adds
                    // at most four rounds of waiting.
                    let bound = if max_delay == 0 { 2 } else { 6 };
                    sim.converge(bound);
                    sim.assert_settled();
                }
            }
            let bound = if max_delay == 0 { 2 } else { 6 };
            sim.converge(bound);
            sim.assert_settled();
        }
    }
}
