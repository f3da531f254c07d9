//! Pure logic of the sink: its config, and records → SQL (statements with text
//! parameters, and the DDL of auto-create and auto-evolve), unit-tested natively.

use std::sync::Arc;
use std::time::Duration;

use ferry_sdk::logical::{LogicalType, civil_from_days, decimal_to_string};
use ferry_sdk::{Config, ConfigProblem, ConnectRecord, Schema, SchemaType, Value};

use pg_wire::{ConnectOptions, JdbcUrl, quote_ident};

pub const CONNECTION_URL: &str = "connection.url";
pub const CONNECTION_USER: &str = "connection.user";
pub const CONNECTION_PASSWORD: &str = "connection.password";
pub const INSERT_MODE: &str = "insert.mode";
pub const BATCH_SIZE: &str = "batch.size";
pub const DELETE_ENABLED: &str = "delete.enabled";
pub const TABLE_NAME_FORMAT: &str = "table.name.format";
pub const PK_MODE: &str = "pk.mode";
pub const PK_FIELDS: &str = "pk.fields";
pub const FIELDS_WHITELIST: &str = "fields.whitelist";
pub const AUTO_CREATE: &str = "auto.create";
pub const AUTO_EVOLVE: &str = "auto.evolve";
pub const MAX_RETRIES: &str = "max.retries";
pub const RETRY_BACKOFF_MS: &str = "retry.backoff.ms";

const KAFKA_PK: [&str; 3] = ["__connect_topic", "__connect_partition", "__connect_offset"];
const DEFAULT_KEY_COLUMN: &str = "__connect_key";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertMode {
    Insert,
    Upsert,
    Update,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkMode {
    None,
    Kafka,
    RecordKey,
    RecordValue,
}

impl PkMode {
    fn name(self) -> &'static str {
        match self {
            PkMode::None => "none",
            PkMode::Kafka => "kafka",
            PkMode::RecordKey => "record_key",
            PkMode::RecordValue => "record_value",
        }
    }
}

/// The parsed config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub connect: ConnectOptions,
    pub insert_mode: InsertMode,
    pub pk_mode: PkMode,
    pub pk_fields: Vec<String>,
    pub fields_whitelist: Vec<String>,
    pub table_name_format: String,
    pub auto_create: bool,
    pub auto_evolve: bool,
    pub delete_enabled: bool,
    pub batch_size: usize,
    pub max_retries: u32,
    pub retry_backoff: Duration,
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
        let insert_mode = match config
            .get_or(INSERT_MODE, "insert")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "insert" => InsertMode::Insert,
            "upsert" => InsertMode::Upsert,
            "update" => InsertMode::Update,
            other => {
                problem(
                    INSERT_MODE,
                    other,
                    "String must be one of: insert, upsert, update",
                );
                InsertMode::Insert
            }
        };
        let pk_mode = match config
            .get_or(PK_MODE, "none")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "none" => PkMode::None,
            "kafka" => PkMode::Kafka,
            "record_key" => PkMode::RecordKey,
            "record_value" => PkMode::RecordValue,
            other => {
                problem(
                    PK_MODE,
                    other,
                    "String must be one of: none, kafka, record_key, record_value",
                );
                PkMode::None
            }
        };
        let pk_fields = config.list(PK_FIELDS).unwrap_or_default();
        if insert_mode != InsertMode::Insert && pk_mode == PkMode::None {
            problem(
                PK_MODE,
                "none",
                "insert.mode=upsert and insert.mode=update need a primary key (pk.mode)",
            );
        }
        if pk_mode == PkMode::Kafka && !(pk_fields.is_empty() || pk_fields.len() == 3) {
            problem(
                PK_FIELDS,
                &pk_fields.join(","),
                "with pk.mode=kafka, name exactly 3 columns (topic, partition, offset) or none",
            );
        }
        let mut flag = |key: &str| match config.bool_or(key, false) {
            Ok(v) => v,
            Err(_) => {
                problem(
                    key,
                    config.get(key).unwrap_or_default(),
                    "Expected value to be either true or false",
                );
                false
            }
        };
        let auto_create = flag(AUTO_CREATE);
        let auto_evolve = flag(AUTO_EVOLVE);
        let delete_enabled = flag(DELETE_ENABLED);
        if delete_enabled && pk_mode != PkMode::RecordKey {
            problem(
                DELETE_ENABLED,
                "true",
                "Deletes are only supported for pk.mode record_key",
            );
        }
        let mut int = |key: &str, default: i64, min: i64| -> i64 {
            let raw = config.get(key).map(str::trim);
            match raw.map(str::parse::<i64>) {
                None => default,
                Some(Ok(v)) if v >= min && v <= i64::from(i32::MAX) => v,
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
        let batch_size = int(BATCH_SIZE, 3000, 1);
        let max_retries = int(MAX_RETRIES, 10, 0);
        let backoff = int(RETRY_BACKOFF_MS, 3000, 0);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Settings {
            connect,
            insert_mode,
            pk_mode,
            pk_fields,
            fields_whitelist: config.list(FIELDS_WHITELIST).unwrap_or_default(),
            table_name_format: config.get_or(TABLE_NAME_FORMAT, "${topic}").to_string(),
            auto_create,
            auto_evolve,
            delete_enabled,
            batch_size: usize::try_from(batch_size).unwrap_or(1),
            max_retries: u32::try_from(max_retries).unwrap_or(0),
            retry_backoff: Duration::from_millis(backoff.unsigned_abs()),
        })
    }
}

