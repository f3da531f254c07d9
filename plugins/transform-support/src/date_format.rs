//! The part of Java's `java.text.SimpleDateFormat` Kafka's transforms use
//! (`TimestampConverter`, `TimestampRouter`, `Cast`'s `Values.dateFormatFor`): a
//! formatter created with `new SimpleDateFormat(pattern)` in the JVM's default locale
//! (English, as on a worker started with `LANG=C`/`en`), its time zone set to UTC.
//!
//! - Patterns compile as Java compiles them: every ASCII letter is a pattern letter
//!   (`G y Y M L d D F E u w W a H k K h m s S z Z X`; any other letter is
//!   `Illegal pattern character 'x'`), `'…'` quotes literal text, `''` is a quote,
//!   everything else is literal; Java's messages for bad patterns.
//! - Formatting follows `SimpleDateFormat.subFormat` over Java's `GregorianCalendar`
//!   in UTC: the Julian calendar before 1582-10-15, eras (`AD`/`BC`), English month and
//!   day names, `Sunday` as first day of the week with one minimal day in the first week.
//! - Parsing follows `SimpleDateFormat.parse` in its default lenient mode: integer
//!   fields read as Java's `DecimalFormat` reads them (sign, any Unicode decimal digit,
//!   exponent `E`), adjacent numeric fields obey their letter count, names match
//!   case-insensitively, out-of-range values roll over as a lenient `Calendar` does
//!   (month 13 is January of the next year), and trailing text is ignored. Time zones:
//!   `GMT`, `GMT±h[h][:mm]`, `±hhmm`, ISO `Z`/`±hh[[:]mm]`, and the UTC zone's names
//!   (`UTC`, `Coordinated Universal Time`); other zone names do not parse.
//! - Two-digit years (`yy`) resolve into the century starting 80 years before now,
//!   as Java's do.
//!
//! Times are milliseconds since the epoch (`java.util.Date.getTime()`).

use std::fmt::Write;

const MILLIS_PER_DAY: i64 = 86_400_000;
/// Fixed date (days since 0001-01-01 Gregorian = 1) of 1970-01-01.
const EPOCH_OFFSET: i64 = 719_163;
/// Fixed date of 1582-10-15, the first Gregorian day of Java's default calendar.
const GREGORIAN_CUTOVER_DATE: i64 = 577_736;
const GREGORIAN_CUTOVER_YEAR: i64 = 1582;
/// Fixed date of January 1 of year 1 in the Julian calendar.
const JULIAN_EPOCH: i64 = -1;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Indexed by `Calendar.DAY_OF_WEEK` - 1 (Sunday first).
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const ERAS: [&str; 2] = ["BC", "AD"];
const LONG_ERAS: [&str; 2] = ["Before Christ", "Anno Domini"];
const AM_PM: [&str; 2] = ["AM", "PM"];

/// Java's pattern letters, in `DateFormatSymbols.patternChars` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Letter {
    Era,              // G
    Year,             // y
    Month,            // M
    DayOfMonth,       // d
    HourOfDay1,       // k
    HourOfDay0,       // H
    Minute,           // m
    Second,           // s
    Millisecond,      // S
    DayOfWeek,        // E
    DayOfYear,        // D
    DayOfWeekInMonth, // F
    WeekOfYear,       // w
    WeekOfMonth,      // W
    AmPm,             // a
    Hour1,            // h
    Hour0,            // K
    ZoneName,         // z
    ZoneValue,        // Z
    WeekYear,         // Y
    IsoDayOfWeek,     // u
    IsoZone,          // X
    MonthStandalone,  // L
}

impl Letter {
    fn of(c: char) -> Option<Letter> {
        Some(match c {
            'G' => Letter::Era,
            'y' => Letter::Year,
            'M' => Letter::Month,
            'd' => Letter::DayOfMonth,
            'k' => Letter::HourOfDay1,
            'H' => Letter::HourOfDay0,
            'm' => Letter::Minute,
            's' => Letter::Second,
            'S' => Letter::Millisecond,
            'E' => Letter::DayOfWeek,
            'D' => Letter::DayOfYear,
            'F' => Letter::DayOfWeekInMonth,
            'w' => Letter::WeekOfYear,
            'W' => Letter::WeekOfMonth,
            'a' => Letter::AmPm,
            'h' => Letter::Hour1,
            'K' => Letter::Hour0,
            'z' => Letter::ZoneName,
            'Z' => Letter::ZoneValue,
            'Y' => Letter::WeekYear,
            'u' => Letter::IsoDayOfWeek,
            'X' => Letter::IsoZone,
            'L' => Letter::MonthStandalone,
            _ => return None,
        })
    }

