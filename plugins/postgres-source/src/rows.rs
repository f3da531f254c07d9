//! Pure logic of the source: result columns → a Connect schema, text rows → Structs,
//! and the JDBC connector's offset shape.

use std::sync::Arc;

use ferry_sdk::logical::{civil_from_days, days_from_civil, decimal_from_i128, decimal_parse};
use ferry_sdk::{Schema, Struct, Value};
use pg_wire::ColumnInfo;

const BOOL: u32 = 16;
const BYTEA: u32 = 17;
const INT8: u32 = 20;
const INT2: u32 = 21;
const INT4: u32 = 23;
const OID: u32 = 26;
const FLOAT4: u32 = 700;
const FLOAT8: u32 = 701;
const DATE: u32 = 1082;
const TIME: u32 = 1083;
const TIMESTAMP: u32 = 1114;
const TIMESTAMPTZ: u32 = 1184;
const NUMERIC: u32 = 1700;

/// The scale a `numeric(p,s)` column declares, if any.
fn numeric_scale(type_modifier: i32) -> Option<i32> {
    (type_modifier >= 4).then(|| (type_modifier - 4) & 0xffff)
}

/// The Connect schema of a result's columns (every field optional: a result does not
/// say which columns are NOT NULL), named after the table.
pub fn schema_of(name: &str, columns: &[ColumnInfo]) -> Arc<Schema> {
    let mut schema = Schema::structure().with_name(name);
    for column in columns {
        let field = match column.type_oid {
            BOOL => Schema::boolean(),
            INT2 => Schema::int16(),
            INT4 => Schema::int32(),
            INT8 | OID => Schema::int64(),
            FLOAT4 => Schema::float32(),
            FLOAT8 => Schema::float64(),
            BYTEA => Schema::bytes(),
            DATE => Schema::date(),
            TIME => Schema::time(),
            TIMESTAMP | TIMESTAMPTZ => Schema::timestamp(),
            NUMERIC => match numeric_scale(column.type_modifier) {
                Some(scale) => Schema::decimal(scale),
                None => Schema::string(),
            },
            _ => Schema::string(),
        };
        schema = schema.field(column.name.as_str(), field.optional());
    }
    schema.into_arc()
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.get(..2)?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// `HH:MM:SS[.fraction]` → (milliseconds, nanoseconds within the second).
fn parse_time(text: &str) -> Option<(i64, i64)> {
    let text = text.split(['+', '-']).next()?;
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = hms.splitn(3, ':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: i64 = parts.next()?.parse().ok()?;
    let digits: String = fraction.chars().take(9).collect();
    let nanos: i64 = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<9}").parse().ok()?
    };
    Some((((h * 60 + m) * 60 + s) * 1000 + nanos / 1_000_000, nanos))
}