/// A column as the record's schema describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub sql_type: String,
    pub optional: bool,
    /// The schema default, as an SQL literal.
    pub default: Option<String>,
}

/// The table a record needs: its name, columns and primary key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    pub table: String,
    pub columns: Vec<Column>,
    pub pk: Vec<String>,
}

/// One record as a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub sql: String,
    pub params: Vec<Option<String>>,
    /// The table it writes (`None` for a delete, which needs no DDL).
    pub shape: Option<TableShape>,
}

fn sql_type(schema: &Schema) -> Result<String, String> {
    if let Some(logical) = LogicalType::of(schema) {
        return Ok(match logical {
            LogicalType::Decimal { .. } => "DECIMAL",
            LogicalType::Date => "DATE",
            LogicalType::Time => "TIME",
            LogicalType::Timestamp => "TIMESTAMP",
        }
        .into());
    }
    Ok(match schema.kind {
        SchemaType::Int8 | SchemaType::Int16 => "SMALLINT",
        SchemaType::Int32 => "INT",
        SchemaType::Int64 => "BIGINT",
        SchemaType::Float32 => "REAL",
        SchemaType::Float64 => "DOUBLE PRECISION",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "TEXT",
        SchemaType::Bytes => "BYTEA",
        other => {
            return Err(format!(
                "{} is not a type the sink can write to a column",
                other.name().to_uppercase()
            ));
        }
    }
    .into())
}

/// `days` since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn date_text(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn time_text(ms: i64) -> String {
    let ms = ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        v.to_string()
    }
}

