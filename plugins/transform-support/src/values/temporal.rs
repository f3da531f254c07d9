//! The ISO-8601 forms `Values` reads and writes with `SimpleDateFormat` (lenient,
//! in the JVM's zone, which Ferry takes to be UTC): `yyyy-MM-dd`,
//! `HH:mm:ss.SSS'Z'` and `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`. The proleptic Gregorian
//! calendar is used throughout (Java switches to Julian before 1582-10-15).

pub const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Copy)]
enum Part {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millis,
    Literal(char),
}

const DATE: &[Part] = &[
    Part::Year,
    Part::Literal('-'),
    Part::Month,
    Part::Literal('-'),
    Part::Day,
];
const TIME: &[Part] = &[
    Part::Hour,
    Part::Literal(':'),
    Part::Minute,
    Part::Literal(':'),
    Part::Second,
    Part::Literal('.'),
    Part::Millis,
    Part::Literal('Z'),
];

/// Which logical type a temporal string parsed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Temporal {
    Date,
    Time,
    Timestamp,
}

/// `parseAsTemporal`: by UTF-16 length 13 (time), 24 (timestamp) or 10 (date), a
/// lenient parse of the matching pattern; milliseconds since the epoch. As in Java,
/// the pattern need not consume the whole token.
pub fn parse(token: &str) -> Option<(Temporal, i64)> {
    let token = token.replace("\\:", ":");
    let (kind, pattern): (Temporal, Vec<Part>) = match token.encode_utf16().count() {
        13 => (Temporal::Time, TIME.to_vec()),
        24 => (
            Temporal::Timestamp,
            DATE.iter()
                .copied()
                .chain([Part::Literal('T')])
                .chain(TIME.iter().copied())
                .collect(),
        ),
        10 => (Temporal::Date, DATE.to_vec()),
        _ => return None,
    };
    let chars: Vec<char> = token.chars().collect();
    let mut pos = 0;
    let (mut year, mut month, mut day) = (1970i64, 1i64, 1i64);
    let (mut hour, mut minute, mut second, mut millis) = (0i64, 0i64, 0i64, 0i64);
    for part in pattern {
        if let Part::Literal(c) = part {
            if chars.get(pos) != Some(&c) {
                return None;
            }
            pos += 1;
            continue;
        }
        // SimpleDateFormat skips blanks before a field, then reads every digit.
        while matches!(chars.get(pos), Some(' ' | '\t')) {
            pos += 1;
        }
        let start = pos;
        while chars.get(pos).is_some_and(|c| c.is_ascii_digit()) {
            pos += 1;
        }
        if start == pos {
            return None;
        }
        let text: String = chars[start..pos].iter().collect();
        let n: i64 = text.parse().ok()?;
        match part {
            Part::Year => year = n,
            Part::Month => month = n,
            Part::Day => day = n,
            Part::Hour => hour = n,
            Part::Minute => minute = n,
            Part::Second => second = n,
            Part::Millis => millis = n,
            Part::Literal(_) => {}
        }
    }
    // Lenient: out-of-range fields roll over into the next larger one.
    let months = year * 12 + (month - 1);
    let days = days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1) + day - 1;
    let ms = days * MILLIS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
    Some((kind, ms))
}

/// `Values.dateFormatFor(date).format(date)`: the time form below one day past the
/// epoch (negative values included), the date form on a midnight, else a timestamp.
pub fn format(ms: i64) -> String {
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let in_day = ms.rem_euclid(MILLIS_PER_DAY);
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    );
    let (y, m, d) = civil_from_days(days);
    let date = format!("{}-{m:02}-{d:02}", year_text(y));
    if ms < MILLIS_PER_DAY {
        time
    } else if ms % MILLIS_PER_DAY == 0 {
        date
    } else {
        format!("{date}T{time}")
    }
}

/// `yyyy`: at least four digits; the era is not printed (year 0 is 1 BC).
fn year_text(y: i64) -> String {
    let y = if y <= 0 { 1 - y } else { y };
    format!("{y:04}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(
            parse("2024-01-02"),
            Some((Temporal::Date, 1_704_153_600_000))
        );
        assert_eq!(
            parse("2024-02-30"),
            Some((Temporal::Date, 1_709_251_200_000))
        );
        assert_eq!(parse("12:34:56.789Z"), Some((Temporal::Time, 45_296_789)));
        assert_eq!(parse("2024-0x-01"), None);
        assert_eq!(format(1_704_153_600_000), "2024-01-02");
        assert_eq!(format(0), "00:00:00.000Z");
        assert_eq!(format(-1000), "23:59:59.000Z");
        assert_eq!(format(1_704_196_800_123), "2024-01-02T12:00:00.123Z");
    }
}
