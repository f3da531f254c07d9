//! `http-sink`: sends record values to an HTTP endpoint through `wasi:http`, with the
//! config names of Aiven's HTTP sink (`io.aiven.kafka.connect.http.HttpSinkConnector`):
//! `http.url` (the one endpoint the sandbox lets it reach), `http.authorization.type`,
//! `http.headers.*`, `batching.enabled`, `batch.max.size`, `batch.prefix` /
//! `batch.suffix` / `batch.separator`, `max.retries`, `retry.backoff.ms`,
//! `http.timeout`. A batch is delivered inside `put` (so the offsets the host commits
//! after `flush` are only those of delivered records); 429, 5xx, timeouts and
//! connection failures are retried `max.retries` times `retry.backoff.ms` apart, and
//! then, or at once on any other status, the task fails with the server's answer.
//!
//! Differences from Aiven's connector, and why: `oauth2` authorization is not
//! supported (a validation error); `basic` and `bearer` are added (Aiven has only
//! `static`), with their secrets in PASSWORD keys; `http.method` may be `PUT` (Aiven
//! always POSTs); a value that is not a string or bytes is sent as Kafka's
//! `toString()` of it (Aiven writes Structs and Maps as JSON): pair the sink with a
//! converter that yields strings, such as `StringConverter` or `JsonConverter` →
//! `StringConverter` in the pipeline you already have; a null value (tombstone) is
//! skipped.

use std::time::Duration;

use base64::Engine as _;
use ferry_sdk::display::to_java_string;
use ferry_sdk::http::{HttpError, Request, Response};
use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, EndpointForm, Importance, Plugin,
    PluginDescriptor, PluginError, SinkConnector, SinkTask, TopicPartitionOffset, Value,
};

const URL: &str = "http.url";
const AUTH_TYPE: &str = "http.authorization.type";
const AUTH_HEADER: &str = "http.headers.authorization";
const AUTH_USER: &str = "http.authorization.user";
const AUTH_PASSWORD: &str = "http.authorization.password";
const AUTH_TOKEN: &str = "http.authorization.token";
const CONTENT_TYPE: &str = "http.headers.content.type";
const ADDITIONAL_HEADERS: &str = "http.headers.additional";
const METHOD: &str = "http.method";
const TIMEOUT: &str = "http.timeout";
const BATCHING: &str = "batching.enabled";
const BATCH_MAX_SIZE: &str = "batch.max.size";
const BATCH_PREFIX: &str = "batch.prefix";
const BATCH_SUFFIX: &str = "batch.suffix";
const BATCH_SEPARATOR: &str = "batch.separator";
const MAX_RETRIES: &str = "max.retries";
const RETRY_BACKOFF_MS: &str = "retry.backoff.ms";

pub struct HttpSinkConnector {
    config: Config,
}