/// A value as PostgreSQL's text input for its column type; `None` for null.
fn text_of(schema: &Schema, value: &Value) -> Result<Option<String>, String> {
    let logical = LogicalType::of(schema);
    Ok(Some(match (value, logical) {
        (Value::Null, _) => return Ok(None),
        (Value::Bytes(b), Some(LogicalType::Decimal { scale })) => decimal_to_string(b, scale),
        (Value::Int32(d), Some(LogicalType::Date)) => date_text(i64::from(*d)),
        (Value::Int32(t), Some(LogicalType::Time)) => time_text(i64::from(*t)),
        (Value::Int64(ms), Some(LogicalType::Timestamp)) => {
            format!(
                "{} {}",
                date_text(ms.div_euclid(86_400_000)),
                time_text(*ms)
            )
        }
        (Value::Boolean(b), _) => b.to_string(),
        (Value::Int8(v), _) => v.to_string(),
        (Value::Int16(v), _) => v.to_string(),
        (Value::Int32(v), _) => v.to_string(),
        (Value::Int64(v), _) => v.to_string(),
        (Value::Float32(v), _) => float_text(f64::from(*v)),
        (Value::Float64(v), _) => float_text(*v),
        (Value::String(s), _) => s.replace('\0', ""),
        (Value::Bytes(b), _) => {
            let mut hex = String::with_capacity(2 + b.len() * 2);
            hex.push_str("\\x");
            for byte in b {
                hex.push_str(&format!("{byte:02x}"));
            }
            hex
        }
        (other, _) => {
            return Err(format!("a {other:?} value cannot be written to a column"));
        }
    }))
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn column(name: &str, schema: &Schema) -> Result<Column, String> {
    let default = match &schema.default {
        Some(value) => text_of(schema, value)?.map(|t| quote_literal(&t)),
        None => None,
    };
    Ok(Column {
        name: name.to_string(),
        sql_type: sql_type(schema).map_err(|e| format!("field {name}: {e}"))?,
        optional: schema.optional,
        default,
    })
}

fn location(record: &ConnectRecord) -> String {
    format!(
        "(topic='{}',partition={},offset={})",
        record.topic,
        record.partition.unwrap_or(-1),
        record.kafka_offset.unwrap_or(-1)
    )
}

/// The primary-key columns and values a record's key gives (`pk.mode=record_key`).
fn key_columns(
    record: &ConnectRecord,
    settings: &Settings,
) -> Result<(Vec<Column>, Vec<Option<String>>), String> {
    let schema = record.key_schema.as_ref().ok_or_else(|| {
        format!(
            "pk.mode=record_key needs records with a key schema; found none at {}",
            location(record)
        )
    })?;
    if matches!(record.key, Value::Null) {
        return Err(format!(
            "pk.mode=record_key needs a non-null key; found null at {}",
            location(record)
        ));
    }
    match (&record.key, schema.kind) {
        (Value::Struct(key), SchemaType::Struct) => {
            let mut columns = Vec::new();
            let mut values = Vec::new();
            for field in &schema.fields {
                if !settings.pk_fields.is_empty() && !settings.pk_fields.contains(&field.name) {
                    continue;
                }
                let mut c = column(&field.name, &field.schema)?;
                c.optional = false;
                columns.push(c);
                let value = key.get_field(field).cloned().unwrap_or_default();
                values.push(text_of(&field.schema, &value)?);
            }
            if columns.is_empty() {
                return Err(format!(
                    "no key field matches pk.fields {:?}",
                    settings.pk_fields
                ));
            }
            Ok((columns, values))
        }
        (value, _) => {
            let name = settings
                .pk_fields
                .first()
                .map_or(DEFAULT_KEY_COLUMN, String::as_str);
            let mut c = column(name, schema)?;
            c.optional = false;
            Ok((vec![c], vec![text_of(schema, value)?]))
        }
    }
}

/// The values a record's key gives under `pk.mode=record_key`, and their column
/// names: what [`key_columns`] computes, without the column types.
fn key_params<'a>(
    record: &'a ConnectRecord,
    settings: &'a Settings,
    names: &mut Vec<&'a str>,
    params: &mut Vec<Option<String>>,
) -> Result<(), String> {
    let schema = record.key_schema.as_ref().ok_or_else(|| {
        format!(
            "pk.mode=record_key needs records with a key schema; found none at {}",
            location(record)
        )
    })?;
    match (&record.key, schema.kind) {
        (Value::Null, _) => Err(format!(
            "pk.mode=record_key needs a non-null key; found null at {}",
            location(record)
        )),
        (Value::Struct(key), SchemaType::Struct) => {
            for field in &schema.fields {
                if settings.pk_fields.is_empty() || settings.pk_fields.contains(&field.name) {
                    names.push(&field.name);
                    let value = key.get_field(field).cloned().unwrap_or_default();
                    params.push(text_of(&field.schema, &value)?);
                }
            }
            Ok(())
        }
        (value, _) => {
            names.push(
                settings
                    .pk_fields
                    .first()
                    .map_or(DEFAULT_KEY_COLUMN, String::as_str),
            );
            params.push(text_of(schema, value)?);
            Ok(())
        }
    }
}

