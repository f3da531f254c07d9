//! Small file helpers: input files, connector configs, unique names.

use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// A name no other test (in this process or a concurrent one) uses: for topics and
/// connectors. Only `[a-z0-9-]`, valid as both.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// Writes `lines`, each followed by `\n`, to a new file at `path`.
pub fn write_lines<S: AsRef<str>>(path: &Path, lines: impl IntoIterator<Item = S>) {
    let file = fs::File::create(path)
        .unwrap_or_else(|e| panic!("create input file {}: {e}", path.display()));
    write_lines_to(file, path, lines);
}

/// Appends `lines`, each followed by `\n`, to the file at `path` (created if missing).
pub fn append_lines<S: AsRef<str>>(path: &Path, lines: impl IntoIterator<Item = S>) {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {} for append: {e}", path.display()));
    write_lines_to(file, path, lines);
}

fn write_lines_to<S: AsRef<str>>(file: fs::File, path: &Path, lines: impl IntoIterator<Item = S>) {
    let mut out = BufWriter::new(file);
    for line in lines {
        out.write_all(line.as_ref().as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
    out.flush()
        .unwrap_or_else(|e| panic!("flush {}: {e}", path.display()));
}

/// The complete lines of a file (a trailing fragment without `\n` is left out, since a
/// writer may be in the middle of it). A missing file has no lines.
pub fn read_lines(path: &Path) -> Vec<String> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("read {}: {e}", path.display()),
    };
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => &bytes[..=last],
        None => return Vec::new(),
    };
    String::from_utf8_lossy(complete)
        .split_terminator('\n')
        .map(str::to_owned)
        .collect()
}

/// Writes a Java `.properties` file (`key=value` per line).
pub fn write_properties(path: &Path, props: &[(&str, String)]) -> PathBuf {
    let mut text = String::new();
    for (key, value) in props {
        text.push_str(&escape_properties(key, true));
        text.push('=');
        text.push_str(&escape_properties(value, false));
        text.push('\n');
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}

fn escape_properties(text: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '=' | ':' | ' ' if is_key => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == 0 => out.push_str("\\ "),
            '#' | '!' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Kafka Connect's connector JSON: `{"name": name, "config": {...}}` (the config as
/// given: it carries `name` only if `config` does).
pub fn connector_json(name: &str, config: &[(&str, String)]) -> Value {
    let map: Map<String, Value> = config
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::String(value.clone())))
        .collect();
    serde_json::json!({ "name": name, "config": map })
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(path: &Path, value: &Value) -> PathBuf {
    let text = serde_json::to_string_pretty(value).expect("serialize JSON");
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}

/// A tiny deterministic PRNG (xorshift64*) for test data; no dependency needed.
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// `len` pseudo-random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next_u64() >> 56) as u8).collect()
    }
}

/// Prints a line that shows even when the test harness captures output (it writes to
/// the stderr handle directly, which `cargo test` does not capture): for the few
/// numbers a test run should always report, such as duplicate counts.
pub fn report(line: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
