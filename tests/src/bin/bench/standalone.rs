//! Standalone file → topic → file, the same for Ferry and Kafka Connect: start the
//! worker (time to REST ready), create sink and source over REST with the input's
//! first line in the source file (time to that line in the output), then append the
//! rest of the input at once and time until the output is complete.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use ferry_tests::{Broker, unique_name};

use crate::configs;
use crate::node::{Flavor, Mode, Node, file_len, wait_file_len};

/// How long any one phase may take.
const PHASE_TIMEOUT: Duration = Duration::from_secs(600);

/// What one standalone run measured.
pub struct Standalone {
    /// Process start → `GET /` answers 200.
    pub ready: Duration,
    /// `POST /connectors` (sink, then source right after) → the first line in the
    /// output file.
    pub first_record: Duration,
    /// Appending all but the first line → the output file complete.
    pub copy: Duration,
    /// Records and bytes timed by `copy`.
    pub records: usize,
    pub bytes: u64,
    /// The worker process's VmHWM at the end, KiB.
    pub peak_rss_kib: u64,
}

impl Standalone {
    pub fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.copy.as_secs_f64()
    }

    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.copy.as_secs_f64()
    }
}

pub fn run(
    flavor: Flavor,
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    input: &Path,
) -> Result<Standalone> {
    let tag = flavor.tag();
    let topic = unique_name(&format!("bench-{tag}"));
    broker.create_topic(&topic, 1);
    let all = fs::read(input)?;
    let first_len = all
        .iter()
        .position(|&b| b == b'\n')
        .map_or(all.len(), |i| i + 1);
    let source_file = dir.join(format!("{tag}-input.txt"));
    let output = dir.join(format!("{tag}-output.txt"));
    fs::write(&source_file, &all[..first_len])?;
    // A repeated run (`--baseline-ferry` rounds) starts on an empty output.
    let _ = fs::remove_file(&output);

    let name = unique_name(&format!("{tag}-standalone"));
    let props = configs::standalone_props(flavor, broker, dir, cache_dir, &name);
    let mut node = Node::spawn(flavor, Mode::Standalone, props, dir, &name)?;
    let ready = node.wait_ready(PHASE_TIMEOUT)?;

    // Names of their own: a sink's consumer group is `connect-<name>`, and a group
    // another run left members in would make this one wait out their sessions.
    let sink = unique_name(&format!("{tag}-sink"));
    let source = unique_name(&format!("{tag}-source"));
    let created = Instant::now();
    for (name, config) in [
        (&sink, configs::sink(&sink, &output, &topic, 1)),
        (&source, configs::source(&source, &source_file, &topic)),
    ] {
        let (status, body) = node.rest().create_connector(name, &config);
        ensure!(status == 201, "{tag}: create {name}: {status} {body}");
    }
    let first = wait_file_len(&output, first_len as u64, PHASE_TIMEOUT).with_context(|| {
        format!(
            "{tag}: the first line never reached the output; source {:?}, sink {:?}; log:\n{}",
            node.status(&source),
            node.status(&sink),
            node.log_tail(40)
        )
    })?;
    let first_record = first - created;

    let started = Instant::now();
    let mut file = fs::OpenOptions::new().append(true).open(&source_file)?;
    file.write_all(&all[first_len..])?;
    file.flush()?;
    drop(file);
    let done = wait_file_len(&output, all.len() as u64, PHASE_TIMEOUT).with_context(|| {
        format!(
            "{tag} copied {} of {} bytes; source {:?}, sink {:?}; log:\n{}",
            file_len(&output),
            all.len(),
            node.status(&source),
            node.status(&sink),
            node.log_tail(40)
        )
    })?;
    let copy = done - started;
    let peak_rss_kib = node.peak_rss_kib().context("worker VmHWM")?;
    node.stop();
    ensure!(
        fs::read(&output)? == all,
        "{tag}: the output differs from the input"
    );
    let lines = all.iter().filter(|&&b| b == b'\n').count();
    Ok(Standalone {
        ready,
        first_record,
        copy,
        records: lines.saturating_sub(1),
        bytes: (all.len() - first_len) as u64,
        peak_rss_kib,
    })
}
