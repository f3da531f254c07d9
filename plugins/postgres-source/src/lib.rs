//! `postgres-source`: reads PostgreSQL tables (or one query) into Kafka with the
//! Confluent JDBC source's config names (`io.confluent.connect.jdbc.JdbcSourceConnector`,
//! PostgreSQL only): `mode=bulk|incrementing|timestamp|timestamp+incrementing`,
//! `table.whitelist` / `query`, `incrementing.column.name`, `timestamp.column.name`,
//! `timestamp.delay.interval.ms`, `poll.interval.ms`, `batch.max.rows`,
//! `topic.prefix`. Tables are spread over up to `tasks.max` tasks. Source partitions
//! and offsets have the JDBC connector's shape — partition
//! `{"protocol":"1","table":"<schema>.<table>"}` (`{"query":"query"}` in query mode),
//! offset `{"incrementing":n}`, `{"timestamp":ms,"timestamp_nanos":ns}` or both — so a
//! restart resumes exactly after the last committed row.

pub mod rows;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, EndpointForm, Importance, Plugin,
    PluginDescriptor, PluginError, Schema, SourceConnector, SourceTask,
};
use pg_wire::{ConnectOptions, Connection, JdbcUrl, PgError, quote_ident};

use rows::{Offset, schema_of, value_of};

const CONNECTION_URL: &str = "connection.url";
const CONNECTION_USER: &str = "connection.user";
const CONNECTION_PASSWORD: &str = "connection.password";
const MODE: &str = "mode";
const TABLE_WHITELIST: &str = "table.whitelist";
const QUERY: &str = "query";
const INCREMENTING_COLUMN: &str = "incrementing.column.name";
const TIMESTAMP_COLUMN: &str = "timestamp.column.name";
const TIMESTAMP_DELAY: &str = "timestamp.delay.interval.ms";
const POLL_INTERVAL: &str = "poll.interval.ms";
const BATCH_MAX_ROWS: &str = "batch.max.rows";
const TOPIC_PREFIX: &str = "topic.prefix";
/// Set by the connector in each task config: the tables this task reads.
const TASK_TABLES: &str = "tables";

/// The longest a `poll` waits for the next query to be due.
const MAX_POLL_WAIT: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Bulk,
    Incrementing,
    Timestamp,
    TimestampIncrementing,
}

/// The parsed config.
#[derive(Clone, Debug)]
pub struct Settings {
    pub connect: ConnectOptions,
    pub mode: Mode,
    pub tables: Vec<String>,
    pub query: Option<String>,
    pub incrementing_column: String,
    pub timestamp_columns: Vec<String>,
    pub timestamp_delay: Duration,
    pub poll_interval: Duration,
    pub batch_max_rows: usize,
    pub topic_prefix: String,
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
        let url = config.get(CONNECTION_URL).unwrap_or_default().trim();
        let connect = JdbcUrl::parse(url)
            .unwrap_or_else(|why| {
                problem(CONNECTION_URL, url, &why);
                JdbcUrl::default()
            })
            .connect_options(config.get(CONNECTION_USER), config.get(CONNECTION_PASSWORD));
        let mode = match config.get(MODE).map(|m| m.trim().to_ascii_lowercase()) {
            Some(m) if m == "bulk" => Mode::Bulk,
            Some(m) if m == "incrementing" => Mode::Incrementing,
            Some(m) if m == "timestamp" => Mode::Timestamp,
            Some(m) if m == "timestamp+incrementing" => Mode::TimestampIncrementing,
            other => {
                problem(
                    MODE,
                    other.as_deref().unwrap_or("null"),
                    "String must be one of: bulk, timestamp, incrementing, timestamp+incrementing",
                );
                Mode::Bulk
            }
        };
        let tables = config
            .list(TASK_TABLES)
            .or_else(|| config.list(TABLE_WHITELIST))
            .unwrap_or_default();
        let query = config
            .get(QUERY)
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if query.is_some() && !config.list(TABLE_WHITELIST).unwrap_or_default().is_empty() {
            problem(QUERY, "…", "set either query or table.whitelist, not both");
        }
        let incrementing_column = config.get_or(INCREMENTING_COLUMN, "").trim().to_string();
        let timestamp_columns = config.list(TIMESTAMP_COLUMN).unwrap_or_default();
        if matches!(mode, Mode::Incrementing | Mode::TimestampIncrementing)
            && incrementing_column.is_empty()
        {
            problem(INCREMENTING_COLUMN, "", "required by this mode");
        }
        if matches!(mode, Mode::Timestamp | Mode::TimestampIncrementing)
            && timestamp_columns.is_empty()
        {
            problem(TIMESTAMP_COLUMN, "", "required by this mode");
        }
        let topic_prefix = config.get(TOPIC_PREFIX).unwrap_or_default().to_string();
        if topic_prefix.is_empty() {
            problem(
                TOPIC_PREFIX,
                "",
                "Missing required configuration \"topic.prefix\" which has no default value.",
            );
        }
        let mut int = |key: &str, default: i64, min: i64| -> i64 {
            let raw = config.get(key).map(str::trim);
            match raw.map(str::parse::<i64>) {
                None => default,
                Some(Ok(v)) if v >= min => v,
                Some(_) => {
                    problem(
                        key,
                        raw.unwrap_or_default(),
                        &format!("Value must be at least {min}"),
                    );
                    default
                }
            }
        };
        let poll = int(POLL_INTERVAL, 5000, 1);
        let batch = int(BATCH_MAX_ROWS, 100, 1);
        let delay = int(TIMESTAMP_DELAY, 0, 0);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Settings {
            connect,
            mode,
            tables,
            query,
            incrementing_column,
            timestamp_columns,
            timestamp_delay: Duration::from_millis(delay.unsigned_abs()),
            poll_interval: Duration::from_millis(poll.unsigned_abs()),
            batch_max_rows: usize::try_from(batch).unwrap_or(100),
            topic_prefix,
        })
    }
}

