//! Kafka's `Values.parseString` (what `InsertHeader` does with its `value.literal`,
//! and the `SimpleHeaderConverter` with header bytes) and `Values.convertToString`
//! (the `SimpleHeaderConverter`'s writing), for the Connect data model of the SDK
//! (logical values in physical form).

use std::sync::Arc;

pub mod number;
pub mod parser;
pub mod temporal;

use ferry_sdk::display::{java_double, java_float};
use ferry_sdk::logical::LogicalType;
use ferry_sdk::{Schema, SchemaType, Value};

use crate::config::java_trim;
use number::{BigDecimal, to_long};
use parser::{Parser, is_blank};
use temporal::{MILLIS_PER_DAY, Temporal};

/// A parsed schema and value; `None` is Java's `null` result.
type Parsed = Option<(Option<Schema>, Value)>;

/// Kafka's `DataException` inside the parser: the caller falls back to a string.
#[derive(Debug)]
struct Rejected;

/// `Values.parseString`. Kafka's `arrayOfNull` / `mapOfNull` / `mapWithNullValues`
/// schemas (an array or map whose elements have no common schema) cannot cross the
/// WIT, which needs every child schema: such values come back schemaless.
pub fn parse_string(text: &str) -> (Option<Arc<Schema>>, Value) {
    if text.is_empty() {
        return (
            Some(Arc::new(Schema::string())),
            Value::String(String::new()),
        );
    }
    let mut parser = Parser::new(text);
    match parse(&mut parser, false) {
        Ok(Some((schema, value))) => (schema.filter(complete).map(Arc::new), value),
        Ok(None) => (None, Value::Null),
        // Not reachable for a top-level value (embedded failures are caught), but a
        // string is what Kafka falls back to.
        Err(Rejected) => (Some(Arc::new(Schema::string())), Value::String(text.into())),
    }
}

/// Whether every array and map in `schema` has its child schemas.
fn complete(schema: &Schema) -> bool {
    match schema.kind {
        SchemaType::Array => schema.value_schema.as_deref().is_some_and(complete),
        SchemaType::Map => {
            schema.key_schema.as_deref().is_some_and(complete)
                && schema.value_schema.as_deref().is_some_and(complete)
        }
        _ => true,
    }
}

fn string(s: String) -> Parsed {
    Some((Some(Schema::string()), Value::String(s)))
}

fn single_token_literal(parser: &mut Parser, embedded: bool, literal: &str) -> bool {
    let start = parser.mark();
    if parser.can_consume(literal) && (embedded || !parser.has_next()) {
        return true;
    }
    parser.rewind_to(start);
    false
}

fn parse(parser: &mut Parser, embedded: bool) -> Result<Parsed, Rejected> {
    if !parser.has_next() {
        return Ok(None);
    } else if embedded && parser.can_consume("\"") {
        return Ok(parse_quoted_string(parser));
    } else if single_token_literal(parser, embedded, "null") {
        return Ok(None);
    } else if single_token_literal(parser, embedded, "true") {
        return Ok(Some((Some(Schema::boolean()), Value::Boolean(true))));
    } else if single_token_literal(parser, embedded, "false") {
        return Ok(Some((Some(Schema::boolean()), Value::Boolean(false))));
    }
    let start = parser.mark();
    let container = if parser.can_consume("[") {
        Some(parse_array(parser))
    } else if parser.can_consume("{") {
        Some(parse_map(parser))
    } else {
        None
    };
    match container {
        Some(Ok(parsed)) => return Ok(parsed),
        Some(Err(Rejected)) => parser.rewind_to(start),
        None => {}
    }
    let token = parser.take_token();
    if is_blank(&token) {
        return Ok(string(token));
    }
    parse_next_token(parser, embedded, java_trim(&token))
}

fn parse_next_token(parser: &mut Parser, embedded: bool, token: &str) -> Result<Parsed, Rejected> {
    let first = token.chars().next().unwrap_or(' ');
    // Java's `Character.isDigit` also takes non-ASCII digits; Ferry reads ASCII ones.
    let digit = first.is_ascii_digit();
    if digit && let Some(temporal) = parse_multiple_tokens_as_temporal(parser, token) {
        return Ok(Some(temporal));
    }
    if (digit || first == '+' || first == '-')
        && let Some(number) = parse_as_number(token)
    {
        return Ok(Some(number));
    }
    if embedded {
        return Err(Rejected);
    }
    Ok(string(parser.original()))
}

fn parse_quoted_string(parser: &mut Parser) -> Parsed {
    let mut content = String::new();
    while parser.has_next() {
        if parser.can_consume("\"") {
            break;
        }
        content.push_str(&parser.take_token());
    }
    parse_as_temporal(&content).or_else(|| string(content))
}

