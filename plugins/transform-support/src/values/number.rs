//! Just enough of Java's `BigDecimal` for `Values`: parsing a number token, the
//! smallest fitting integer type, and `toString` of a Decimal.

/// A decimal number as Java's `BigDecimal` holds it: sign, unscaled digits (no
/// leading zeros; "0" for zero) and scale (value = unscaled × 10^-scale).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigDecimal {
    pub negative: bool,
    pub digits: String,
    pub scale: i64,
}

impl BigDecimal {
    /// Java's `new BigDecimal(String)`; `None` where it throws NumberFormatException.
    pub fn parse(text: &str) -> Option<BigDecimal> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&c) = bytes.first()
            && (c == b'+' || c == b'-')
        {
            negative = c == b'-';
            i = 1;
        }
        let mut digits = String::new();
        let mut fraction = 0i64;
        let mut seen_digit = false;
        let mut seen_point = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                digits.push(char::from(c));
                seen_digit = true;
                if seen_point {
                    fraction += 1;
                }
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        let mut exponent = 0i64;
        if i < bytes.len() {
            if bytes[i] != b'e' && bytes[i] != b'E' {
                return None;
            }
            let rest = &text[i + 1..];
            let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            exponent = rest.parse::<i32>().ok()?.into();
        }
        let trimmed = digits.trim_start_matches('0');
        let digits = if trimmed.is_empty() { "0" } else { trimmed };
        Some(BigDecimal {
            negative: negative && digits != "0",
            digits: digits.to_string(),
            scale: fraction - exponent,
        })
    }

    /// The integral value as digits, if the number has no fractional part.
    pub fn integral_digits(&self) -> Option<String> {
        if self.digits == "0" {
            return Some("0".into());
        }
        if self.scale <= 0 {
            let zeros = usize::try_from(-self.scale).ok()?;
            return Some(format!("{}{}", self.digits, "0".repeat(zeros)));
        }
        let scale = usize::try_from(self.scale).ok()?;
        if scale >= self.digits.len() {
            return None;
        }
        let (int, frac) = self.digits.split_at(self.digits.len() - scale);
        frac.bytes().all(|b| b == b'0').then(|| int.to_string())
    }

    /// The text Rust's float parsers read exactly as Java's `floatValue` /
    /// `doubleValue` round.
    pub fn float_text(&self) -> String {
        format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            self.digits,
            -self.scale
        )
    }

    /// The unscaled value as minimal big-endian two's-complement bytes (Java's
    /// `BigInteger.toByteArray`).
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        let mut magnitude: Vec<u8> = vec![0];
        for d in self.digits.bytes() {
            let mut carry = u32::from(d - b'0');
            for byte in magnitude.iter_mut().rev() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = (v & 0xff) as u8;
                carry = v >> 8;
            }
            while carry > 0 {
                magnitude.insert(0, (carry & 0xff) as u8);
                carry >>= 8;
            }
        }
        if !self.negative {
            if magnitude[0] & 0x80 != 0 {
                magnitude.insert(0, 0);
            }
            while magnitude.len() > 1 && magnitude[0] == 0 && magnitude[1] & 0x80 == 0 {
                magnitude.remove(0);
            }
            return magnitude;
        }
        // Two's complement: invert and add one.
        magnitude.insert(0, 0);
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, overflow) = b.overflowing_add(1);
            *b = v;
            if !overflow {
                break;
            }
        }
        while magnitude.len() > 1 && magnitude[0] == 0xff && magnitude[1] & 0x80 != 0 {
            magnitude.remove(0);
        }
        magnitude
    }

    /// From big-endian two's-complement unscaled bytes and a scale.
    pub fn from_unscaled(bytes: &[u8], scale: i64) -> BigDecimal {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let mut magnitude: Vec<u8> = bytes.to_vec();
        if negative {
            for b in magnitude.iter_mut() {
                *b = !*b;
            }
            for b in magnitude.iter_mut().rev() {
                let (v, overflow) = b.overflowing_add(1);
                *b = v;
                if !overflow {
                    break;
                }
            }
        }
        let mut digits = Vec::new();
        while magnitude.iter().any(|&b| b != 0) {
            let mut rem = 0u32;
            for b in magnitude.iter_mut() {
                let v = (rem << 8) | u32::from(*b);
                *b = (v / 10) as u8;
                rem = v % 10;
            }
            digits.push(char::from(b'0' + rem as u8));
        }
        let digits: String = if digits.is_empty() {
            "0".into()
        } else {
            digits.into_iter().rev().collect()
        };
        BigDecimal {
            negative: negative && digits != "0",
            digits,
            scale,
        }
    }

    /// Java's `BigDecimal.toString` (scientific notation when the exponent is
    /// positive or below -6).
    pub fn to_java_string(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let coeff = &self.digits;
        if self.scale == 0 {
            return format!("{sign}{coeff}");
        }
        let len = coeff.len() as i64;
        let adjusted = -self.scale + (len - 1);
        if self.scale > 0 && adjusted >= -6 {
            let point = len - self.scale;
            return if point > 0 {
                let (a, b) = coeff.split_at(point as usize);
                format!("{sign}{a}.{b}")
            } else {
                format!("{sign}0.{}{coeff}", "0".repeat((-point) as usize))
            };
        }
        let mut out = format!("{sign}{}", &coeff[..1]);
        if len > 1 {
            out.push('.');
            out.push_str(&coeff[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
        out
    }
}

/// `digits` as an i64 if it fits Java's long range (`negative` applied).
pub fn to_long(negative: bool, digits: &str) -> Option<i64> {
    let text = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_java() {
        let d = BigDecimal::parse("-1.50").expect("number");
        assert_eq!((d.negative, d.digits.as_str(), d.scale), (true, "150", 2));
        assert_eq!(BigDecimal::parse("1e3").expect("number").scale, -3);
        assert!(BigDecimal::parse("1e").is_none());
        assert!(BigDecimal::parse("abc").is_none());
        assert!(BigDecimal::parse("1.2.3").is_none());
    }

    #[test]
    fn unscaled_bytes_round_trip() {
        for text in [
            "0",
            "1",
            "-1",
            "127",
            "128",
            "-128",
            "-129",
            "255",
            "-12345",
            "9223372036854775808",
        ] {
            let d = BigDecimal::parse(text).expect("number");
            let back = BigDecimal::from_unscaled(&d.unscaled_bytes(), 0);
            assert_eq!(back, d, "{text}");
        }
        assert_eq!(
            BigDecimal::parse("-1").expect("n").unscaled_bytes(),
            vec![0xff]
        );
        assert_eq!(
            BigDecimal::parse("128").expect("n").unscaled_bytes(),
            vec![0, 0x80]
        );
    }

    #[test]
    fn java_to_string() {
        let s = |digits: &str, neg: bool, scale: i64| {
            BigDecimal {
                negative: neg,
                digits: digits.into(),
                scale,
            }
            .to_java_string()
        };
        assert_eq!(s("12345", true, 2), "-123.45");
        assert_eq!(s("1", false, 9), "1E-9");
        assert_eq!(s("1", false, 3), "0.001");
        assert_eq!(
            s("17976931348623157", false, -293),
            "1.7976931348623157E+309"
        );
    }
}