fn pg_error(error: PgError) -> PluginError {
    if error.is_transient() {
        PluginError::retriable(error.to_string())
    } else {
        PluginError::fatal(error.to_string())
    }
}

pub struct PostgresSourceConnector {
    config: Config,
    settings: Settings,
}

impl Plugin for PostgresSourceConnector {
    fn describe() -> PluginDescriptor {
        let key = |k: ConfigKey, group: &str| k.group(group);
        PluginDescriptor::source("postgres-source")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(["io.confluent.connect.jdbc.JdbcSourceConnector", "JdbcSourceConnector", "PostgresSource"])
            .summary("Reads PostgreSQL tables or a query into Kafka (the Confluent JDBC source's configs): bulk, incrementing, timestamp and timestamp+incrementing modes.")
            .config(key(ConfigKey::string(CONNECTION_URL).required().endpoint(EndpointForm::JdbcUrl).importance(Importance::High).doc("JDBC connection URL, jdbc:postgresql://host[:port]/database."), "Database"))
            .config(key(ConfigKey::string(CONNECTION_USER).importance(Importance::High).doc("JDBC connection user."), "Database"))
            .config(key(ConfigKey::password(CONNECTION_PASSWORD).importance(Importance::High).doc("JDBC connection password."), "Database"))
            .config(key(ConfigKey::list(TABLE_WHITELIST).default_value("").importance(Importance::Medium).doc("The tables to copy (all tables of the current schema if empty and no query)."), "Database"))
            .config(key(ConfigKey::string(MODE).required().importance(Importance::High).doc("bulk, incrementing, timestamp or timestamp+incrementing."), "Mode"))
            .config(key(ConfigKey::string(INCREMENTING_COLUMN).default_value("").doc("A strictly increasing column (incrementing modes)."), "Mode"))
            .config(key(ConfigKey::list(TIMESTAMP_COLUMN).default_value("").doc("Timestamp column(s) (COALESCE of them) for the timestamp modes."), "Mode"))
            .config(key(ConfigKey::string(QUERY).default_value("").doc("A query to run instead of whole tables; the mode's WHERE clause is appended."), "Mode"))
            .config(key(ConfigKey::long(TIMESTAMP_DELAY).default_value("0").doc("How long after a timestamp a row is read, so slower transactions with earlier timestamps are not missed."), "Mode"))
            .config(key(ConfigKey::int(POLL_INTERVAL).default_value("5000").doc("How often each table is queried, in milliseconds."), "Connector"))
            .config(key(ConfigKey::int(BATCH_MAX_ROWS).default_value("100").doc("The most rows one poll returns."), "Connector"))
            .config(key(ConfigKey::string(TOPIC_PREFIX).required().importance(Importance::High).doc("Prefix of the topic names: <prefix><table>, or the whole topic name in query mode."), "Connector"))
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        Settings::parse(config).err().unwrap_or_default()
    }
}

