//! One Connect value <-> CBOR (RFC 8949), by schema, as the WIT `value-column`
//! specifies: ints as CBOR integers, floats as CBOR floats, structs as arrays of field
//! values in field order, a nested null as CBOR null. Without a schema, decoding gives
//! ints as `Int64`, floats as `Float64`, text, bytes, arrays and maps.

use std::sync::Arc;

use ciborium::value::Value as Cbor;

use super::CodecError;
use crate::data::{Schema, SchemaType, Struct, Value};

/// Append the CBOR encoding of `value` to `out`. With a schema, the value's kind must
/// match it (nulls are allowed anywhere).
pub fn encode(schema: Option<&Schema>, value: &Value, out: &mut Vec<u8>) -> Result<(), CodecError> {
    if let Some(schema) = schema {
        check_kind(schema, value)?;
    }
    match value {
        Value::Null => out.push(0xf6),
        Value::Boolean(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Int8(v) => encode_int(i64::from(*v), out),
        Value::Int16(v) => encode_int(i64::from(*v), out),
        Value::Int32(v) => encode_int(i64::from(*v), out),
        Value::Int64(v) => encode_int(*v, out),
        Value::Float32(v) => {
            out.push(0xfa);
            out.extend_from_slice(&v.to_be_bytes());
        }
        Value::Float64(v) => {
            out.push(0xfb);
            out.extend_from_slice(&v.to_be_bytes());
        }
        Value::String(s) => {
            head(3, s.len() as u64, out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bytes(b) => {
            head(2, b.len() as u64, out);
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            head(4, items.len() as u64, out);
            for item in items {
                encode(element, item, out)?;
            }
        }
        Value::Map(entries) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_deref());
            let value_schema = schema.and_then(|s| s.value_schema.as_deref());
            head(5, entries.len() as u64, out);
            for (k, v) in entries {
                encode(key_schema, k, out)?;
                encode(value_schema, v, out)?;
            }
        }
        Value::Struct(s) => {
            if let Some(schema) = schema
                && !std::ptr::eq(schema, s.schema.as_ref())
                && *schema != *s.schema
            {
                return Err(CodecError::Malformed(format!(
                    "struct value's schema differs from its declared schema {}",
                    schema.name.as_deref().unwrap_or("(unnamed)")
                )));
            }
            if s.values.len() != s.schema.fields.len() {
                return Err(CodecError::Malformed(format!(
                    "struct has {} values for {} fields",
                    s.values.len(),
                    s.schema.fields.len()
                )));
            }
            head(4, s.values.len() as u64, out);
            for (field, v) in s.schema.fields.iter().zip(&s.values) {
                encode(Some(field.schema.as_ref()), v, out)?;
            }
        }
    }
    Ok(())
}

/// Decode one CBOR item by `schema` (schemaless when `None`).
///
/// The common encodings (what every Ferry encoder writes: definite lengths, UTF-8
/// text, 32/64-bit floats) are read straight into [`Value`]s; anything else, and any
/// error, goes through the general `ciborium` path, which decides the answer and
/// words the error.
pub fn decode(schema: Option<&Arc<Schema>>, bytes: &[u8]) -> Result<Value, CodecError> {
    let mut fast = Direct { bytes, pos: 0 };
    if let Some(value) = fast.value(schema) {
        return Ok(value);
    }
    let cbor: Cbor = ciborium::from_reader(bytes)
        .map_err(|e| CodecError::Malformed(format!("bad CBOR: {e}")))?;
    from_cbor(schema, cbor)
}

/// A CBOR reader that builds values by schema without an intermediate tree. `None`
/// means "not handled here": the caller falls back to the general path.
struct Direct<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// A float (or an integer, widened) for a float schema: `info` (the head's additional
/// information) tells a 32-bit float (26) from a 64-bit one (27).
fn direct_float(major: u8, info: u8, arg: u64) -> Option<f64> {
    match major {
        0 => Some(arg as f64),
        1 => Some((-1 - i128::from(arg)) as f64),
        7 => match info {
            26 => Some(f64::from(f32::from_bits(u32::try_from(arg).ok()?))),
            27 => Some(f64::from_bits(arg)),
            _ => None,
        },
        _ => None,
    }
}

/// Nesting the direct reader follows before leaving deeper values to the general path.
const DIRECT_MAX_DEPTH: usize = 64;

impl Direct<'_> {
    /// The next item's major type and argument (tags skipped). Indefinite lengths,
    /// reserved values and half floats are left to the general path.
    fn head(&mut self) -> Option<(u8, u8, u64)> {
        loop {
            let initial = *self.bytes.get(self.pos)?;
            self.pos += 1;
            let (major, info) = (initial >> 5, initial & 0x1f);
            let arg = match info {
                0..=23 => u64::from(info),
                24 => u64::from(self.take::<1>()?[0]),
                25 if major == 7 => return None,
                25 => u64::from(u16::from_be_bytes(self.take::<2>()?)),
                26 => u64::from(u32::from_be_bytes(self.take::<4>()?)),
                27 => u64::from_be_bytes(self.take::<8>()?),
                _ => return None,
            };
            if major == 6 {
                continue;
            }
            return Some((major, info, arg));
        }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let slice = self.bytes.get(self.pos..self.pos + N)?;
        self.pos += N;
        slice.try_into().ok()
    }

    fn slice(&mut self, len: u64) -> Option<&[u8]> {
        let len = usize::try_from(len).ok()?;
        let slice = self.bytes.get(self.pos..self.pos.checked_add(len)?)?;
        self.pos += len;
        Some(slice)
    }

    fn value(&mut self, schema: Option<&Arc<Schema>>) -> Option<Value> {
        self.item(schema, 0)
    }

    fn item(&mut self, schema: Option<&Arc<Schema>>, depth: usize) -> Option<Value> {
        if depth > DIRECT_MAX_DEPTH {
            return None;
        }
        let (major, info, arg) = self.head()?;
        if major == 7 && info == 22 {
            return Some(Value::Null);
        }
        let Some(schema) = schema else {
            return self.schemaless(major, info, arg, depth);
        };
        let int = |major: u8, arg: u64| -> Option<i128> {
            match major {
                0 => Some(i128::from(arg)),
                1 => Some(-1 - i128::from(arg)),
                _ => None,
            }
        };
        Some(match schema.kind {
            SchemaType::Int8 => Value::Int8(i8::try_from(int(major, arg)?).ok()?),
            SchemaType::Int16 => Value::Int16(i16::try_from(int(major, arg)?).ok()?),
            SchemaType::Int32 => Value::Int32(i32::try_from(int(major, arg)?).ok()?),
            SchemaType::Int64 => Value::Int64(i64::try_from(int(major, arg)?).ok()?),
            SchemaType::Float32 => Value::Float32(direct_float(major, info, arg)? as f32),
            SchemaType::Float64 => Value::Float64(direct_float(major, info, arg)?),
            SchemaType::Boolean => match (major, info) {
                (7, 20) => Value::Boolean(false),
                (7, 21) => Value::Boolean(true),
                _ => return None,
            },
            SchemaType::String if major == 3 => {
                Value::String(std::str::from_utf8(self.slice(arg)?).ok()?.to_string())
            }
            SchemaType::Bytes if major == 2 => Value::Bytes(self.slice(arg)?.to_vec()),
            SchemaType::Array if major == 4 => {
                let mut items = Vec::with_capacity(arg.min(1024) as usize);
                for _ in 0..arg {
                    items.push(self.item(schema.value_schema.as_ref(), depth + 1)?);
                }
                Value::Array(items)
            }
            SchemaType::Map if major == 5 => {
                let mut entries = Vec::with_capacity(arg.min(1024) as usize);
                for _ in 0..arg {
                    let k = self.item(schema.key_schema.as_ref(), depth + 1)?;
                    let v = self.item(schema.value_schema.as_ref(), depth + 1)?;
                    entries.push((k, v));
                }
                Value::Map(entries)
            }
            SchemaType::Struct if major == 4 && arg == schema.fields.len() as u64 => {
                let mut values = Vec::with_capacity(schema.fields.len());
                for field in &schema.fields {
                    values.push(self.item(Some(&field.schema), depth + 1)?);
                }
                Value::Struct(Struct {
                    schema: Arc::clone(schema),
                    values,
                })
            }
            _ => return None,
        })
    }

    fn schemaless(&mut self, major: u8, info: u8, arg: u64, depth: usize) -> Option<Value> {
        Some(match major {
            0 => Value::Int64(i64::try_from(arg).ok()?),
            1 => Value::Int64(i64::try_from(-1 - i128::from(arg)).ok()?),
            2 => Value::Bytes(self.slice(arg)?.to_vec()),
            3 => Value::String(std::str::from_utf8(self.slice(arg)?).ok()?.to_string()),
            4 => {
                let mut items = Vec::with_capacity(arg.min(1024) as usize);
                for _ in 0..arg {
                    items.push(self.item(None, depth + 1)?);
                }
                Value::Array(items)
            }
            5 => {
                let mut entries = Vec::with_capacity(arg.min(1024) as usize);
                for _ in 0..arg {
                    let k = self.item(None, depth + 1)?;
                    let v = self.item(None, depth + 1)?;
                    entries.push((k, v));
                }
                Value::Map(entries)
            }
            7 => match info {
                20 => Value::Boolean(false),
                21 => Value::Boolean(true),
                26 | 27 => Value::Float64(direct_float(7, info, arg)?),
                _ => return None,
            },
            _ => return None,
        })
    }
}