    /// `SimpleDateFormat.shouldObeyCount`: a numeric field followed directly by this
    /// one reads at most its own letter count of characters.
    fn obeys_count(self, count: usize) -> bool {
        match self {
            Letter::Month | Letter::MonthStandalone => count <= 2,
            Letter::Year
            | Letter::DayOfMonth
            | Letter::HourOfDay1
            | Letter::HourOfDay0
            | Letter::Minute
            | Letter::Second
            | Letter::Millisecond
            | Letter::DayOfYear
            | Letter::DayOfWeekInMonth
            | Letter::WeekOfYear
            | Letter::WeekOfMonth
            | Letter::Hour1
            | Letter::Hour0
            | Letter::WeekYear
            | Letter::IsoDayOfWeek => true,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// Literal text (UTF-16 units, as Java compares them).
    Literal(Vec<u16>),
    Field(Letter, usize),
}

/// A compiled `SimpleDateFormat` pattern, in UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    items: Vec<Item>,
    /// Both a single-letter `M…` field and nothing else (Java's
    /// `forceStandaloneForm`; the same names in English).
    _standalone: bool,
}

/// `new SimpleDateFormat(pattern)` failed: Java's `IllegalArgumentException` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

impl DateFormat {
    /// Compile `pattern` as `new SimpleDateFormat(pattern)` does.
    pub fn new(pattern: &str) -> Result<DateFormat, PatternError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut items: Vec<Item> = Vec::new();
        let mut in_quote = false;
        let mut quoted: Vec<u16> = Vec::new();
        let mut last: Option<(Letter, usize)> = None;
        let mut tagcount = 0usize;
        let mut prev: Option<Letter> = None;
        let push_literal = |items: &mut Vec<Item>, text: &[u16]| {
            if let Some(Item::Literal(existing)) = items.last_mut() {
                existing.extend_from_slice(text);
            } else {
                items.push(Item::Literal(text.to_vec()));
            }
        };
        let flush = |items: &mut Vec<Item>,
                     last: &mut Option<(Letter, usize)>,
                     prev: &mut Option<Letter>,
                     tagcount: &mut usize|
         -> Result<(), PatternError> {
            if let Some((letter, count)) = last.take() {
                if letter == Letter::IsoZone && count >= 4 {
                    return Err(PatternError(format!(
                        "invalid ISO 8601 format: length={count}"
                    )));
                }
                items.push(Item::Field(letter, count));
                *tagcount += 1;
                *prev = Some(letter);
            }
            Ok(())
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                    flush(&mut items, &mut last, &mut prev, &mut tagcount)?;
                    if in_quote {
                        quoted.push(u16::from(b'\''));
                    } else {
                        push_literal(&mut items, &[u16::from(b'\'')]);
                    }
                    continue;
                }
                if in_quote {
                    push_literal(&mut items, &quoted);
                    in_quote = false;
                } else {
                    flush(&mut items, &mut last, &mut prev, &mut tagcount)?;
                    quoted.clear();
                    in_quote = true;
                }
                i += 1;
                continue;
            }
            if in_quote {
                let mut buf = [0u16; 2];
                quoted.extend_from_slice(c.encode_utf16(&mut buf));
                i += 1;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                flush(&mut items, &mut last, &mut prev, &mut tagcount)?;
                let mut buf = [0u16; 2];
                push_literal(&mut items, c.encode_utf16(&mut buf));
                i += 1;
                continue;
            }
            let Some(letter) = Letter::of(c) else {
                return Err(PatternError(format!("Illegal pattern character '{c}'")));
            };
            match &mut last {
                Some((l, count)) if *l == letter => *count += 1,
                _ => {
                    flush(&mut items, &mut last, &mut prev, &mut tagcount)?;
                    last = Some((letter, 1));
                }
            }
            i += 1;
        }
        if in_quote {
            return Err(PatternError("Unterminated quote".into()));
        }
        flush(&mut items, &mut last, &mut prev, &mut tagcount)?;
        Ok(DateFormat {
            pattern: pattern.to_string(),
            items,
            _standalone: tagcount == 1 && prev == Some(Letter::Month),
        })
    }

    /// The pattern as given (`toPattern()`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// `format(new Date(millis))`.
    pub fn format(&self, millis: i64) -> String {
        let f = Fields::of(millis);
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Literal(units) => out.push_str(&String::from_utf16_lossy(units)),
                Item::Field(letter, count) => format_field(&mut out, &f, *letter, *count),
            }
        }
        out
    }

    /// `parse(text).getTime()`, or `None` where Java throws `ParseException`.
    pub fn parse(&self, text: &str) -> Option<i64> {
        self.parse_with_century(text, default_century_start())
    }

    fn parse_with_century(&self, text: &str, century_start: i64) -> Option<i64> {
        let t: Vec<u16> = text.encode_utf16().collect();
        let mut start = 0usize;
        let mut builder = Builder::default();
        let century_start_year = i64::from(Fields::of(century_start).normalized_year);
        let mut ambiguous = false;
        for (i, item) in self.items.iter().enumerate() {
            match item {
                Item::Literal(units) => {
                    for &u in units {
                        if t.get(start) != Some(&u) {
                            return None;
                        }
                        start += 1;
                    }
                }
                Item::Field(letter, count) => {
                    let obey = match self.items.get(i + 1) {
                        Some(Item::Field(next, next_count)) => next.obeys_count(*next_count),
                        _ => false,
                    };
                    start = sub_parse(
                        &t,
                        start,
                        *letter,
                        *count,
                        obey,
                        &mut ambiguous,
                        century_start_year,
                        &mut builder,
                    )?;
                }
            }
        }
        if start == 0 {
            return None;
        }
        let mut millis = builder.establish()?;
        if ambiguous && millis < century_start {
            builder.add_year(100);
            millis = builder.establish()?;
        }
        Some(millis)
    }
}

/// Java's `Character.digit(c, 10)` for UTF-16 units: every Unicode decimal digit of
/// the Basic Multilingual Plane.
pub fn java_digit(c: u16) -> Option<u32> {
    const ZEROS: [u16; 37] = [
        0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
        0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946,
        0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0,
        0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    ];
    ZEROS
        .iter()
        .find(|&&z| c >= z && c < z + 10)
        .map(|&z| u32::from(c - z))
}

// ---------------------------------------------------------------------------------
// Calendar arithmetic (Java's hybrid Julian/Gregorian `GregorianCalendar`, UTC).

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn is_gregorian_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

fn is_julian_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0
}

/// Fixed date of (year, month 1-12, day) in the proleptic Gregorian calendar; year is
/// normalized (0 = 1 BC).
fn gregorian_fixed(year: i64, month: i64, day: i64) -> i64 {
    let y = year - 1;
    let mut days = 365 * y + floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
    days += floor_div(367 * month - 362, 12);
    if month > 2 {
        days -= if is_gregorian_leap(year) { 1 } else { 2 };
    }
    days + day
}