impl SourceConnector for PostgresSourceConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        let settings = Settings::parse(&config).map_err(PluginError::config_problems)?;
        Ok(PostgresSourceConnector { config, settings })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        if self.settings.query.is_some() {
            return Ok(vec![self.config.clone()]);
        }
        let mut tables = self.settings.tables.clone();
        if tables.is_empty() {
            let mut connection = Connection::connect(&self.settings.connect).map_err(pg_error)?;
            tables = connection
                .simple_query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                )
                .map_err(pg_error)?
                .into_iter()
                .filter_map(|row| row.into_iter().next().flatten())
                .collect();
        }
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let groups = (max_tasks.max(1) as usize).min(tables.len());
        Ok((0..groups)
            .map(|g| {
                let mine: Vec<&str> = tables
                    .iter()
                    .skip(g)
                    .step_by(groups)
                    .map(String::as_str)
                    .collect();
                let mut config = self.config.clone();
                config.set(TASK_TABLES, mine.join(","));
                config
            })
            .collect())
    }
}

/// One table (or the query) a task reads.
struct Querier {
    /// The table name, or `None` for the query.
    table: Option<String>,
    topic: String,
    partition: String,
    offset: Offset,
    next_run: Instant,
    pending: VecDeque<ConnectRecord>,
    schema: Option<Arc<Schema>>,
}

pub struct PostgresSourceTask {
    settings: Settings,
    connection: Option<Connection>,
    queriers: Vec<Querier>,
    schema_name: String,
}