impl Plugin for HttpSinkConnector {
    fn describe() -> PluginDescriptor {
        let group = |key: ConfigKey, group: &str| key.group(group);
        PluginDescriptor::sink("http-sink")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(["HttpSink", "HttpSinkConnector", "io.aiven.kafka.connect.http.HttpSinkConnector"])
            .summary("Sends record values to an HTTP endpoint (POST or PUT), one per request or in batches, with retries.")
            .config(group(ConfigKey::string(URL).required().endpoint(EndpointForm::Url).importance(Importance::High).doc("The URL to send data to (http or https); the only endpoint the sandbox lets the plugin reach."), "Connection"))
            .config(group(ConfigKey::string(AUTH_TYPE).default_value("none").importance(Importance::High).doc("The HTTP authorization type: none, static (http.headers.authorization), basic (http.authorization.user and http.authorization.password) or bearer (http.authorization.token)."), "Connection"))
            .config(group(ConfigKey::password(AUTH_HEADER).doc("The static content of the Authorization header, with http.authorization.type=static."), "Connection"))
            .config(group(ConfigKey::string(AUTH_USER).doc("The user name, with http.authorization.type=basic."), "Connection"))
            .config(group(ConfigKey::password(AUTH_PASSWORD).doc("The password, with http.authorization.type=basic."), "Connection"))
            .config(group(ConfigKey::password(AUTH_TOKEN).doc("The bearer token, with http.authorization.type=bearer."), "Connection"))
            .config(group(ConfigKey::string(CONTENT_TYPE).importance(Importance::Low).doc("The Content-Type sent with each request."), "Connection"))
            .config(group(ConfigKey::list(ADDITIONAL_HEADERS).default_value("").importance(Importance::Low).doc("More headers, as a comma list of header:value."), "Connection"))
            .config(group(ConfigKey::string(METHOD).default_value("POST").importance(Importance::Low).doc("POST or PUT."), "Connection"))
            .config(group(ConfigKey::int(TIMEOUT).default_value("30").importance(Importance::Low).doc("HTTP connect and response timeout, in seconds."), "Timeout"))
            .config(group(ConfigKey::boolean(BATCHING).default_value("false").importance(Importance::High).doc("Send several records in one request."), "Batching"))
            .config(group(ConfigKey::int(BATCH_MAX_SIZE).default_value("500").doc("The most records in one request, 1 to 1000000."), "Batching"))
            .config(group(ConfigKey::string(BATCH_PREFIX).default_value("").doc("Written once before the first record of a batch; may contain escapes like \\n."), "Batching"))
            .config(group(ConfigKey::string(BATCH_SUFFIX).doc("Written once after the last record of a batch; default \\n."), "Batching"))
            .config(group(ConfigKey::string(BATCH_SEPARATOR).doc("Between the records of a batch; default \\n."), "Batching"))
            .config(group(ConfigKey::int(MAX_RETRIES).default_value("1").doc("How many times a failed request (429, 5xx, timeout, connection failure) is retried before the task fails."), "Delivery"))
            .config(group(ConfigKey::int(RETRY_BACKOFF_MS).default_value("3000").doc("The wait before a retry, in milliseconds."), "Delivery"))
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        Settings::parse(config).err().unwrap_or_default()
    }
}

impl SinkConnector for HttpSinkConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        Settings::parse(&config).map_err(PluginError::config_problems)?;
        Ok(HttpSinkConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok(vec![self.config.clone(); max_tasks as usize])
    }
}

/// The parsed config of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    pub batching: bool,
    pub batch_max_size: usize,
    pub prefix: String,
    pub suffix: String,
    pub separator: String,
    pub max_retries: u32,
    pub backoff: Duration,
}

