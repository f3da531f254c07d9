//! Kafka Connect's logical types: names, and helpers for Decimal's physical form
//! (the unscaled value as big-endian two's-complement bytes, Java's
//! `BigInteger.toByteArray`).

use crate::data::{Schema, SchemaType};

/// `org.apache.kafka.connect.data.Decimal` (bytes, parameter [`DECIMAL_SCALE`]).
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// The Decimal schema parameter holding the scale.
pub const DECIMAL_SCALE: &str = "scale";
/// `org.apache.kafka.connect.data.Date` (int32 days since the epoch).
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// `org.apache.kafka.connect.data.Time` (int32 milliseconds since midnight).
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// `org.apache.kafka.connect.data.Timestamp` (int64 milliseconds since the epoch).
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

/// A logical type recognised from a schema's name and physical type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalType {
    Decimal { scale: i32 },
    Date,
    Time,
    Timestamp,
}

impl LogicalType {
    /// The logical type `schema` stands for. A Decimal without a parseable `scale`
    /// parameter is not recognised.
    pub fn of(schema: &Schema) -> Option<LogicalType> {
        match (schema.name.as_deref()?, schema.kind) {
            (DECIMAL, SchemaType::Bytes) => {
                let scale = schema.parameter(DECIMAL_SCALE)?.trim().parse().ok()?;
                Some(LogicalType::Decimal { scale })
            }
            (DATE, SchemaType::Int32) => Some(LogicalType::Date),
            (TIME, SchemaType::Int32) => Some(LogicalType::Time),
            (TIMESTAMP, SchemaType::Int64) => Some(LogicalType::Timestamp),
            _ => None,
        }
    }
}

/// The civil date (year, month 1–12, day 1–31) `days` after 1970-01-01, proleptic
/// Gregorian (Howard Hinnant's algorithm): what Date and Timestamp values mean.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a civil date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The minimal two's-complement big-endian bytes of `unscaled`
/// (Java's `BigInteger.toByteArray`; zero is `[0]`).
pub fn decimal_from_i128(unscaled: i128) -> Vec<u8> {
    let bytes = unscaled.to_be_bytes();
    let mut start = 0;
    while start < bytes.len() - 1 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// The unscaled value of Decimal bytes, if it fits an `i128` (empty bytes are zero).
pub fn decimal_to_i128(bytes: &[u8]) -> Option<i128> {
    if bytes.len() > 16 {
        // Still fits if the excess leading bytes are pure sign extension.
        let (head, tail) = bytes.split_at(bytes.len() - 16);
        let fill = if tail[0] & 0x80 != 0 { 0xff } else { 0x00 };
        if !head.iter().all(|&b| b == fill) {
            return None;
        }
        return decimal_to_i128(tail);
    }
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if negative { [0xff; 16] } else { [0; 16] };
    buf[16 - bytes.len()..].copy_from_slice(bytes);
    Some(i128::from_be_bytes(buf))
}

/// Parse decimal text such as `-12.340` or `1.5E+3` into (unscaled, scale), keeping the
/// scale the text has (Java's `new BigDecimal(String)`).
pub fn decimal_parse(text: &str) -> Option<(i128, i32)> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let (negative, int_digits) = match int_part.as_bytes().first() {
        Some(b'-') => (true, &int_part[1..]),
        Some(b'+') => (false, &int_part[1..]),
        _ => (false, int_part),
    };
    if int_digits.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut unscaled: i128 = 0;
    for c in int_digits.chars().chain(frac_part.chars()) {
        let d = c.to_digit(10)?;
        unscaled = unscaled.checked_mul(10)?.checked_add(d.into())?;
    }
    if negative {
        unscaled = -unscaled;
    }
    let scale = i32::try_from(frac_part.len()).ok()?.checked_sub(exponent)?;
    Some((unscaled, scale))
}

/// Render Decimal bytes with `scale` as Java's `BigDecimal.toString` does
/// (plain notation, or scientific when the scale is negative or the number is tiny).
/// Works for any length of bytes.
pub fn decimal_to_string(unscaled: &[u8], scale: i32) -> String {
    let (negative, digits) = unscaled_digits(unscaled);
    let ndigits = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let adjusted = -i64::from(scale) + (ndigits - 1);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        if adjusted > 0 {
            out.push('+');
        }
        out.push_str(&adjusted.to_string());
    }
    out
}

/// Sign and decimal digits of a big-endian two's-complement integer of any length.
fn unscaled_digits(bytes: &[u8]) -> (bool, String) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // Magnitude, big-endian base 256.
    let mut magnitude: Vec<u8> = if negative {
        // Two's complement negation: invert and add one.
        let mut m: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        bytes.to_vec()
    };
    let mut digits = Vec::new();
    while magnitude.iter().any(|&b| b != 0) {
        let mut rem: u32 = 0;
        for b in magnitude.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    (negative, String::from_utf8_lossy(&digits).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19724), (2024, 1, 2));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in [-800_000, -1, 0, 59, 60, 19724, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn decimal_bytes_round_trip() {
        for v in [
            0i128,
            1,
            -1,
            127,
            128,
            -128,
            -129,
            255,
            256,
            i64::MAX.into(),
            i128::MIN,
        ] {
            let b = decimal_from_i128(v);
            assert_eq!(decimal_to_i128(&b), Some(v), "{v} -> {b:?}");
        }
        assert_eq!(decimal_from_i128(0), vec![0]);
        assert_eq!(decimal_from_i128(128), vec![0, 128]);
        assert_eq!(decimal_from_i128(-1), vec![0xff]);
        assert_eq!(decimal_from_i128(-129), vec![0xff, 0x7f]);
    }

    #[test]
    fn decimal_strings_match_java() {
        let s = |v: i128, scale| decimal_to_string(&decimal_from_i128(v), scale);
        assert_eq!(s(12345, 2), "123.45");
        assert_eq!(s(-12345, 2), "-123.45");
        assert_eq!(s(5, 3), "0.005");
        assert_eq!(s(0, 0), "0");
        assert_eq!(s(0, 2), "0.00");
        assert_eq!(s(123, -2), "1.23E+4");
        assert_eq!(s(1, 10), "1E-10");
        let big = [0x7f; 20];
        assert!(decimal_to_string(&big, 0).len() > 40);
    }

    #[test]
    fn decimal_parse_keeps_scale() {
        assert_eq!(decimal_parse("-12.340"), Some((-12340, 3)));
        assert_eq!(decimal_parse("1.5E+3"), Some((15, -2)));
        assert_eq!(decimal_parse("42"), Some((42, 0)));
        assert_eq!(decimal_parse("abc"), None);
    }
}