impl PostgresSourceTask {
    fn connection(&mut self) -> Result<&mut Connection, PgError> {
        if self.connection.is_none() {
            let mut connection = Connection::connect(&self.settings.connect)?;
            connection.simple_query("SET TIME ZONE 'UTC'")?;
            self.schema_name = connection
                .simple_query("SELECT current_schema()")?
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next().flatten())
                .unwrap_or_else(|| "public".into());
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| PgError::Io("no connection".into()))
    }

    /// The SQL and parameters of one querier's next run.
    fn statement(&self, q: &Querier) -> (String, Vec<Option<String>>) {
        let s = &self.settings;
        let from = match (&q.table, &s.query) {
            (Some(table), _) => format!("SELECT * FROM {}", quote_ident(table)),
            (None, Some(query)) => format!("SELECT * FROM ({query}) AS ferry_query"),
            (None, None) => String::new(),
        };
        let ts = match s.timestamp_columns.as_slice() {
            [one] => quote_ident(one),
            many => format!(
                "COALESCE({})",
                many.iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let inc = quote_ident(&s.incrementing_column);
        let end = format!(
            "(now() AT TIME ZONE 'UTC') - interval '{} milliseconds'",
            s.timestamp_delay.as_millis()
        );
        let limit = s.batch_max_rows;
        match s.mode {
            Mode::Bulk => (from, Vec::new()),
            Mode::Incrementing => (
                format!("{from} WHERE {inc} > $1 ORDER BY {inc} ASC LIMIT {limit}"),
                vec![Some(q.offset.incrementing.unwrap_or(-1).to_string())],
            ),
            Mode::Timestamp => (
                format!("{from} WHERE {ts} > $1::timestamp AND {ts} < {end} ORDER BY {ts} ASC"),
                vec![Some(q.offset.timestamp_text())],
            ),
            Mode::TimestampIncrementing => (
                format!(
                    "{from} WHERE {ts} < {end} AND (({ts} = $1::timestamp AND {inc} > $2) OR {ts} > $1::timestamp) ORDER BY {ts},{inc} ASC LIMIT {limit}"
                ),
                vec![
                    Some(q.offset.timestamp_text()),
                    Some(q.offset.incrementing.unwrap_or(-1).to_string()),
                ],
            ),
        }
    }

    /// Runs querier `i` and queues its rows as records.
    fn run(&mut self, i: usize) -> Result<(), PgError> {
        let (sql, params) = self.statement(&self.queriers[i]);
        let result = self.connection()?.query(&sql, &params)?;
        let s = &self.settings;
        let q = &mut self.queriers[i];
        let name = q.table.clone().unwrap_or_else(|| "query".into());
        let schema = match &q.schema {
            Some(schema) if schema.fields.len() == result.columns.len() => schema.clone(),
            _ => {
                let schema = schema_of(&name, &result.columns);
                q.schema = Some(schema.clone());
                schema
            }
        };
        for row in &result.rows {
            let value = value_of(&schema, &result.columns, row).map_err(PgError::Io)?;
            let mut offset = q.offset.clone();
            if matches!(s.mode, Mode::Incrementing | Mode::TimestampIncrementing) {
                offset.incrementing =
                    rows::column_i64(&result.columns, row, &s.incrementing_column);
            }
            if matches!(s.mode, Mode::Timestamp | Mode::TimestampIncrementing)
                && let Some((ms, nanos)) =
                    rows::first_timestamp(&result.columns, row, &s.timestamp_columns)
            {
                offset.timestamp = Some(ms);
                offset.timestamp_nanos = Some(nanos);
            }
            let record = ConnectRecord::new(&q.topic, Some(schema.clone()), value);
            let record = if s.mode == Mode::Bulk {
                record.with_source(q.partition.clone(), "{}")
            } else {
                record.with_source(q.partition.clone(), offset.to_json())
            };
            q.offset = offset;
            q.pending.push_back(record);
        }
        q.next_run = if s.mode != Mode::Bulk && result.rows.len() >= s.batch_max_rows {
            Instant::now()
        } else {
            Instant::now() + s.poll_interval
        };
        Ok(())
    }
}

impl SourceTask for PostgresSourceTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let settings = Settings::parse(&config).map_err(PluginError::config_problems)?;
        let mut queriers = Vec::new();
        let targets: Vec<Option<String>> = if settings.query.is_some() {
            vec![None]
        } else {
            settings.tables.iter().cloned().map(Some).collect()
        };
        let mut task = PostgresSourceTask {
            settings,
            connection: None,
            queriers: Vec::new(),
            schema_name: "public".into(),
        };
        // The schema name is part of the partition: connect once up front.
        task.connection().map_err(pg_error)?;
        for table in targets {
            let partition = match &table {
                Some(t) => serde_json::json!({"protocol": "1", "table": format!("{}.{t}", task.schema_name)}),
                None => serde_json::json!({"query": "query"}),
            }
            .to_string();
            let offset = ferry_sdk::host::read_offset(&partition)
                .map(|o| Offset::from_json(&o))
                .unwrap_or_default();
            let topic = match &table {
                Some(t) => format!("{}{t}", task.settings.topic_prefix),
                None => task.settings.topic_prefix.clone(),
            };
            queriers.push(Querier {
                table,
                topic,
                partition,
                offset,
                next_run: Instant::now(),
                pending: VecDeque::new(),
                schema: None,
            });
        }
        task.queriers = queriers;
        Ok(task)
    }

    fn poll(&mut self) -> Result<Vec<ConnectRecord>, PluginError> {
        let batch = self.settings.batch_max_rows;
        // Drain what earlier queries queued first.
        for q in &mut self.queriers {
            if !q.pending.is_empty() {
                let n = q.pending.len().min(batch);
                return Ok(q.pending.drain(..n).collect());
            }
        }
        let now = Instant::now();
        let due = (0..self.queriers.len()).min_by_key(|&i| self.queriers[i].next_run);
        let Some(i) = due else {
            std::thread::sleep(MAX_POLL_WAIT);
            return Ok(Vec::new());
        };
        let wait = self.queriers[i].next_run.saturating_duration_since(now);
        if !wait.is_zero() {
            std::thread::sleep(wait.min(MAX_POLL_WAIT));
            return Ok(Vec::new());
        }
        if let Err(error) = self.run(i) {
            self.connection = None;
            self.queriers[i].next_run = Instant::now() + self.settings.poll_interval;
            return Err(pg_error(error));
        }
        let q = &mut self.queriers[i];
        let n = q.pending.len().min(batch);
        Ok(q.pending.drain(..n).collect())
    }

    fn stop(&mut self) {
        self.connection = None;
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_source!(PostgresSourceConnector, PostgresSourceTask);
