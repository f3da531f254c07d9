//! `postgres-sink`: writes records into PostgreSQL tables with the Confluent JDBC
//! sink's config names and semantics (`io.confluent.connect.jdbc.JdbcSinkConnector`,
//! PostgreSQL only): `connection.url` (`jdbc:postgresql://host[:port]/database`, the
//! plugin's only network grant), `connection.user`, `connection.password`,
//! `insert.mode=insert|upsert|update`, `pk.mode=none|kafka|record_key|record_value`,
//! `pk.fields`, `fields.whitelist`, `table.name.format`, `auto.create`,
//! `auto.evolve`, `delete.enabled`, `batch.size`, `max.retries`, `retry.backoff.ms`.
//!
//! Each `put` is one transaction (statements pipelined `batch.size` at a time), so
//! the offsets the host commits after `flush` are those of committed rows; a worker
//! killed mid-transaction leaves nothing behind, and its records arrive again (with
//! `insert.mode=upsert`, without duplicate rows). A connection or server failure that
//! may pass (SQLSTATE 08*, 57P*, 40001, 40P01) is retried on a fresh connection
//! `max.retries` times, `retry.backoff.ms` apart; then the task fails with the
//! server's message.

pub mod sql;

use std::collections::HashMap;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, EndpointForm, Importance, Plugin,
    PluginDescriptor, PluginError, SinkConnector, SinkTask, TopicPartitionOffset,
};

use pg_wire as pg;
use pg_wire::{Connection, PgError, Statement};
use sql::{Settings, TableShape};

pub struct PostgresSinkConnector {
    config: Config,
}

impl Plugin for PostgresSinkConnector {
    fn describe() -> PluginDescriptor {
        let key = |k: ConfigKey, group: &str| k.group(group);
        PluginDescriptor::sink("postgres-sink")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(["io.confluent.connect.jdbc.JdbcSinkConnector", "JdbcSinkConnector", "PostgresSink"])
            .summary("Writes records into PostgreSQL tables (the Confluent JDBC sink's configs): insert, upsert or update, deletes on tombstones, auto-create and auto-evolve.")
            .config(key(ConfigKey::string(sql::CONNECTION_URL).required().endpoint(EndpointForm::JdbcUrl).importance(Importance::High).doc("JDBC connection URL, jdbc:postgresql://host[:port]/database."), "Connection"))
            .config(key(ConfigKey::string(sql::CONNECTION_USER).importance(Importance::High).doc("JDBC connection user."), "Connection"))
            .config(key(ConfigKey::password(sql::CONNECTION_PASSWORD).importance(Importance::High).doc("JDBC connection password."), "Connection"))
            .config(key(ConfigKey::string(sql::INSERT_MODE).default_value("insert").importance(Importance::High).doc("insert, upsert (INSERT … ON CONFLICT DO UPDATE) or update."), "Writes"))
            .config(key(ConfigKey::int(sql::BATCH_SIZE).default_value("3000").doc("How many statements are pipelined to the server at once."), "Writes"))
            .config(key(ConfigKey::boolean(sql::DELETE_ENABLED).default_value("false").doc("Delete the row of a record with a null value (a tombstone); needs pk.mode=record_key."), "Writes"))
            .config(key(ConfigKey::string(sql::TABLE_NAME_FORMAT).default_value("${topic}").doc("The destination table name; ${topic} is replaced by the record's topic."), "Data Mapping"))
            .config(key(ConfigKey::string(sql::PK_MODE).default_value("none").importance(Importance::High).doc("none, kafka (__connect_topic, __connect_partition, __connect_offset), record_key or record_value."), "Data Mapping"))
            .config(key(ConfigKey::list(sql::PK_FIELDS).default_value("").doc("The primary key columns; their meaning depends on pk.mode."), "Data Mapping"))
            .config(key(ConfigKey::list(sql::FIELDS_WHITELIST).default_value("").doc("The value fields to write (all if empty)."), "Data Mapping"))
            .config(key(ConfigKey::boolean(sql::AUTO_CREATE).default_value("false").doc("Create a missing table from the record schema (CREATE TABLE)."), "DDL Support"))
            .config(key(ConfigKey::boolean(sql::AUTO_EVOLVE).default_value("false").doc("Add missing columns (ALTER TABLE … ADD) for new optional fields."), "DDL Support"))
            .config(key(ConfigKey::int(sql::MAX_RETRIES).default_value("10").doc("How many times a transient failure is retried before the task fails."), "Retries"))
            .config(key(ConfigKey::int(sql::RETRY_BACKOFF_MS).default_value("3000").doc("The wait before a retry, in milliseconds."), "Retries"))
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        Settings::parse(config).err().unwrap_or_default()
    }
}

