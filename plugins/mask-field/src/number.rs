//! The parts of `java.math.BigDecimal` and Kafka's `Values` that `MaskField` uses to
//! turn its `replacement` string into a number of a field's type.

/// A decimal parsed as `new BigDecimal(String)` parses it: sign, unscaled digits
/// (ASCII, no leading zeros, `"0"` for zero) and scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigDecimal {
    pub negative: bool,
    pub digits: String,
    pub scale: i32,
}

impl BigDecimal {
    /// `new BigDecimal(text)`: `None` where Java throws `NumberFormatException`.
    /// Grammar: optional sign, digits with an optional point (at least one digit),
    /// optional exponent (`e`/`E`, optional sign, digits) that fits an `int`, and a
    /// resulting scale that fits an `int`.
    pub fn parse(text: &str) -> Option<BigDecimal> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return None;
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !all_digits(unsigned) {
                    return None;
                }
                let value: i32 = e.parse().ok()?;
                i64::from(value)
            }
        };
        let scale = i32::try_from(frac_part.len() as i64 - exponent).ok()?;
        let digits: String = int_part.chars().chain(frac_part.chars()).collect();
        let digits = digits.trim_start_matches('0');
        Some(BigDecimal {
            negative: negative && !digits.is_empty(),
            digits: if digits.is_empty() {
                "0".to_string()
            } else {
                digits.to_string()
            },
            scale,
        })
    }

    /// `BigDecimal.longValue()`: the integer part (truncated toward zero), keeping its
    /// low 64 bits.
    pub fn long_value(&self) -> i64 {
        let digits = self.digits.as_bytes();
        let mut magnitude: u64 = 0;
        let integer_digits: &[u8] = if self.scale >= 0 {
            let keep = digits.len().saturating_sub(self.scale as usize);
            &digits[..keep]
        } else {
            digits
        };
        for &d in integer_digits {
            magnitude = magnitude.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        }
        if self.scale < 0 {
            // 10^64 is a multiple of 2^64: more zeros than that leave nothing.
            for _ in 0..(-i64::from(self.scale)).min(64) {
                magnitude = magnitude.wrapping_mul(10);
            }
        }
        let value = magnitude as i64;
        if self.negative {
            value.wrapping_neg()
        } else {
            value
        }
    }

    /// `BigDecimal.doubleValue()`: the nearest double (Java's conversion is correctly
    /// rounded, as Rust's float parsing is).
    pub fn double_value(&self) -> f64 {
        let sign = if self.negative { "-" } else { "" };
        let text = format!("{sign}{}e{}", self.digits, -i64::from(self.scale));
        text.parse().unwrap_or(f64::NAN)
    }

    /// The unscaled value as Connect's Decimal holds it: minimal big-endian two's
    /// complement bytes (`BigInteger.toByteArray`).
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        // Magnitude in base 256, big-endian.
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
        // Room for the sign bit.
        magnitude.insert(0, 0);
        if self.negative {
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
        // Minimal: drop leading bytes that only repeat the sign.
        let mut start = 0;
        while start + 1 < magnitude.len() {
            let (b, next) = (magnitude[start], magnitude[start + 1]);
            if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
                start += 1;
            } else {
                break;
            }
        }
        magnitude[start..].to_vec()
    }
}

/// Kafka's `Values.asLong(String)` (what `convertToByte` … `convertToLong` do with a
/// string): the `BigDecimal`'s `longValue()`, or Kafka's `DataException` message.
pub fn as_long(text: &str) -> Result<i64, String> {
    BigDecimal::parse(text)
        .map(|d| d.long_value())
        .ok_or_else(|| not_a_number(text))
}

/// Kafka's `Values.asDouble(String)` (`convertToFloat` / `convertToDouble`).
pub fn as_double(text: &str) -> Result<f64, String> {
    BigDecimal::parse(text)
        .map(|d| d.double_value())
        .ok_or_else(|| not_a_number(text))
}

fn not_a_number(text: &str) -> String {
    format!("Unable to convert {text} (class java.lang.String) to a number")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bd(s: &str) -> BigDecimal {
        BigDecimal::parse(s).expect("parses")
    }

    #[test]
    fn parses_like_java() {
        assert_eq!(
            bd("-12.340"),
            BigDecimal {
                negative: true,
                digits: "12340".into(),
                scale: 3
            }
        );
        assert_eq!(bd("1E+3").scale, -3);
        assert_eq!(bd(".5").scale, 1);
        assert_eq!(bd("5.").scale, 0);
        assert_eq!(bd("+5").digits, "5");
        assert_eq!(
            bd("-0.00"),
            BigDecimal {
                negative: false,
                digits: "0".into(),
                scale: 2
            }
        );
        for bad in [
            "",
            "abc",
            "0x10",
            "1_0",
            " 1",
            "NaN",
            "Infinity",
            "1e",
            "e5",
            ".",
            "-",
            "1e2147483648",
            "1.2.3",
        ] {
            assert_eq!(BigDecimal::parse(bad), None, "{bad:?}");
        }
    }

    // Values printed by Kafka 4.4.0's Values.convertToX(null, s) on a JDK 17.
    #[test]
    fn conversions_match_kafka() {
        let byte = |s: &str| as_long(s).map(|v| v as i8);
        let short = |s: &str| as_long(s).map(|v| v as i16);
        let int = |s: &str| as_long(s).map(|v| v as i32);
        assert_eq!(byte("1e3"), Ok(-24));
        assert_eq!(byte("300"), Ok(44));
        assert_eq!(short("99999999999"), Ok(-6145));
        assert_eq!(int("99999999999"), Ok(1215752191));
        assert_eq!(as_long("1e20"), Ok(7766279631452241920));
        assert_eq!(as_long("-1e20"), Ok(-7766279631452241920));
        assert_eq!(int("-1e20"), Ok(-1661992960));
        assert_eq!(as_long("-1.9"), Ok(-1));
        assert_eq!(as_long(".5"), Ok(0));
        assert_eq!(as_long("1e400"), Ok(0));
        assert_eq!(as_long("3.4028235e39"), Ok(-4833447296022609920));
        assert_eq!(as_double("3.4028235e39"), Ok(3.4028235e39));
        assert_eq!(
            as_double("3.4028235e39").map(|v| v as f32),
            Ok(f32::INFINITY)
        );
        assert_eq!(as_double("16777217").map(|v| v as f32), Ok(16777216.0));
        assert_eq!(as_double("1e-400"), Ok(0.0));
        assert_eq!(
            as_long("abc"),
            Err("Unable to convert abc (class java.lang.String) to a number".into())
        );
    }

    #[test]
    fn unscaled_bytes_are_minimal_twos_complement() {
        assert_eq!(bd("0").unscaled_bytes(), vec![0]);
        assert_eq!(bd("123").unscaled_bytes(), vec![123]);
        assert_eq!(bd("128").unscaled_bytes(), vec![0, 128]);
        assert_eq!(bd("-1").unscaled_bytes(), vec![0xff]);
        assert_eq!(bd("-128").unscaled_bytes(), vec![0x80]);
        assert_eq!(bd("-129").unscaled_bytes(), vec![0xff, 0x7f]);
        assert_eq!(bd("123.45").unscaled_bytes(), vec![0x30, 0x39]);
        let big = bd("1000000000000000000000000000000000000000000");
        assert_eq!(
            ferry_sdk::logical::decimal_to_string(&big.unscaled_bytes(), 0),
            "1000000000000000000000000000000000000000000"
        );
    }
}
