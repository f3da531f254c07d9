//! Test support: checks Ferry's ports of Kafka's transforms and predicates against the
//! golden vectors Kafka's own implementation produced (see `oracle/README.md`).
//!
//! ```ignore
//! #[test]
//! fn matches_kafka_cast_value() {
//!     transform_oracle::check_transform::<Cast<ValueSide>>(
//!         "org.apache.kafka.connect.transforms.Cast$Value",
//!         &[/* ("vector id", "why Ferry deliberately differs") */],
//!     );
//! }
//! ```
//!
//! Records are read and written with Ferry's `json-converter` (schemas enabled, nulls
//! kept: `replace.null.with.default=false`), as the oracle reads and writes them with
//! Kafka's `JsonConverter`, so both implementations see the same Connect values and
//! outputs compare as JSON. A case's records go through one instance, in order, one
//! `apply_record` call each, as the oracle calls Kafka's `apply`; cases without
//! errors are also run as one `apply` batch on a fresh instance.
//!
//! [`check_transform_bytes`] also compares the bytes written, for transforms whose
//! schemaless outputs are maps they build (the key order then counts).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigType, ConnectRecord, Header, Plugin, Predicate, Schema, Transform, Value,
};
use json_converter::config::{ConverterType, Options};
use json_converter::convert;
use serde_json::{Map, Value as Json, json};

mod bytes;

pub use bytes::check_transform_bytes;

/// What Kafka answered for one vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// `configure` threw: its message (`config_error`).
    ConfigError(Option<String>),
    /// A case without records: Kafka accepted the config (`config_ok`).
    ConfigOk,
    /// The transformed record, as the oracle writes records.
    Record(Json),
    /// The transform returned null: the record is dropped.
    Dropped,
    /// A predicate's answer.
    Bool(bool),
    /// `apply`/`test` threw (`stage` absent), or the output could not be serialized
    /// (`stage` = `"serialize"`).
    Error {
        message: Option<String>,
        exception: Option<String>,
        stage: Option<String>,
    },
}

/// One line of `vectors/<Simple>.jsonl`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// `<case>/<record>`, or `<case>` for a config error.
    pub id: String,
    pub class: String,
    pub case: String,
    /// The case config, key → value (all strings).
    pub config: Vec<(String, String)>,
    /// The input record (absent for a config error).
    pub input: Option<Json>,
    pub expected: Expected,
}

impl Vector {
    /// The case config as a Ferry [`Config`].
    pub fn ferry_config(&self) -> Config {
        let mut config = Config::new();
        for (k, v) in &self.config {
            config.set(k.clone(), v.clone());
        }
        config
    }

    /// The input record as Ferry reads it (see [`read_record`]).
    pub fn input_record(&self) -> ConnectRecord {
        self.input_record_with(&mut RecordReader::new())
    }

    /// The input record read with `reader` (sharing its schema cache).
    pub fn input_record_with(&self, reader: &mut RecordReader) -> ConnectRecord {
        let input = self
            .input
            .as_ref()
            .unwrap_or_else(|| panic!("vector {} has no input", self.id));
        reader
            .read(input)
            .unwrap_or_else(|e| panic!("vector {}: cannot read input: {e}", self.id))
    }
}

/// `org.apache.kafka.connect.transforms.Cast$Value` → `Cast`.
pub fn simple_name(class: &str) -> &str {
    let simple = class.rsplit('.').next().unwrap_or(class);
    simple.split('$').next().unwrap_or(simple)
}

/// The directory holding the committed vectors.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// The vectors of `class` (a fully qualified Kafka class name), in file order.
/// Panics if the vector file is missing or malformed.
pub fn vectors(class: &str) -> Vec<Vector> {
    let path = vectors_dir().join(format!("{}.jsonl", simple_name(class)));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); write oracle/cases/{}.json and run oracle/regenerate.sh {}",
            path.display(),
            simple_name(class),
            simple_name(class)
        )
    });
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let vector = parse_vector(line)
            .unwrap_or_else(|e| panic!("{}:{}: bad vector: {e}", path.display(), n + 1));
        if vector.class == class {
            out.push(vector);
        }
    }
    out
}

