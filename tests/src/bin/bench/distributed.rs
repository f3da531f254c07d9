//! Three-worker clusters, Ferry's and Kafka Connect's, on the same broker with the
//! same settings and connectors (a `FileStreamSink` with three tasks over a
//! six-partition topic and a `FileStreamSource`: two connectors, four tasks):
//! connectors created → all running and balanced; a fourth worker joins → balanced
//! over four; `kill -9` of the worker running the sink's task 0 → all of its work
//! running on the survivors.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ferry_tests::{Broker, Config, unique_name};
use serde_json::Value;

use crate::configs;
use crate::node::{Flavor, Mode, Node};

const SINK_TASKS: usize = 3;
const TOPIC_PARTITIONS: i32 = 6;
const TIMEOUT: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(20);

pub struct Cluster {
    /// Process start → REST ready of each of the first three workers.
    pub ready: Vec<Duration>,
    /// First `POST /connectors` answered 201 → all running, tasks balanced on three.
    pub create_to_balanced: Duration,
    /// The fourth worker's REST ready → all running, tasks balanced on four.
    pub join_to_balanced: Duration,
    /// `kill -9` → every connector and task running on the three survivors.
    pub failover: Duration,
    /// The largest worker VmHWM before the kill, KiB.
    pub peak_rss_kib: u64,
}

/// One connector or task: (state, worker_id).
type Unit = (String, String);

/// The cluster's connectors and how many tasks each has.
type Connectors = [(String, usize); 2];

