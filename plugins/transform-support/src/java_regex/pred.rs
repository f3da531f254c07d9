//! Character predicates (Java's `CharPredicate`s) and the property names Java knows.

use super::tables;

/// A predicate over code points.
#[derive(Clone, Debug)]
pub enum Pred {
    /// `Single`.
    Single(u32),
    /// `SingleI(lower, upper)`: ASCII case-insensitive.
    SingleI(u32, u32),
    /// `SingleU(lower)`: Unicode case-insensitive.
    SingleU(u32),
    /// `Range`, `CIRange`, `CIRangeU`.
    Range(u32, u32),
    CiRange(u32, u32),
    CiRangeU(u32, u32),
    /// `BitClass`: chars 0..=255.
    Bits(Box<[bool; 256]>),
    /// A class known exactly on ASCII, with a fallback outside it.
    Class {
        ascii: u128,
        other: Other,
    },
    Not(Box<Pred>),
    Union(Box<Pred>, Box<Pred>),
    And(Box<Pred>, Box<Pred>),
}

/// How a [`Pred::Class`] answers outside ASCII.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Other {
    Never,
    Always,
    Alphabetic,
    Lowercase,
    Uppercase,
    Cased,
    Numeric,
    Alphanumeric,
    Whitespace,
    Control,
    /// `\h`.
    HorizontalSpace,
    /// `\v`.
    VerticalSpace,
    /// `.` without DOTALL: not a line terminator.
    NotLineTerminator,
    /// Latin-1 (`\p{L1}`).
    Latin1,
    /// Letters of the Latin script (Latin-1 Supplement, Latin Extended A/B and
    /// Additional).
    LatinLetter,
}

impl Pred {
    pub fn is(&self, c: u32) -> bool {
        match self {
            Pred::Single(x) => c == *x,
            Pred::SingleI(lower, upper) => c == *lower || c == *upper,
            Pred::SingleU(lower) => c == *lower || *lower == to_lower(to_upper(c)),
            Pred::Range(lo, hi) => in_range(*lo, c, *hi),
            Pred::CiRange(lo, hi) => {
                in_range(*lo, c, *hi)
                    || (c < 128
                        && (in_range(*lo, ascii_upper(c), *hi)
                            || in_range(*lo, ascii_lower(c), *hi)))
            }
            Pred::CiRangeU(lo, hi) => {
                if in_range(*lo, c, *hi) {
                    return true;
                }
                let upper = to_upper(c);
                in_range(*lo, upper, *hi) || in_range(*lo, to_lower(upper), *hi)
            }
            Pred::Bits(bits) => c < 256 && bits[c as usize],
            Pred::Class { ascii, other } => {
                if c < 128 {
                    ascii & (1u128 << c) != 0
                } else {
                    other_is(*other, c)
                }
            }
            Pred::Not(p) => !p.is(c),
            Pred::Union(a, b) => a.is(c) || b.is(c),
            Pred::And(a, b) => a.is(c) && b.is(c),
        }
    }

    pub fn union(self, other: Pred) -> Pred {
        Pred::Union(Box::new(self), Box::new(other))
    }

    pub fn and(self, other: Pred) -> Pred {
        Pred::And(Box::new(self), Box::new(other))
    }

    pub fn negate(self) -> Pred {
        Pred::Not(Box::new(self))
    }

    pub fn class(ascii: u128, other: Other) -> Pred {
        Pred::Class { ascii, other }
    }
}

fn in_range(lo: u32, c: u32, hi: u32) -> bool {
    lo <= c && c <= hi
}

fn as_char(c: u32) -> Option<char> {
    char::from_u32(c)
}

fn other_is(other: Other, c: u32) -> bool {
    let Some(ch) = as_char(c) else {
        return matches!(other, Other::Always | Other::NotLineTerminator);
    };
    match other {
        Other::Never => false,
        Other::Always => true,
        Other::Alphabetic => ch.is_alphabetic(),
        Other::Lowercase => ch.is_lowercase(),
        Other::Uppercase => ch.is_uppercase(),
        Other::Cased => ch.is_lowercase() || ch.is_uppercase(),
        Other::Numeric => ch.is_numeric(),
        Other::Alphanumeric => ch.is_alphanumeric(),
        Other::Whitespace => ch.is_whitespace(),
        Other::Control => ch.is_control(),
        Other::HorizontalSpace => matches!(
            c,
            0xa0 | 0x1680 | 0x180e | 0x2000..=0x200a | 0x202f | 0x205f | 0x3000
        ),
        Other::VerticalSpace => matches!(c, 0x85 | 0x2028 | 0x2029),
        Other::NotLineTerminator => !matches!(c, 0x85 | 0x2028 | 0x2029),
        Other::Latin1 => c <= 0xff,
        Other::LatinLetter => {
            matches!(c, 0xaa | 0xba | 0xc0..=0x24f | 0x1e00..=0x1eff) && c != 0xd7 && c != 0xf7
        }
    }
}

pub fn ascii_upper(c: u32) -> u32 {
    if (u32::from(b'a')..=u32::from(b'z')).contains(&c) {
        c - 0x20
    } else {
        c
    }
}

pub fn ascii_lower(c: u32) -> u32 {
    if (u32::from(b'A')..=u32::from(b'Z')).contains(&c) {
        c + 0x20
    } else {
        c
    }
}

/// Java's `Character.toUpperCase(int)` (simple case mapping; approximated by Rust's
/// mapping when it gives one char).
pub fn to_upper(c: u32) -> u32 {
    single_mapping(c, |ch| ch.to_uppercase().collect())
}

