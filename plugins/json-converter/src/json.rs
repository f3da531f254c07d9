//! A JSON reader and writer that behave like the Jackson `ObjectMapper` Kafka's
//! `JsonConverter` uses.
//!
//! Reading (`ObjectMapper.readTree` with `ALLOW_LEADING_ZEROS_FOR_NUMBERS` and
//! `USE_BIG_DECIMAL_FOR_FLOATS`, exact `BigDecimal`s):
//! - empty (or whitespace-only) input is a missing node, not an error;
//! - only the first root value is read: anything after it is ignored, except that a
//!   root-level number must be followed by whitespace or the end;
//! - integers are `int`, `long` or `BigInteger` nodes by size, anything with a fraction
//!   or exponent is a `BigDecimal` keeping its scale;
//! - duplicate object keys: the last value wins, in the first key's position;
//! - a UTF-8 BOM is skipped, UTF-16/UTF-32 input is detected as Jackson detects it;
//! - nesting deeper than 1000 and numbers longer than 1000 characters are refused
//!   (Jackson's `StreamReadConstraints` defaults).
//!
//! Writing is compact (no whitespace), strings escaped as Jackson escapes them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher};

/// Hash maps with fixed keys: no randomness (no `wasi:random` import) needed.
type FixedState = BuildHasherDefault<DefaultHasher>;

/// Jackson's `StreamReadConstraints.DEFAULT_MAX_DEPTH`.
pub const MAX_DEPTH: usize = 1000;
/// Jackson's `StreamReadConstraints.DEFAULT_MAX_NUM_LEN`.
const MAX_NUMBER_LEN: usize = 1000;

/// A parsed JSON value (Jackson's `JsonNode`), borrowing from the input where it can.
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<Member<'a>>),
}

/// One object member, with the byte range of its value in the input (used to cache
/// schemas by their exact text).
#[derive(Clone, Debug, PartialEq)]
pub struct Member<'a> {
    pub key: Cow<'a, str>,
    pub value: Node<'a>,
    pub span: (usize, usize),
}

/// Which Jackson number node a JSON number becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    /// `IntNode`: an integer that fits 32 bits.
    Int(i32),
    /// `LongNode`: an integer that fits 64 bits.
    Long(i64),
    /// `BigIntegerNode`.
    BigInteger,
    /// `DecimalNode` (a fraction or an exponent was present).
    Decimal,
}

/// A JSON number: the text as written, split into its parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Number<'a> {
    pub kind: NumberKind,
    pub negative: bool,
    /// Integer digits without leading zeros (at least `"0"`).
    pub int_digits: &'a str,
    /// Fraction digits (possibly empty).
    pub frac_digits: &'a str,
    /// The exponent (0 without one). Bounded so that the scale fits an `i32`.
    pub exponent: i64,
    /// The whole literal, for float parsing.
    pub text: &'a str,
}

