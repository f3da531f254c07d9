//! Ferry's start-up: a cold start (empty compile cache: every plugin compiled, each in
//! a `ferry compile-plugin` child process) and warm starts on the cache it filled.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use ferry_tests::Broker;

use crate::configs;
use crate::node::{Flavor, Mode, Node};

/// Warm starts measured; the median is reported.
const WARM_RUNS: usize = 3;

pub struct Start {
    /// Process start → `GET /` answers 200.
    pub ready: Duration,
    /// The worker's VmHWM once ready, KiB.
    pub peak_rss_kib: u64,
    /// The largest VmHWM a compiler child reported (cold start only), KiB.
    pub compiler_peak_kib: Option<u64>,
}

/// One standalone start without connectors on `cache_dir`, stopped once ready.
fn start(broker: &Broker, dir: &Path, cache_dir: &Path, name: &str) -> Result<Start> {
    let props = configs::standalone_props(Flavor::Ferry, broker, dir, cache_dir, name);
    let mut node = Node::spawn(Flavor::Ferry, Mode::Standalone, props, dir, name)?;
    let ready = node.wait_ready(Duration::from_secs(900))?;
    let peak_rss_kib = node.peak_rss_kib().context("worker VmHWM")?;
    node.stop();
    let compiler_peak_kib = node
        .log_text()
        .lines()
        .filter(|l| l.contains("compiled plugin in a compiler process"))
        .filter_map(|l| {
            let value = l.split("peak_rss_kib=").nth(1)?;
            value.split_whitespace().next()?.parse::<u64>().ok()
        })
        .max();
    Ok(Start {
        ready,
        peak_rss_kib,
        compiler_peak_kib,
    })
}

/// A cold start on the empty `cache_dir`, then [`WARM_RUNS`] warm starts (the one
/// with the median time to REST ready is returned).
pub fn cold_and_warm(broker: &Broker, dir: &Path, cache_dir: &Path) -> Result<(Start, Start)> {
    let cold = start(broker, dir, cache_dir, "ferry-cold")?;
    let mut warm = (0..WARM_RUNS)
        .map(|i| start(broker, dir, cache_dir, &format!("ferry-warm-{i}")))
        .collect::<Result<Vec<_>>>()?;
    warm.sort_by_key(|s| s.ready);
    let median = warm.swap_remove(WARM_RUNS / 2);
    Ok((cold, median))
}