/// Java's `Character.toLowerCase(int)`.
pub fn to_lower(c: u32) -> u32 {
    single_mapping(c, |ch| ch.to_lowercase().collect())
}

fn single_mapping(c: u32, map: impl Fn(char) -> Vec<char>) -> u32 {
    match as_char(c) {
        Some(ch) => {
            let mapped = map(ch);
            if mapped.len() == 1 {
                u32::from(mapped[0])
            } else {
                c
            }
        }
        None => c,
    }
}

/// A fallback outside ASCII for a property name.
fn other_for(name: &str) -> Other {
    match name {
        "L" | "LC" | "LD" | "Lo" | "Alpha" | "javaAlphabetic" | "javaLetter" | "ALPHABETIC"
        | "LETTER" | "ALPHA" => Other::Alphabetic,
        "Lu" | "javaUpperCase" | "UPPERCASE" | "UPPER" => Other::Uppercase,
        "Ll" | "javaLowerCase" | "LOWERCASE" | "LOWER" => Other::Lowercase,
        "N" | "Nd" | "Nl" | "No" | "javaDigit" | "DIGIT" => Other::Numeric,
        "javaJavaIdentifierStart" | "javaUnicodeIdentifierStart" => Other::Alphabetic,
        "javaLetterOrDigit"
        | "ALNUM"
        | "WORD"
        | "javaJavaIdentifierPart"
        | "javaUnicodeIdentifierPart" => Other::Alphanumeric,
        "Z" | "Zs" | "Zl" | "Zp" | "javaWhitespace" | "javaSpaceChar" | "WHITESPACE"
        | "WHITE_SPACE" | "SPACE" => Other::Whitespace,
        "C" | "Cc" | "javaISOControl" | "CONTROL" | "CNTRL" => Other::Control,
        "all" | "javaDefined" | "ASSIGNED" => Other::Always,
        "L1" => Other::Latin1,
        _ => Other::Never,
    }
}

fn lookup(table: &[(&str, u128, u128)], name: &str, case_insensitive: bool) -> Option<Pred> {
    let (name, plain, ci) = table.iter().find(|(n, _, _)| *n == name)?;
    let ascii = if case_insensitive { *ci } else { *plain };
    let mut other = other_for(name);
    if case_insensitive && matches!(other, Other::Lowercase | Other::Uppercase) {
        other = Other::Cased;
    }
    Some(Pred::class(ascii, other))
}

/// `CharPredicates.forProperty(name, caseIns)`.
pub fn for_property(name: &str, case_insensitive: bool) -> Option<Pred> {
    lookup(tables::PROPERTIES, name, case_insensitive)
}

/// `CharPredicates.forUnicodeProperty(name, caseIns)` (names in any case).
pub fn for_unicode_property(name: &str, case_insensitive: bool) -> Option<Pred> {
    lookup(
        tables::UNICODE_PROPERTIES,
        &name.to_uppercase(),
        case_insensitive,
    )
}

/// `CharPredicates.forPOSIXName(name, caseIns)`: the POSIX names of the Unicode table.
pub fn for_posix_name(name: &str, case_insensitive: bool) -> Option<Pred> {
    let upper = name.to_uppercase();
    const POSIX: &[&str] = &[
        "ALPHA", "LOWER", "UPPER", "SPACE", "PUNCT", "XDIGIT", "ALNUM", "CNTRL", "DIGIT", "BLANK",
        "GRAPH", "PRINT",
    ];
    if !POSIX.contains(&upper.as_str()) {
        return None;
    }
    lookup(tables::UNICODE_PROPERTIES, &upper, case_insensitive)
}

fn listed(list: &str, name: &str) -> bool {
    list.contains(&format!("|{name}|"))
}

/// `CharPredicates.forUnicodeScript(name)`: `Character.UnicodeScript.forName`.
pub fn for_unicode_script(name: &str) -> Option<Pred> {
    let upper = name.to_uppercase();
    if !listed(tables::SCRIPTS, &upper) {
        return None;
    }
    if tables::LATIN_SCRIPT.contains(&upper.as_str()) {
        let letters = tables::PROPERTIES
            .iter()
            .find(|(n, _, _)| *n == "L")
            .map_or(0, |(_, m, _)| *m);
        return Some(Pred::class(letters, Other::LatinLetter));
    }
    let ascii = if tables::COMMON_SCRIPT.contains(&upper.as_str()) {
        let letters = tables::PROPERTIES
            .iter()
            .find(|(n, _, _)| *n == "L")
            .map_or(0, |(_, m, _)| *m);
        !letters
    } else {
        0
    };
    Some(Pred::class(ascii, Other::Never))
}

/// `CharPredicates.forUnicodeBlock(name)`: `Character.UnicodeBlock.forName`.
pub fn for_unicode_block(name: &str) -> Option<Pred> {
    let upper = name.to_uppercase();
    if !listed(tables::BLOCKS, &upper) {
        return None;
    }
    let ascii = if tables::BASIC_LATIN_BLOCK.contains(&upper.as_str()) {
        u128::MAX
    } else {
        0
    };
    Some(Pred::class(ascii, Other::Never))
}

/// `Character.codePointOf(name)` for the ASCII names.
pub fn code_point_of(name: &str) -> Option<u32> {
    let wanted = name.trim().to_uppercase();
    tables::ASCII_NAMES
        .iter()
        .position(|n| *n == wanted)
        .and_then(|i| u32::try_from(i).ok())
}