impl Node<'_> {
    /// Jackson's `JsonNodeType` name, as used in Kafka's error messages.
    pub fn type_name(node: Option<&Node<'_>>) -> &'static str {
        match node {
            None => "MISSING",
            Some(Node::Null) => "NULL",
            Some(Node::Bool(_)) => "BOOLEAN",
            Some(Node::Number(_)) => "NUMBER",
            Some(Node::String(_)) => "STRING",
            Some(Node::Array(_)) => "ARRAY",
            Some(Node::Object(_)) => "OBJECT",
        }
    }

    /// `ObjectNode.get(name)`; `None` for non-objects and absent keys.
    pub fn get(&self, name: &str) -> Option<&Node<'_>> {
        self.member(name).map(|m| &m.value)
    }

    /// The member named `name`, if this is an object that has it.
    pub fn member(&self, name: &str) -> Option<&Member<'_>> {
        match self {
            Node::Object(members) => members.iter().find(|m| m.key == name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Number<'_> {
    pub fn is_int(&self) -> bool {
        matches!(self.kind, NumberKind::Int(_))
    }

    pub fn is_integral(&self) -> bool {
        !matches!(self.kind, NumberKind::Decimal)
    }

    /// True if every digit is zero.
    fn is_zero(&self) -> bool {
        self.int_digits
            .bytes()
            .chain(self.frac_digits.bytes())
            .all(|b| b == b'0')
    }

    /// Jackson's `longValue()`: the integer part (truncated toward zero), keeping its
    /// low 64 bits as Java's `BigInteger.longValue` / `BigDecimal.longValue` do.
    pub fn long_value(&self) -> i64 {
        match self.kind {
            NumberKind::Int(v) => i64::from(v),
            NumberKind::Long(v) => v,
            NumberKind::BigInteger | NumberKind::Decimal => {
                let mut acc: u64 = 0;
                let mut push = |d: u8| acc = acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                let all = self.int_digits.bytes().chain(self.frac_digits.bytes());
                let total = (self.int_digits.len() + self.frac_digits.len()) as i64;
                // Digits before the decimal point after applying the exponent.
                let int_count = self.int_digits.len() as i64 + self.exponent;
                if int_count > 0 {
                    let taken = int_count.min(total);
                    all.take(taken as usize).for_each(&mut push);
                    // Trailing zeros implied by the exponent: 10^64 ≡ 0 (mod 2^64).
                    for _ in 0..(int_count - taken).min(64) {
                        push(b'0');
                    }
                }
                if self.negative {
                    acc.wrapping_neg() as i64
                } else {
                    acc as i64
                }
            }
        }
    }

    /// Jackson's `intValue()`: the low 32 bits of [`Number::long_value`].
    pub fn int_value(&self) -> i32 {
        self.long_value() as i32
    }

    /// Jackson's `doubleValue()` (correctly rounded; a zero is always +0.0).
    pub fn f64_value(&self) -> f64 {
        match self.kind {
            NumberKind::Int(v) => f64::from(v),
            NumberKind::Long(v) => v as f64,
            _ if self.is_zero() => 0.0,
            _ => self.text.parse().unwrap_or(0.0),
        }
    }

    /// Jackson's `floatValue()` (correctly rounded; a zero is always +0.0).
    pub fn f32_value(&self) -> f32 {
        match self.kind {
            NumberKind::Int(v) => v as f32,
            NumberKind::Long(v) => v as f32,
            _ if self.is_zero() => 0.0,
            _ => self.text.parse().unwrap_or(0.0),
        }
    }

    /// Jackson's `decimalValue()` as (negative, unscaled digits, scale), the digits
    /// without leading zeros (at least one digit).
    pub fn decimal_value(&self) -> (bool, String, i64) {
        let mut digits = String::with_capacity(self.int_digits.len() + self.frac_digits.len());
        digits.push_str(self.int_digits);
        digits.push_str(self.frac_digits);
        let trimmed = digits.trim_start_matches('0');
        let digits = if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed.to_string()
        };
        let scale = self.frac_digits.len() as i64 - self.exponent;
        (self.negative && digits != "0", digits, scale)
    }
}

/// Why input could not be read as JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// Parse `input` as Jackson's `readTree` does. `Ok(None)` is Jackson's missing node
/// (no content at all).
pub fn parse(input: &[u8]) -> Result<Option<Node<'_>>, ParseError> {
    let mut parser = Parser {
        input,
        pos: 0,
        depth: 0,
        embedded: false,
    };
    if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
        parser.pos = 3;
    }
    parser.skip_ws()?;
    if parser.pos >= input.len() {
        return Ok(None);
    }
    parser.value().map(Some)
}

/// Parse the value starting at `pos` as the value of a member of a root object (at
/// nesting depth 1), exactly as [`parse`] would inside the whole document; returns it
/// and the position just past it. The JsonConverter's envelope fast path reads only
/// the payload with it.
pub fn parse_member_value(input: &[u8], pos: usize) -> Result<(Node<'_>, usize), ParseError> {
    let mut parser = Parser {
        input,
        pos,
        depth: 1,
        embedded: true,
    };
    let node = parser.value()?;
    Ok((node, parser.pos))
}

