//! Java's `Double.toString` and `Float.toString` (JDK 19+: the shortest decimal that
//! rounds back, in Java's layout), for messages and casts that print numbers as Java
//! does.

/// Java's `Double.toString`: the shortest decimal that rounds to `v` (JDK 19+),
/// plain for 10^-3 <= |v| < 10^7, otherwise `d.dddE±n`.
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-Infinity" } else { "Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let mut sci = format!("{:e}", v.abs());
    if v.abs() < f64::MIN_POSITIVE && !sci.contains('.') {
        // Java picks among 2-digit decimals too when the shortest has one digit.
        let two = format!("{:.1e}", v.abs());
        if two.parse::<f64>().ok() == Some(v.abs()) {
            sci = two;
        }
    }
    java_layout(&sci, v < 0.0)
}

/// Java's `Float.toString`.
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-Infinity" } else { "Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let mut sci = format!("{:e}", v.abs());
    if v.abs() < f32::MIN_POSITIVE && !sci.contains('.') {
        let two = format!("{:.1e}", v.abs());
        if two.parse::<f32>().ok() == Some(v.abs()) {
            sci = two;
        }
    }
    java_layout(&sci, v < 0.0)
}

/// `d.ddde±n` (Rust's shortest scientific form) in Java's layout.
fn java_layout(sci: &str, negative: bool) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_java() {
        assert_eq!(double_to_string(42.0), "42.0");
        assert_eq!(double_to_string(-64.0), "-64.0");
        assert_eq!(double_to_string(1e7), "1.0E7");
        assert_eq!(double_to_string(0.001), "0.001");
        assert_eq!(double_to_string(1.0E-4), "1.0E-4");
        assert_eq!(
            double_to_string(9.223372036854776E18),
            "9.223372036854776E18"
        );
        assert_eq!(double_to_string(-25000000000.0), "-2.5E10");
        assert_eq!(
            double_to_string(f64::MIN_POSITIVE / 4.0),
            "5.562684646268003E-309"
        );
        assert_eq!(double_to_string(f64::from_bits(1)), "4.9E-324");
        assert_eq!(float_to_string(1.25), "1.25");
        assert_eq!(float_to_string(f32::MAX), "3.4028235E38");
        assert_eq!(float_to_string(f32::from_bits(1)), "1.4E-45");
        assert_eq!(float_to_string(-0.0), "-0.0");
    }
}