/// `YYYY-MM-DD HH:MM:SS[.fraction][+00]` (UTC) → (epoch ms, nanos within the second).
pub fn parse_timestamp(text: &str) -> Option<(i64, i64)> {
    let (date, time) = text.split_once(' ')?;
    let days = parse_date(date)?;
    let (ms, nanos) = parse_time(time)?;
    Some((days * 86_400_000 + ms, nanos))
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix("\\x")?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A text value of `column` as a Connect value of `schema`'s field type.
fn parse_value(field: &Schema, column: &ColumnInfo, text: &str) -> Result<Value, String> {
    let bad = || format!("cannot read {text:?} from column {}", column.name);
    Ok(match column.type_oid {
        BOOL => Value::Boolean(text == "t"),
        INT2 => Value::Int16(text.parse().map_err(|_| bad())?),
        INT4 => Value::Int32(text.parse().map_err(|_| bad())?),
        INT8 | OID => Value::Int64(text.parse().map_err(|_| bad())?),
        FLOAT4 => Value::Float32(parse_float(text).ok_or_else(bad)? as f32),
        FLOAT8 => Value::Float64(parse_float(text).ok_or_else(bad)?),
        BYTEA => Value::Bytes(hex_bytes(text).ok_or_else(bad)?),
        DATE => match parse_date(text) {
            Some(days) => Value::Int32(i32::try_from(days).map_err(|_| bad())?),
            None => Value::Null,
        },
        TIME => {
            Value::Int32(i32::try_from(parse_time(text).ok_or_else(bad)?.0).map_err(|_| bad())?)
        }
        TIMESTAMP | TIMESTAMPTZ => match parse_timestamp(text) {
            Some((ms, _)) => Value::Int64(ms),
            None => Value::Null, // infinity
        },
        NUMERIC if field.name.is_some() => {
            let scale = numeric_scale(column.type_modifier).unwrap_or(0);
            let (unscaled, text_scale) = decimal_parse(text).ok_or_else(bad)?;
            let diff = scale - text_scale;
            let unscaled = if diff >= 0 {
                unscaled
                    .checked_mul(10i128.pow(diff.unsigned_abs()))
                    .ok_or_else(bad)?
            } else {
                unscaled / 10i128.pow(diff.unsigned_abs())
            };
            Value::Bytes(decimal_from_i128(unscaled))
        }
        _ => Value::String(text.to_string()),
    })
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// A row as a Struct of `schema`.
pub fn value_of(
    schema: &Arc<Schema>,
    columns: &[ColumnInfo],
    row: &[Option<String>],
) -> Result<Value, String> {
    let mut value = Struct::new(schema.clone());
    for ((field, column), text) in schema.fields.iter().zip(columns).zip(row) {
        let v = match text {
            None => Value::Null,
            Some(text) => parse_value(&field.schema, column, text)?,
        };
        value.values[field.index] = v;
    }
    Ok(Value::Struct(value))
}

/// The integer in column `name` of `row`.
pub fn column_i64(columns: &[ColumnInfo], row: &[Option<String>], name: &str) -> Option<i64> {
    let i = columns.iter().position(|c| c.name == name)?;
    row.get(i)?.as_deref()?.parse().ok()
}

/// The first non-null timestamp among `names` (their COALESCE).
pub fn first_timestamp(
    columns: &[ColumnInfo],
    row: &[Option<String>],
    names: &[String],
) -> Option<(i64, i64)> {
    names.iter().find_map(|name| {
        let i = columns.iter().position(|c| &c.name == name)?;
        parse_timestamp(row.get(i)?.as_deref()?)
    })
}

/// A source offset as the JDBC source writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offset {
    pub incrementing: Option<i64>,
    pub timestamp: Option<i64>,
    pub timestamp_nanos: Option<i64>,
}

impl Offset {
    pub fn from_json(text: &str) -> Offset {
        let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        Offset {
            incrementing: json.get("incrementing").and_then(serde_json::Value::as_i64),
            timestamp: json.get("timestamp").and_then(serde_json::Value::as_i64),
            timestamp_nanos: json
                .get("timestamp_nanos")
                .and_then(serde_json::Value::as_i64),
        }
    }

    pub fn to_json(&self) -> String {
        let mut map = serde_json::Map::new();
        if let Some(i) = self.incrementing {
            map.insert("incrementing".into(), i.into());
        }
        if let Some(ts) = self.timestamp {
            map.insert("timestamp".into(), ts.into());
            map.insert(
                "timestamp_nanos".into(),
                self.timestamp_nanos.unwrap_or(0).into(),
            );
        }
        serde_json::Value::Object(map).to_string()
    }

    /// The offset's timestamp as PostgreSQL text (epoch 0 if none yet).
    pub fn timestamp_text(&self) -> String {
        let ms = self.timestamp.unwrap_or(0);
        let seconds = ms.div_euclid(1000);
        let nanos = self
            .timestamp_nanos
            .unwrap_or(ms.rem_euclid(1000) * 1_000_000);
        let days = seconds.div_euclid(86_400);
        let secs = seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nanos:09}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, oid: u32, modifier: i32) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            type_oid: oid,
            type_modifier: modifier,
        }
    }

    #[test]
    fn rows_become_structs() {
        let columns = [
            col("id", INT4, -1),
            col("price", NUMERIC, (10 << 16 | 2) + 4),
            col("at", TIMESTAMP, -1),
            col("day", DATE, -1),
            col("note", 25, -1),
            col("raw", BYTEA, -1),
        ];
        let schema = schema_of("orders", &columns);
        assert_eq!(schema.name.as_deref(), Some("orders"));
        let row = [
            Some("7".to_string()),
            Some("12.5".to_string()),
            Some("2023-11-14 22:13:20.123456".to_string()),
            Some("2024-01-02".to_string()),
            None,
            Some("\\x00ff".to_string()),
        ];
        let Value::Struct(s) = value_of(&schema, &columns, &row).expect("row") else {
            panic!("a struct")
        };
        assert_eq!(s.values[0], Value::Int32(7));
        assert_eq!(s.values[1], Value::Bytes(decimal_from_i128(1250)));
        assert_eq!(s.values[2], Value::Int64(1_700_000_000_123));
        assert_eq!(s.values[3], Value::Int32(19724));
        assert_eq!(s.values[4], Value::Null);
        assert_eq!(s.values[5], Value::Bytes(vec![0, 255]));
    }

    #[test]
    fn offsets_have_the_jdbc_shape_and_round_trip() {
        let offset = Offset {
            incrementing: Some(5),
            timestamp: Some(1_700_000_000_123),
            timestamp_nanos: Some(123_456_000),
        };
        let json = offset.to_json();
        assert_eq!(
            json,
            r#"{"incrementing":5,"timestamp":1700000000123,"timestamp_nanos":123456000}"#
        );
        assert_eq!(Offset::from_json(&json), offset);
        assert_eq!(offset.timestamp_text(), "2023-11-14 22:13:20.123456000");
        assert_eq!(
            Offset::default().timestamp_text(),
            "1970-01-01 00:00:00.000000000"
        );
        assert_eq!(
            parse_timestamp("2023-11-14 22:13:20.123456+00"),
            Some((1_700_000_000_123, 123_456_000))
        );
    }
}