/// Fixed date of (year, month 1-12, day) in the Julian calendar (`JulianCalendar`).
fn julian_fixed(year: i64, month: i64, day: i64) -> i64 {
    let mut days = JULIAN_EPOCH - 1 + 365 * (year - 1) + day;
    days += floor_div(year - 1, 4);
    days += floor_div(367 * month - 362, 12);
    if month > 2 {
        days -= if is_julian_leap(year) { 1 } else { 2 };
    }
    days
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CalSys {
    Gregorian,
    Julian,
}

impl CalSys {
    fn fixed(self, year: i64, month: i64, day: i64) -> i64 {
        match self {
            CalSys::Gregorian => gregorian_fixed(year, month, day),
            CalSys::Julian => julian_fixed(year, month, day),
        }
    }

    fn is_leap(self, year: i64) -> bool {
        match self {
            CalSys::Gregorian => is_gregorian_leap(year),
            CalSys::Julian => is_julian_leap(year),
        }
    }

    /// (normalized year, month 1-12, day of month) of a fixed date.
    fn date(self, fixed: i64) -> (i64, i64, i64) {
        let year = match self {
            CalSys::Gregorian => {
                let d0 = fixed - 1;
                let n400 = floor_div(d0, 146_097);
                let d1 = d0.rem_euclid(146_097);
                let n100 = d1 / 36_524;
                let d2 = d1 % 36_524;
                let n4 = d2 / 1461;
                let d3 = d2 % 1461;
                let n1 = d3 / 365;
                let year = 400 * n400 + 100 * n100 + 4 * n4 + n1;
                if n100 == 4 || n1 == 4 { year } else { year + 1 }
            }
            CalSys::Julian => floor_div(4 * (fixed - JULIAN_EPOCH) + 1464, 1461),
        };
        let jan1 = self.fixed(year, 1, 1);
        let leap = self.is_leap(year);
        let mut prior = fixed - jan1;
        let mar1 = jan1 + 31 + 28 + i64::from(leap);
        if fixed >= mar1 {
            prior += if leap { 1 } else { 2 };
        }
        let month = floor_div(12 * prior + 373, 367);
        let day = fixed - self.fixed(year, month, 1) + 1;
        (year, month, day)
    }
}

/// `BaseCalendar.getDayOfWeekDateOnOrBefore`: the date of `dow` (1 = Sunday) on or
/// before `fixed`.
fn dow_on_or_before(fixed: i64, dow: i64) -> i64 {
    let fd = fixed - (dow - 1);
    fixed - fd.rem_euclid(7)
}

fn day_of_week(fixed: i64) -> i64 {
    fixed.rem_euclid(7) + 1
}

/// Java's `Calendar` week numbering with Sunday first and one minimal day.
const FIRST_DAY_OF_WEEK: i64 = 1;
const MINIMAL_DAYS: i64 = 1;

fn week_number(fixed_day1: i64, fixed: i64) -> i64 {
    let mut first = dow_on_or_before(fixed_day1 + 6, FIRST_DAY_OF_WEEK);
    if first - fixed_day1 >= MINIMAL_DAYS {
        first -= 7;
    }
    floor_div(fixed - first, 7) + 1
}

/// The calendar fields of a time, as `GregorianCalendar.computeFields` sets them.
struct Fields {
    era: usize,
    normalized_year: i32,
    year: i32,
    month: usize, // 0-11
    day_of_month: i64,
    day_of_year: i64,
    day_of_week: i64, // 1 = Sunday
    day_of_week_in_month: i64,
    week_of_year: i64,
    week_of_month: i64,
    week_year: i64,
    hour_of_day: i64,
    minute: i64,
    second: i64,
    millisecond: i64,
}

impl Fields {
    fn of(millis: i64) -> Fields {
        let fixed = floor_div(millis, MILLIS_PER_DAY) + EPOCH_OFFSET;
        let time_of_day = millis.rem_euclid(MILLIS_PER_DAY);
        let sys = if fixed >= GREGORIAN_CUTOVER_DATE {
            CalSys::Gregorian
        } else {
            CalSys::Julian
        };
        let (year, month, dom) = sys.date(fixed);
        let mut jan1 = sys.fixed(year, 1, 1);
        let mut month1 = fixed - dom + 1;
        if sys == CalSys::Gregorian && year == GREGORIAN_CUTOVER_YEAR {
            // The cutover year starts in the Julian calendar; so does October 1582.
            jan1 = julian_fixed(year, 1, 1);
            if month == 10 {
                month1 = julian_fixed(year, 10, 1);
            }
        }
        let day_of_year = fixed - jan1 + 1;
        let dow = day_of_week(fixed);
        let mut week_of_year = week_number(jan1, fixed);
        if week_of_year >= 52 {
            let next_jan1 = jan1 + 365 + i64::from(sys.is_leap(year));
            let next_first = dow_on_or_before(next_jan1 + 6, FIRST_DAY_OF_WEEK);
            if next_first - next_jan1 >= MINIMAL_DAYS && fixed >= next_first - 7 {
                week_of_year = 1;
            }
        }
        let week_year = if month == 1 {
            if week_of_year >= 52 { year - 1 } else { year }
        } else if week_of_year == 1 {
            year + 1
        } else {
            year
        };
        let (era, era_year) = if year > 0 { (1, year) } else { (0, 1 - year) };
        Fields {
            era,
            normalized_year: year as i32,
            year: era_year as i32,
            month: (month - 1) as usize,
            day_of_month: dom,
            day_of_year,
            day_of_week: dow,
            day_of_week_in_month: (fixed - month1) / 7 + 1,
            week_of_year,
            week_of_month: week_number(month1, fixed),
            week_year,
            hour_of_day: time_of_day / 3_600_000,
            minute: time_of_day / 60_000 % 60,
            second: time_of_day / 1000 % 60,
            millisecond: time_of_day % 1000,
        }
    }
}

/// `zeroPaddingNumber`: at least `min` digits (Java's `DecimalFormat` caps the
/// minimum at 309).
fn pad(out: &mut String, value: i64, min: usize) {
    let min = min.min(309);
    let digits = value.unsigned_abs().to_string();
    if value < 0 {
        out.push('-');
    }
    for _ in digits.len()..min {
        out.push('0');
    }
    out.push_str(&digits);
}

fn format_field(out: &mut String, f: &Fields, letter: Letter, count: usize) {
    let long = count >= 4;
    match letter {
        // SimpleDateFormat prints the short era whatever the count.
        Letter::Era => out.push_str(ERAS[f.era]),
        Letter::Year | Letter::WeekYear => {
            let value = if letter == Letter::Year {
                i64::from(f.year)
            } else {
                f.week_year
            };
            if count == 2 {
                // DecimalFormat with at most two integer digits keeps the sign.
                if value < 0 {
                    out.push('-');
                }
                pad(out, (value % 100).abs(), 2);
            } else {
                pad(out, value, count);
            }
        }
        Letter::Month | Letter::MonthStandalone => {
            if count >= 4 {
                out.push_str(MONTHS[f.month]);
            } else if count == 3 {
                out.push_str(SHORT_MONTHS[f.month]);
            } else {
                pad(out, f.month as i64 + 1, count);
            }
        }
        Letter::DayOfMonth => pad(out, f.day_of_month, count),
        Letter::HourOfDay1 => pad(
            out,
            if f.hour_of_day == 0 {
                24
            } else {
                f.hour_of_day
            },
            count,
        ),
        Letter::HourOfDay0 => pad(out, f.hour_of_day, count),
        Letter::Minute => pad(out, f.minute, count),
        Letter::Second => pad(out, f.second, count),
        Letter::Millisecond => pad(out, f.millisecond, count),
        Letter::DayOfWeek => {
            let i = (f.day_of_week - 1) as usize;
            out.push_str(if long { WEEKDAYS[i] } else { SHORT_WEEKDAYS[i] });
        }
        Letter::DayOfYear => pad(out, f.day_of_year, count),
        Letter::DayOfWeekInMonth => pad(out, f.day_of_week_in_month, count),
        Letter::WeekOfYear => pad(out, f.week_of_year, count),
        Letter::WeekOfMonth => pad(out, f.week_of_month, count),
        Letter::AmPm => out.push_str(AM_PM[usize::from(f.hour_of_day >= 12)]),
        Letter::Hour1 => {
            let h = f.hour_of_day % 12;
            pad(out, if h == 0 { 12 } else { h }, count);
        }
        Letter::Hour0 => pad(out, f.hour_of_day % 12, count),
        Letter::ZoneName => out.push_str(if long {
            "Coordinated Universal Time"
        } else {
            "UTC"
        }),
        Letter::ZoneValue => out.push_str("+0000"),
        Letter::IsoDayOfWeek => pad(
            out,
            if f.day_of_week == 1 {
                7
            } else {
                f.day_of_week - 1
            },
            count,
        ),
        Letter::IsoZone => out.push('Z'),
    }
}

// ---------------------------------------------------------------------------------
// Parsing.

/// `Calendar` field indexes (the ones parsing sets).
const ERA: usize = 0;
const YEAR: usize = 1;
const MONTH: usize = 2;
const WEEK_OF_YEAR: usize = 3;
const WEEK_OF_MONTH: usize = 4;
const DAY_OF_MONTH: usize = 5;
const DAY_OF_YEAR: usize = 6;
const DAY_OF_WEEK: usize = 7;
const DAY_OF_WEEK_IN_MONTH: usize = 8;
const AM_PM_FIELD: usize = 9;
const HOUR: usize = 10;
const HOUR_OF_DAY: usize = 11;
const MINUTE: usize = 12;
const SECOND: usize = 13;
const MILLISECOND: usize = 14;
const ZONE_OFFSET: usize = 15;
const DST_OFFSET: usize = 16;
const WEEK_YEAR: usize = 17;
const FIELD_COUNT: usize = 18;

/// Java's `CalendarBuilder` + the lenient `GregorianCalendar` it establishes.
#[derive(Clone, Default)]
struct Builder {
    /// (stamp, value); stamp 0 = unset.
    fields: [(u32, i64); FIELD_COUNT],
    next_stamp: u32,
}

impl Builder {
    fn set(&mut self, field: usize, value: i64) {
        if self.next_stamp == 0 {
            self.next_stamp = 2;
        }
        self.fields[field] = (self.next_stamp, value);
        self.next_stamp += 1;
    }

    fn add_year(&mut self, n: i64) {
        self.fields[YEAR].1 += n;
        self.fields[WEEK_YEAR].1 += n;
    }

    fn stamp(&self, field: usize) -> u32 {
        self.fields[field].0
    }

    fn is_set(&self, field: usize) -> bool {
        self.fields[field].0 > 0
    }

    fn get(&self, field: usize) -> i64 {
        // Parsed values are Java ints.
        i64::from(self.fields[field].1 as i32)
    }

    /// `CalendarBuilder.establish(calendar).getTime()`; `None` where Java throws.
    fn establish(&self) -> Option<i64> {
        let mut cal = self.clone();
        let week_date = cal.is_set(WEEK_YEAR) && cal.stamp(WEEK_YEAR) > cal.stamp(YEAR);
        if week_date {
            let week_year = cal.get(WEEK_YEAR);
            let mut week = if cal.is_set(WEEK_OF_YEAR) {
                cal.get(WEEK_OF_YEAR)
            } else {
                1
            };
            let mut dow = if cal.is_set(DAY_OF_WEEK) {
                cal.get(DAY_OF_WEEK)
            } else {
                FIRST_DAY_OF_WEEK
            };
            if !(1..=7).contains(&dow) {
                if dow >= 8 {
                    dow -= 1;
                    week += dow / 7;
                    dow = dow % 7 + 1;
                } else {
                    while dow <= 0 {
                        dow += 7;
                        week -= 1;
                    }
                }
                dow = if dow == 7 { 1 } else { dow + 1 };
            }
            // setWeekDate: the first day of week 1 of the week year, plus the days.
            let mut probe = Builder::default();
            if cal.is_set(ERA) {
                probe.set(ERA, cal.get(ERA));
            }
            probe.set(YEAR, week_year);
            probe.set(WEEK_OF_YEAR, 1);
            probe.set(DAY_OF_WEEK, FIRST_DAY_OF_WEEK);
            let base = probe.compute_time()?;
            let mut days = dow - FIRST_DAY_OF_WEEK;
            if days < 0 {
                days += 7;
            }
            days += 7 * (week - 1);
            let f = Fields::of(base.wrapping_add(days.wrapping_mul(MILLIS_PER_DAY)));
            cal.set(ERA, f.era as i64);
            cal.set(YEAR, i64::from(f.year));
            cal.set(MONTH, f.month as i64);
            cal.set(DAY_OF_MONTH, f.day_of_month);
        }
        cal.compute_time()
    }

    fn aggregate(a: u32, b: u32) -> u32 {
        if a == 0 || b == 0 { 0 } else { a.max(b) }
    }

    /// `Calendar.selectFields`, as a set of field flags.
    fn select_fields(&self) -> [bool; FIELD_COUNT] {
        let mut mask = [false; FIELD_COUNT];
        mask[YEAR] = true;
        if self.stamp(ERA) != 0 {
            mask[ERA] = true;
        }
        let dow_stamp = self.stamp(DAY_OF_WEEK);
        let month_stamp = self.stamp(MONTH);
        let mut dom_stamp = self.stamp(DAY_OF_MONTH);
        let mut wom_stamp = Self::aggregate(self.stamp(WEEK_OF_MONTH), dow_stamp);
        let mut dowim_stamp = Self::aggregate(self.stamp(DAY_OF_WEEK_IN_MONTH), dow_stamp);
        let doy_stamp = self.stamp(DAY_OF_YEAR);
        let mut woy_stamp = Self::aggregate(self.stamp(WEEK_OF_YEAR), dow_stamp);
        let mut best = dom_stamp
            .max(wom_stamp)
            .max(dowim_stamp)
            .max(doy_stamp)
            .max(woy_stamp);
        if best == 0 {
            wom_stamp = self.stamp(WEEK_OF_MONTH);
            dowim_stamp = self.stamp(DAY_OF_WEEK_IN_MONTH).max(dow_stamp);
            woy_stamp = self.stamp(WEEK_OF_YEAR);
            best = wom_stamp.max(dowim_stamp).max(woy_stamp);
            if best == 0 {
                best = month_stamp;
                dom_stamp = month_stamp;
            }
        }
        if best == dom_stamp
            || (best == wom_stamp && self.stamp(WEEK_OF_MONTH) >= self.stamp(WEEK_OF_YEAR))
            || (best == dowim_stamp && self.stamp(DAY_OF_WEEK_IN_MONTH) >= self.stamp(WEEK_OF_YEAR))
        {
            mask[MONTH] = true;
            if best == dom_stamp {
                mask[DAY_OF_MONTH] = true;
            } else {
                if dow_stamp != 0 {
                    mask[DAY_OF_WEEK] = true;
                }
                if wom_stamp == dowim_stamp {
                    if self.stamp(WEEK_OF_MONTH) >= self.stamp(DAY_OF_WEEK_IN_MONTH) {
                        mask[WEEK_OF_MONTH] = true;
                    } else {
                        mask[DAY_OF_WEEK_IN_MONTH] = true;
                    }
                } else if best == wom_stamp {
                    mask[WEEK_OF_MONTH] = true;
                } else if self.stamp(DAY_OF_WEEK_IN_MONTH) != 0 {
                    mask[DAY_OF_WEEK_IN_MONTH] = true;
                }
            }
        } else if best == doy_stamp {
            mask[DAY_OF_YEAR] = true;
        } else {
            if dow_stamp != 0 {
                mask[DAY_OF_WEEK] = true;
            }
            mask[WEEK_OF_YEAR] = true;
        }
        let hod_stamp = self.stamp(HOUR_OF_DAY);
        let hour_stamp = Self::aggregate(self.stamp(HOUR), self.stamp(AM_PM_FIELD));
        let mut best = hour_stamp.max(hod_stamp);
        if best == 0 {
            best = self.stamp(HOUR).max(self.stamp(AM_PM_FIELD));
        }
        if best != 0 {
            if best == hod_stamp {
                mask[HOUR_OF_DAY] = true;
            } else {
                mask[HOUR] = true;
                if self.stamp(AM_PM_FIELD) != 0 {
                    mask[AM_PM_FIELD] = true;
                }
            }
        }
        for f in [MINUTE, SECOND, MILLISECOND, ZONE_OFFSET, DST_OFFSET] {
            if self.stamp(f) != 0 {
                mask[f] = true;
            }
        }
        mask
    }

    /// `GregorianCalendar.computeTime` in lenient mode, UTC.
    fn compute_time(&self) -> Option<i64> {
        let mask = self.select_fields();
        let mut year = if self.is_set(YEAR) {
            self.get(YEAR)
        } else {
            1970
        };
        let era = if self.is_set(ERA) { self.get(ERA) } else { 1 };
        match era {
            0 => year = 1 - year,
            1 => {}
            _ => return None, // "Invalid era"
        }
        let mut time_of_day: i64 = if mask[HOUR_OF_DAY] {
            self.get(HOUR_OF_DAY)
        } else {
            let mut t = self.get(HOUR);
            if mask[AM_PM_FIELD] {
                t += 12 * self.get(AM_PM_FIELD);
            }
            t
        };
        time_of_day = time_of_day * 60 + self.get(MINUTE);
        time_of_day = time_of_day * 60 + self.get(SECOND);
        time_of_day = time_of_day * 1000 + self.get(MILLISECOND);
        let mut fixed = time_of_day / MILLIS_PER_DAY;
        time_of_day %= MILLIS_PER_DAY;
        while time_of_day < 0 {
            time_of_day += MILLIS_PER_DAY;
            fixed -= 1;
        }
        let cutover_julian_year = GREGORIAN_CUTOVER_YEAR; // same year in both systems
        let (gfd, jfd);
        if year > GREGORIAN_CUTOVER_YEAR && year > cutover_julian_year {
            let g = fixed + self.fixed_date(CalSys::Gregorian, year, &mask);
            if g >= GREGORIAN_CUTOVER_DATE {
                return Some(self.finish(g, time_of_day, &mask));
            }
            gfd = g;
            jfd = fixed + self.fixed_date(CalSys::Julian, year, &mask);
        } else if year < GREGORIAN_CUTOVER_YEAR && year < cutover_julian_year {
            let j = fixed + self.fixed_date(CalSys::Julian, year, &mask);
            if j < GREGORIAN_CUTOVER_DATE {
                return Some(self.finish(j, time_of_day, &mask));
            }
            jfd = j;
            gfd = j;
        } else {
            jfd = fixed + self.fixed_date(CalSys::Julian, year, &mask);
            gfd = fixed + self.fixed_date(CalSys::Gregorian, year, &mask);
        }
        let date = if mask[DAY_OF_YEAR] || mask[WEEK_OF_YEAR] {
            jfd
        } else if gfd >= GREGORIAN_CUTOVER_DATE {
            gfd
        } else {
            jfd
        };
        Some(self.finish(date, time_of_day, &mask))
    }

    fn finish(&self, fixed: i64, time_of_day: i64, mask: &[bool; FIELD_COUNT]) -> i64 {
        let millis = (fixed - EPOCH_OFFSET)
            .wrapping_mul(MILLIS_PER_DAY)
            .wrapping_add(time_of_day);
        let zone = if mask[ZONE_OFFSET] {
            self.get(ZONE_OFFSET)
        } else {
            0
        };
        let dst = if mask[DST_OFFSET] {
            self.get(DST_OFFSET)
        } else {
            0
        };
        millis.wrapping_sub(zone + dst)
    }

    fn month_length(sys: CalSys, month: i64, year: i64) -> i64 {
        const LEN: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut len = LEN[month as usize];
        // GregorianCalendar.isLeapYear: Julian rules up to the cutover year.
        let leap = if year > GREGORIAN_CUTOVER_YEAR {
            is_gregorian_leap(year)
        } else {
            let _ = sys;
            is_julian_leap(year)
        };
        if month == 1 && leap {
            len += 1;
        }
        len
    }

    /// `GregorianCalendar.getFixedDate(cal, year, fieldMask)`.
    fn fixed_date(&self, sys: CalSys, mut year: i64, mask: &[bool; FIELD_COUNT]) -> i64 {
        let mut month = 0;
        if mask[MONTH] {
            month = self.get(MONTH);
            if month > 11 {
                year += month / 12;
                month %= 12;
            } else if month < 0 {
                year += floor_div(month, 12);
                month = month.rem_euclid(12);
            }
        }
        let mut fixed = sys.fixed(year, month + 1, 1);
        if mask[MONTH] {
            if mask[DAY_OF_MONTH] {
                if self.is_set(DAY_OF_MONTH) {
                    fixed += self.get(DAY_OF_MONTH) - 1;
                }
            } else if mask[WEEK_OF_MONTH] {
                let mut first = dow_on_or_before(fixed + 6, FIRST_DAY_OF_WEEK);
                if first - fixed >= MINIMAL_DAYS {
                    first -= 7;
                }
                if mask[DAY_OF_WEEK] {
                    first = dow_on_or_before(first + 6, self.get(DAY_OF_WEEK));
                }
                fixed = first + 7 * (self.get(WEEK_OF_MONTH) - 1);
            } else {
                let dow = if mask[DAY_OF_WEEK] {
                    self.get(DAY_OF_WEEK)
                } else {
                    FIRST_DAY_OF_WEEK
                };
                let dowim = if mask[DAY_OF_WEEK_IN_MONTH] {
                    self.get(DAY_OF_WEEK_IN_MONTH)
                } else {
                    1
                };
                if dowim >= 0 {
                    fixed = dow_on_or_before(fixed + 7 * dowim - 1, dow);
                } else {
                    let last = Self::month_length(sys, month, year) + 7 * (dowim + 1);
                    fixed = dow_on_or_before(fixed + last - 1, dow);
                }
            }
        } else {
            if year == GREGORIAN_CUTOVER_YEAR
                && sys == CalSys::Gregorian
                && fixed < GREGORIAN_CUTOVER_DATE
            {
                // Never reached with the default cutover (both systems share 1582).
                fixed = GREGORIAN_CUTOVER_DATE;
            }
            if mask[DAY_OF_YEAR] {
                fixed += self.get(DAY_OF_YEAR) - 1;
            } else {
                let mut first = dow_on_or_before(fixed + 6, FIRST_DAY_OF_WEEK);
                if first - fixed >= MINIMAL_DAYS {
                    first -= 7;
                }
                if mask[DAY_OF_WEEK] {
                    let dow = self.get(DAY_OF_WEEK);
                    if dow != FIRST_DAY_OF_WEEK {
                        first = dow_on_or_before(first + 6, dow);
                    }
                }
                fixed = first + 7 * (self.get(WEEK_OF_YEAR) - 1);
            }
        }
        fixed
    }
}

/// A number as `DecimalFormat.parse` (integer only, no grouping, English symbols)
/// reads it, then `Number.intValue()`; with the index after it.
fn parse_number(t: &[u16], pos: usize) -> Option<(i64, usize)> {
    const NAN: [u16; 3] = [b'N' as u16, b'a' as u16, b'N' as u16];
    if t.len() >= pos + 3 && t[pos..pos + 3] == NAN {
        return Some((0, pos + 3)); // Double.NaN.intValue()
    }
    let negative = t.get(pos) == Some(&u16::from(b'-'));
    let mut p = pos + usize::from(negative);
    if t.get(p) == Some(&0x221E) {
        let value = if negative { i32::MIN } else { i32::MAX };
        return Some((i64::from(value), p + 1));
    }
    let mut digits: Vec<u8> = Vec::new();
    let mut digit_count: i64 = 0;
    let mut saw_digit = false;
    let mut exponent: i64 = 0;
    while p < t.len() {
        let ch = t[p];
        if let Some(d) = java_digit(ch) {
            saw_digit = true;
            if d == 0 && digits.is_empty() {
                p += 1;
                continue;
            }
            digit_count += 1;
            digits.push(d as u8);
            p += 1;
            continue;
        }
        if ch == u16::from(b'E') {
            // The exponent: optional '-', then digits; otherwise stop before 'E'.
            let mut q = p + 1;
            let neg = t.get(q) == Some(&u16::from(b'-'));
            q += usize::from(neg);
            let mut exp_digits: Vec<u8> = Vec::new();
            let mut any = false;
            while q < t.len() {
                match java_digit(t[q]) {
                    Some(d) => {
                        any = true;
                        if !(d == 0 && exp_digits.is_empty()) {
                            exp_digits.push(d as u8);
                        }
                        q += 1;
                    }
                    None => break,
                }
            }
            if any && exp_digits.len() <= 19 {
                let mut e: i128 = 0;
                for d in &exp_digits {
                    e = e * 10 + i128::from(*d);
                }
                if e <= i128::from(i64::MAX) {
                    let e = e as i64 as i32; // (int) exponentDigits.getLong()
                    exponent = i64::from(if neg { e.wrapping_neg() } else { e });
                    p = q;
                }
            }
            break;
        }
        break;
    }
    if !saw_digit && digit_count == 0 {
        return None;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    let decimal_at = digit_count + exponent;
    let count = digits.len() as i64;
    let value = if count == 0 {
        0
    } else if decimal_at < count || decimal_at > 19 {
        // Double: then intValue() saturates.
        let mut text = String::from(if negative { "-0." } else { "0." });
        for d in &digits {
            text.push(char::from(b'0' + d));
        }
        let _ = write!(text, "e{decimal_at}");
        let v: f64 = text.parse().unwrap_or(0.0);
        i64::from(v as i32)
    } else {
        let mut v: i128 = 0;
        for d in &digits {
            v = v * 10 + i128::from(*d);
        }
        for _ in count..decimal_at {
            v *= 10;
        }
        if negative {
            v = -v;
        }
        if v > i128::from(i64::MAX) || v < i128::from(i64::MIN) {
            let f = if negative { f64::MIN } else { f64::MAX };
            i64::from(f as i32)
        } else {
            i64::from(v as i64 as i32)
        }
    };
    Some((value, p))
}

/// Case-insensitive `regionMatches`.
fn region_matches(t: &[u16], start: usize, name: &str) -> bool {
    let n: Vec<u16> = name.encode_utf16().collect();
    if t.len() < start + n.len() {
        return false;
    }
    t[start..start + n.len()].iter().zip(&n).all(|(&a, &b)| {
        a == b || {
            let (ca, cb) = (
                char::from_u32(u32::from(a)).unwrap_or('\0'),
                char::from_u32(u32::from(b)).unwrap_or('\0'),
            );
            let ua = ca.to_uppercase().next().unwrap_or(ca);
            let ub = cb.to_uppercase().next().unwrap_or(cb);
            ua == ub
                || ua.to_lowercase().next().unwrap_or(ua) == ub.to_lowercase().next().unwrap_or(ub)
        }
    })
}

/// The longest of `names` matching at `start`: (value, end).
fn match_names<'a>(
    t: &[u16],
    start: usize,
    names: impl IntoIterator<Item = (&'a str, i64)>,
) -> Option<(i64, usize)> {
    let mut best: Option<(i64, usize)> = None;
    for (name, value) in names {
        let len = name.encode_utf16().count();
        if best.is_none_or(|(_, l)| len > l) && region_matches(t, start, name) {
            best = Some((value, len));
        }
    }
    best.map(|(v, len)| (v, start + len))
}

fn is_ascii_digit(u: u16) -> bool {
    (u16::from(b'0')..=u16::from(b'9')).contains(&u)
}

/// `subParseNumericZone`: `hh[[:]mm]` after the sign; (end, offset millis).
fn numeric_zone(
    t: &[u16],
    start: usize,
    sign: i64,
    count: usize,
    colon: bool,
) -> Option<(usize, i64)> {
    let mut i = start;
    let c = *t.get(i)?;
    i += 1;
    if !is_ascii_digit(c) {
        return None;
    }
    let mut hours = i64::from(c - u16::from(b'0'));
    let c = *t.get(i)?;
    i += 1;
    if is_ascii_digit(c) {
        hours = hours * 10 + i64::from(c - u16::from(b'0'));
    } else {
        if count > 0 || !colon {
            return None;
        }
        i -= 1;
    }
    if hours > 23 {
        return None;
    }
    let mut minutes = 0;
    if count != 1 {
        let mut c = *t.get(i)?;
        i += 1;
        if colon {
            if c != u16::from(b':') {
                return None;
            }
            c = *t.get(i)?;
            i += 1;
        }
        if !is_ascii_digit(c) {
            return None;
        }
        minutes = i64::from(c - u16::from(b'0'));
        let c = *t.get(i)?;
        i += 1;
        if !is_ascii_digit(c) {
            return None;
        }
        minutes = minutes * 10 + i64::from(c - u16::from(b'0'));
        if minutes > 59 {
            return None;
        }
    }
    Some((i, (minutes + hours * 60) * 60_000 * sign))
}

#[allow(clippy::too_many_arguments)]
fn sub_parse(
    t: &[u16],
    start: usize,
    letter: Letter,
    count: usize,
    obey: bool,
    ambiguous: &mut bool,
    century_start_year: i64,
    b: &mut Builder,
) -> Option<usize> {
    let mut pos = start;
    loop {
        let c = *t.get(pos)?;
        if c != u16::from(b' ') && c != u16::from(b'\t') {
            break;
        }
        pos += 1;
    }
    let actual_start = pos;
    let read_number = |pos: usize| -> Option<(i64, usize)> {
        if obey {
            if start + count > t.len() {
                return None;
            }
            parse_number(&t[..start + count], pos)
        } else {
            parse_number(t, pos)
        }
    };
    let mut value = 0;
    let numeric_first = matches!(
        letter,
        Letter::HourOfDay1 | Letter::Hour1 | Letter::Year | Letter::WeekYear
    ) || (matches!(letter, Letter::Month | Letter::MonthStandalone)
        && count <= 2);
    if numeric_first {
        let (v, p) = read_number(pos)?;
        value = v;
        pos = p;
    }
    let set_zone = |b: &mut Builder, offset: i64| {
        b.set(ZONE_OFFSET, offset);
        b.set(DST_OFFSET, 0);
    };
    match letter {
        Letter::Era => {
            let (v, end) = match_names(
                t,
                start,
                ERAS.iter()
                    .chain(LONG_ERAS.iter())
                    .enumerate()
                    .map(|(i, n)| (*n, (i % 2) as i64)),
            )?;
            b.set(ERA, v);
            Some(end)
        }
        Letter::Year | Letter::WeekYear => {
            if count <= 2
                && pos - actual_start == 2
                && java_digit(t[actual_start]).is_some()
                && java_digit(t[actual_start + 1]).is_some()
            {
                let ambiguous_two_digit = century_start_year.rem_euclid(100);
                *ambiguous = value == ambiguous_two_digit;
                value += (century_start_year / 100) * 100
                    + if value < ambiguous_two_digit { 100 } else { 0 };
            }
            b.set(
                if letter == Letter::Year {
                    YEAR
                } else {
                    WEEK_YEAR
                },
                value,
            );
            Some(pos)
        }
        Letter::Month | Letter::MonthStandalone => {
            if count <= 2 {
                b.set(MONTH, value - 1);
                return Some(pos);
            }
            let (v, end) = match_names(
                t,
                start,
                MONTHS
                    .iter()
                    .enumerate()
                    .chain(SHORT_MONTHS.iter().enumerate())
                    .map(|(i, n)| (*n, i as i64)),
            )?;
            b.set(MONTH, v);
            Some(end)
        }
        Letter::HourOfDay1 => {
            b.set(HOUR_OF_DAY, if value == 24 { 0 } else { value });
            Some(pos)
        }
        Letter::DayOfWeek => {
            let names = |list: &'static [&'static str; 7]| {
                list.iter().enumerate().map(|(i, n)| (*n, i as i64 + 1))
            };
            let (v, end) = match_names(t, start, names(&WEEKDAYS))
                .or_else(|| match_names(t, start, names(&SHORT_WEEKDAYS)))?;
            b.set(DAY_OF_WEEK, v);
            Some(end)
        }
        Letter::AmPm => {
            let (v, end) = match_names(t, start, [("AM", 0), ("PM", 1)])?;
            b.set(AM_PM_FIELD, v);
            Some(end)
        }
        Letter::Hour1 => {
            b.set(HOUR, if value == 12 { 0 } else { value });
            Some(pos)
        }
        Letter::ZoneName | Letter::ZoneValue => {
            let c = *t.get(pos)?;
            let sign = if c == u16::from(b'+') {
                1
            } else if c == u16::from(b'-') {
                -1
            } else {
                0
            };
            if sign != 0 {
                let (end, offset) = numeric_zone(t, pos + 1, sign, 0, false)?;
                set_zone(b, offset);
                return Some(end);
            }
            if (c == u16::from(b'G') || c == u16::from(b'g'))
                && t.len() - start >= 3
                && region_matches(t, start, "GMT")
            {
                let p = start + 3;
                let sign = match t.get(p) {
                    Some(&c) if c == u16::from(b'+') => 1,
                    Some(&c) if c == u16::from(b'-') => -1,
                    _ => 0,
                };
                if sign == 0 {
                    set_zone(b, 0);
                    return Some(p);
                }
                let (end, offset) = numeric_zone(t, p + 1, sign, 0, true)?;
                set_zone(b, offset);
                return Some(end);
            }
            // Zone names: those of UTC (the formatter's zone), long name first.
            for name in ["Coordinated Universal Time", "UTC"] {
                if region_matches(t, pos, name) {
                    set_zone(b, 0);
                    return Some(pos + name.encode_utf16().count());
                }
            }
            None
        }
        Letter::IsoZone => {
            let c = *t.get(pos)?;
            if c == u16::from(b'Z') {
                set_zone(b, 0);
                return Some(pos + 1);
            }
            let sign = if c == u16::from(b'+') {
                1
            } else if c == u16::from(b'-') {
                -1
            } else {
                return None;
            };
            let (end, offset) = numeric_zone(t, pos + 1, sign, count, count == 3)?;
            set_zone(b, offset);
            Some(end)
        }
        _ => {
            let (v, p) = read_number(pos)?;
            let field = match letter {
                Letter::DayOfMonth => DAY_OF_MONTH,
                Letter::HourOfDay0 => HOUR_OF_DAY,
                Letter::Minute => MINUTE,
                Letter::Second => SECOND,
                Letter::Millisecond => MILLISECOND,
                Letter::DayOfYear => DAY_OF_YEAR,
                Letter::DayOfWeekInMonth => DAY_OF_WEEK_IN_MONTH,
                Letter::WeekOfYear => WEEK_OF_YEAR,
                Letter::WeekOfMonth => WEEK_OF_MONTH,
                Letter::Hour0 => HOUR,
                Letter::IsoDayOfWeek => {
                    // CalendarBuilder maps ISO days (Monday = 1) to Calendar's.
                    let dow = if (1..=7).contains(&v) {
                        if v == 7 { 1 } else { v + 1 }
                    } else {
                        v
                    };
                    b.set(DAY_OF_WEEK, dow);
                    return Some(p);
                }
                _ => return None,
            };
            b.set(field, v);
            Some(p)
        }
    }
}

/// Java's `defaultCenturyStart`: now minus 80 years (UTC).
fn default_century_start() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    minus_80_years(now)
}

fn minus_80_years(now: i64) -> i64 {
    let f = Fields::of(now);
    let year = i64::from(f.normalized_year) - 80;
    let month = f.month as i64;
    let sys = if year > GREGORIAN_CUTOVER_YEAR {
        CalSys::Gregorian
    } else {
        CalSys::Julian
    };
    let day = f.day_of_month.min(Builder::month_length(sys, month, year));
    let fixed = sys.fixed(year, month + 1, day);
    (fixed - EPOCH_OFFSET) * MILLIS_PER_DAY + now.rem_euclid(MILLIS_PER_DAY)
}

/// Kafka's `Values.dateFormatFor(date).format(date)` (default time zone UTC): a time
/// of day (`HH:mm:ss.SSS'Z'`) below one day, a date (`yyyy-MM-dd`) on whole days, a
/// timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`) otherwise.
pub fn iso8601(millis: i64) -> String {
    let pattern = if millis < MILLIS_PER_DAY {
        "HH:mm:ss.SSS'Z'"
    } else if millis % MILLIS_PER_DAY == 0 {
        "yyyy-MM-dd"
    } else {
        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
    };
    DateFormat::new(pattern)
        .map(|f| f.format(millis))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