/// The parameters of a record's statement, in the order [`row_of`] gives them, for a
/// record whose statement is already known (same topic and schemas as an earlier
/// record): the per-record work of a batch.
pub fn params_of(
    record: &ConnectRecord,
    settings: &Settings,
) -> Result<Vec<Option<String>>, String> {
    let mut params = Vec::new();
    let mut pk: Vec<&str> = Vec::new();
    let Value::Struct(value) = &record.value else {
        // A delete: the key's values only.
        key_params(record, settings, &mut pk, &mut params)?;
        return Ok(params);
    };
    let schema = &value.schema;
    match settings.pk_mode {
        PkMode::None => {}
        PkMode::Kafka => {
            params.push(Some(record.topic.clone()));
            params.push(Some(record.partition.unwrap_or(-1).to_string()));
            params.push(Some(record.kafka_offset.unwrap_or(-1).to_string()));
        }
        PkMode::RecordKey => key_params(record, settings, &mut pk, &mut params)?,
        PkMode::RecordValue => {
            for field in &schema.fields {
                if settings.pk_fields.is_empty() || settings.pk_fields.contains(&field.name) {
                    pk.push(&field.name);
                    params.push(text_of(
                        &field.schema,
                        &value.get_field(field).cloned().unwrap_or_default(),
                    )?);
                }
            }
        }
    }
    let key_count = params.len();
    for field in &schema.fields {
        if pk.contains(&field.name.as_str()) {
            continue;
        }
        if !settings.fields_whitelist.is_empty() && !settings.fields_whitelist.contains(&field.name)
        {
            continue;
        }
        let field_value = value.get_field(field).cloned().unwrap_or_default();
        params.push(
            text_of(&field.schema, &field_value)
                .map_err(|e| format!("field {}: {e}", field.name))?,
        );
    }
    if settings.insert_mode == InsertMode::Update {
        params.rotate_left(key_count);
    }
    Ok(params)
}

/// The statement for one record.
pub fn row_of(record: &ConnectRecord, settings: &Settings) -> Result<Row, String> {
    let table = settings
        .table_name_format
        .replace("${topic}", &record.topic);
    if matches!(record.value, Value::Null) {
        if !settings.delete_enabled {
            return Err(format!(
                "Sink connector is configured with 'delete.enabled=false' and 'pk.mode={}' and therefore requires records with a non-null Struct value and non-null Struct schema, but found record at {} with a null value and {} value schema.",
                settings.pk_mode.name(),
                location(record),
                if record.value_schema.is_some() {
                    "a"
                } else {
                    "null"
                }
            ));
        }
        let (columns, params) = key_columns(record, settings)?;
        let sql = format!(
            "DELETE FROM {} WHERE {}",
            quote_ident(&table),
            conditions(&columns, 1)
        );
        return Ok(Row {
            sql,
            params,
            shape: None,
        });
    }
    let (schema, value) = match (&record.value_schema, &record.value) {
        (Some(schema), Value::Struct(value)) if schema.kind == SchemaType::Struct => {
            (Arc::clone(schema), value)
        }
        _ => {
            return Err(format!(
                "the sink needs records whose value is a Struct with a schema (e.g. JsonConverter with schemas.enable=true); found {} at {}",
                record
                    .value_schema
                    .as_ref()
                    .map_or("no schema".to_string(), |s| format!(
                        "a {} schema",
                        s.kind.name()
                    )),
                location(record)
            ));
        }
    };
    let mut columns = Vec::new();
    let mut params = Vec::new();
    let mut pk = Vec::new();
    match settings.pk_mode {
        PkMode::None => {}
        PkMode::Kafka => {
            let names: Vec<&str> = if settings.pk_fields.len() == 3 {
                settings.pk_fields.iter().map(String::as_str).collect()
            } else {
                KAFKA_PK.to_vec()
            };
            for (name, sql_type, text) in [
                (names[0], "TEXT", record.topic.clone()),
                (names[1], "INT", record.partition.unwrap_or(-1).to_string()),
                (
                    names[2],
                    "BIGINT",
                    record.kafka_offset.unwrap_or(-1).to_string(),
                ),
            ] {
                columns.push(Column {
                    name: name.to_string(),
                    sql_type: sql_type.into(),
                    optional: false,
                    default: None,
                });
                params.push(Some(text));
            }
        }
        PkMode::RecordKey => {
            let (key_columns, key_values) = key_columns(record, settings)?;
            columns.extend(key_columns);
            params.extend(key_values);
        }
        PkMode::RecordValue => {
            for field in &schema.fields {
                if settings.pk_fields.is_empty() || settings.pk_fields.contains(&field.name) {
                    let mut c = column(&field.name, &field.schema)?;
                    c.optional = false;
                    columns.push(c);
                    params.push(text_of(
                        &field.schema,
                        &value.get_field(field).cloned().unwrap_or_default(),
                    )?);
                }
            }
        }
    }
    pk.extend(columns.iter().map(|c| c.name.clone()));
    for field in &schema.fields {
        if pk.contains(&field.name) {
            continue;
        }
        if !settings.fields_whitelist.is_empty() && !settings.fields_whitelist.contains(&field.name)
        {
            continue;
        }
        columns.push(column(&field.name, &field.schema)?);
        let field_value = value.get_field(field).cloned().unwrap_or_default();
        params.push(
            text_of(&field.schema, &field_value)
                .map_err(|e| format!("field {}: {e}", field.name))?,
        );
    }
    let quoted = |c: &Column| quote_ident(&c.name);
    let names: Vec<String> = columns.iter().map(quoted).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let non_pk: Vec<&Column> = columns.iter().filter(|c| !pk.contains(&c.name)).collect();
    let sql = match settings.insert_mode {
        InsertMode::Insert => format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote_ident(&table),
            names.join(","),
            placeholders.join(",")
        ),
        InsertMode::Upsert => {
            let action = if non_pk.is_empty() {
                "DO NOTHING".to_string()
            } else {
                format!(
                    "DO UPDATE SET {}",
                    non_pk
                        .iter()
                        .map(|c| format!("{0}=EXCLUDED.{0}", quote_ident(&c.name)))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            };
            format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {action}",
                quote_ident(&table),
                names.join(","),
                placeholders.join(","),
                pk.iter()
                    .map(|n| quote_ident(n))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
        InsertMode::Update => {
            // Parameters: the non-key columns first, then the key.
            let pk_count = pk.len();
            let (key_params, rest) = params.split_at(pk_count);
            let reordered: Vec<Option<String>> = rest.iter().chain(key_params).cloned().collect();
            let key_columns: Vec<Column> = columns[..pk_count].to_vec();
            let sets: Vec<String> = non_pk
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}=${}", quote_ident(&c.name), i + 1))
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE {}",
                quote_ident(&table),
                sets.join(","),
                conditions(&key_columns, non_pk.len() + 1)
            );
            params = reordered;
            sql
        }
    };
    Ok(Row {
        sql,
        params,
        shape: Some(TableShape { table, columns, pk }),
    })
}

