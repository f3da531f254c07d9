//! Checks against Java 17's `SimpleDateFormat` (UTC, default English locale). The
//! tables in `java_outputs.rs` were printed by a small Java program.

use super::*;

mod java_outputs;
use java_outputs::*;

#[test]
fn formats_like_java() {
    let mut failures = Vec::new();
    for (p, pattern) in FORMAT_PATTERNS.iter().enumerate() {
        let format = DateFormat::new(pattern).expect("pattern");
        for (t, &millis) in FORMAT_TIMES.iter().enumerate() {
            let got = format.format(millis);
            if got != FORMATTED[p][t] {
                failures.push(format!(
                    "{pattern:?} at {millis}: Java {:?}, Ferry {got:?}",
                    FORMATTED[p][t]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parses_like_java() {
    let mut failures = Vec::new();
    for &(pattern, text, expected) in PARSED {
        let format = DateFormat::new(pattern).expect("pattern");
        let got = format.parse_with_century(text, CENTURY_START);
        if got != expected {
            failures.push(format!(
                "{pattern:?} on {text:?}: Java {expected:?}, Ferry {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pattern_errors_are_javas() {
    for &(pattern, expected) in PATTERN_ERRORS {
        let got = DateFormat::new(pattern).err().map(|e| e.0);
        assert_eq!(got.as_deref(), expected, "{pattern:?}");
    }
}

#[test]
fn keeps_the_pattern() {
    let format = DateFormat::new("yyyy MM dd HH mm ss SSS z").unwrap();
    assert_eq!(format.pattern(), "yyyy MM dd HH mm ss SSS z");
}

#[test]
fn kafka_values_date_formats() {
    assert_eq!(iso8601(86_400_000), "1970-01-02");
    assert_eq!(iso8601(3_600_000), "01:00:00.000Z");
    assert_eq!(iso8601(86_400_001), "1970-01-02T00:00:00.001Z");
    assert_eq!(iso8601(-86_400_000), "00:00:00.000Z");
}

#[test]
fn century_start_is_eighty_years_back() {
    // 2024-02-29T12:00:00Z -> 1944-02-29T12:00:00Z (a leap year too).
    assert_eq!(minus_80_years(1_709_208_000_000), -815_400_000_000);
    // 2023-03-01 -> 1943-03-01.
    let start = minus_80_years(1_677_628_800_000);
    assert_eq!(
        DateFormat::new("yyyy-MM-dd").unwrap().format(start),
        "1943-03-01"
    );
}