fn parse_array(parser: &mut Parser) -> Result<Parsed, Rejected> {
    let mut result = Vec::new();
    let mut merger = SchemaMerger::default();
    while parser.has_next() {
        if parser.can_consume("]") {
            let schema = match merger.common {
                Some(element) => {
                    result = result
                        .into_iter()
                        .map(|v| convert_to(&element, v))
                        .collect::<Result<_, _>>()?;
                    Schema::array(element)
                }
                None => Schema::new(SchemaType::Array),
            };
            return Ok(Some((Some(schema), Value::Array(result))));
        }
        if parser.can_consume(",") {
            return Err(Rejected);
        }
        let element = parse(parser, true)?;
        merger.merge(&element);
        result.push(element.map_or(Value::Null, |(_, v)| v));
        let current = parser.mark();
        if parser.can_consume("]") {
            parser.rewind_to(current);
        } else if !parser.can_consume(",") {
            return Err(Rejected);
        }
    }
    Err(Rejected)
}

fn parse_map(parser: &mut Parser) -> Result<Parsed, Rejected> {
    let mut result: Vec<(Value, Value)> = Vec::new();
    let mut keys = SchemaMerger::default();
    let mut values = SchemaMerger::default();
    while parser.has_next() {
        if parser.can_consume("}") {
            let schema = match (keys.common, values.common) {
                (Some(k), Some(v)) => {
                    result = result
                        .into_iter()
                        .map(|(key, value)| Ok((convert_to(&k, key)?, convert_to(&v, value)?)))
                        .collect::<Result<_, _>>()?;
                    Schema::map(k, v)
                }
                (Some(k), None) => {
                    result = result
                        .into_iter()
                        .map(|(key, value)| Ok((convert_to(&k, key)?, value)))
                        .collect::<Result<_, _>>()?;
                    Schema {
                        key_schema: Some(Arc::new(k)),
                        ..Schema::new(SchemaType::Map)
                    }
                }
                _ => Schema::new(SchemaType::Map),
            };
            return Ok(Some((Some(schema), Value::Map(result))));
        }
        if parser.can_consume(",") {
            return Err(Rejected);
        }
        let key = parse(parser, true)?;
        let Some(key) = key.filter(|(_, v)| !v.is_null()) else {
            return Err(Rejected);
        };
        if !parser.can_consume(":") {
            return Err(Rejected);
        }
        let value = parse(parser, true)?;
        let entry_value = value.as_ref().map_or(Value::Null, |(_, v)| v.clone());
        // A LinkedHashMap: a repeated key keeps its place and takes the new value.
        match result.iter_mut().find(|(k, _)| *k == key.1) {
            Some(entry) => entry.1 = entry_value,
            None => result.push((key.1.clone(), entry_value)),
        }
        parser.can_consume(",");
        keys.merge(&Some(key));
        values.merge(&value);
    }
    Err(Rejected)
}

fn parse_multiple_tokens_as_temporal(parser: &mut Parser, token: &str) -> Parsed {
    let position = parser.mark();
    if let Some(rest) = parser.next_n(4)
        && let Some(parsed) = parse_as_temporal(&format!("{token}{rest}"))
    {
        return Some(parsed);
    }
    parser.rewind_to(position);
    parse_as_temporal(token)
}

fn parse_as_temporal(token: &str) -> Parsed {
    let (kind, ms) = temporal::parse(token)?;
    Some(match kind {
        Temporal::Date => (
            Some(Schema::date()),
            Value::Int32(ms.div_euclid(MILLIS_PER_DAY) as i32),
        ),
        Temporal::Time => (Some(Schema::time()), Value::Int32(ms as i32)),
        Temporal::Timestamp => (Some(Schema::timestamp()), Value::Int64(ms)),
    })
}

fn parse_as_number(token: &str) -> Parsed {
    let decimal = BigDecimal::parse(token)?;
    if let Some(integral) = decimal.integral_digits() {
        let fits = integral.len() < 19 || to_long(decimal.negative, &integral).is_some();
        if fits && let Some(n) = to_long(decimal.negative, &integral) {
            return Some(if let Ok(v) = i8::try_from(n) {
                (Some(Schema::int8()), Value::Int8(v))
            } else if let Ok(v) = i16::try_from(n) {
                (Some(Schema::int16()), Value::Int16(v))
            } else if let Ok(v) = i32::try_from(n) {
                (Some(Schema::int32()), Value::Int32(v))
            } else {
                (Some(Schema::int64()), Value::Int64(n))
            });
        }
    }
    let text = decimal.float_text();
    let f: f32 = text.parse().ok()?;
    let d: f64 = text.parse().ok()?;
    if f.is_finite() && decimal.scale != 0 {
        Some((Some(Schema::float32()), Value::Float32(f)))
    } else if d.is_finite() && decimal.scale != 0 {
        Some((Some(Schema::float64()), Value::Float64(d)))
    } else {
        let scale = i32::try_from(decimal.scale).ok()?;
        Some((
            Some(Schema::decimal(scale)),
            Value::Bytes(decimal.unscaled_bytes()),
        ))
    }
}

/// Kafka's `SchemaMerger`: the common schema of the values seen, numbers widened.
#[derive(Default)]
struct SchemaMerger {
    common: Option<Schema>,
    incompatible: bool,
}