pub fn run(flavor: Flavor, broker: &Broker, dir: &Path, cache_dir: &Path) -> Result<Cluster> {
    let tag = flavor.tag();
    let group = unique_name(&format!("bench-{tag}-cluster"));
    let topic = unique_name(&format!("bench-{tag}-dist"));
    broker.create_topic(&topic, TOPIC_PARTITIONS);
    let input = dir.join(format!("{tag}-dist-input.txt"));
    let output = dir.join(format!("{tag}-dist-output.txt"));
    fs::write(&input, "one\ntwo\nthree\n")?;
    let props = configs::distributed_props(flavor, broker, dir, cache_dir, &group);
    // Names of their own: the sink's consumer group is `connect-<name>`, and a group
    // the other cluster left members in would make this one wait out their sessions.
    let sink = unique_name(&format!("{tag}-dist-sink"));
    let source = unique_name(&format!("{tag}-dist-source"));
    let connectors: Connectors = [(sink.clone(), SINK_TASKS), (source.clone(), 1)];

    let mut nodes = (0..3)
        .map(|i| {
            Node::spawn(
                flavor,
                Mode::Distributed,
                props.clone(),
                dir,
                &format!("{tag}-dist-{i}"),
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let ready = nodes
        .iter_mut()
        .map(|n| n.wait_ready(TIMEOUT))
        .collect::<Result<Vec<_>>>()?;

    let created = create(
        &nodes[0],
        &sink,
        &configs::sink(&sink, &output, &topic, SINK_TASKS),
    )?;
    create(
        &nodes[0],
        &source,
        &configs::source(&source, &input, &topic),
    )?;
    let live: Vec<String> = nodes.iter().map(Node::worker_id).collect();
    wait(
        &nodes[0],
        &connectors,
        "created → balanced on 3",
        |units| balanced(units, &live),
    )?;
    let create_to_balanced = created.elapsed();

    let mut fourth = Node::spawn(
        flavor,
        Mode::Distributed,
        props.clone(),
        dir,
        &format!("{tag}-dist-3"),
    )?;
    fourth.wait_ready(TIMEOUT)?;
    let joined = Instant::now();
    nodes.push(fourth);
    let live: Vec<String> = nodes.iter().map(Node::worker_id).collect();
    wait(
        &nodes[0],
        &connectors,
        "4th worker → balanced on 4",
        |units| balanced(units, &live),
    )?;
    let join_to_balanced = joined.elapsed();

    let peak_rss_kib = nodes
        .iter()
        .filter_map(Node::peak_rss_kib)
        .max()
        .unwrap_or(0);
    let victim_id = nodes[0]
        .status(&sink)
        .and_then(|s| task_worker(&s, 0))
        .context("who runs the sink's task 0")?;
    let victim = nodes
        .iter()
        .position(|n| n.worker_id() == victim_id)
        .with_context(|| format!("no worker is {victim_id}"))?;
    let observer = usize::from(victim == 0);
    let survivors: Vec<String> = nodes
        .iter()
        .filter(|n| n.worker_id() != victim_id)
        .map(Node::worker_id)
        .collect();
    let killed = Instant::now();
    nodes[victim].kill9();
    wait(
        &nodes[observer],
        &connectors,
        "kill -9 → running on survivors",
        |units| all_running_on(units, &survivors),
    )?;
    let failover = killed.elapsed();
    for node in &mut nodes {
        node.kill9();
    }
    Ok(Cluster {
        ready,
        create_to_balanced,
        join_to_balanced,
        failover,
        peak_rss_kib,
    })
}

/// `POST /connectors`, retried while the cluster is still forming (Kafka Connect
/// answers 409 or 5xx until the worker has joined and read the config topic);
/// returns when it answered 201.
fn create(node: &Node, name: &str, config: &Config) -> Result<Instant> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (status, body) = node.rest().create_connector(name, config);
        if status == 201 {
            return Ok(Instant::now());
        }
        if Instant::now() >= deadline || (400..500).contains(&status) && status != 409 {
            bail!("create {name} on {}: {status} {body}", node.name);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls every connector's status on `node` until `done` holds.
fn wait(
    node: &Node,
    connectors: &Connectors,
    what: &str,
    done: impl Fn(&BTreeMap<String, Unit>) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + TIMEOUT;
    let mut last = BTreeMap::new();
    loop {
        if let Some(units) = units(node, connectors) {
            if done(&units) {
                return Ok(());
            }
            last = units;
        }
        if Instant::now() >= deadline {
            bail!(
                "{what}: not within {TIMEOUT:?} (via {}); last: {last:?}",
                node.name
            );
        }
        std::thread::sleep(POLL);
    }
}

/// Separates connector name and task id in a task's key.
const TASK_MARK: &str = "#task-";

/// Every connector and task by name (`<connector>` / `<connector>#task-<id>`), if every
/// connector answered with all of its tasks.
fn units(node: &Node, connectors: &Connectors) -> Option<BTreeMap<String, Unit>> {
    let mut out = BTreeMap::new();
    for (connector, tasks) in connectors {
        let status = node.status(connector)?;
        let unit = |v: &Value| -> Option<Unit> {
            Some((
                v["state"].as_str()?.to_owned(),
                v["worker_id"].as_str()?.to_owned(),
            ))
        };
        out.insert(connector.to_owned(), unit(&status["connector"])?);
        let listed = status["tasks"].as_array()?;
        if listed.len() != *tasks {
            return None;
        }
        for task in listed {
            out.insert(
                format!("{connector}{TASK_MARK}{}", task["id"].as_u64()?),
                unit(task)?,
            );
        }
    }
    Some(out)
}

fn all_running_on(units: &BTreeMap<String, Unit>, live: &[String]) -> bool {
    units
        .values()
        .all(|(state, worker)| state == "RUNNING" && live.contains(worker))
}

/// All running on `live`, and the tasks spread over `live` with max − min ≤ 1.
fn balanced(units: &BTreeMap<String, Unit>, live: &[String]) -> bool {
    if !all_running_on(units, live) {
        return false;
    }
    let mut per_worker: BTreeMap<&str, usize> = live.iter().map(|w| (w.as_str(), 0)).collect();
    let is_task = |name: &str| name.contains(TASK_MARK);
    for (name, (_, worker)) in units {
        if is_task(name)
            && let Some(n) = per_worker.get_mut(worker.as_str())
        {
            *n += 1;
        }
    }
    let max = per_worker.values().max().copied().unwrap_or(0);
    let min = per_worker.values().min().copied().unwrap_or(0);
    max - min <= 1
}

fn task_worker(status: &Value, task: u64) -> Option<String> {
    status["tasks"]
        .as_array()?
        .iter()
        .find(|t| t["id"].as_u64() == Some(task))?["worker_id"]
        .as_str()
        .map(str::to_owned)
}
