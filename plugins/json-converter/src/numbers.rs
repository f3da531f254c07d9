//! Number formatting and arithmetic that must match the JVM bit for bit:
//! `Double.toString` / `Float.toString` (as Jackson writes `DoubleNode`/`FloatNode`),
//! and arbitrary-precision decimals in the form Kafka's `Decimal` logical type uses
//! (unscaled value as big-endian two's-complement bytes, Java's `BigInteger.toByteArray`).

/// Append `v` as Jackson writes a `DoubleNode`: Java's `Double.toString` (JDK 19+, the
/// shortest decimal that rounds to `v`), and the strings `"NaN"`, `"Infinity"`,
/// `"-Infinity"` (quoted: Jackson's `WRITE_NAN_AS_STRINGS` is on by default).
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if let Some(special) = non_finite(v.is_nan(), v.is_infinite(), v.is_sign_negative()) {
        out.extend_from_slice(special);
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let mut decimal = Shortest::parse(buf.format_finite(v));
    if decimal.len == 1 && v.abs() < f64::MIN_POSITIVE {
        // Java picks among decimals of length 1 *or 2* when the shortest has length 1;
        // only tiny subnormals have a 2-digit decimal that also rounds to `v`.
        let two = format!("{:.1e}", v.abs());
        if two.parse::<f64>().ok() == Some(v.abs()) {
            decimal = Shortest::parse(&two);
        }
    }
    decimal.write_java(out, v.is_sign_negative());
}

/// Append `v` as Jackson writes a `FloatNode`: Java's `Float.toString` (JDK 19+).
pub fn write_f32(out: &mut Vec<u8>, v: f32) {
    if let Some(special) = non_finite(v.is_nan(), v.is_infinite(), v.is_sign_negative()) {
        out.extend_from_slice(special);
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let mut decimal = Shortest::parse(buf.format_finite(v));
    if decimal.len == 1 && v.abs() < f32::MIN_POSITIVE {
        let two = format!("{:.1e}", v.abs());
        if two.parse::<f32>().ok() == Some(v.abs()) {
            decimal = Shortest::parse(&two);
        }
    }
    decimal.write_java(out, v.is_sign_negative());
}

fn non_finite(nan: bool, infinite: bool, negative: bool) -> Option<&'static [u8]> {
    if nan {
        Some(b"\"NaN\"")
    } else if infinite {
        Some(if negative {
            b"\"-Infinity\""
        } else {
            b"\"Infinity\""
        })
    } else {
        None
    }
}

/// A positive decimal `d1.d2d3… × 10^exp` with no leading or trailing zero digits.
struct Shortest {
    digits: [u8; 32],
    len: usize,
    exp: i32,
}

impl Shortest {
    /// Parse any plain or exponent float text (`1234.5`, `1e-7`, `4.9e-324`), sign ignored.
    fn parse(text: &str) -> Shortest {
        let text = text.trim_start_matches('-');
        let (mantissa, exp10) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let int_len = mantissa.find('.').unwrap_or(mantissa.len());
        let mut digits = [0u8; 32];
        let mut len = 0;
        let mut leading_zeros = 0i32;
        for b in mantissa.bytes().filter(u8::is_ascii_digit) {
            if len == 0 && b == b'0' {
                leading_zeros += 1;
                continue;
            }
            if len < digits.len() {
                digits[len] = b;
                len += 1;
            }
        }
        while len > 1 && digits[len - 1] == b'0' {
            len -= 1;
        }
        if len == 0 {
            digits[0] = b'0';
            len = 1;
        }
        let int_len = i32::try_from(int_len).unwrap_or(0);
        Shortest {
            digits,
            len,
            exp: int_len - 1 + exp10 - leading_zeros,
        }
    }

    /// Java's `Double.toString` layout: plain for 10^-3 <= |v| < 10^7, else
    /// computerized scientific notation (`1.0E10`, `1.234E-5`).
    fn write_java(&self, out: &mut Vec<u8>, negative: bool) {
        let digits = &self.digits[..self.len];
        if negative {
            out.push(b'-');
        }
        if (-3..7).contains(&self.exp) {
            if self.exp >= 0 {
                let int_len = self.exp as usize + 1;
                if digits.len() <= int_len {
                    out.extend_from_slice(digits);
                    out.extend(std::iter::repeat_n(b'0', int_len - digits.len()));
                    out.extend_from_slice(b".0");
                } else {
                    out.extend_from_slice(&digits[..int_len]);
                    out.push(b'.');
                    out.extend_from_slice(&digits[int_len..]);
                }
            } else {
                out.extend_from_slice(b"0.");
                out.extend(std::iter::repeat_n(b'0', (-self.exp - 1) as usize));
                out.extend_from_slice(digits);
            }
        } else {
            out.push(digits[0]);
            out.push(b'.');
            if digits.len() > 1 {
                out.extend_from_slice(&digits[1..]);
            } else {
                out.push(b'0');
            }
            out.push(b'E');
            out.extend_from_slice(self.exp.to_string().as_bytes());
        }
    }
}