fn check_kind(schema: &Schema, value: &Value) -> Result<(), CodecError> {
    match value.schema_type() {
        None => Ok(()),
        Some(kind) if kind == schema.kind => Ok(()),
        Some(_) => Err(CodecError::Data(crate::data::DataError::TypeMismatch {
            context: schema.name.clone().unwrap_or_else(|| "value".to_string()),
            expected: schema.kind.name(),
            found: value.type_name(),
        })),
    }
}

fn encode_int(v: i64, out: &mut Vec<u8>) {
    if v >= 0 {
        head(0, v as u64, out);
    } else {
        // CBOR negative integers encode -1 - v.
        head(1, !(v as u64), out);
    }
}

/// A CBOR initial byte with major type `major` and argument `n`.
fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn mismatch(expected: &'static str, found: &Cbor) -> CodecError {
    let found = match found {
        Cbor::Integer(_) => "integer",
        Cbor::Bytes(_) => "byte string",
        Cbor::Float(_) => "float",
        Cbor::Text(_) => "text",
        Cbor::Bool(_) => "bool",
        Cbor::Null => "null",
        Cbor::Tag(..) => "tag",
        Cbor::Array(_) => "array",
        Cbor::Map(_) => "map",
        _ => "unknown CBOR item",
    };
    CodecError::Malformed(format!("expected {expected}, found CBOR {found}"))
}