impl Settings {
    pub fn parse(config: &Config) -> Result<Settings, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, value: &str, why: &str| {
            problems.push(ConfigProblem::new(
                key,
                format!("Invalid value {value} for configuration {key}: {why}"),
            ))
        };
        let url = config.get(URL).unwrap_or_default().trim().to_string();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            problem(URL, &url, "must be an http:// or https:// URL");
        }
        let mut headers = Vec::new();
        let auth = config.get_or(AUTH_TYPE, "none").trim().to_ascii_lowercase();
        let secret = |key: &str| config.get(key).filter(|v| !v.is_empty());
        match auth.as_str() {
            "none" => {}
            "static" => match secret(AUTH_HEADER) {
                Some(value) => headers.push(("authorization".into(), value.to_string())),
                None => problem(
                    AUTH_HEADER,
                    "null",
                    "must be set with http.authorization.type=static",
                ),
            },
            "basic" => match (secret(AUTH_USER), secret(AUTH_PASSWORD)) {
                (Some(user), Some(password)) => {
                    let encoded = base64::engine::general_purpose::STANDARD
                        .encode(format!("{user}:{password}"));
                    headers.push(("authorization".into(), format!("Basic {encoded}")));
                }
                _ => problem(
                    AUTH_USER,
                    "null",
                    "http.authorization.user and http.authorization.password must be set with http.authorization.type=basic",
                ),
            },
            "bearer" => match secret(AUTH_TOKEN) {
                Some(token) => headers.push(("authorization".into(), format!("Bearer {token}"))),
                None => problem(
                    AUTH_TOKEN,
                    "null",
                    "must be set with http.authorization.type=bearer",
                ),
            },
            "oauth2" => problem(
                AUTH_TYPE,
                &auth,
                "oauth2 is not supported by Ferry's http-sink; use static, basic or bearer",
            ),
            other => problem(
                AUTH_TYPE,
                other,
                "must be one of none, static, basic, bearer",
            ),
        }
        if let Some(content_type) = config.get(CONTENT_TYPE) {
            if content_type.trim().is_empty() {
                problem(CONTENT_TYPE, content_type, "must be non-blank");
            } else {
                headers.push(("content-type".into(), content_type.trim().to_string()));
            }
        }
        for entry in config.list(ADDITIONAL_HEADERS).unwrap_or_default() {
            match entry.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    let name = name.trim().to_ascii_lowercase();
                    if headers.iter().any(|(n, _)| *n == name) {
                        problem(ADDITIONAL_HEADERS, &entry, "duplicate header");
                    }
                    headers.push((name, value.trim().to_string()));
                }
                _ => problem(ADDITIONAL_HEADERS, &entry, "expected header:value"),
            }
        }
        let method = config.get_or(METHOD, "POST").trim().to_ascii_uppercase();
        if method != "POST" && method != "PUT" {
            problem(METHOD, &method, "must be POST or PUT");
        }
        let mut int = |key: &str, default: i64, min: i64, max: i64| -> i64 {
            let raw = config.get(key).map(str::trim);
            match raw.map(str::parse::<i64>) {
                None => default,
                Some(Ok(v)) if (min..=max).contains(&v) => v,
                Some(_) => {
                    problem(
                        key,
                        raw.unwrap_or_default(),
                        &format!("Value must be in [{min},...,{max}]"),
                    );
                    default
                }
            }
        };
        let timeout = int(TIMEOUT, 30, 1, 86_400);
        let batch_max_size = int(BATCH_MAX_SIZE, 500, 1, 1_000_000);
        let max_retries = int(MAX_RETRIES, 1, 0, i64::from(i32::MAX));
        let backoff = int(RETRY_BACKOFF_MS, 3000, 0, i64::from(i32::MAX));
        let batching = match config.bool_or(BATCHING, false) {
            Ok(b) => b,
            Err(_) => {
                problem(
                    BATCHING,
                    config.get(BATCHING).unwrap_or_default(),
                    "Expected value to be either true or false",
                );
                false
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Settings {
            url,
            method,
            headers,
            timeout: Duration::from_secs(timeout.unsigned_abs()),
            batching,
            batch_max_size: usize::try_from(batch_max_size).unwrap_or(1),
            prefix: unescape(config.get_or(BATCH_PREFIX, "")),
            suffix: unescape(config.get_or(BATCH_SUFFIX, "\\n")),
            separator: unescape(config.get_or(BATCH_SEPARATOR, "\\n")),
            max_retries: u32::try_from(max_retries).unwrap_or(u32::MAX),
            backoff: Duration::from_millis(backoff.unsigned_abs()),
        })
    }

    /// The request bodies for `values`: one per value, or batches of at most
    /// `batch.max.size` framed by prefix, separator and suffix.
    pub fn bodies(&self, values: &[String]) -> Vec<Vec<u8>> {
        if !self.batching {
            return values.iter().map(|v| v.as_bytes().to_vec()).collect();
        }
        values
            .chunks(self.batch_max_size)
            .map(|chunk| {
                let mut body = self.prefix.clone();
                body.push_str(&chunk.join(&self.separator));
                body.push_str(&self.suffix);
                body.into_bytes()
            })
            .collect()
    }

    fn request(&self, body: Vec<u8>) -> Request {
        let mut request = Request::new(self.method.clone(), self.url.clone())
            .body(body)
            .timeout(self.timeout);
        request.headers = self.headers.clone();
        request
    }

    /// Sends one body, retrying what may succeed later. `send` and `sleep` are the
    /// world (`wasi:http` and the clock in the component, fakes in tests).
    pub fn deliver(
        &self,
        body: Vec<u8>,
        send: &mut impl FnMut(&Request) -> Result<Response, HttpError>,
        sleep: &mut impl FnMut(Duration),
    ) -> Result<(), PluginError> {
        let request = self.request(body);
        let mut retries = 0;
        loop {
            let failure = match send(&request) {
                Ok(response) if (200..300).contains(&response.status) => return Ok(()),
                Ok(response) if response.status == 429 || response.status >= 500 => {
                    answer(&response)
                }
                Ok(response) => {
                    return Err(PluginError::fatal(format!(
                        "{} {} was refused: {}",
                        self.method,
                        self.url,
                        answer(&response)
                    )));
                }
                Err(denied @ HttpError::Denied(_)) => {
                    return Err(PluginError::fatal(denied.to_string()));
                }
                Err(error) => error.to_string(),
            };
            if retries >= self.max_retries {
                return Err(PluginError::fatal(format!(
                    "{} {} failed after {retries} retries (max.retries={}): {failure}",
                    self.method, self.url, self.max_retries
                )));
            }
            retries += 1;
            ferry_sdk::warn!(
                "{} {} failed ({failure}); retry {retries} of {} in {} ms",
                self.method,
                self.url,
                self.max_retries,
                self.backoff.as_millis()
            );
            sleep(self.backoff);
        }
    }
}