/// Normalize big-endian two's-complement bytes to the minimal form Java's
/// `BigInteger.toByteArray` produces. `None` for empty input (Java's
/// `new BigInteger(new byte[0])` throws "Zero length BigInteger").
pub fn minimal_twos_complement(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.is_empty() {
        return None;
    }
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    Some(&bytes[start..])
}

/// Minimal big-endian two's-complement bytes of `±digits` (ASCII decimal digits).
pub fn decimal_digits_to_twos_complement(negative: bool, digits: &[u8]) -> Vec<u8> {
    // Magnitude in base 2^32, little-endian limbs.
    let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() / 9 + 1);
    for chunk in digits.chunks(9) {
        let mut mul: u64 = 1;
        let mut add: u64 = 0;
        for &d in chunk {
            mul *= 10;
            add = add * 10 + u64::from(d.wrapping_sub(b'0') % 10);
        }
        let mut carry = add;
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * mul + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    let mut magnitude: Vec<u8> = Vec::with_capacity(limbs.len() * 4 + 1);
    magnitude.push(0); // room for the sign bit
    for limb in limbs.iter().rev() {
        magnitude.extend_from_slice(&limb.to_be_bytes());
    }
    let is_zero = magnitude.iter().all(|&b| b == 0);
    if negative && !is_zero {
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    match minimal_twos_complement(&magnitude) {
        Some(min) => min.to_vec(),
        None => vec![0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn f32s(v: f32) -> String {
        let mut out = Vec::new();
        write_f32(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn doubles_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (12.34, "12.34"),
            (1e10, "1.0E10"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (1e7, "1.0E7"),
            (12345678.9, "1.23456789E7"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.234e-5, "1.234E-5"),
            (0.1, "0.1"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e21, "1.0E21"),
            (1e23, "1.0E23"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (5e-324, "4.9E-324"),
            (1e-323, "9.9E-324"),
            (4398046511104.0, "4.398046511104E12"),
            (f64::NAN, "\"NaN\""),
            (f64::INFINITY, "\"Infinity\""),
            (f64::NEG_INFINITY, "\"-Infinity\""),
        ];
        for &(v, want) in cases {
            assert_eq!(f64s(v), want, "{v:e}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        let cases: &[(f32, &str)] = &[
            (12.34, "12.34"),
            (1e10, "1.0E10"),
            (0.1, "0.1"),
            (1.0e-5, "1.0E-5"),
            (3.4028235e38, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (16777216.0, "1.6777216E7"),
            (f32::NAN, "\"NaN\""),
        ];
        for &(v, want) in cases {
            assert_eq!(f32s(v), want, "{v:e}");
        }
    }

    #[test]
    fn twos_complement_matches_biginteger() {
        let t = |neg, s: &str| decimal_digits_to_twos_complement(neg, s.as_bytes());
        assert_eq!(t(false, "156"), vec![0, 156]);
        assert_eq!(t(false, "0"), vec![0]);
        assert_eq!(t(true, "0"), vec![0]);
        assert_eq!(t(false, "127"), vec![127]);
        assert_eq!(t(false, "128"), vec![0, 128]);
        assert_eq!(t(true, "128"), vec![0x80]);
        assert_eq!(t(true, "129"), vec![0xff, 0x7f]);
        assert_eq!(t(true, "1"), vec![0xff]);
        assert_eq!(t(false, "4294967296"), vec![1, 0, 0, 0, 0]);
        assert_eq!(
            t(false, "123456789123456789"),
            123456789123456789i64.to_be_bytes()[..].to_vec()[0..].to_vec()
        );
        assert_eq!(minimal_twos_complement(&[0, 0, 0x9c]), Some(&[0, 0x9c][..]));
        assert_eq!(
            minimal_twos_complement(&[0xff, 0xff, 0x7f]),
            Some(&[0xff, 0x7f][..])
        );
        assert_eq!(minimal_twos_complement(&[]), None);
    }
}