impl SinkConnector for PostgresSinkConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        Settings::parse(&config).map_err(PluginError::config_problems)?;
        Ok(PostgresSinkConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok(vec![self.config.clone(); max_tasks as usize])
    }
}

pub struct PostgresSinkTask {
    settings: Settings,
    connection: Option<Connection>,
    /// Columns of each table this task has seen (name → columns).
    tables: HashMap<String, Vec<String>>,
    /// Consecutive transient failures.
    failures: u32,
}

impl PostgresSinkTask {
    fn connection(&mut self) -> Result<&mut Connection, PgError> {
        if self.connection.is_none() {
            self.connection = Some(Connection::connect(&self.settings.connect)?);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| PgError::Io("no connection".into()))
    }

    /// Makes sure `shape`'s table exists with its columns (auto.create /
    /// auto.evolve), reading the table's columns once per task.
    fn ensure_table(&mut self, shape: &TableShape) -> Result<(), Failure> {
        if !self.tables.contains_key(&shape.table) {
            let sql = sql::columns_query(&shape.table);
            let rows = self.connection()?.simple_query(&sql)?;
            let columns: Vec<String> = rows
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .collect();
            if columns.is_empty() {
                if !self.settings.auto_create {
                    return Err(Failure::Fatal(format!(
                        "Table {} is missing and auto-creation is disabled (auto.create=false)",
                        pg::quote_ident(&shape.table)
                    )));
                }
                let ddl = sql::create_table(shape, &self.settings);
                ferry_sdk::info!("creating table: {ddl}");
                self.connection()?.simple_query(&ddl)?;
                self.tables.insert(
                    shape.table.clone(),
                    shape.columns.iter().map(|c| c.name.clone()).collect(),
                );
                return Ok(());
            }
            self.tables.insert(shape.table.clone(), columns);
        }
        let known = self.tables.get(&shape.table).cloned().unwrap_or_default();
        let missing: Vec<&sql::Column> = shape
            .columns
            .iter()
            .filter(|c| !known.contains(&c.name))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !self.settings.auto_evolve {
            return Err(Failure::Fatal(format!(
                "Table {} is missing fields ({}) and auto-evolution is disabled (auto.evolve=false)",
                pg::quote_ident(&shape.table),
                missing
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for column in &missing {
            if !column.optional && column.default.is_none() {
                return Err(Failure::Fatal(format!(
                    "Cannot ALTER TABLE {} to add missing field {}, as the field is not optional and does not have a default value",
                    pg::quote_ident(&shape.table),
                    column.name
                )));
            }
        }
        let ddl = sql::add_columns(&shape.table, &missing);
        ferry_sdk::info!("evolving table: {ddl}");
        self.connection()?.simple_query(&ddl)?;
        self.tables
            .entry(shape.table.clone())
            .or_default()
            .extend(missing.iter().map(|c| c.name.clone()));
        Ok(())
    }

    fn write(&mut self, records: &[ConnectRecord]) -> Result<(), Failure> {
        // A batch's records mostly share their topic and schemas: plan each distinct
        // (topic, key schema, value schema, tombstone) once — SQL, table shape, DDL —
        // and compute only the parameters of the others.
        type PlanKey = (String, usize, usize, bool);
        let schema_id = |s: &Option<std::sync::Arc<ferry_sdk::Schema>>| {
            s.as_ref().map_or(0, |s| std::sync::Arc::as_ptr(s) as usize)
        };
        let mut plans: HashMap<PlanKey, usize> = HashMap::new();
        let mut sqls: Vec<String> = Vec::new();
        let mut rows: Vec<(usize, Vec<Option<String>>)> = Vec::with_capacity(records.len());
        for record in records {
            let tombstone = matches!(record.value, ferry_sdk::Value::Null);
            let key = (
                record.topic.clone(),
                schema_id(&record.key_schema),
                schema_id(&record.value_schema),
                tombstone,
            );
            match plans.get(&key) {
                Some(&plan) => {
                    let params = sql::params_of(record, &self.settings).map_err(Failure::Fatal)?;
                    rows.push((plan, params));
                }
                None => {
                    let row = sql::row_of(record, &self.settings).map_err(Failure::Fatal)?;
                    if let Some(shape) = &row.shape {
                        self.ensure_table(shape)?;
                    }
                    let plan = sqls.len();
                    sqls.push(row.sql);
                    plans.insert(key, plan);
                    rows.push((plan, row.params));
                }
            }
        }
        let batch_size = self.settings.batch_size;
        let connection = self.connection()?;
        connection.simple_query("BEGIN")?;
        let outcome = (|| -> Result<(), PgError> {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let statements: Vec<Statement<'_>> = rows
                    .by_ref()
                    .take(batch_size)
                    .map(|(plan, params)| Statement {
                        sql: &sqls[plan],
                        params,
                    })
                    .collect();
                connection.pipeline(&statements)?;
            }
            connection.simple_query("COMMIT").map(drop)
        })();
        if let Err(error) = outcome {
            let _ = connection.simple_query("ROLLBACK");
            return Err(error.into());
        }
        Ok(())
    }
}

/// What went wrong in a `put`.
enum Failure {
    /// Worth a retry on a new connection.
    Transient(String),
    Fatal(String),
}

impl From<PgError> for Failure {
    fn from(error: PgError) -> Self {
        if error.is_transient() {
            Failure::Transient(error.to_string())
        } else {
            Failure::Fatal(error.to_string())
        }
    }
}

impl SinkTask for PostgresSinkTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(PostgresSinkTask {
            settings: Settings::parse(&config).map_err(PluginError::config_problems)?,
            connection: None,
            tables: HashMap::new(),
            failures: 0,
        })
    }

    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError> {
        if records.is_empty() {
            return Ok(());
        }
        match self.write(&records) {
            Ok(()) => {
                self.failures = 0;
                Ok(())
            }
            Err(Failure::Fatal(message)) => Err(PluginError::fatal(format!(
                "writing {} records to PostgreSQL failed: {message}",
                records.len()
            ))),
            Err(Failure::Transient(message)) => {
                self.connection = None;
                self.tables.clear();
                self.failures += 1;
                if self.failures > self.settings.max_retries {
                    return Err(PluginError::fatal(format!(
                        "writing to PostgreSQL failed after {} retries (max.retries={}): {message}",
                        self.failures - 1,
                        self.settings.max_retries
                    )));
                }
                ferry_sdk::warn!(
                    "writing to PostgreSQL failed ({message}); retry {} of {} in {} ms",
                    self.failures,
                    self.settings.max_retries,
                    self.settings.retry_backoff.as_millis()
                );
                std::thread::sleep(self.settings.retry_backoff);
                Err(PluginError::retriable(message))
            }
        }
    }

    fn flush(&mut self, _offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        // Every put committed its transaction.
        Ok(())
    }

    fn stop(&mut self) {
        self.connection = None;
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_sink!(PostgresSinkConnector, PostgresSinkTask);