/// `"a"=$n AND "b"=$n+1 …`.
fn conditions(columns: &[Column], first: usize) -> String {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}=${}", quote_ident(&c.name), first + i))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The column names of `table` in the current schema.
pub fn columns_query(table: &str) -> String {
    format!(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = {} ORDER BY ordinal_position",
        quote_literal(table)
    )
}

fn column_ddl(c: &Column) -> String {
    let mut ddl = format!("{} {}", quote_ident(&c.name), c.sql_type);
    if let Some(default) = &c.default {
        ddl.push_str(&format!(" DEFAULT {default}"));
    }
    if !c.optional {
        ddl.push_str(" NOT NULL");
    }
    ddl
}

/// `CREATE TABLE` for auto.create.
pub fn create_table(shape: &TableShape, _settings: &Settings) -> String {
    let mut parts: Vec<String> = shape.columns.iter().map(column_ddl).collect();
    if !shape.pk.is_empty() {
        parts.push(format!(
            "PRIMARY KEY({})",
            shape
                .pk
                .iter()
                .map(|n| quote_ident(n))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        quote_ident(&shape.table),
        parts.join(",")
    )
}

/// `ALTER TABLE … ADD` for auto.evolve.
pub fn add_columns(table: &str, columns: &[&Column]) -> String {
    format!(
        "ALTER TABLE {} {}",
        quote_ident(table),
        columns
            .iter()
            .map(|c| format!("ADD {}", column_ddl(c)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::Struct;

    fn settings(entries: &[(&str, &str)]) -> Settings {
        let mut all = vec![(CONNECTION_URL, "jdbc:postgresql://db:5433/app")];
        all.extend_from_slice(entries);
        Settings::parse(&all.into_iter().collect()).expect("valid")
    }

    fn record(
        key: Option<(Arc<Schema>, Value)>,
        value: Option<(Arc<Schema>, Value)>,
    ) -> ConnectRecord {
        let mut r = ConnectRecord::new("orders", None, Value::Null);
        if let Some((s, v)) = key {
            r.key_schema = Some(s);
            r.key = v;
        }
        if let Some((s, v)) = value {
            r.value_schema = Some(s);
            r.value = v;
        }
        r.partition = Some(2);
        r.kafka_offset = Some(41);
        r
    }

    fn order() -> (Arc<Schema>, Value) {
        let schema = Schema::structure()
            .field("id", Schema::int32())
            .field("item", Schema::string())
            .field("price", Schema::float64().optional())
            .field("day", Schema::date())
            .into_arc();
        let mut s = Struct::new(schema.clone());
        s.put("id", 7).expect("id");
        s.put("item", "it's").expect("item");
        s.put("day", Value::Int32(19724)).expect("day");
        (schema, Value::Struct(s))
    }

    #[test]
    fn urls_and_modes_parse() {
        let s = settings(&[
            (CONNECTION_USER, "u"),
            (INSERT_MODE, "upsert"),
            (PK_MODE, "record_key"),
        ]);
        assert_eq!(
            (
                s.connect.host.as_str(),
                s.connect.port,
                s.connect.database.as_str(),
                s.connect.user.as_str()
            ),
            ("db", 5433, "app", "u")
        );
        assert_eq!(s.insert_mode, InsertMode::Upsert);
        let problems = Settings::parse(
            &[(CONNECTION_URL, "jdbc:mysql://h/db")]
                .into_iter()
                .collect(),
        )
        .expect_err("not postgres");
        assert_eq!(problems[0].key, CONNECTION_URL);
        assert!(
            problems[0].message.contains("only to PostgreSQL"),
            "{problems:?}"
        );
        let problems = Settings::parse(
            &[
                (CONNECTION_URL, "jdbc:postgresql://h/db"),
                (INSERT_MODE, "upsert"),
            ]
            .into_iter()
            .collect(),
        )
        .expect_err("upsert needs a key");
        assert_eq!(problems[0].key, PK_MODE);
        let problems = Settings::parse(
            &[
                (CONNECTION_URL, "jdbc:postgresql://h/db"),
                (DELETE_ENABLED, "true"),
            ]
            .into_iter()
            .collect(),
        )
        .expect_err("deletes need record_key");
        assert_eq!(problems[0].key, DELETE_ENABLED);
    }

    #[test]
    fn inserts_upserts_and_updates() {
        let (schema, value) = order();
        let r = record(None, Some((schema.clone(), value.clone())));
        let row = row_of(&r, &settings(&[])).expect("row");
        assert_eq!(
            row.sql,
            "INSERT INTO \"orders\" (\"id\",\"item\",\"price\",\"day\") VALUES ($1,$2,$3,$4)"
        );
        assert_eq!(
            row.params,
            [
                Some("7".into()),
                Some("it's".into()),
                None,
                Some("2024-01-02".into())
            ]
        );

        let s = settings(&[
            (INSERT_MODE, "upsert"),
            (PK_MODE, "record_value"),
            (PK_FIELDS, "id"),
        ]);
        let row = row_of(&r, &s).expect("row");
        assert_eq!(
            row.sql,
            "INSERT INTO \"orders\" (\"id\",\"item\",\"price\",\"day\") VALUES ($1,$2,$3,$4) ON CONFLICT (\"id\") DO UPDATE SET \"item\"=EXCLUDED.\"item\",\"price\"=EXCLUDED.\"price\",\"day\"=EXCLUDED.\"day\""
        );
        let shape = row.shape.expect("shape");
        assert_eq!(
            create_table(&shape, &s),
            "CREATE TABLE IF NOT EXISTS \"orders\" (\"id\" INT NOT NULL,\"item\" TEXT NOT NULL,\"price\" DOUBLE PRECISION,\"day\" DATE NOT NULL,PRIMARY KEY(\"id\"))"
        );

        let s = settings(&[
            (INSERT_MODE, "update"),
            (PK_MODE, "record_value"),
            (PK_FIELDS, "id"),
            (FIELDS_WHITELIST, "item"),
        ]);
        let row = row_of(&r, &s).expect("row");
        assert_eq!(row.sql, "UPDATE \"orders\" SET \"item\"=$1 WHERE \"id\"=$2");
        assert_eq!(row.params, [Some("it's".into()), Some("7".into())]);
    }

    #[test]
    fn keys_kafka_coordinates_and_tombstones() {
        let (schema, value) = order();
        let key = (Schema::int64().into_arc(), Value::Int64(99));
        let s = settings(&[
            (PK_MODE, "record_key"),
            (PK_FIELDS, "order_id"),
            (DELETE_ENABLED, "true"),
            (INSERT_MODE, "upsert"),
        ]);
        let row = row_of(
            &record(Some(key.clone()), Some((schema.clone(), value.clone()))),
            &s,
        )
        .expect("row");
        assert!(
            row.sql
                .starts_with("INSERT INTO \"orders\" (\"order_id\",\"id\""),
            "{}",
            row.sql
        );
        assert_eq!(row.params[0], Some("99".into()));
        let tombstone = row_of(&record(Some(key), None), &s).expect("delete");
        assert_eq!(
            tombstone.sql,
            "DELETE FROM \"orders\" WHERE \"order_id\"=$1"
        );
        assert_eq!(tombstone.params, [Some("99".into())]);
        assert!(tombstone.shape.is_none());

        let s = settings(&[(PK_MODE, "kafka")]);
        let row = row_of(&record(None, Some((schema, value))), &s).expect("row");
        assert_eq!(
            &row.params[..3],
            [Some("orders".into()), Some("2".into()), Some("41".into())]
        );
        let error = row_of(&record(None, None), &s).expect_err("no deletes");
        assert!(error.contains("delete.enabled=false"), "{error}");
    }

    #[test]
    fn params_of_matches_row_of() {
        let (schema, value) = order();
        let key = (Schema::int64().into_arc(), Value::Int64(99));
        let configs: [&[(&str, &str)]; 5] = [
            &[],
            &[(PK_MODE, "kafka")],
            &[
                (INSERT_MODE, "upsert"),
                (PK_MODE, "record_value"),
                (PK_FIELDS, "id"),
            ],
            &[
                (INSERT_MODE, "update"),
                (PK_MODE, "record_value"),
                (PK_FIELDS, "id"),
                (FIELDS_WHITELIST, "item"),
            ],
            &[
                (PK_MODE, "record_key"),
                (PK_FIELDS, "order_id"),
                (DELETE_ENABLED, "true"),
                (INSERT_MODE, "update"),
            ],
        ];
        for config in configs {
            let s = settings(config);
            let r = record(Some(key.clone()), Some((schema.clone(), value.clone())));
            assert_eq!(
                params_of(&r, &s),
                Ok(row_of(&r, &s).expect("row").params),
                "{config:?}"
            );
        }
        let s = settings(&[(PK_MODE, "record_key"), (DELETE_ENABLED, "true")]);
        let tombstone = record(Some(key), None);
        assert_eq!(
            params_of(&tombstone, &s),
            Ok(row_of(&tombstone, &s).expect("row").params)
        );
    }

    #[test]
    fn values_render_as_postgres_text() {
        let ts = Schema::timestamp();
        assert_eq!(
            text_of(&ts, &Value::Int64(1_700_000_000_123)).expect("ts"),
            Some("2023-11-14 22:13:20.123".into())
        );
        assert_eq!(
            text_of(&Schema::time(), &Value::Int32(3_723_004)).expect("t"),
            Some("01:02:03.004".into())
        );
        assert_eq!(
            text_of(&Schema::date(), &Value::Int32(-1)).expect("d"),
            Some("1969-12-31".into())
        );
        assert_eq!(
            text_of(&Schema::bytes(), &Value::Bytes(vec![0, 255])).expect("b"),
            Some("\\x00ff".into())
        );
        assert_eq!(
            text_of(&Schema::float64(), &Value::Float64(f64::NEG_INFINITY)).expect("f"),
            Some("-Infinity".into())
        );
        let decimal = Schema::decimal(2);
        assert_eq!(
            text_of(
                &decimal,
                &Value::Bytes(ferry_sdk::logical::decimal_from_i128(-12345))
            )
            .expect("dec"),
            Some("-123.45".into())
        );
    }
}