fn int<T: TryFrom<i128>>(schema: &Schema, cbor: &Cbor) -> Result<T, CodecError> {
    match cbor {
        Cbor::Integer(i) => T::try_from(i128::from(*i)).map_err(|_| {
            CodecError::Malformed(format!(
                "integer {} out of range for {}",
                i128::from(*i),
                schema.kind.name()
            ))
        }),
        other => Err(mismatch(schema.kind.name(), other)),
    }
}

fn float(schema: &Schema, cbor: &Cbor) -> Result<f64, CodecError> {
    match cbor {
        Cbor::Float(f) => Ok(*f),
        Cbor::Integer(i) => Ok(i128::from(*i) as f64),
        other => Err(mismatch(schema.kind.name(), other)),
    }
}

fn from_cbor(schema: Option<&Arc<Schema>>, cbor: Cbor) -> Result<Value, CodecError> {
    let cbor = untag(cbor);
    if matches!(cbor, Cbor::Null) {
        return Ok(Value::Null);
    }
    let Some(schema) = schema else {
        return schemaless(cbor);
    };
    Ok(match schema.kind {
        SchemaType::Int8 => Value::Int8(int(schema, &cbor)?),
        SchemaType::Int16 => Value::Int16(int(schema, &cbor)?),
        SchemaType::Int32 => Value::Int32(int(schema, &cbor)?),
        SchemaType::Int64 => Value::Int64(int(schema, &cbor)?),
        SchemaType::Float32 => Value::Float32(float(schema, &cbor)? as f32),
        SchemaType::Float64 => Value::Float64(float(schema, &cbor)?),
        SchemaType::Boolean => match cbor {
            Cbor::Bool(b) => Value::Boolean(b),
            other => return Err(mismatch("boolean", &other)),
        },
        SchemaType::String => match cbor {
            Cbor::Text(s) => Value::String(s),
            other => return Err(mismatch("string", &other)),
        },
        SchemaType::Bytes => match cbor {
            Cbor::Bytes(b) => Value::Bytes(b),
            other => return Err(mismatch("bytes", &other)),
        },
        SchemaType::Array => match cbor {
            Cbor::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|item| from_cbor(schema.value_schema.as_ref(), item))
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(mismatch("array", &other)),
        },
        SchemaType::Map => match cbor {
            Cbor::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        Ok((
                            from_cbor(schema.key_schema.as_ref(), k)?,
                            from_cbor(schema.value_schema.as_ref(), v)?,
                        ))
                    })
                    .collect::<Result<_, CodecError>>()?,
            ),
            other => return Err(mismatch("map", &other)),
        },
        SchemaType::Struct => match cbor {
            Cbor::Array(items) if items.len() == schema.fields.len() => {
                let values = schema
                    .fields
                    .iter()
                    .zip(items)
                    .map(|(field, item)| from_cbor(Some(&field.schema), item))
                    .collect::<Result<_, _>>()?;
                Value::Struct(Struct {
                    schema: Arc::clone(schema),
                    values,
                })
            }
            Cbor::Array(items) => {
                return Err(CodecError::Malformed(format!(
                    "struct with {} fields encoded as an array of {}",
                    schema.fields.len(),
                    items.len()
                )));
            }
            other => return Err(mismatch("struct (array)", &other)),
        },
    })
}