fn parse_vector(line: &str) -> Result<Vector, String> {
    let json: Json = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let str_of = |name: &str| -> Result<String, String> {
        json.get(name)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing string \"{name}\""))
    };
    let config = match json.get("config") {
        Some(Json::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Json::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("config value of {k} is not a string: {other}")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("missing object \"config\"".into()),
    };
    let expected = if let Some(err) = json.get("config_error") {
        Expected::ConfigError(err.as_str().map(str::to_string))
    } else if json.get("config_ok").is_some() {
        Expected::ConfigOk
    } else {
        match json.get("output") {
            None => return Err("neither \"output\" nor \"config_error\"".into()),
            Some(Json::Null) => Expected::Dropped,
            Some(Json::Bool(b)) => Expected::Bool(*b),
            Some(Json::Object(o)) if o.contains_key("error") => Expected::Error {
                message: o.get("error").and_then(Json::as_str).map(str::to_string),
                exception: o
                    .get("exception")
                    .and_then(Json::as_str)
                    .map(str::to_string),
                stage: o.get("stage").and_then(Json::as_str).map(str::to_string),
            },
            Some(record @ Json::Object(_)) => Expected::Record(record.clone()),
            Some(other) => return Err(format!("unexpected output {other}")),
        }
    };
    Ok(Vector {
        id: str_of("id")?,
        class: str_of("class")?,
        case: str_of("case")?,
        config,
        input: json.get("input").cloned(),
        expected,
    })
}

// ------------------------------------------------------------------ records

/// The converter options of each record part: Kafka's `JsonConverter` with
/// `schemas.enable=true` and `replace.null.with.default=false`.
pub fn converter_options(converter_type: ConverterType) -> Options {
    Options {
        schemas_enable: true,
        replace_null_with_default: false,
        converter_type,
        ..Options::default()
    }
}

/// Reads records through Ferry's JsonConverter with its schema cache, one converter
/// per record part, as Kafka's worker does: records of one reader whose schemas are
/// written alike share one schema `Arc` (Kafka's converter shares one `Schema` object),
/// so a port's schema cache sees what it would see in Ferry.
pub struct RecordReader {
    key: convert::JsonConverter,
    value: convert::JsonConverter,
    header: convert::JsonConverter,
}

impl Default for RecordReader {
    fn default() -> Self {
        RecordReader::new()
    }
}

impl RecordReader {
    pub fn new() -> Self {
        RecordReader {
            key: convert::JsonConverter::new(converter_options(ConverterType::Key)),
            value: convert::JsonConverter::new(converter_options(ConverterType::Value)),
            header: convert::JsonConverter::new(converter_options(ConverterType::Header)),
        }
    }

    /// Reads a record in the vector format. `kafka_offset` set makes a sink record;
    /// otherwise a source record (no source partition or offset).
    pub fn read(&mut self, rec: &Json) -> Result<ConnectRecord, String> {
        let topic = rec
            .get("topic")
            .and_then(Json::as_str)
            .ok_or("a record needs a string \"topic\"")?;
        let (key_schema, key) = read_env(&mut self.key, rec.get("key"))?;
        let (value_schema, value) = read_env(&mut self.value, rec.get("value"))?;
        let mut headers = Vec::new();
        if let Some(Json::Array(hs)) = rec.get("headers") {
            for h in hs {
                let hk = h
                    .get("key")
                    .and_then(Json::as_str)
                    .ok_or("a header needs a string \"key\"")?;
                let (schema, value) = read_env(&mut self.header, h.get("value"))?;
                headers.push(Header::new(hk, schema, value));
            }
        }
        Ok(ConnectRecord {
            topic: topic.to_string(),
            partition: opt_int(rec, "partition")?,
            kafka_offset: opt_int(rec, "kafka_offset")?,
            timestamp: opt_int(rec, "timestamp")?,
            key_schema,
            key,
            value_schema,
            value,
            headers,
            source_partition: None,
            source_offset: None,
        })
    }
}

fn read_env(
    converter: &mut convert::JsonConverter,
    env: Option<&Json>,
) -> Result<(Option<Arc<Schema>>, Value), String> {
    let bytes = match env {
        None | Some(Json::Null) => None,
        Some(env) => Some(serde_json::to_vec(env).map_err(|e| e.to_string())?),
    };
    converter
        .to_connect(bytes.as_deref())
        .map_err(|e| e.to_string())
}

fn write_env(
    schema: Option<&Arc<Schema>>,
    value: &Value,
    kind: ConverterType,
) -> Result<Json, String> {
    match convert::serialize(schema, value, &converter_options(kind)).map_err(|e| e.0)? {
        None => Ok(Json::Null),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "json-converter wrote invalid JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        }),
    }
}

fn opt_int<T: TryFrom<i64>>(rec: &Json, name: &str) -> Result<Option<T>, String> {
    match rec.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("bad \"{name}\": {v}")),
    }
}