impl SchemaMerger {
    fn merge(&mut self, latest: &Parsed) {
        let Some((Some(schema), _)) = latest else {
            return;
        };
        if self.incompatible {
            return;
        }
        self.common = match self.common.take() {
            None => Some(schema.clone()),
            Some(previous) => merge_schemas(previous, schema),
        };
        self.incompatible = self.common.is_none();
    }
}

fn numeric_rank(kind: SchemaType) -> Option<u8> {
    Some(match kind {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        _ => return None,
    })
}

fn merge_schemas(previous: Schema, new: &Schema) -> Option<Schema> {
    if previous.kind != new.kind {
        let (p, n) = (numeric_rank(previous.kind)?, numeric_rank(new.kind)?);
        return Some(if n > p { new.clone() } else { previous });
    }
    if previous.optional == new.optional {
        return Some(if previous.optional {
            previous
        } else {
            new.clone()
        });
    }
    (previous == *new).then_some(previous)
}

/// Kafka's `Values.convertTo(toSchema, null, value)` for what the parser yields.
fn convert_to(schema: &Schema, value: Value) -> Result<Value, Rejected> {
    if value.is_null() {
        return if schema.optional {
            Ok(Value::Null)
        } else {
            Err(Rejected)
        };
    }
    if LogicalType::of(schema).is_some() {
        return Ok(value);
    }
    let long = || -> Result<i64, Rejected> {
        Ok(match &value {
            Value::Int8(v) => i64::from(*v),
            Value::Int16(v) => i64::from(*v),
            Value::Int32(v) => i64::from(*v),
            Value::Int64(v) => *v,
            Value::Float32(v) => *v as i64,
            Value::Float64(v) => *v as i64,
            _ => return Err(Rejected),
        })
    };
    let double = || -> Result<f64, Rejected> {
        Ok(match &value {
            Value::Float32(v) => f64::from(*v),
            Value::Float64(v) => *v,
            _ => long()? as f64,
        })
    };
    Ok(match (schema.kind, &value) {
        (SchemaType::Int8, Value::Int8(_))
        | (SchemaType::Int16, Value::Int16(_))
        | (SchemaType::Int32, Value::Int32(_))
        | (SchemaType::Int64, Value::Int64(_))
        | (SchemaType::Float32, Value::Float32(_))
        | (SchemaType::Float64, Value::Float64(_))
        | (SchemaType::Boolean, Value::Boolean(_))
        | (SchemaType::String, Value::String(_))
        | (SchemaType::Bytes, Value::Bytes(_))
        | (SchemaType::Array, Value::Array(_))
        | (SchemaType::Map, Value::Map(_)) => value,
        (SchemaType::Int8, _) => Value::Int8(long()? as i8),
        (SchemaType::Int16, _) => Value::Int16(long()? as i16),
        (SchemaType::Int32, _) => Value::Int32(long()? as i32),
        (SchemaType::Int64, _) => Value::Int64(long()?),
        (SchemaType::Float32, _) => Value::Float32(double()? as f32),
        (SchemaType::Float64, _) => Value::Float64(double()?),
        _ => return Err(Rejected),
    })
}

/// `Values.convertToString(schema, value)`; `None` for a null value.
pub fn convert_to_string(schema: Option<&Schema>, value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut out = String::new();
    append(&mut out, schema, value, false);
    Some(out)
}

fn append(out: &mut String, schema: Option<&Schema>, value: &Value, embedded: bool) {
    match (schema.and_then(LogicalType::of), value) {
        (Some(LogicalType::Decimal { scale }), Value::Bytes(b)) => {
            out.push_str(&BigDecimal::from_unscaled(b, i64::from(scale)).to_java_string());
            return;
        }
        (Some(LogicalType::Date), Value::Int32(days)) => {
            out.push_str(&temporal::format(i64::from(*days) * MILLIS_PER_DAY));
            return;
        }
        (Some(LogicalType::Time), Value::Int32(ms)) => {
            out.push_str(&temporal::format(i64::from(*ms)));
            return;
        }
        (Some(LogicalType::Timestamp), Value::Int64(ms)) => {
            out.push_str(&temporal::format(*ms));
            return;
        }
        _ => {}
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) => out.push_str(&java_float(*v)),
        Value::Float64(v) => out.push_str(&java_double(*v)),
        Value::String(s) if embedded => {
            out.push('"');
            out.push_str(&s.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        }
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) if embedded => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        Value::Bytes(b) => out.push_str(&base64(b)),
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, element, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let key = schema.and_then(|s| s.key_schema.as_deref());
            let val = schema.and_then(|s| s.value_schema.as_deref());
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, key, k, true);
                out.push(':');
                append(out, val, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (field, v)) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, None, &Value::String(field.name.clone()), true);
                out.push(':');
                append(out, Some(&field.schema), v, true);
            }
            out.push('}');
        }
    }
}

/// `java.util.Base64.getEncoder()`: standard alphabet, padded.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