fn untag(mut cbor: Cbor) -> Cbor {
    while let Cbor::Tag(_, inner) = cbor {
        cbor = *inner;
    }
    cbor
}

fn schemaless(cbor: Cbor) -> Result<Value, CodecError> {
    Ok(match untag(cbor) {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Boolean(b),
        Cbor::Integer(i) => Value::Int64(i64::try_from(i128::from(i)).map_err(|_| {
            CodecError::Malformed(format!("integer {} does not fit int64", i128::from(i)))
        })?),
        Cbor::Float(f) => Value::Float64(f),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(b) => Value::Bytes(b),
        Cbor::Array(items) => Value::Array(
            items
                .into_iter()
                .map(schemaless)
                .collect::<Result<_, _>>()?,
        ),
        Cbor::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((schemaless(k)?, schemaless(v)?)))
                .collect::<Result<_, CodecError>>()?,
        ),
        other => return Err(mismatch("a schemaless value", &other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes, then decodes on both paths: the direct reader must handle what the
    /// encoder writes and agree with the general path.
    fn round_trip(schema: Option<Arc<Schema>>, value: Value) -> Value {
        let mut buf = Vec::new();
        encode(schema.as_deref(), &value, &mut buf).expect("encode");
        let general = ciborium::from_reader::<Cbor, _>(buf.as_slice())
            .map_err(|e| CodecError::Malformed(e.to_string()))
            .and_then(|cbor| from_cbor(schema.as_ref(), cbor))
            .expect("general decode");
        let direct = Direct {
            bytes: &buf,
            pos: 0,
        }
        .value(schema.as_ref())
        .expect("the direct reader handles the encoder's output");
        assert_eq!(direct, general);
        decode(schema.as_ref(), &buf).expect("decode")
    }

    #[test]
    fn the_direct_reader_leaves_the_unusual_to_the_general_path() {
        let int8 = Some(Schema::int8().into_arc());
        // Out of range for int8: the general path words the error.
        assert!(decode(int8.as_ref(), &[0x19, 0x01, 0x00]).is_err());
        // A half float (0xf9) for a float64 schema: decoded by the general path.
        let f64_schema = Some(Schema::float64().into_arc());
        assert_eq!(
            decode(f64_schema.as_ref(), &[0xf9, 0x3c, 0x00]).expect("half float"),
            Value::Float64(1.0)
        );
        // An indefinite-length text: the general path reads it.
        let text = Some(Schema::string().into_arc());
        assert_eq!(
            decode(text.as_ref(), &[0x7f, 0x61, b'a', 0x61, b'b', 0xff]).expect("indefinite"),
            Value::String("ab".into())
        );
        // A tagged item: the tag is skipped on both paths.
        assert_eq!(
            decode(None, &[0xc1, 0x18, 0x2a]).expect("tagged"),
            Value::Int64(42)
        );
    }

    #[test]
    fn primitives_round_trip_with_schema() {
        let cases: Vec<(Schema, Value)> = vec![
            (Schema::int8(), Value::Int8(-128)),
            (Schema::int16(), Value::Int16(300)),
            (Schema::int32(), Value::Int32(i32::MIN)),
            (Schema::int64(), Value::Int64(i64::MAX)),
            (Schema::int64(), Value::Int64(i64::MIN)),
            (Schema::float32(), Value::Float32(1.5)),
            (Schema::float64(), Value::Float64(-0.1)),
            (Schema::boolean(), Value::Boolean(true)),
            (Schema::string(), Value::String("héllo".into())),
            (Schema::bytes(), Value::Bytes(vec![0, 1, 255])),
            (Schema::decimal(2), Value::Bytes(vec![0x30, 0x39])),
            (Schema::date(), Value::Int32(19000)),
            (Schema::timestamp(), Value::Int64(1_700_000_000_000)),
        ];
        for (schema, value) in cases {
            assert_eq!(round_trip(Some(schema.into_arc()), value.clone()), value);
        }
    }

    #[test]
    fn nested_round_trip() {
        let inner = Schema::structure()
            .field("x", Schema::int32())
            .field("y", Schema::string().optional())
            .into_arc();
        let outer = Schema::structure()
            .field("items", Schema::array(Arc::clone(&inner)))
            .field("tags", Schema::map(Schema::string(), Schema::int64()))
            .into_arc();
        let mut a = Struct::new(Arc::clone(&inner));
        a.put("x", 1).and_then(|s| s.put("y", "one")).expect("put");
        let b = Struct::new(Arc::clone(&inner));
        let mut s = Struct::new(Arc::clone(&outer));
        s.values = vec![
            Value::Array(vec![Value::Struct(a), Value::Struct(b)]),
            Value::Map(vec![("k".into(), Value::Int64(7))]),
        ];
        let value = Value::Struct(s);
        assert_eq!(round_trip(Some(outer), value.clone()), value);
    }

    #[test]
    fn schemaless_widens() {
        let value = Value::Map(vec![
            ("a".into(), Value::Int8(1)),
            ("b".into(), Value::Float32(0.5)),
            (
                "c".into(),
                Value::Array(vec![Value::Null, Value::Boolean(false)]),
            ),
        ]);
        let expected = Value::Map(vec![
            ("a".into(), Value::Int64(1)),
            ("b".into(), Value::Float64(0.5)),
            (
                "c".into(),
                Value::Array(vec![Value::Null, Value::Boolean(false)]),
            ),
        ]);
        assert_eq!(round_trip(None, value), expected);
    }

    #[test]
    fn kind_mismatch_is_an_error() {
        let mut buf = Vec::new();
        assert!(encode(Some(&Schema::int32()), &Value::String("x".into()), &mut buf).is_err());
        encode(None, &Value::Int64(300), &mut buf).expect("encode");
        assert!(decode(Some(&Schema::int8().into_arc()), &buf).is_err());
    }

    #[test]
    fn encoding_is_standard_cbor() {
        let mut buf = Vec::new();
        encode(None, &Value::Int64(-1), &mut buf).expect("encode");
        assert_eq!(buf, [0x20]);
        buf.clear();
        encode(None, &Value::String("a".into()), &mut buf).expect("encode");
        assert_eq!(buf, [0x61, b'a']);
        buf.clear();
        encode(None, &Value::Int64(1000), &mut buf).expect("encode");
        assert_eq!(buf, [0x19, 0x03, 0xe8]);
    }
}