/// Reads one record in the vector format through Ferry's JsonConverter (a fresh
/// [`RecordReader`]).
pub fn read_record(rec: &Json) -> Result<ConnectRecord, String> {
    RecordReader::new().read(rec)
}

/// Writes a record in the vector format through Ferry's JsonConverter.
pub fn write_record(r: &ConnectRecord) -> Result<Json, String> {
    let headers = r
        .headers
        .iter()
        .map(|h| {
            Ok(json!({
                "key": h.key,
                "value": write_env(h.schema.as_ref(), &h.value, ConverterType::Header)?,
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(json!({
        "topic": r.topic,
        "partition": r.partition,
        "kafka_offset": r.kafka_offset,
        "timestamp": r.timestamp,
        "key": write_env(r.key_schema.as_ref(), &r.key, ConverterType::Key)?,
        "value": write_env(r.value_schema.as_ref(), &r.value, ConverterType::Value)?,
        "headers": headers,
    }))
}

// ------------------------------------------------------------------ config

fn type_problem(name: &str, kind: ConfigType, value: &str) -> Option<String> {
    let v = value.trim();
    let bad = |what: &str| {
        Some(format!(
            "Invalid value {value} for configuration {name}: {what}"
        ))
    };
    match kind {
        ConfigType::Boolean
            if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
        {
            bad("Expected value to be either true or false")
        }
        ConfigType::Int if v.parse::<i32>().is_err() => bad("Not a number of type INT"),
        ConfigType::Long if v.parse::<i64>().is_err() => bad("Not a number of type LONG"),
        ConfigType::Double if v.parse::<f64>().is_err() => bad("Not a number of type DOUBLE"),
        _ => None,
    }
}

/// What the host would refuse before `open`: required keys and types from the
/// descriptor (as the host checks them), then the plugin's `validate`.
fn pre_open_problems<P: Plugin>(config: &Config) -> Vec<String> {
    let mut problems = Vec::new();
    for key in P::describe().config {
        match config.get(&key.name) {
            None if key.required && key.default_value.is_none() => problems.push(format!(
                "Missing required configuration \"{}\" which has no default value.",
                key.name
            )),
            Some(v) => problems.extend(type_problem(&key.name, key.config_type, v)),
            None => {}
        }
    }
    problems.extend(P::validate(config).into_iter().map(|p| p.message));
    problems
}

// ------------------------------------------------------------------ checking

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replaces Java identity hash codes after a qualified class name
/// (`a.b.C$D@1b2c3d4e` → `a.b.C$D@<hash>`), as the oracle does to Kafka's messages,
/// so a port may print any hex digits there.
pub fn normalize_message(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < chars.len() {
        out.push(chars[i]);
        if chars[i] == '@' {
            // The qualified name before '@': identifier parts joined by dots.
            let mut start = i;
            while start > 0 && (is_ident(chars[start - 1]) || chars[start - 1] == '.') {
                start -= 1;
            }
            let name: String = chars[start..i].iter().collect();
            let qualified = name.contains('.')
                && name
                    .split('.')
                    .all(|p| p.chars().next().is_some_and(|c| !c.is_ascii_digit()));
            let mut end = i + 1;
            while end < chars.len() && end - i <= 8 && matches!(chars[end], '0'..='9' | 'a'..='f') {
                end += 1;
            }
            let digits = end - i - 1;
            let bounded = chars.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
            // A byte array's `[B@…` too.
            let byte_array = name == "B" && start > 0 && chars[start - 1] == '[';
            if (qualified || byte_array) && (1..=8).contains(&digits) && bounded {
                out.push_str("<hash>");
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// What Ferry did with one vector, in the vector's terms.
#[derive(Debug)]
enum Got {
    ConfigErrors(Vec<String>),
    Record(Json),
    Dropped,
    Bool(bool),
    Error {
        message: String,
        stage: Option<String>,
    },
}

fn matches(expected: &Expected, got: &Got) -> bool {
    match (expected, got) {
        (Expected::ConfigError(Some(m)), Got::ConfigErrors(ms)) => ms.iter().any(|g| g == m),
        (Expected::ConfigError(None), Got::ConfigErrors(ms)) => !ms.is_empty(),
        (Expected::ConfigOk, Got::ConfigErrors(ms)) => ms.is_empty(),
        (Expected::Record(e), Got::Record(g)) => e == g,
        (Expected::Dropped, Got::Dropped) => true,
        (Expected::Bool(e), Got::Bool(g)) => e == g,
        (
            Expected::Error { message, stage, .. },
            Got::Error {
                message: m,
                stage: s,
            },
        ) => message.as_deref() == Some(m.as_str()) && stage == s,
        _ => false,
    }
}

fn show_expected(e: &Expected) -> String {
    match e {
        Expected::ConfigError(m) => format!("config error {}", quote(m.as_deref())),
        Expected::ConfigOk => "configured fine".into(),
        Expected::Record(r) => format!("record {r}"),
        Expected::Dropped => "dropped (null)".into(),
        Expected::Bool(b) => format!("{b}"),
        Expected::Error {
            message,
            exception,
            stage,
        } => format!(
            "{}error {} ({})",
            stage
                .as_deref()
                .map(|s| format!("{s} "))
                .unwrap_or_default(),
            quote(message.as_deref()),
            exception.as_deref().unwrap_or("?")
        ),
    }
}

fn show_got(g: &Got) -> String {
    match g {
        Got::ConfigErrors(ms) if ms.is_empty() => "configured fine".into(),
        Got::ConfigErrors(ms) => format!(
            "config error {}",
            ms.iter()
                .map(|m| quote(Some(m)))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
        Got::Record(r) => format!("record {r}"),
        Got::Dropped => "dropped (None)".into(),
        Got::Bool(b) => format!("{b}"),
        Got::Error { message, stage } => format!(
            "{}error {}",
            stage
                .as_deref()
                .map(|s| format!("{s} "))
                .unwrap_or_default(),
            quote(Some(message))
        ),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn quote(m: Option<&str>) -> String {
    m.map_or("null".into(), |m| format!("{m:?}"))
}

/// Where two JSON values differ: `path: expected != got`, at most `limit` entries.
fn json_diff(path: &str, e: &Json, g: &Json, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit || e == g {
        return;
    }
    match (e, g) {
        (Json::Object(a), Json::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => json_diff(&p, x, y, out, limit),
                    (Some(x), None) => out.push(format!("{p}: expected {x}, missing")),
                    (None, Some(y)) => out.push(format!("{p}: unexpected {y}")),
                    (None, None) => {}
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(&format!("{path}[{i}]"), x, y, out, limit);
            }
        }
        _ => out.push(format!("{path}: expected {e}, got {g}")),
    }
}

fn describe_mismatch(v: &Vector, got: &Got) -> String {
    let mut s = format!("--- {}", v.id);
    if let (Expected::Record(e), Got::Record(g)) = (&v.expected, got) {
        let mut diffs = Vec::new();
        json_diff("output", e, g, &mut diffs, 8);
        for d in diffs {
            let _ = write!(s, "\n    {d}");
        }
    }
    let _ = write!(
        s,
        "\n    config:   {}\n    input:    {}\n    kafka:    {}\n    ferry:    {}",
        Json::Object(
            v.config
                .iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect::<Map<_, _>>()
        ),
        v.input
            .as_ref()
            .map_or("-".into(), |i| shorten(&i.to_string(), 600)),
        show_expected(&v.expected),
        show_got(got)
    );
    s
}

/// Consecutive vectors of one case (the oracle writes a case's lines together).
fn cases(vectors: &[Vector]) -> Vec<&[Vector]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=vectors.len() {
        if i == vectors.len() || vectors[i].case != vectors[start].case {
            if start < i {
                out.push(&vectors[start..i]);
            }
            start = i;
        }
    }
    out
}

/// Runs one case through `open` + `run` per record; returns (vector, got) pairs.
fn run_case<P: Plugin, I>(
    case: &[Vector],
    open: impl Fn(Config) -> Result<I, ferry_sdk::PluginError>,
    mut run: impl FnMut(&mut I, ConnectRecord) -> Got,
) -> Vec<(usize, Got)> {
    let config = case[0].ferry_config();
    let mut problems = pre_open_problems::<P>(&config);
    let opened = open(config);
    let instance = match opened {
        Err(e) => {
            problems.push(e.message().to_string());
            None
        }
        Ok(i) => Some(i),
    };
    let mut unique: Vec<String> = Vec::new();
    for m in problems.iter().map(|m| normalize_message(m)) {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    let problems = unique;
    if let Some(i) = case
        .iter()
        .position(|v| matches!(v.expected, Expected::ConfigError(_) | Expected::ConfigOk))
    {
        // Kafka refused the config (Ferry must refuse it too, with the same message),
        // or the case only states that Kafka accepts it.
        return vec![(i, Got::ConfigErrors(problems))];
    }
    let Some(mut instance) = instance.filter(|_| problems.is_empty()) else {
        // Kafka accepted the config: every vector of the case differs.
        return (0..case.len())
            .map(|i| (i, Got::ConfigErrors(problems.clone())))
            .collect();
    };
    let mut reader = RecordReader::new();
    case.iter()
        .enumerate()
        .map(|(i, v)| {
            let input = v.input.as_ref().map_or_else(
                || Err("the vector has no input".to_string()),
                |input| reader.read(input),
            );
            match input {
                Ok(record) => (i, run(&mut instance, record)),
                // Kafka read it; Ferry's JsonConverter could not.
                Err(e) => (
                    i,
                    Got::Error {
                        message: format!("Ferry's JsonConverter cannot read the input: {e}"),
                        stage: Some("read".into()),
                    },
                ),
            }
        })
        .collect()
}

fn record_got(result: Result<Option<ConnectRecord>, ferry_sdk::PluginError>) -> Got {
    match result {
        Err(e) => Got::Error {
            message: normalize_message(e.message()),
            stage: None,
        },
        Ok(None) => Got::Dropped,
        Ok(Some(r)) => match write_record(&r) {
            Ok(json) => Got::Record(json),
            Err(message) => Got::Error {
                message,
                stage: Some("serialize".into()),
            },
        },
    }
}

struct Report<'a> {
    class: &'a str,
    known: BTreeMap<&'a str, &'a str>,
    ids: BTreeSet<&'a str>,
    differing: BTreeSet<String>,
    failures: Vec<String>,
    checked: usize,
}

impl<'a> Report<'a> {
    fn new(
        class: &'a str,
        vectors: &'a [Vector],
        known_differences: &[(&'a str, &'a str)],
    ) -> Self {
        assert!(
            !vectors.is_empty(),
            "no vectors for {class} in {}/{}.jsonl: add cases for it to oracle/cases/{}.json and run oracle/regenerate.sh {}",
            vectors_dir().display(),
            simple_name(class),
            simple_name(class),
            simple_name(class)
        );
        Report {
            class,
            known: known_differences.iter().copied().collect(),
            ids: vectors.iter().map(|v| v.id.as_str()).collect(),
            differing: BTreeSet::new(),
            failures: Vec::new(),
            checked: 0,
        }
    }

    fn record(&mut self, v: &Vector, got: &Got) {
        self.checked += 1;
        if !matches(&v.expected, got) {
            self.differing.insert(v.id.clone());
            if !self.known.contains_key(v.id.as_str()) {
                self.failures.push(describe_mismatch(v, got));
            }
        }
    }

    fn finish(mut self) {
        for (id, why) in &self.known {
            if !self.ids.contains(id) {
                self.failures.push(format!(
                    "--- {id}\n    listed as a known difference ({why}) but there is no such vector"
                ));
            } else if !self.differing.contains(*id) {
                self.failures.push(format!(
                    "--- {id}\n    listed as a known difference ({why}) but Ferry now matches Kafka: remove it from the list"
                ));
            }
        }
        if !self.failures.is_empty() {
            // TRANSFORM_ORACLE_SHOW=n shows more (or fewer) differences.
            let shown = std::env::var("TRANSFORM_ORACLE_SHOW")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(40);
            let total = self.failures.len();
            let mut text = format!(
                "{total} problem(s) checking {} against Kafka's vectors ({} checked, {} known differences):\n",
                self.class,
                self.checked,
                self.known.len()
            );
            for f in self.failures.iter().take(shown) {
                text.push_str(f);
                text.push('\n');
            }
            if total > shown {
                let _ = writeln!(text, "... and {} more", total - shown);
            }
            panic!("{text}");
        }
        self.failures.clear();
    }
}

/// Checks transform `T` against every vector of `class`: config errors by message,
/// outputs (records compared as JSON, drops, errors by exact message). Each case runs
/// on one instance, its records in order through `apply_record`; a case without
/// errors runs again as a single `apply` batch on a fresh instance. Panics with every
/// difference not listed in `known_differences` (vector id, reason), and if a listed
/// id does not exist or no longer differs, or if `class` has no vectors.
pub fn check_transform<T: Transform>(class: &str, known_differences: &[(&str, &str)]) {
    let vectors = vectors(class);
    let mut report = Report::new(class, &vectors, known_differences);
    for case in cases(&vectors) {
        let results = run_case::<T, T>(case, T::open, |t, record| {
            record_got(t.apply_record(record))
        });
        for (i, got) in &results {
            report.record(&case[*i], got);
        }
        check_batch::<T>(case, &mut report);
    }
    report.finish();
}

/// The batch pass: all records of an error-free case through one `apply` call.
fn check_batch<T: Transform>(case: &[Vector], report: &mut Report<'_>) {
    let clean = case.iter().all(|v| {
        matches!(v.expected, Expected::Record(_) | Expected::Dropped)
            && !report.known.contains_key(v.id.as_str())
    });
    if !clean || case.iter().any(|v| report.differing.contains(&v.id)) {
        return;
    }
    let Ok(mut t) = T::open(case[0].ferry_config()) else {
        return;
    };
    let mut reader = RecordReader::new();
    let Ok(inputs) = case
        .iter()
        .map(|v| reader.read(v.input.as_ref().unwrap_or(&Json::Null)))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let expected: Vec<&Json> = case
        .iter()
        .filter_map(|v| match &v.expected {
            Expected::Record(r) => Some(r),
            _ => None,
        })
        .collect();
    let problem = match t.apply(inputs) {
        Err(e) => Some(format!("apply failed: {:?}", e.message())),
        Ok(out) => {
            let got: Result<Vec<Json>, String> = out.iter().map(write_record).collect();
            match got {
                Err(e) => Some(format!("cannot serialize the output: {e}")),
                Ok(got) if got.len() != expected.len() => Some(format!(
                    "{} records out, expected {}",
                    got.len(),
                    expected.len()
                )),
                Ok(got) => got
                    .iter()
                    .zip(&expected)
                    .position(|(g, e)| g != *e)
                    .map(|i| {
                        let mut diffs = Vec::new();
                        json_diff("output", expected[i], &got[i], &mut diffs, 8);
                        format!(
                            "output #{i} differs from apply_record's:\n    {}",
                            diffs.join("\n    ")
                        )
                    }),
            }
        }
    };
    if let Some(problem) = problem {
        report.failures.push(format!(
            "--- case {} (batch apply of {} records)\n    {problem}",
            case[0].case,
            case.len()
        ));
    }
}

/// Checks predicate `P` against every vector of `class` (config errors by message,
/// `test` answers); see [`check_transform`] for the known-differences rules.
pub fn check_predicate<P: Predicate>(class: &str, known_differences: &[(&str, &str)]) {
    let vectors = vectors(class);
    let mut report = Report::new(class, &vectors, known_differences);
    for case in cases(&vectors) {
        let results = run_case::<P, P>(case, P::open, |p, record| Got::Bool(p.test(&record)));
        for (i, got) in &results {
            report.record(&case[*i], got);
        }
    }
    report.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_array_hashes_are_normalized() {
        assert_eq!(
            normalize_message("spec: a.b.C$D@1b2c3d4e, bytes=[B@7526515b, x@12"),
            "spec: a.b.C$D@<hash>, bytes=[B@<hash>, x@12"
        );
    }

    #[test]
    fn simple_names() {
        assert_eq!(
            simple_name("org.apache.kafka.connect.transforms.Cast$Value"),
            "Cast"
        );
        assert_eq!(
            simple_name("org.apache.kafka.connect.transforms.predicates.HasHeaderKey"),
            "HasHeaderKey"
        );
    }

    #[test]
    fn identity_hashes_are_normalized() {
        assert_eq!(
            normalize_message("field: org.apache.kafka.X$Spec@1b2c3d4e and more"),
            "field: org.apache.kafka.X$Spec@<hash> and more"
        );
        assert_eq!(normalize_message("a.B@0"), "a.B@<hash>");
        // Not a qualified class name, too long, or followed by more word characters.
        assert_eq!(normalize_message("Spec@1b2c"), "Spec@1b2c");
        assert_eq!(normalize_message("a.B@123456789"), "a.B@123456789");
        assert_eq!(normalize_message("g@example.com"), "g@example.com");
        assert_eq!(normalize_message("x.y@cafez"), "x.y@cafez");
    }

    #[test]
    fn json_diff_names_paths() {
        let mut out = Vec::new();
        json_diff(
            "output",
            &json!({"a": {"b": 1}, "c": [1, 2]}),
            &json!({"a": {"b": 2}, "c": [1, 3], "d": null}),
            &mut out,
            8,
        );
        assert_eq!(
            out,
            vec![
                "output.a.b: expected 1, got 2",
                "output.c[1]: expected 2, got 3",
                "output.d: unexpected null"
            ]
        );
    }
}
