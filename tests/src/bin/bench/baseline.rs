//! `bench --baseline-ferry PATH`: the standalone file → topic → file pipeline on this
//! build's `ferry` and on another binary (say, the commit before a change), in
//! alternating rounds on one broker, with the median of each and their ratio. This is
//! how the stage executor's cost (error handling around every plugin call) is
//! measured: the same pipeline, before and after.

use std::path::Path;

use anyhow::{Context, Result};
use ferry_tests::Broker;

use crate::node::Flavor;
use crate::standalone::{self, Standalone};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

pub fn run(
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    input: &Path,
    baseline: &Path,
    rounds: usize,
) -> Result<()> {
    let mut current: Vec<Standalone> = Vec::new();
    let mut before: Vec<Standalone> = Vec::new();
    for round in 1..=rounds {
        // Alternate which goes first, so neither always gets the warmer page cache.
        let order = if round % 2 == 1 {
            [Flavor::FerryBaseline, Flavor::Ferry]
        } else {
            [Flavor::Ferry, Flavor::FerryBaseline]
        };
        for flavor in order {
            let result = standalone::run(flavor, broker, dir, cache_dir, input)
                .with_context(|| format!("{} round {round}", flavor.label()))?;
            eprintln!(
                "bench: round {round} {}: {:.0} records/s",
                flavor.label(),
                result.records_per_sec()
            );
            match flavor {
                Flavor::Ferry => current.push(result),
                _ => before.push(result),
            }
        }
    }
    let rates = |runs: &[Standalone]| runs.iter().map(Standalone::records_per_sec).collect();
    let (now, then) = (median(rates(&current)), median(rates(&before)));
    let rss = |runs: &[Standalone]| {
        median(
            runs.iter()
                .map(|r| r.peak_rss_kib as f64 / 1024.0)
                .collect(),
        )
    };
    println!();
    println!(
        "### file → Kafka → file, this build vs `{}` ({rounds} rounds each, alternating)",
        baseline.display()
    );
    println!();
    println!("| | median records/s | rounds (records/s) | median peak RSS (MiB) |");
    println!("|---|---:|---|---:|");
    for (label, median, runs) in [("this build", now, &current), ("baseline", then, &before)] {
        let each: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.0}", r.records_per_sec()))
            .collect();
        println!(
            "| {label} | {median:.0} | {} | {:.0} |",
            each.join(", "),
            rss(runs)
        );
    }
    println!();
    println!(
        "this build / baseline: {:.3} ({:+.1}%)",
        now / then,
        (now / then - 1.0) * 100.0
    );
    Ok(())
}
