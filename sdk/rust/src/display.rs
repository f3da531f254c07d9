//! Java-like `toString` rendering of Connect values, as Kafka's `StringConverter` and
//! `FileStreamSink` produce it: `Struct{a=1,b=x}`, `[1, 2]`, `{k=v}`, `1.0`, `1.0E10`,
//! Decimals as `BigDecimal.toString`. Null fields are left out of structs, as Kafka
//! does. Bytes render as `[1, 2, 3]`; Date/Time/Timestamp values as Java's
//! `java.util.Date.toString()` in UTC (`Wed Nov 15 22:13:20 UTC 2023`), what a Kafka
//! Connect worker whose JVM runs in UTC writes.

use std::fmt::{self, Write};

use crate::data::{Schema, Value};
use crate::logical::{self, LogicalType};

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, None, self)
    }
}

/// Render `value` (of `schema`, if known) the way Java's `toString` would.
pub fn to_java_string(schema: Option<&Schema>, value: &Value) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_value(&mut out, schema, value);
    out
}

fn write_value(out: &mut impl Write, schema: Option<&Schema>, value: &Value) -> fmt::Result {
    match value {
        Value::Null => out.write_str("null"),
        Value::Boolean(b) => write!(out, "{b}"),
        Value::Int8(v) => write!(out, "{v}"),
        Value::Int16(v) => write!(out, "{v}"),
        Value::Int32(v) => match schema.and_then(Schema::logical_type) {
            Some(LogicalType::Date) => out.write_str(&java_date(i64::from(*v) * MILLIS_PER_DAY)),
            Some(LogicalType::Time) => out.write_str(&java_date(i64::from(*v))),
            _ => write!(out, "{v}"),
        },
        Value::Int64(v) => match schema.and_then(Schema::logical_type) {
            Some(LogicalType::Timestamp) => out.write_str(&java_date(*v)),
            _ => write!(out, "{v}"),
        },
        Value::Float32(v) => out.write_str(&java_float(*v)),
        Value::Float64(v) => out.write_str(&java_double(*v)),
        Value::String(s) => out.write_str(s),
        Value::Bytes(b) => {
            if let Some(LogicalType::Decimal { scale }) = schema.and_then(Schema::logical_type) {
                return out.write_str(&logical::decimal_to_string(b, scale));
            }
            out.write_char('[')?;
            for (i, byte) in b.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                // Java bytes are signed.
                write!(out, "{}", *byte as i8)?;
            }
            out.write_char(']')
        }
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            out.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_value(out, element, item)?;
            }
            out.write_char(']')
        }
        Value::Map(entries) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_deref());
            let value_schema = schema.and_then(|s| s.value_schema.as_deref());
            out.write_char('{')?;
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_value(out, key_schema, k)?;
                out.write_char('=')?;
                write_value(out, value_schema, v)?;
            }
            out.write_char('}')
        }
        Value::Struct(s) => {
            out.write_str("Struct{")?;
            let mut first = true;
            for (field, v) in s.iter() {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.write_char(',')?;
                }
                first = false;
                write!(out, "{}=", field.name)?;
                write_value(out, Some(&field.schema), v)?;
            }
            out.write_char('}')
        }
    }
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Java's `java.util.Date.toString()` for `ms` since the epoch in UTC:
/// `EEE MMM dd HH:mm:ss zzz yyyy` (proleptic Gregorian; Java switches to the Julian
/// calendar before 1582-10-15).
pub fn java_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let secs = ms.rem_euclid(MILLIS_PER_DAY) / 1000;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {day:02} {:02}:{:02}:{:02} UTC {year}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Java's `Double.toString`: `1.0`, `0.001`, `1.0E7`, `1.5E-4`, `NaN`, `Infinity`.
pub fn java_double(v: f64) -> String {
    java_number(v.is_nan(), v.is_infinite(), v < 0.0, v.abs(), || {
        (format!("{v:?}"), format!("{v:e}"))
    })
}

/// Java's `Float.toString`.
pub fn java_float(v: f32) -> String {
    java_number(
        v.is_nan(),
        v.is_infinite(),
        v < 0.0,
        f64::from(v.abs()),
        || (format!("{v:?}"), format!("{v:e}")),
    )
}

fn java_number(
    nan: bool,
    infinite: bool,
    negative: bool,
    abs: f64,
    render: impl FnOnce() -> (String, String),
) -> String {
    if nan {
        return "NaN".into();
    }
    if infinite {
        return if negative { "-Infinity" } else { "Infinity" }.into();
    }
    let (plain, sci) = render();
    if abs == 0.0 || (1e-3..1e7).contains(&abs) {
        // Rust's Debug is the shortest round-trip form with a `.0` for integers, and
        // stays in plain notation within this range.
        return plain;
    }
    // `1.5e-4` -> `1.5E-4`, `1e10` -> `1.0E10`.
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Struct;

    #[test]
    fn numbers_render_like_java() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(-2.5), "-2.5");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.5e-4), "1.5E-4");
        assert_eq!(java_double(-1.25e20), "-1.25E20");
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(f64::NAN), "NaN");
        assert_eq!(java_float(0.1), "0.1");
        assert_eq!(java_float(f32::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn temporal_values_render_as_java_dates() {
        assert_eq!(java_date(1_700_086_400_000), "Wed Nov 15 22:13:20 UTC 2023");
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(java_date(-1), "Wed Dec 31 23:59:59 UTC 1969");
        let ts = Schema::timestamp();
        assert_eq!(
            to_java_string(Some(&ts), &Value::Int64(951_782_400_000)),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        let date = Schema::date();
        assert_eq!(
            to_java_string(Some(&date), &Value::Int32(19_724)),
            "Tue Jan 02 00:00:00 UTC 2024"
        );
        assert_eq!(to_java_string(None, &Value::Int64(5)), "5");
    }

    #[test]
    fn containers_render_like_java() {
        let schema = Schema::structure()
            .field("a", Schema::int32())
            .field("b", Schema::optional_string())
            .field("c", Schema::decimal(2))
            .field("d", Schema::array(Schema::int32()))
            .into_arc();
        let mut s = Struct::new(schema);
        s.put("a", 1)
            .and_then(|s| s.put("c", Value::Bytes(vec![0x04, 0xd2])))
            .and_then(|s| s.put("d", Value::Array(vec![Value::Int32(1), Value::Int32(2)])))
            .expect("put");
        assert_eq!(Value::Struct(s).to_string(), "Struct{a=1,c=12.34,d=[1, 2]}");
        let map = Value::Map(vec![
            ("k".into(), Value::Boolean(true)),
            ("n".into(), Value::Null),
        ]);
        assert_eq!(map.to_string(), "{k=true, n=null}");
        assert_eq!(Value::Bytes(vec![1, 255]).to_string(), "[1, -1]");
    }
}