/// The server's answer, for a trace: status and (the start of) the body.
fn answer(response: &Response) -> String {
    let mut text = response.text();
    if text.len() > 2000 {
        let cut = (0..=2000)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    format!("HTTP {} {}", response.status, text.trim())
}

/// Interprets the escapes Aiven's connector documents: `\n`, `\r`, `\t`, `\\`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The text a record's value is sent as; `None` for a null value.
fn value_text(record: &ConnectRecord) -> Option<String> {
    match &record.value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        other => Some(to_java_string(record.value_schema.as_deref(), other)),
    }
}

pub struct HttpSinkTask {
    settings: Settings,
    skipped_nulls: u64,
}

impl SinkTask for HttpSinkTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(HttpSinkTask {
            settings: Settings::parse(&config).map_err(PluginError::config_problems)?,
            skipped_nulls: 0,
        })
    }

    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError> {
        let values: Vec<String> = records.iter().filter_map(value_text).collect();
        let nulls = records.len() - values.len();
        if nulls > 0 {
            self.skipped_nulls += nulls as u64;
            ferry_sdk::debug!("skipped {nulls} records with a null value");
        }
        for body in self.settings.bodies(&values) {
            self.settings
                .deliver(body, &mut ferry_sdk::http::send, &mut std::thread::sleep)?;
        }
        Ok(())
    }

    fn flush(&mut self, _offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        // Every batch was delivered inside `put`.
        Ok(())
    }

    fn stop(&mut self) {
        if self.skipped_nulls > 0 {
            ferry_sdk::info!("skipped {} records with a null value", self.skipped_nulls);
        }
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_sink!(HttpSinkConnector, HttpSinkTask);

#[cfg(test)]
mod tests {
    use super::*;

    fn config(entries: &[(&str, &str)]) -> Config {
        entries.iter().copied().collect()
    }

    fn settings(entries: &[(&str, &str)]) -> Settings {
        let mut all = vec![(URL, "http://127.0.0.1:8080/in")];
        all.extend_from_slice(entries);
        Settings::parse(&config(&all)).expect("valid")
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn auth_and_headers() {
        let s = settings(&[
            (AUTH_TYPE, "basic"),
            (AUTH_USER, "user"),
            (AUTH_PASSWORD, "pass"),
            (CONTENT_TYPE, "application/json"),
            (ADDITIONAL_HEADERS, "X-One:1, x-two: 2"),
        ]);
        assert_eq!(
            s.headers,
            [
                (
                    "authorization".to_string(),
                    "Basic dXNlcjpwYXNz".to_string()
                ),
                ("content-type".into(), "application/json".into()),
                ("x-one".into(), "1".into()),
                ("x-two".into(), "2".into()),
            ]
        );
        let s = settings(&[(AUTH_TYPE, "bearer"), (AUTH_TOKEN, "t0k")]);
        assert_eq!(
            s.headers,
            [("authorization".to_string(), "Bearer t0k".to_string())]
        );
        let s = settings(&[(AUTH_TYPE, "static"), (AUTH_HEADER, "Custom x")]);
        assert_eq!(
            s.headers,
            [("authorization".to_string(), "Custom x".to_string())]
        );
    }

    #[test]
    fn bad_configs_name_their_key() {
        for (entries, key) in [
            (vec![(URL, "ftp://x/")], URL),
            (vec![(AUTH_TYPE, "oauth2")], AUTH_TYPE),
            (vec![(AUTH_TYPE, "bearer")], AUTH_TOKEN),
            (vec![(AUTH_TYPE, "static")], AUTH_HEADER),
            (vec![(METHOD, "GET")], METHOD),
            (vec![(BATCH_MAX_SIZE, "0")], BATCH_MAX_SIZE),
            (vec![(MAX_RETRIES, "-1")], MAX_RETRIES),
            (vec![(ADDITIONAL_HEADERS, "novalue")], ADDITIONAL_HEADERS),
        ] {
            let mut all = vec![(URL, "http://h/")];
            all.extend(entries);
            let problems = Settings::parse(&config(&all)).expect_err("invalid");
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].key, key);
            assert!(problems[0].message.contains(key), "{problems:?}");
        }
    }

    #[test]
    fn batches_are_framed_and_bounded() {
        let values: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
        let s = settings(&[
            (BATCHING, "true"),
            (BATCH_MAX_SIZE, "2"),
            (BATCH_PREFIX, "["),
            (BATCH_SUFFIX, "]\\n"),
            (BATCH_SEPARATOR, ","),
        ]);
        assert_eq!(
            s.bodies(&values),
            [b"[1,2]\n".to_vec(), b"[3,4]\n".to_vec(), b"[5]\n".to_vec()]
        );
        let plain = settings(&[(BATCHING, "true")]);
        assert_eq!(plain.bodies(&values[..2]), [b"1\n2\n".to_vec()]);
        let single = settings(&[]);
        assert_eq!(single.bodies(&values[..2]), [b"1".to_vec(), b"2".to_vec()]);
    }

    #[test]
    fn retries_429_5xx_and_failures_then_gives_up_with_the_answer() {
        let s = settings(&[(MAX_RETRIES, "3"), (RETRY_BACKOFF_MS, "10")]);
        let mut answers = vec![
            Err(HttpError::Failed {
                url: "u".into(),
                reason: "timeout".into(),
            }),
            Ok(response(503, "busy")),
            Ok(response(429, "slow down")),
            Ok(response(200, "")),
        ]
        .into_iter();
        let mut sleeps = Vec::new();
        s.deliver(
            b"x".to_vec(),
            &mut |_| answers.next().expect("an answer"),
            &mut |d| sleeps.push(d),
        )
        .expect("delivered on the fourth attempt");
        assert_eq!(sleeps, [Duration::from_millis(10); 3]);

        let mut calls = 0;
        let error = s
            .deliver(
                b"x".to_vec(),
                &mut |_| {
                    calls += 1;
                    Ok(response(500, "boom"))
                },
                &mut |_| {},
            )
            .expect_err("gives up");
        assert_eq!(calls, 4);
        assert!(
            error.to_string().contains("failed after 3 retries")
                && error.to_string().contains("HTTP 500 boom"),
            "{error}"
        );

        let mut calls = 0;
        let error = s
            .deliver(
                b"x".to_vec(),
                &mut |_| {
                    calls += 1;
                    Ok(response(400, "bad record"))
                },
                &mut |_| {},
            )
            .expect_err("a 400 is final");
        assert_eq!(calls, 1);
        assert!(error.to_string().contains("HTTP 400 bad record"), "{error}");
    }

    #[test]
    fn requests_carry_method_headers_and_timeout() {
        let s = settings(&[
            (METHOD, "put"),
            (TIMEOUT, "5"),
            (AUTH_TYPE, "bearer"),
            (AUTH_TOKEN, "t"),
        ]);
        let mut seen = None;
        s.deliver(
            b"body".to_vec(),
            &mut |r| {
                seen = Some(r.clone());
                Ok(response(204, ""))
            },
            &mut |_| {},
        )
        .expect("delivered");
        let request = seen.expect("sent");
        assert_eq!(request.method, "PUT");
        assert_eq!(request.url, "http://127.0.0.1:8080/in");
        assert_eq!(request.body, b"body");
        assert_eq!(request.timeout, Some(Duration::from_secs(5)));
        assert_eq!(
            request.headers,
            [("authorization".to_string(), "Bearer t".to_string())]
        );
    }
}
