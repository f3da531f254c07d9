//! The Java behaviour `Cast` relies on: `Integer.parseInt` & co., `Double.parseDouble`
//! / `Float.parseFloat`, `Float.toString` / `Double.toString`, `BigDecimal`'s
//! narrowing conversions, and `Base64.getEncoder()`.

use transform_support::date_format::java_digit;
pub use transform_support::java_number::{double_to_string, float_to_string};

/// Java's `String.trim()`: strips every char up to and including U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// `Long.parseLong(s)` narrowed to `[min, max]` as `Integer.parseInt`,
/// `Short.parseShort`, `Byte.parseByte` check it; `None` = `NumberFormatException`.
pub fn parse_integer(s: &str, min: i64, max: i64) -> Option<i64> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let (negative, digits) = match units.first() {
        Some(&c) if c == u16::from(b'-') => (true, &units[1..]),
        Some(&c) if c == u16::from(b'+') => (false, &units[1..]),
        Some(_) => (false, &units[..]),
        None => return None,
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i128 = 0;
    for &c in digits {
        value = value * 10 + i128::from(java_digit(c)?);
        if value > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    if negative {
        value = -value;
    }
    (i128::from(min)..=i128::from(max))
        .contains(&value)
        .then_some(value as i64)
}

/// `Double.parseDouble(s)` (`f32` when `single`, as `Float.parseFloat`), widened to
/// `f64`; `None` = `NumberFormatException`.
pub fn parse_floating(s: &str, single: bool) -> Option<f64> {
    let t = java_trim(s);
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let magnitude = if body == "NaN" {
        f64::NAN
    } else if body == "Infinity" {
        f64::INFINITY
    } else if body.starts_with("0x") || body.starts_with("0X") {
        parse_hex(&body[2..], single)?
    } else {
        let b = body.as_bytes();
        let mut i = 0;
        let mut digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        let mantissa_end = i;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        let number_end = i;
        if i < b.len() && matches!(b[i], b'f' | b'F' | b'd' | b'D') {
            i += 1;
        }
        if i != b.len() {
            return None;
        }
        let mut text = body[..mantissa_end].to_string();
        if text.starts_with('.') {
            text.insert(0, '0');
        }
        if text.ends_with('.') {
            text.push('0');
        }
        text.push_str(&body[mantissa_end..number_end]);
        if single {
            f64::from(text.parse::<f32>().ok()?)
        } else {
            text.parse::<f64>().ok()?
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The part after `0x` of a Java hex float: `h[.h]p[+-]d` with an optional type suffix.
fn parse_hex(s: &str, single: bool) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut mantissa: u128 = 0;
    let mut sticky = false;
    let mut exp_adjust: i64 = 0;
    let mut digits = 0;
    let mut seen_point = false;
    while i < b.len() {
        let c = b[i];
        if c == b'.' && !seen_point {
            seen_point = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        digits += 1;
        if mantissa >> 120 == 0 {
            mantissa = mantissa << 4 | u128::from(d);
            if seen_point {
                exp_adjust -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_point {
                exp_adjust += 4;
            }
        }
        i += 1;
    }
    if digits == 0 || i >= b.len() || (b[i] != b'p' && b[i] != b'P') {
        return None;
    }
    i += 1;
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut exp: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        exp = (exp * 10 + i64::from(b[i] - b'0')).min(1 << 40);
        i += 1;
    }
    if i == start {
        return None;
    }
    if i < b.len() && matches!(b[i], b'f' | b'F' | b'd' | b'D') {
        i += 1;
    }
    if i != b.len() {
        return None;
    }
    let exp = if neg { -exp } else { exp } + exp_adjust;
    if mantissa == 0 {
        return Some(0.0);
    }
    if sticky {
        mantissa |= 1;
    }
    Some(if single {
        f64::from(f32::from_bits(
            round_binary(mantissa, exp, 24, -149, 104) as u32
        ))
    } else {
        f64::from_bits(round_binary(mantissa, exp, 53, -1074, 971))
    })
}

/// IEEE bits of `m * 2^e` rounded to nearest-even with `precision` significand bits;
/// `min_exp` is the exponent of the smallest subnormal, `max_exp` of the largest
/// normal's lowest bit.
fn round_binary(m: u128, e: i64, precision: u32, min_exp: i64, max_exp: i64) -> u64 {
    let bits = 128 - m.leading_zeros();
    // Exponent of the lowest kept bit.
    let mut low = e + i64::from(bits) - i64::from(precision);
    if low < min_exp {
        low = min_exp;
    }
    let shift = low - e;
    let (mut q, round_up) = if shift <= 0 {
        (m << (-shift).min(127), false)
    } else if shift >= 128 {
        (0, false)
    } else {
        let q = m >> shift;
        let rem = m & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        (q, rem > half || (rem == half && q & 1 == 1))
    };
    if round_up {
        q += 1;
    }
    if q >> precision != 0 {
        q >>= 1;
        low += 1;
    }
    let exp_bits: u32 = if precision == 24 { 8 } else { 11 };
    if low > max_exp {
        return ((1u64 << exp_bits) - 1) << (precision - 1); // infinity
    }
    if q >> (precision - 1) == 0 {
        return q as u64; // subnormal (or zero)
    }
    let biased = (low - min_exp + 1) as u64;
    (biased << (precision - 1)) | (q as u64 & ((1u64 << (precision - 1)) - 1))
}

/// A `java.math.BigDecimal`: unscaled two's-complement big-endian bytes and a scale.
pub struct Decimal<'a> {
    pub unscaled: &'a [u8],
    pub scale: i32,
}

impl Decimal<'_> {
    /// Sign and decimal digits of the unscaled value.
    fn digits(&self) -> (bool, Vec<u8>) {
        let negative = self.unscaled.first().is_some_and(|b| b & 0x80 != 0);
        let mut magnitude: Vec<u8> = if negative {
            let mut m: Vec<u8> = self.unscaled.iter().map(|b| !b).collect();
            for b in m.iter_mut().rev() {
                let (v, carry) = b.overflowing_add(1);
                *b = v;
                if !carry {
                    break;
                }
            }
            m
        } else {
            self.unscaled.to_vec()
        };
        let mut digits = Vec::new();
        while magnitude.iter().any(|&b| b != 0) {
            let mut rem: u32 = 0;
            for b in magnitude.iter_mut() {
                let cur = (rem << 8) | u32::from(*b);
                *b = (cur / 10) as u8;
                rem = cur % 10;
            }
            digits.push(rem as u8);
        }
        digits.reverse();
        (negative, digits)
    }

    /// `BigDecimal.longValue()`: the integer part, truncated, modulo 2^64.
    pub fn long_value(&self) -> i64 {
        let (negative, digits) = self.digits();
        let keep = i64::try_from(digits.len()).unwrap_or(i64::MAX) - i64::from(self.scale);
        let mut v: u64 = 0;
        for &d in digits.iter().take(keep.max(0) as usize) {
            v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        }
        if self.scale < 0 {
            for _ in 0..(-i64::from(self.scale)).min(64) {
                v = v.wrapping_mul(10);
            }
        }
        let v = v as i64;
        if negative { v.wrapping_neg() } else { v }
    }

    /// `BigDecimal.intValue()`.
    pub fn int_value(&self) -> i32 {
        self.long_value() as i32
    }

    /// `BigDecimal.doubleValue()` (correctly rounded), or `floatValue()` when `single`.
    pub fn floating_value(&self, single: bool) -> f64 {
        let (negative, digits) = self.digits();
        let mut text = String::from(if negative { "-" } else { "" });
        if digits.is_empty() {
            text.push('0');
        }
        for d in &digits {
            text.push(char::from(b'0' + d));
        }
        text.push_str(&format!("e{}", -i64::from(self.scale)));
        if single {
            f64::from(text.parse::<f32>().unwrap_or(0.0))
        } else {
            text.parse::<f64>().unwrap_or(0.0)
        }
    }
}

/// `Base64.getEncoder().encodeToString(bytes)`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::logical::decimal_from_i128;

    #[test]
    fn integers_parse_like_java() {
        assert_eq!(parse_integer("42", -128, 127), Some(42));
        assert_eq!(parse_integer("+42", -128, 127), Some(42));
        assert_eq!(parse_integer("-128", -128, 127), Some(-128));
        assert_eq!(parse_integer("128", -128, 127), None);
        assert_eq!(parse_integer(" 1", -128, 127), None);
        assert_eq!(parse_integer("", -128, 127), None);
        assert_eq!(parse_integer("-", -128, 127), None);
        assert_eq!(parse_integer("١٢", -128, 127), Some(12));
        assert_eq!(
            parse_integer("-9223372036854775808", i64::MIN, i64::MAX),
            Some(i64::MIN)
        );
        assert_eq!(
            parse_integer("9223372036854775808", i64::MIN, i64::MAX),
            None
        );
        assert_eq!(parse_integer("1.0", i64::MIN, i64::MAX), None);
    }

    #[test]
    fn floats_parse_like_java() {
        assert_eq!(parse_floating(" 1.5 ", false), Some(1.5));
        assert_eq!(parse_floating("1.5f", false), Some(1.5));
        assert_eq!(parse_floating(".5", false), Some(0.5));
        assert_eq!(parse_floating("5.", false), Some(5.0));
        assert_eq!(parse_floating("-1e3D", false), Some(-1000.0));
        assert_eq!(parse_floating("Infinity", false), Some(f64::INFINITY));
        assert!(parse_floating("-NaN", false).is_some_and(f64::is_nan));
        assert_eq!(parse_floating("0x1.8p1", false), Some(3.0));
        assert_eq!(parse_floating("0x10P-4f", true), Some(1.0));
        assert_eq!(parse_floating("inf", false), None);
        assert_eq!(parse_floating("1e", false), None);
        assert_eq!(parse_floating(".", false), None);
        assert_eq!(parse_floating("1_000", false), None);
        assert_eq!(parse_floating("0.1", true), Some(f64::from(0.1f32)));
        assert_eq!(parse_floating("1e400", false), Some(f64::INFINITY));
        assert_eq!(parse_floating("0x1p-1074", false), Some(f64::from_bits(1)));
        assert_eq!(parse_floating("0x1p1024", false), Some(f64::INFINITY));
    }

    #[test]
    fn decimals_narrow_like_java() {
        let bytes = decimal_from_i128(i128::from(i32::MAX) + 1);
        let d = Decimal {
            unscaled: &bytes,
            scale: 0,
        };
        assert_eq!(d.int_value(), i32::MIN);
        let bytes = decimal_from_i128(-12345);
        let d = Decimal {
            unscaled: &bytes,
            scale: 2,
        };
        assert_eq!(d.long_value(), -123);
        assert_eq!(d.floating_value(false), -123.45);
        let d = Decimal {
            unscaled: &bytes,
            scale: -2,
        };
        assert_eq!(d.long_value(), -1_234_500);
        let bytes = decimal_from_i128(1 << 64);
        let d = Decimal {
            unscaled: &bytes,
            scale: 0,
        };
        assert_eq!(d.long_value(), 0);
        let bytes = decimal_from_i128(5);
        let d = Decimal {
            unscaled: &bytes,
            scale: 1,
        };
        assert_eq!(d.long_value(), 0);
    }

    #[test]
    fn base64_is_javas() {
        assert_eq!(
            base64(&[0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
            "/ty6mHZUMhA="
        );
        assert_eq!(base64(b"raw\0bytes"), "cmF3AGJ5dGVz");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