/// Where the object or array starting at `pos` ends (one past its closing bracket),
/// found by matching brackets outside strings and nothing else: `None` if `pos` is
/// not an opening bracket or the input ends first. It checks no syntax, so use it only
/// to find a span to compare with text that parsed before.
pub fn container_end(input: &[u8], pos: usize) -> Option<usize> {
    if !matches!(input.get(pos), Some(b'{' | b'[')) {
        return None;
    }
    let mut depth = 0usize;
    let mut i = pos;
    while i < input.len() {
        match input[i] {
            b'"' => {
                i += 1;
                while i < input.len() && input[i] != b'"' {
                    i += if input[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Decode input that Jackson's `ByteSourceJsonBootstrapper` would read as UTF-16 or
/// UTF-32 into UTF-8. `Ok(None)` means the input is UTF-8 already.
pub fn transcode(input: &[u8]) -> Result<Option<String>, ParseError> {
    #[derive(Clone, Copy)]
    enum Enc {
        U16Be,
        U16Le,
        U32Be,
        U32Le,
    }
    let unsupported = |what: &str| ParseError {
        message: format!("Unsupported UCS-4 endianness ({what}) detected"),
        offset: 0,
    };
    let mut skip = 0;
    let mut enc = None;
    if input.len() >= 4 {
        let quad = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
        match quad {
            0x0000_FEFF => (enc, skip) = (Some(Enc::U32Be), 4),
            0xFFFE_0000 => (enc, skip) = (Some(Enc::U32Le), 4),
            0x0000_FFFE => return Err(unsupported("2143")),
            0xFEFF_0000 => return Err(unsupported("3412")),
            _ => match quad >> 16 {
                0xFEFF => (enc, skip) = (Some(Enc::U16Be), 2),
                0xFFFE => (enc, skip) = (Some(Enc::U16Le), 2),
                _ if quad >> 8 == 0xEF_BBBF => return Ok(None),
                _ if quad >> 8 == 0 => enc = Some(Enc::U32Be),
                _ if quad & 0x00FF_FFFF == 0 => enc = Some(Enc::U32Le),
                _ if quad & !0x00FF_0000 == 0 => return Err(unsupported("3412")),
                _ if quad & !0x0000_FF00 == 0 => return Err(unsupported("2143")),
                i16 if i16 & 0xFF00 == 0 => enc = Some(Enc::U16Be),
                i16 if i16 & 0x00FF == 0 => enc = Some(Enc::U16Le),
                _ => {}
            },
        }
    } else if input.len() >= 2 {
        let i16 = u16::from_be_bytes([input[0], input[1]]);
        match i16 {
            0xFEFF => (enc, skip) = (Some(Enc::U16Be), 2),
            0xFFFE => (enc, skip) = (Some(Enc::U16Le), 2),
            _ if i16 & 0xFF00 == 0 => enc = Some(Enc::U16Be),
            _ if i16 & 0x00FF == 0 => enc = Some(Enc::U16Le),
            _ => {}
        }
    }
    let Some(enc) = enc else {
        return Ok(None);
    };
    let body = &input[skip..];
    let text = match enc {
        Enc::U16Be | Enc::U16Le => {
            let units = body.chunks_exact(2).map(|c| match enc {
                Enc::U16Be => u16::from_be_bytes([c[0], c[1]]),
                _ => u16::from_le_bytes([c[0], c[1]]),
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        Enc::U32Be | Enc::U32Le => body
            .chunks_exact(4)
            .map(|c| {
                let v = match enc {
                    Enc::U32Be => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                    _ => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                };
                char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
    };
    Ok(Some(text))
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
    /// Parsing a member value inside an object (not the root): no root-level checks.
    embedded: bool,
}

/// A container being parsed.
enum Open<'a> {
    Array(Vec<Node<'a>>),
    Object(Box<OpenObject<'a>>),
}

struct OpenObject<'a> {
    members: Vec<Member<'a>>,
    /// Index by key once the object gets large, for the duplicate-key check.
    index: Option<HashMap<Cow<'a, str>, usize, FixedState>>,
    /// The key of the member whose value is being parsed, and where that value starts.
    key: Cow<'a, str>,
    start: usize,
}

impl<'a> OpenObject<'a> {
    /// Add the current member, its value ending at `end`: a repeated key keeps its
    /// first position and takes the new value (Jackson's `ObjectNode.set`).
    fn add(&mut self, value: Node<'a>, end: usize) {
        let key = std::mem::take(&mut self.key);
        let span = (self.start, end);
        let existing = match &self.index {
            Some(map) => map.get(&key).copied(),
            None => self.members.iter().position(|m| m.key == key),
        };
        if let Some(i) = existing {
            self.members[i].value = value;
            self.members[i].span = span;
            return;
        }
        if let Some(map) = self.index.as_mut() {
            map.insert(key.clone(), self.members.len());
        } else if self.members.len() >= 16 {
            let mut map: HashMap<Cow<'a, str>, usize, FixedState> = self
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| (m.key.clone(), i))
                .collect();
            map.insert(key.clone(), self.members.len());
            self.index = Some(map);
        }
        self.members.push(Member { key, value, span });
    }
}

impl<'a> Parser<'a> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            message: message.into(),
            offset: self.pos,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Skip Jackson's whitespace (space, tab, CR, LF); other control characters are
    /// errors, as in Jackson.
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                0..=0x1F => {
                    return self.err(format!(
                        "Illegal character ((CTRL-CHAR, code {b})): only regular white space (\\r, \\n, \\t) is allowed between tokens"
                    ));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn unexpected<T>(&self, expecting: &str) -> Result<T, ParseError> {
        match self.peek() {
            None => self.err(format!("Unexpected end-of-input: {expecting}")),
            Some(b) => self.err(format!(
                "Unexpected character ('{}' (code {b})): {expecting}",
                char::from(b).escape_default()
            )),
        }
    }

    /// The root value. Iterative, with an explicit stack of open containers: input
    /// nesting never turns into call depth (wasm stacks are small).
    fn value(&mut self) -> Result<Node<'a>, ParseError> {
        let mut open: Vec<Open<'a>> = Vec::new();
        'value: loop {
            // Parse the start of a value: a scalar, or an empty or opened container.
            let mut node = match self.peek() {
                Some(b'[') => {
                    self.enter()?;
                    if self.peek() == Some(b']') {
                        self.leave();
                        Node::Array(Vec::new())
                    } else {
                        open.push(Open::Array(Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    self.enter()?;
                    if self.peek() == Some(b'}') {
                        self.leave();
                        Node::Object(Vec::new())
                    } else {
                        let key = self.field_name()?;
                        open.push(Open::Object(Box::new(OpenObject {
                            members: Vec::new(),
                            index: None,
                            key,
                            start: self.pos,
                        })));
                        continue 'value;
                    }
                }
                Some(b'"') => Node::String(self.string()?),
                Some(b't') => self.literal("true", Node::Bool(true))?,
                Some(b'f') => self.literal("false", Node::Bool(false))?,
                Some(b'n') => self.literal("null", Node::Null)?,
                Some(b'-' | b'0'..=b'9') => {
                    let n = self.number()?;
                    if open.is_empty() && !self.embedded {
                        // Jackson's `_verifyRootSpace`.
                        match self.peek() {
                            None | Some(b' ' | b'\t' | b'\r' | b'\n') => {}
                            Some(_) => {
                                return self
                                    .unexpected("Expected space separating root-level values");
                            }
                        }
                    }
                    Node::Number(n)
                }
                _ => {
                    return self.unexpected(
                        "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                    );
                }
            };
            // A value is complete: add it to its container, closing containers as they end.
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok(node);
                };
                match top {
                    Open::Array(items) => {
                        items.push(node);
                        self.skip_ws()?;
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws()?;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.leave();
                                let Some(Open::Array(items)) = open.pop() else {
                                    return self.err("internal parser error");
                                };
                                node = Node::Array(items);
                            }
                            _ => {
                                return self
                                    .unexpected("was expecting comma to separate Array entries");
                            }
                        }
                    }
                    Open::Object(obj) => {
                        obj.add(node, self.pos);
                        self.skip_ws()?;
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws()?;
                                obj.key = self.field_name()?;
                                obj.start = self.pos;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.leave();
                                let Some(Open::Object(obj)) = open.pop() else {
                                    return self.err("internal parser error");
                                };
                                node = Node::Object(obj.members);
                            }
                            _ => {
                                return self
                                    .unexpected("was expecting comma to separate Object entries");
                            }
                        }
                    }
                }
            }
        }
    }

    /// `"name"` then `:`, leaving the position at the member's value.
    fn field_name(&mut self) -> Result<Cow<'a, str>, ParseError> {
        if self.peek() != Some(b'"') {
            return self.unexpected("was expecting double-quote to start field name");
        }
        let key = self.string()?;
        self.skip_ws()?;
        if self.peek() != Some(b':') {
            return self.unexpected("was expecting a colon to separate field name and value");
        }
        self.pos += 1;
        self.skip_ws()?;
        Ok(key)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)",
                self.depth
            ));
        }
        self.pos += 1;
        self.skip_ws()
    }

    /// Consume a container's closing bracket.
    fn leave(&mut self) {
        self.pos += 1;
        self.depth -= 1;
    }

    /// `true`/`false`/`null`, then Jackson's `_checkMatchEnd`: the token may not run on
    /// into identifier characters (`truex`).
    fn literal(&mut self, word: &'static str, node: Node<'a>) -> Result<Node<'a>, ParseError> {
        let end = self.pos + word.len();
        if self.input.get(self.pos..end) != Some(word.as_bytes()) {
            let run = self.input[self.pos..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count()
                .max(1);
            let token = String::from_utf8_lossy(&self.input[self.pos..self.pos + run]);
            return self.err(format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            ));
        }
        self.pos = end;
        if let Some(rest) = self.input.get(self.pos..)
            && let Some(c) = first_char(rest)
            && is_java_identifier_part(c)
        {
            return self.err(format!(
                "Unrecognized token '{word}{c}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            ));
        }
        Ok(node)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Number<'a>, ParseError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        if self.digits() == 0 {
            return self.unexpected(
                "in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
            );
        }
        let all_int = as_str(&self.input[int_start..self.pos]);
        let trimmed = all_int.trim_start_matches('0');
        let int_digits = if trimmed.is_empty() {
            &all_int[all_int.len() - 1..]
        } else {
            trimmed
        };
        let mut frac_digits = "";
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let frac_start = self.pos;
            if self.digits() == 0 {
                return self.unexpected("in numeric value: Decimal point not followed by a digit");
            }
            frac_digits = as_str(&self.input[frac_start..self.pos]);
            is_float = true;
        }
        let mut exponent: i64 = 0;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let exp_negative = match self.peek() {
                Some(b'-') => {
                    self.pos += 1;
                    true
                }
                Some(b'+') => {
                    self.pos += 1;
                    false
                }
                _ => false,
            };
            let exp_start = self.pos;
            if self.digits() == 0 {
                return self
                    .unexpected("in numeric value: Exponent indicator not followed by a digit");
            }
            let exp_text = as_str(&self.input[exp_start..self.pos]).trim_start_matches('0');
            // BigDecimal: "Too many nonzero exponent digits" beyond 10.
            if exp_text.len() > 10 {
                return self.err(format!(
                    "Malformed numeric value ('{}'): Too many nonzero exponent digits.",
                    as_str(&self.input[start..self.pos])
                ));
            }
            exponent = exp_text.parse::<i64>().unwrap_or(0);
            if exp_negative {
                exponent = -exponent;
            }
            is_float = true;
        }
        let text = as_str(&self.input[start..self.pos]);
        let length = if is_float {
            text.len()
        } else {
            int_digits.len()
        };
        if length > MAX_NUMBER_LEN {
            return self.err(format!(
                "Number value length ({length}) exceeds the maximum allowed ({MAX_NUMBER_LEN}, from `StreamReadConstraints.getMaxNumberLength()`)"
            ));
        }
        let kind = if is_float {
            // BigDecimal's scale must fit an int ("Scale out of range").
            let scale = frac_digits.len() as i64 - exponent;
            if i32::try_from(scale).is_err() {
                return self.err(format!(
                    "Malformed numeric value ('{text}'): Scale out of range."
                ));
            }
            NumberKind::Decimal
        } else {
            let magnitude = if int_digits.len() <= 19 {
                int_digits.parse::<u64>().ok()
            } else {
                None
            };
            let signed = magnitude.and_then(|m| {
                if negative {
                    0i64.checked_sub_unsigned(m)
                } else {
                    i64::try_from(m).ok()
                }
            });
            match signed {
                Some(v) => match i32::try_from(v) {
                    Ok(i) => NumberKind::Int(i),
                    Err(_) => NumberKind::Long(v),
                },
                None => NumberKind::BigInteger,
            }
        };
        Ok(Number {
            kind,
            negative,
            int_digits,
            frac_digits,
            exponent,
            text,
        })
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match self.peek() {
                None => {
                    return self.err(
                        "Unexpected end-of-input: was expecting closing quote for a string value",
                    );
                }
                Some(b'"') => {
                    let raw = &self.input[start..self.pos];
                    self.pos += 1;
                    return match std::str::from_utf8(raw) {
                        Ok(s) => Ok(Cow::Borrowed(s)),
                        Err(_) => {
                            let mut out = String::with_capacity(raw.len());
                            push_lenient_utf8(&mut out, raw, start)?;
                            Ok(Cow::Owned(out))
                        }
                    };
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => return self.ctrl_char(b),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        let mut seg_start = start;
        loop {
            match self.peek() {
                None => {
                    return self.err(
                        "Unexpected end-of-input: was expecting closing quote for a string value",
                    );
                }
                Some(b'"') => {
                    self.push_segment(&mut out, seg_start)?;
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.push_segment(&mut out, seg_start)?;
                    self.pos += 1;
                    self.escape(&mut out)?;
                    seg_start = self.pos;
                }
                Some(b) if b < 0x20 => return self.ctrl_char(b),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn ctrl_char<T>(&self, b: u8) -> Result<T, ParseError> {
        self.err(format!(
            "Illegal unquoted character ((CTRL-CHAR, code {b})): has to be escaped using backslash to be included in string value"
        ))
    }

    fn push_segment(&self, out: &mut String, seg_start: usize) -> Result<(), ParseError> {
        let raw = &self.input[seg_start..self.pos];
        match std::str::from_utf8(raw) {
            Ok(s) => {
                out.push_str(s);
                Ok(())
            }
            Err(_) => push_lenient_utf8(out, raw, seg_start),
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let Some(b) = self.peek() else {
            return self.err("Unexpected end-of-input in character escape sequence");
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                if (0xD800..0xDC00).contains(&unit)
                    && self.input.get(self.pos..self.pos + 2) == Some(b"\\u")
                {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        let c = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)
                    } else {
                        // Lone high surrogate: Java keeps it; Rust strings cannot.
                        self.pos = save;
                        char::REPLACEMENT_CHARACTER
                    }
                } else {
                    char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
            }
            other => {
                self.pos -= 1;
                return self.err(format!(
                    "Unrecognized character escape '{}' (code {other})",
                    char::from(other).escape_default()
                ));
            }
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        let mut v: u16 = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return self.err("Unexpected end-of-input in character escape sequence");
            };
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return self.unexpected("expected a hex-digit for character escape sequence"),
            };
            v = (v << 4) | u16::from(d);
            self.pos += 1;
        }
        Ok(v)
    }
}

/// Decode string bytes that are not strict UTF-8 as Jackson's `UTF8StreamJsonParser`
/// does: lead bytes `C0`–`DF`, `E0`–`EF`, `F0`–`F7` start 2-, 3- and 4-byte sequences
/// whose continuation bytes must be `10xxxxxx`, with no check for overlong forms or
/// encoded surrogates (CESU-8 pairs combine into one character, as they do in Java).
/// What Java would hold but a Rust string cannot (a lone surrogate, a value above
/// U+10FFFF) becomes U+FFFD.
fn push_lenient_utf8(out: &mut String, raw: &[u8], offset: usize) -> Result<(), ParseError> {
    let mut i = 0;
    let invalid = |at: usize, what: &str, b: u8| ParseError {
        message: format!("Invalid UTF-8 {what} byte 0x{b:x}"),
        offset: offset + at,
    };
    // Decode one sequence at `i`: (code point, length).
    let decode = |i: usize| -> Result<(u32, usize), ParseError> {
        let c = raw[i];
        let (len, init) = match c {
            0x00..=0x7F => return Ok((u32::from(c), 1)),
            0xC0..=0xDF => (2, u32::from(c & 0x1F)),
            0xE0..=0xEF => (3, u32::from(c & 0x0F)),
            0xF0..=0xF7 => (4, u32::from(c & 0x07)),
            _ => return Err(invalid(i, "start", c)),
        };
        let mut cp = init;
        for k in 1..len {
            match raw.get(i + k) {
                Some(&d) if d & 0xC0 == 0x80 => cp = (cp << 6) | u32::from(d & 0x3F),
                Some(&d) => return Err(invalid(i + k, "middle", d)),
                None => return Err(invalid(i + k, "middle", 0)),
            }
        }
        Ok((cp, len))
    };
    while i < raw.len() {
        let (cp, len) = decode(i)?;
        i += len;
        let c = if (0xD800..0xDC00).contains(&cp) && i < raw.len() {
            match decode(i) {
                Ok((low, low_len)) if (0xDC00..0xE000).contains(&low) => {
                    i += low_len;
                    char::from_u32(0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(cp)
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Ok(())
}

/// The ASCII digits/sign/point/exponent slices the number scanner produced.
fn as_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

fn first_char(bytes: &[u8]) -> Option<char> {
    let len = match bytes.first()? {
        b if *b < 0x80 => 1,
        b if *b >= 0xF0 => 4,
        b if *b >= 0xE0 => 3,
        _ => 2,
    };
    std::str::from_utf8(bytes.get(..len)?).ok()?.chars().next()
}

/// Java's `Character.isJavaIdentifierPart`, close enough for token-end checks: letters,
/// digits, `_`, `$`, and the identifier-ignorable controls (of which only DEL and the
/// C1 controls can follow a token here).
fn is_java_identifier_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || ('\u{7f}'..='\u{9f}').contains(&c)
}

/// Append `s` as a JSON string, escaped as Jackson's `UTF8JsonGenerator` escapes by
/// default: `"` and `\`, control characters as `\b \t \n \f \r` or `\u00XX`,
/// characters outside the BMP as their UTF-16 surrogate pair `\uD83D\uDE00` (Jackson
/// writes Java's surrogates one by one), all hex upper-case; everything else as is.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let hex4 = |out: &mut Vec<u8>, unit: u16| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[usize::from((unit >> shift) & 0xF)]);
        }
    };
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0xF0 {
            // Lead byte of a 4-byte sequence: a supplementary character.
            out.extend_from_slice(&bytes[start..i]);
            let c = s
                .get(i..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                hex4(out, *unit);
            }
            start = i + c.len_utf8();
            continue;
        }
        if i < start {
            continue; // continuation bytes of a character already written
        }
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0A => b"\\n",
            0x0C => b"\\f",
            0x0D => b"\\r",
            0x00..=0x1F => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            hex4(out, u16::from(b));
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Decode base64 text as Jackson's `TextNode.binaryValue()` does (the
/// `MIME_NO_LINEFEEDS` variant): trimmed, whitespace allowed between 4-character
/// groups, padding required, concatenated padded groups accepted.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    fn invalid(c: u8, index: usize) -> String {
        if c == b'=' {
            format!(
                "Unexpected padding character ('=') as character #{} of 4-char base64 unit: padding only legal as 3rd or 4th character",
                index + 1
            )
        } else {
            format!(
                "Illegal character (code 0x{c:x}) as character #{} of 4-char base64 unit",
                index + 1
            )
        }
    }
    const EOF: &str = "Unexpected end of base64-encoded String: base64 variant 'MIME-NO-LINEFEEDS' expects padding (one or more '=' characters) at the end";
    let b = text.trim_matches(|c: char| c <= ' ').as_bytes();
    let mut out = Vec::with_capacity(b.len() / 4 * 3 + 3);
    let mut i = 0;
    let next = |i: &mut usize| -> Option<u8> {
        let c = b.get(*i).copied();
        *i += 1;
        c
    };
    loop {
        let c0 = loop {
            match next(&mut i) {
                None => return Ok(out),
                Some(c) if c <= b' ' => continue,
                Some(c) => break c,
            }
        };
        let mut bits = value(c0).ok_or_else(|| invalid(c0, 0))?;
        let c1 = next(&mut i).ok_or(EOF)?;
        bits = (bits << 6) | value(c1).ok_or_else(|| invalid(c1, 1))?;
        let c2 = next(&mut i).ok_or(EOF)?;
        if c2 == b'=' {
            let c3 = next(&mut i).ok_or(EOF)?;
            if c3 != b'=' {
                return Err(format!(
                    "Illegal character (code 0x{c3:x}) as character #4 of 4-char base64 unit: expected padding character '='"
                ));
            }
            out.push((bits >> 4) as u8);
            continue;
        }
        bits = (bits << 6) | value(c2).ok_or_else(|| invalid(c2, 2))?;
        let c3 = next(&mut i).ok_or(EOF)?;
        if c3 == b'=' {
            let v = bits >> 2;
            out.push((v >> 8) as u8);
            out.push(v as u8);
            continue;
        }
        bits = (bits << 6) | value(c3).ok_or_else(|| invalid(c3, 3))?;
        out.push((bits >> 16) as u8);
        out.push((bits >> 8) as u8);
        out.push(bits as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Option<Node<'_>>, ParseError> {
        parse(s.as_bytes())
    }

    fn num(s: &str) -> Number<'_> {
        match p(s) {
            Ok(Some(Node::Number(n))) => n,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn missing_and_trailing_content() {
        assert_eq!(p(""), Ok(None));
        assert_eq!(p(" \n\t "), Ok(None));
        assert_eq!(p("{} trailing garbage"), Ok(Some(Node::Object(vec![]))));
        assert_eq!(p("true]"), Ok(Some(Node::Bool(true))));
        assert_eq!(p("\"a\"x"), Ok(Some(Node::String("a".into()))));
        assert!(p("truex").is_err());
        assert!(p("12x").is_err());
        assert!(p("12,").is_err());
        assert!(p("12 x").is_ok());
        assert!(p("\u{b}1").is_err());
        assert!(p("[1,]").is_err());
        assert!(p("{\"a\":1,}").is_err());
        assert!(p("{'a':1}").is_err());
        assert!(p("NaN").is_err());
        assert!(p("+1").is_err());
        assert!(p("1.").is_err());
        assert!(p("\"a\nb\"").is_err());
        assert!(p("\"\\x\"").is_err());
    }

    #[test]
    fn bom_and_utf16() {
        assert_eq!(parse(b"\xEF\xBB\xBFtrue"), Ok(Some(Node::Bool(true))));
        let utf16: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let text = transcode(&utf16).unwrap().unwrap();
        assert_eq!(text, "{\"a\":1}");
        let utf16le: Vec<u8> = "[1]".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(transcode(&utf16le).unwrap().as_deref(), Some("[1]"));
        assert_eq!(transcode(b"{\"a\":1}"), Ok(None));
        assert_eq!(transcode(b"1"), Ok(None));
    }

    #[test]
    fn numbers_get_jackson_kinds() {
        assert_eq!(num("12").kind, NumberKind::Int(12));
        assert_eq!(num("0012").kind, NumberKind::Int(12));
        assert_eq!(num("-0").kind, NumberKind::Int(0));
        assert_eq!(num("2147483647").kind, NumberKind::Int(i32::MAX));
        assert_eq!(num("2147483648").kind, NumberKind::Long(2147483648));
        assert_eq!(num("-2147483648").kind, NumberKind::Int(i32::MIN));
        assert_eq!(num("-9223372036854775808").kind, NumberKind::Long(i64::MIN));
        assert_eq!(num("9223372036854775808").kind, NumberKind::BigInteger);
        assert_eq!(num("1.0").kind, NumberKind::Decimal);
        assert_eq!(num("1e3").kind, NumberKind::Decimal);
        assert!(p("1e99999999999").is_err());
        assert!(p("1e2147483649").is_err());
    }

    #[test]
    fn number_coercions_match_java() {
        assert_eq!(num("12.9").int_value(), 12);
        assert_eq!(num("-12.9").long_value(), -12);
        assert_eq!(num("1e10").int_value(), 1410065408);
        assert_eq!(num("1e10").long_value(), 10_000_000_000);
        assert_eq!(num("18446744073709551616").long_value(), 0);
        assert_eq!(num("18446744073709551617").long_value(), 1);
        assert_eq!(num("-18446744073709551617").long_value(), -1);
        assert_eq!(num("1e400").long_value(), 0);
        assert_eq!(num("1.5e1").long_value(), 15);
        assert_eq!(num("0.5").long_value(), 0);
        assert_eq!(num("4398046511104").int_value(), 0);
        assert_eq!(num("12.34").f64_value(), 12.34);
        assert_eq!(num("12.34").f32_value(), 12.34f32);
        assert!(num("-0.0").f64_value().is_sign_positive());
        assert!(num("-0").f64_value().is_sign_positive());
        assert!(num("-1e-400").f64_value().is_sign_negative());
        assert_eq!(num("1.5600").decimal_value(), (false, "15600".into(), 4));
        assert_eq!(num("-1.5E+3").decimal_value(), (true, "15".into(), -2));
        assert_eq!(num("-0.00").decimal_value(), (false, "0".into(), 2));
        assert_eq!(num("007").decimal_value(), (false, "7".into(), 0));
    }

    #[test]
    fn strings_and_duplicates() {
        assert_eq!(
            p(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#),
            Ok(Some(Node::String("a\"\\/\u{8}\u{c}\n\r\té😀".into())))
        );
        assert_eq!(
            p(r#""\ud800x""#),
            Ok(Some(Node::String("\u{fffd}x".into())))
        );
        let Ok(Some(Node::Object(m))) = p(r#"{"a":1,"b":2,"a":3}"#) else {
            panic!()
        };
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].key, "a");
        assert_eq!(m[0].value, Node::Number(num("3")));
        assert_eq!(m[0].span, (17, 18));
        let big: String = format!(
            "{{{}}}",
            (0..40)
                .map(|i| format!("\"k{}\":{i}", i % 30))
                .collect::<Vec<_>>()
                .join(",")
        );
        let Ok(Some(Node::Object(m))) = p(&big) else {
            panic!()
        };
        assert_eq!(m.len(), 30);
        assert_eq!(m[0].value, Node::Number(num("30")));
    }

    #[test]
    fn utf8_is_decoded_as_leniently_as_jackson() {
        let s = |b: &[u8]| match parse(b) {
            Ok(Some(Node::String(s))) => Ok(s.into_owned()),
            other => Err(format!("{other:?}")),
        };
        assert_eq!(s(b"\"\xc0\xaf\""), Ok("/".to_string())); // overlong
        assert_eq!(s(b"\"\xc0\x80x\\n\""), Ok("\u{0}x\n".to_string())); // Java's modified UTF-8 NUL
        assert_eq!(s(b"\"\xed\xa0\xbd\xed\xb8\x80\""), Ok("😀".to_string())); // CESU-8 pair
        assert_eq!(s(b"\"\xed\xa0\x80\""), Ok("\u{fffd}".to_string())); // lone surrogate
        assert!(s(b"\"\x80\"").is_err());
        assert!(s(b"\"\xf8\x80\x80\x80\x80\"").is_err());
        assert!(s(b"\"\xc3\x28\"").is_err());
        assert!(s(b"\"\xe2\x82\"").is_err());
    }

    #[test]
    fn nesting_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(p(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(p(&deep).is_err());
    }

    #[test]
    fn escaping_like_jackson() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\u{1}\u{1f}\n\t\u{8}\u{c}\r/é\u{7f}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\u0001\\u001F\\n\\t\\b\\f\\r/é\u{7f}\""
        );
        let mut out = Vec::new();
        write_string(&mut out, "x😀y\u{10FFFF}€");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"x\\uD83D\\uDE00y\\uDBFF\\uDFFF€\""
        );
    }

    #[test]
    fn base64_like_jackson() {
        assert_eq!(
            decode_base64("dGVzdC1zdHJpbmc="),
            Ok(b"test-string".to_vec())
        );
        assert_eq!(decode_base64("AJw="), Ok(vec![0, 0x9c]));
        assert_eq!(decode_base64(" AJw= "), Ok(vec![0, 0x9c]));
        assert_eq!(decode_base64("AA== AA=="), Ok(vec![0, 0]));
        assert_eq!(decode_base64("AA==AA=="), Ok(vec![0, 0]));
        assert_eq!(decode_base64(""), Ok(vec![]));
        assert!(decode_base64("AJw").is_err());
        assert!(decode_base64("A").is_err());
        assert!(decode_base64("AJ w=").is_err());
        assert!(decode_base64("AJ-_").is_err());
        assert!(decode_base64("=AAA").is_err());
        assert!(decode_base64("AA=x").is_err());
    }
}
