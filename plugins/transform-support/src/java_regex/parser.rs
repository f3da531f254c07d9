//! A port of the parsing half of Java 17's `java.util.regex.Pattern` (`expr`,
//! `sequence`, `atom`, `closure`, `clazz`, `range`, `family`, `escape`, `group0`,
//! flags, `\Q…\E` removal), with Java's cursor discipline so errors carry Java's
//! descriptions and indices. It builds the tree [`super::matcher`] walks.

use std::collections::HashMap;

use super::pred::{self, Other, Pred, ascii_lower, ascii_upper, to_lower, to_upper};
use super::{Pattern, PatternSyntaxError, tables};

pub const UNIX_LINES: u32 = 0x01;
pub const CASE_INSENSITIVE: u32 = 0x02;
pub const COMMENTS: u32 = 0x04;
pub const MULTILINE: u32 = 0x08;
pub const DOTALL: u32 = 0x20;
pub const UNICODE_CASE: u32 = 0x40;
pub const CANON_EQ: u32 = 0x80;
pub const UNICODE_CHARACTER_CLASS: u32 = 0x100;

/// Java's `MAX_REPS`.
pub const MAX_REPS: i32 = 0x7FFF_FFFF;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qtype {
    Greedy,
    Lazy,
    Possessive,
}

/// Which Java node a repetition became (it decides look-behind bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Built {
    /// `?` or `{0,1}` on an atom (`Ques`).
    Ques,
    /// Greedy `*`, `+`, `{n,}` on a char property (`CharPropertyGreedy`).
    CharGreedy,
    /// Other repetitions of an atom (`Curly`).
    Curly,
    /// A counted repetition of a deterministic group (`GroupCurly`).
    GroupCurly,
    /// A counted repetition of another group (`Loop` / `LazyLoop`).
    Loop,
    /// `?` on a group (`Branch` with an empty alternative).
    Branch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// `^` (no MULTILINE) and `\A`.
    Begin,
    /// `\z`.
    End,
    /// `^` with MULTILINE.
    Caret,
    UnixCaret,
    Dollar {
        multiline: bool,
    },
    UnixDollar {
        multiline: bool,
    },
    /// `\b` (`both`) or `\B`.
    Bound {
        both: bool,
        unicode: bool,
    },
    /// `\G`.
    LastMatch,
    /// `\b{g}`.
    GraphemeBound,
}

#[derive(Clone, Debug)]
pub enum Node {
    Char(Pred),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    Group {
        body: Box<Node>,
        capture: Option<usize>,
    },
    Repeat {
        atom: Box<Node>,
        min: i32,
        max: i32,
        kind: Qtype,
        built: Built,
    },
    Atomic(Box<Node>),
    Look {
        body: Box<Node>,
        ahead: bool,
        negate: bool,
        min: i32,
        max: i32,
    },
    Anchor(Anchor),
    /// `\R`.
    LineEnding,
    /// `\X`.
    Grapheme,
    BackRef {
        group: usize,
        case_insensitive: bool,
        unicode: bool,
    },
}

impl Node {
    fn empty() -> Node {
        Node::Seq(Vec::new())
    }
}

type PResult<T> = Result<T, PatternSyntaxError>;

/// What `escape` found: a char, or (Java's -1) a node / class predicate / nothing.
enum Esc {
    Char(u32),
    Node(Node),
    Pred(Pred),
    Nothing,
}

struct Parser {
    pattern: String,
    temp: Vec<u32>,
    cursor: usize,
    pattern_length: usize,
    flags0: u32,
    capturing_group_count: usize,
    named_groups: HashMap<String, usize>,
    named_order: Vec<(String, usize)>,
}

pub fn compile(regex: &str) -> Result<Pattern, PatternSyntaxError> {
    let mut temp: Vec<u32> = regex.chars().map(u32::from).collect();
    let pattern_length = temp.len();
    temp.push(0);
    temp.push(0);
    let mut p = Parser {
        pattern: regex.to_string(),
        temp,
        cursor: 0,
        pattern_length,
        flags0: 0,
        capturing_group_count: 1,
        named_groups: HashMap::new(),
        named_order: Vec::new(),
    };
    p.remove_qe_quoting();
    let root = p.expr()?;
    if p.pattern_length != p.cursor {
        if p.peek() == u32::from(b')') {
            return Err(p.error("Unmatched closing ')'"));
        }
        return Err(p.error("Unexpected internal error"));
    }
    Ok(Pattern {
        source: regex.to_string(),
        root,
        group_count: p.capturing_group_count - 1,
        named_groups: p.named_order,
    })
}

const fn c(ch: u8) -> u32 {
    ch as u32
}

fn is_ascii_space(ch: u32) -> bool {
    matches!(ch, 0x20 | 0x09 | 0x0a | 0x0b | 0x0c | 0x0d)
}

fn is_ascii_alpha(ch: u32) -> bool {
    ch < 128 && (ch as u8).is_ascii_alphabetic()
}

fn is_ascii_digit(ch: u32) -> bool {
    ch < 128 && (ch as u8).is_ascii_digit()
}

fn is_ascii_alnum(ch: u32) -> bool {
    ch < 128 && (ch as u8).is_ascii_alphanumeric()
}

fn is_hex_digit(ch: u32) -> bool {
    ch < 128 && (ch as u8).is_ascii_hexdigit()
}

fn to_digit(ch: u32) -> u32 {
    char::from_u32(ch).and_then(|c| c.to_digit(16)).unwrap_or(0)
}

impl Parser {
    fn has(&self, flag: u32) -> bool {
        self.flags0 & flag != 0
    }

    fn at(&self, i: usize) -> u32 {
        self.temp.get(i).copied().unwrap_or(0)
    }

    fn error(&self, description: impl Into<String>) -> PatternSyntaxError {
        PatternSyntaxError {
            description: description.into(),
            pattern: self.pattern.clone(),
            index: self.cursor as isize - 1,
        }
    }

    // ------------------------------------------------------------ cursor

    fn peek(&mut self) -> u32 {
        let ch = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(ch)
        } else {
            ch
        }
    }

    fn read(&mut self) -> u32 {
        let ch = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            self.parse_past_whitespace(ch)
        } else {
            ch
        }
    }

    fn next(&mut self) -> u32 {
        self.cursor += 1;
        let ch = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(ch)
        } else {
            ch
        }
    }

    fn next_escaped(&mut self) -> u32 {
        self.cursor += 1;
        self.at(self.cursor)
    }

    fn peek_past_whitespace(&mut self, mut ch: u32) -> u32 {
        while is_ascii_space(ch) || ch == c(b'#') {
            while is_ascii_space(ch) {
                self.cursor += 1;
                ch = self.at(self.cursor);
            }
            if ch == c(b'#') {
                ch = self.peek_past_line();
            }
        }
        ch
    }

    fn parse_past_whitespace(&mut self, mut ch: u32) -> u32 {
        while is_ascii_space(ch) || ch == c(b'#') {
            while is_ascii_space(ch) {
                ch = self.at(self.cursor);
                self.cursor += 1;
            }
            if ch == c(b'#') {
                ch = self.parse_past_line();
            }
        }
        ch
    }

    fn parse_past_line(&mut self) -> u32 {
        let mut ch = self.at(self.cursor);
        self.cursor += 1;
        while ch != 0 && !self.is_line_separator(ch) {
            ch = self.at(self.cursor);
            self.cursor += 1;
        }
        if ch == 0 && self.cursor > self.pattern_length {
            self.cursor = self.pattern_length;
            ch = self.at(self.cursor);
            self.cursor += 1;
        }
        ch
    }

    fn peek_past_line(&mut self) -> u32 {
        self.cursor += 1;
        let mut ch = self.at(self.cursor);
        while ch != 0 && !self.is_line_separator(ch) {
            self.cursor += 1;
            ch = self.at(self.cursor);
        }
        if ch == 0 && self.cursor > self.pattern_length {
            self.cursor = self.pattern_length;
            ch = self.at(self.cursor);
        }
        ch
    }

    fn is_line_separator(&self, ch: u32) -> bool {
        if self.has(UNIX_LINES) {
            ch == c(b'\n')
        } else {
            ch == c(b'\n') || ch == c(b'\r') || (ch | 1) == 0x2029 || ch == 0x85
        }
    }

    fn skip(&mut self) -> u32 {
        let ch = self.at(self.cursor + 1);
        self.cursor += 2;
        ch
    }

    fn unread(&mut self) {
        self.cursor -= 1;
    }

    fn accept(&mut self, ch: u32, description: &str) -> PResult<()> {
        let mut test = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            test = self.parse_past_whitespace(test);
        }
        if ch != test {
            return Err(self.error(description));
        }
        Ok(())
    }

    fn mark(&mut self, ch: u32) {
        let at = self.pattern_length;
        if let Some(slot) = self.temp.get_mut(at) {
            *slot = ch;
        }
    }

    // ------------------------------------------------------------ \Q…\E

    fn remove_qe_quoting(&mut self) {
        let p_len = self.pattern_length;
        let t = &self.temp;
        let mut i = 0;
        while i + 1 < p_len {
            if t[i] != c(b'\\') {
                i += 1;
            } else if t[i + 1] != c(b'Q') {
                i += 2;
            } else {
                break;
            }
        }
        if i + 1 >= p_len {
            return;
        }
        let mut j = i;
        i += 2;
        let mut out: Vec<u32> = t[..j].to_vec();
        let mut in_quote = true;
        let mut begin_quote = true;
        while i < p_len {
            let ch = t[i];
            i += 1;
            if ch >= 128 || is_ascii_alpha(ch) {
                out.push(ch);
            } else if is_ascii_digit(ch) {
                if begin_quote {
                    // `\x3` before a quoted digit, so it cannot extend an escape.
                    out.extend([c(b'\\'), c(b'x'), c(b'3')]);
                }
                out.push(ch);
            } else if ch != c(b'\\') {
                if in_quote {
                    out.push(c(b'\\'));
                }
                out.push(ch);
            } else if in_quote {
                if t.get(i).copied() == Some(c(b'E')) {
                    i += 1;
                    in_quote = false;
                } else {
                    out.extend([c(b'\\'), c(b'\\')]);
                }
            } else if t.get(i).copied() == Some(c(b'Q')) {
                i += 1;
                in_quote = true;
                begin_quote = true;
                continue;
            } else {
                out.push(ch);
                if i != p_len {
                    out.push(t[i]);
                    i += 1;
                }
            }
            begin_quote = false;
        }
        j = out.len();
        self.pattern_length = j;
        out.push(0);
        out.push(0);
        self.temp = out;
    }

    // ------------------------------------------------------------ structure

    /// `expr`: alternatives up to `)` or the end.
    fn expr(&mut self) -> PResult<Node> {
        let mut branches = Vec::new();
        loop {
            branches.push(self.sequence()?);
            if self.peek() != c(b'|') {
                break;
            }
            self.next();
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or_else(Node::empty)
        } else {
            Node::Alt(branches)
        })
    }

    /// `sequence`: the atoms between alternations.
    fn sequence(&mut self) -> PResult<Node> {
        let mut nodes = Vec::new();
        loop {
            let ch = self.peek();
            let node = match ch {
                0x28 => {
                    // '('
                    if let Some(node) = self.group0()? {
                        nodes.push(node);
                    }
                    continue;
                }
                0x5b => Node::Char(self.clazz(true)?),
                0x5c => {
                    let ch = self.next_escaped();
                    if ch == c(b'p') || ch == c(b'P') {
                        let comp = ch == c(b'P');
                        let mut one_letter = true;
                        let ch = self.next();
                        if ch != c(b'{') {
                            self.unread();
                        } else {
                            one_letter = false;
                        }
                        Node::Char(self.family(one_letter, comp)?)
                    } else {
                        self.unread();
                        self.atom()?
                    }
                }
                0x5e => {
                    // '^'
                    self.next();
                    if self.has(MULTILINE) {
                        if self.has(UNIX_LINES) {
                            Node::Anchor(Anchor::UnixCaret)
                        } else {
                            Node::Anchor(Anchor::Caret)
                        }
                    } else {
                        Node::Anchor(Anchor::Begin)
                    }
                }
                0x24 => {
                    // '$'
                    self.next();
                    let multiline = self.has(MULTILINE);
                    if self.has(UNIX_LINES) {
                        Node::Anchor(Anchor::UnixDollar { multiline })
                    } else {
                        Node::Anchor(Anchor::Dollar { multiline })
                    }
                }
                0x2e => {
                    // '.'
                    self.next();
                    Node::Char(if self.has(DOTALL) {
                        Pred::class(u128::MAX, Other::Always)
                    } else if self.has(UNIX_LINES) {
                        Pred::class(tables::ASCII_UNIXDOT, Other::Always)
                    } else {
                        Pred::class(tables::ASCII_DOT, Other::NotLineTerminator)
                    })
                }
                0x7c | 0x29 => break,
                0x5d | 0x7d => self.atom()?,
                0x3f | 0x2a | 0x2b => {
                    self.next();
                    return Err(self.error(format!(
                        "Dangling meta character '{}'",
                        char::from_u32(ch).unwrap_or('?')
                    )));
                }
                0 if self.cursor >= self.pattern_length => break,
                _ => self.atom()?,
            };
            let node = self.closure(node)?;
            nodes.push(node);
        }
        Ok(if nodes.len() == 1 {
            nodes.pop().unwrap_or_else(Node::empty)
        } else {
            Node::Seq(nodes)
        })
    }

    /// `atom`: a run of literal chars (a slice) or one escape node. A quantifier
    /// after a run applies to its last char, which is left for the next atom.
    fn atom(&mut self) -> PResult<Node> {
        let mut chars: Vec<u32> = Vec::new();
        let mut prev: usize = 0;
        let mut ch = self.peek();
        loop {
            match ch {
                0x2a | 0x2b | 0x3f | 0x7b => {
                    if chars.len() > 1 {
                        self.cursor = prev;
                        chars.pop();
                    }
                    break;
                }
                0x24 | 0x2e | 0x5e | 0x28 | 0x5b | 0x7c | 0x29 => break,
                0x5c => {
                    let e = self.next_escaped();
                    if e == c(b'p') || e == c(b'P') {
                        if !chars.is_empty() {
                            self.unread();
                            break;
                        }
                        let comp = e == c(b'P');
                        let mut one_letter = true;
                        let n = self.next();
                        if n != c(b'{') {
                            self.unread();
                        } else {
                            one_letter = false;
                        }
                        return Ok(Node::Char(self.family(one_letter, comp)?));
                    }
                    self.unread();
                    prev = self.cursor;
                    match self.escape(false, chars.is_empty(), false)? {
                        Esc::Char(v) => {
                            chars.push(v);
                            ch = self.peek();
                            continue;
                        }
                        Esc::Node(node) if chars.is_empty() => return Ok(node),
                        Esc::Pred(p) if chars.is_empty() => return Ok(Node::Char(p)),
                        _ => {
                            self.cursor = prev;
                            break;
                        }
                    }
                }
                0 if self.cursor >= self.pattern_length => break,
                _ => {
                    prev = self.cursor;
                    chars.push(ch);
                    ch = self.next();
                    continue;
                }
            }
        }
        let mut nodes: Vec<Node> = chars
            .into_iter()
            .map(|v| Node::Char(self.single(v)))
            .collect();
        Ok(if nodes.len() == 1 {
            nodes.pop().unwrap_or_else(Node::empty)
        } else {
            Node::Seq(nodes)
        })
    }

    /// `ref`: a back reference, taking more digits while such a group exists.
    fn back_ref(&mut self, mut ref_num: usize) -> Node {
        loop {
            let ch = self.peek();
            if !is_ascii_digit(ch) {
                break;
            }
            let new_ref = ref_num * 10 + (ch - c(b'0')) as usize;
            if self.capturing_group_count - 1 < new_ref {
                break;
            }
            ref_num = new_ref;
            self.read();
        }
        Node::BackRef {
            group: ref_num,
            case_insensitive: self.has(CASE_INSENSITIVE),
            unicode: self.has(UNICODE_CASE),
        }
    }

    fn predicate_escape(&self, p: Pred, inclass: bool, create: bool) -> Esc {
        if !create {
            Esc::Nothing
        } else if inclass {
            Esc::Pred(p)
        } else {
            Esc::Node(Node::Char(p))
        }
    }

    fn node_escape(create: bool, node: Node) -> Esc {
        if create {
            Esc::Node(node)
        } else {
            Esc::Nothing
        }
    }

    /// `escape(inclass, create, isrange)`.
    fn escape(&mut self, inclass: bool, create: bool, isrange: bool) -> PResult<Esc> {
        let ch = self.skip();
        let unicode_classes = self.has(UNICODE_CHARACTER_CLASS);
        let Some(letter) = char::from_u32(ch) else {
            return Ok(Esc::Char(ch));
        };
        let esc = match letter {
            '0' => return Ok(Esc::Char(self.octal()?)),
            '1'..='9' => {
                if inclass {
                    None
                } else {
                    let node = if create {
                        Some(self.back_ref((ch - c(b'0')) as usize))
                    } else {
                        None
                    };
                    Some(node.map_or(Esc::Nothing, Esc::Node))
                }
            }
            'A' if !inclass => Some(Self::node_escape(create, Node::Anchor(Anchor::Begin))),
            'B' if !inclass => Some(Self::node_escape(
                create,
                Node::Anchor(Anchor::Bound {
                    both: false,
                    unicode: unicode_classes,
                }),
            )),
            'D' => Some(self.predicate_escape(digit(unicode_classes).negate(), inclass, create)),
            'G' if !inclass => Some(Self::node_escape(create, Node::Anchor(Anchor::LastMatch))),
            'H' => Some(self.predicate_escape(horiz_ws().negate(), inclass, create)),
            'N' => return Ok(Esc::Char(self.named_char()?)),
            'R' if !inclass => Some(Self::node_escape(create, Node::LineEnding)),
            'S' => Some(self.predicate_escape(space(unicode_classes).negate(), inclass, create)),
            'V' => Some(self.predicate_escape(vert_ws().negate(), inclass, create)),
            'W' => Some(self.predicate_escape(word(unicode_classes).negate(), inclass, create)),
            'X' if !inclass => Some(Self::node_escape(create, Node::Grapheme)),
            'Z' if !inclass => {
                let anchor = if self.has(UNIX_LINES) {
                    Anchor::UnixDollar { multiline: false }
                } else {
                    Anchor::Dollar { multiline: false }
                };
                Some(Self::node_escape(create, Node::Anchor(anchor)))
            }
            'a' => return Ok(Esc::Char(7)),
            'b' if !inclass => {
                if create {
                    if self.peek() == c(b'{') {
                        if self.skip() == c(b'g') {
                            if self.read() == c(b'}') {
                                return Ok(Esc::Node(Node::Anchor(Anchor::GraphemeBound)));
                            }
                            return Err(self.error("Illegal/unsupported escape sequence"));
                        }
                        self.unread();
                        self.unread();
                    }
                    Some(Esc::Node(Node::Anchor(Anchor::Bound {
                        both: true,
                        unicode: unicode_classes,
                    })))
                } else {
                    Some(Esc::Nothing)
                }
            }
            'c' => return Ok(Esc::Char(self.control()?)),
            'd' => Some(self.predicate_escape(digit(unicode_classes), inclass, create)),
            'e' => return Ok(Esc::Char(0x1b)),
            'f' => return Ok(Esc::Char(0x0c)),
            'h' => Some(self.predicate_escape(horiz_ws(), inclass, create)),
            'k' if !inclass => {
                if self.read() != c(b'<') {
                    return Err(self.error("\\k is not followed by '<' for named capturing group"));
                }
                let first = self.read();
                let name = self.groupname(first)?;
                let Some(&group) = self.named_groups.get(&name) else {
                    return Err(
                        self.error(format!("named capturing group <{name}> does not exist"))
                    );
                };
                Some(Self::node_escape(
                    create,
                    Node::BackRef {
                        group,
                        case_insensitive: self.has(CASE_INSENSITIVE),
                        unicode: self.has(UNICODE_CASE),
                    },
                ))
            }
            'n' => return Ok(Esc::Char(0x0a)),
            'r' => return Ok(Esc::Char(0x0d)),
            's' => Some(self.predicate_escape(space(unicode_classes), inclass, create)),
            't' => return Ok(Esc::Char(0x09)),
            'u' => return Ok(Esc::Char(self.unicode()?)),
            'v' => {
                if isrange {
                    return Ok(Esc::Char(0x0b));
                }
                Some(self.predicate_escape(vert_ws(), inclass, create))
            }
            'w' => Some(self.predicate_escape(word(unicode_classes), inclass, create)),
            'x' => return Ok(Esc::Char(self.hex()?)),
            'z' if !inclass => Some(Self::node_escape(create, Node::Anchor(Anchor::End))),
            'A' | 'B' | 'G' | 'R' | 'X' | 'Z' | 'b' | 'k' | 'z' => None,
            'C' | 'E' | 'F' | 'I' | 'J' | 'K' | 'L' | 'M' | 'O' | 'P' | 'Q' | 'T' | 'U' | 'Y'
            | 'g' | 'i' | 'j' | 'l' | 'm' | 'o' | 'p' | 'q' | 'y' => None,
            _ => return Ok(Esc::Char(ch)),
        };
        esc.ok_or_else(|| self.error("Illegal/unsupported escape sequence"))
    }

    // ------------------------------------------------------------ classes

    /// `clazz(consume)`: a `[...]` class (or the right side of `&&`).
    fn clazz(&mut self, consume: bool) -> PResult<Pred> {
        let mut prev: Option<Pred> = None;
        let mut curr: Option<Pred> = None;
        let mut bits = Box::new([false; 256]);
        let mut is_neg = false;
        let mut has_bits = false;
        let mut ch = self.next();
        if ch == c(b'^') && self.at(self.cursor - 1) == c(b'[') {
            ch = self.next();
            is_neg = true;
        }
        loop {
            match ch {
                0x5b => {
                    // '['
                    let inner = self.clazz(true)?;
                    prev = Some(match prev {
                        None => inner.clone(),
                        Some(p) => p.union(inner.clone()),
                    });
                    curr = Some(inner);
                    ch = self.peek();
                    continue;
                }
                0x26 => {
                    // '&'
                    ch = self.next();
                    if ch == c(b'&') {
                        ch = self.next();
                        let mut right: Option<Pred> = None;
                        while ch != c(b']') && ch != c(b'&') {
                            let part = if ch == c(b'[') {
                                self.clazz(true)?
                            } else {
                                self.unread();
                                self.clazz(false)?
                            };
                            right = Some(match right {
                                None => part,
                                Some(r) => r.union(part),
                            });
                            ch = self.peek();
                        }
                        if has_bits {
                            let b = Pred::Bits(bits.clone());
                            match prev {
                                None => {
                                    prev = Some(b.clone());
                                    curr = Some(b);
                                }
                                Some(p) => prev = Some(p.union(b)),
                            }
                            has_bits = false;
                        }
                        if let Some(r) = right {
                            curr = Some(r);
                            if prev.is_none() {
                                prev = curr.clone();
                                continue;
                            }
                        } else if prev.is_none() {
                            return Err(self.error("Bad class syntax"));
                        }
                        prev = match (prev, curr.clone()) {
                            (Some(p), Some(cu)) => Some(p.and(cu)),
                            (p, _) => p,
                        };
                    } else {
                        // A literal '&'.
                        self.unread();
                        let r = self.range(&mut bits)?;
                        self.add_range(&mut prev, &mut curr, &mut has_bits, r);
                        ch = self.peek();
                    }
                    continue;
                }
                0 if self.cursor >= self.pattern_length => {
                    return Err(self.error("Unclosed character class"));
                }
                // ']' closes a class that has something (else it is a literal).
                0x5d if prev.is_some() || has_bits => {
                    if consume {
                        self.next();
                    }
                    let result = match prev {
                        None => Pred::Bits(bits),
                        Some(p) if has_bits => p.union(Pred::Bits(bits)),
                        Some(p) => p,
                    };
                    return Ok(if is_neg { result.negate() } else { result });
                }
                _ => {}
            }
            let r = self.range(&mut bits)?;
            self.add_range(&mut prev, &mut curr, &mut has_bits, r);
            ch = self.peek();
        }
    }

    fn add_range(
        &self,
        prev: &mut Option<Pred>,
        curr: &mut Option<Pred>,
        has_bits: &mut bool,
        r: Option<Pred>,
    ) {
        match r {
            None => *has_bits = true,
            Some(p) => {
                *prev = Some(match prev.take() {
                    None => p.clone(),
                    Some(old) => old.union(p.clone()),
                });
                *curr = Some(p);
            }
        }
    }

    /// `bitsOrSingle`: chars below 256 go to the class's bit set (`None`).
    fn bits_or_single(&self, bits: &mut [bool; 256], ch: u32) -> Option<Pred> {
        let special = self.has(CASE_INSENSITIVE)
            && self.has(UNICODE_CASE)
            && matches!(
                ch,
                0xff | 0xb5 | 0x49 | 0x69 | 0x53 | 0x73 | 0x4b | 0x6b | 0xc5 | 0xe5
            );
        if ch < 256 && !special {
            if self.has(CASE_INSENSITIVE) {
                if ch < 128 {
                    bits[ascii_upper(ch) as usize] = true;
                    bits[ascii_lower(ch) as usize] = true;
                } else if self.has(UNICODE_CASE) {
                    for mapped in [to_lower(ch), to_upper(ch)] {
                        if let Some(slot) = bits.get_mut(mapped as usize) {
                            *slot = true;
                        }
                    }
                }
            }
            bits[ch as usize] = true;
            return None;
        }
        Some(self.single(ch))
    }

    /// `single(ch)`.
    fn single(&self, ch: u32) -> Pred {
        if self.has(CASE_INSENSITIVE) {
            if self.has(UNICODE_CASE) {
                let upper = to_upper(ch);
                let lower = to_lower(upper);
                if upper != lower {
                    return Pred::SingleU(lower);
                }
            } else if ch < 128 {
                let (lower, upper) = (ascii_lower(ch), ascii_upper(ch));
                if lower != upper {
                    return Pred::SingleI(lower, upper);
                }
            }
        }
        Pred::Single(ch)
    }

    /// `range(bits)`: one char, a range or an escape inside a class.
    fn range(&mut self, bits: &mut [bool; 256]) -> PResult<Option<Pred>> {
        let mut ch = self.peek();
        if ch == c(b'\\') {
            ch = self.next_escaped();
            if ch == c(b'p') || ch == c(b'P') {
                let comp = ch == c(b'P');
                let mut one_letter = true;
                let n = self.next();
                if n != c(b'{') {
                    self.unread();
                } else {
                    one_letter = false;
                }
                return Ok(Some(self.family(one_letter, comp)?));
            }
            let isrange = self.at(self.cursor + 1) == c(b'-');
            self.unread();
            match self.escape(true, true, isrange)? {
                Esc::Char(v) => ch = v,
                Esc::Pred(p) => return Ok(Some(p)),
                Esc::Node(_) | Esc::Nothing => {
                    return Err(self.error("Unexpected internal error"));
                }
            }
        } else {
            self.next();
        }
        if self.peek() == c(b'-') {
            let end_range = self.at(self.cursor + 1);
            if end_range == c(b'[') {
                return Ok(self.bits_or_single(bits, ch));
            }
            if end_range != c(b']') {
                self.next();
                let mut m = self.peek();
                if m == c(b'\\') {
                    m = match self.escape(true, false, true)? {
                        Esc::Char(v) => v,
                        _ => {
                            return Err(self.error("Illegal character range"));
                        }
                    };
                } else {
                    self.next();
                }
                if m < ch {
                    return Err(self.error("Illegal character range"));
                }
                return Ok(Some(if self.has(CASE_INSENSITIVE) {
                    if self.has(UNICODE_CASE) {
                        Pred::CiRangeU(ch, m)
                    } else {
                        Pred::CiRange(ch, m)
                    }
                } else {
                    Pred::Range(ch, m)
                }));
            }
        }
        Ok(self.bits_or_single(bits, ch))
    }

    /// `family(singleLetter, isComplement)`: `\p…` / `\P…`.
    fn family(&mut self, single_letter: bool, is_complement: bool) -> PResult<Pred> {
        self.next();
        let name: String;
        if single_letter {
            let ch = self.at(self.cursor);
            name = char::from_u32(ch).map(String::from).unwrap_or_default();
            self.read();
        } else {
            let i = self.cursor;
            self.mark(c(b'}'));
            while self.read() != c(b'}') {}
            self.mark(0);
            let j = self.cursor;
            if j > self.pattern_length {
                return Err(self.error("Unclosed character family"));
            }
            if i + 1 >= j {
                return Err(self.error("Empty character family"));
            }
            name = self.temp[i..j - 1]
                .iter()
                .filter_map(|&v| char::from_u32(v))
                .collect();
        }
        let case_ins = self.has(CASE_INSENSITIVE);
        let p = if let Some(eq) = name.find('=') {
            let value = &name[eq + 1..];
            let key = name[..eq].to_lowercase();
            let p = match key.as_str() {
                "sc" | "script" => pred::for_unicode_script(value),
                "blk" | "block" => pred::for_unicode_block(value),
                "gc" | "general_category" => pred::for_property(value, case_ins),
                _ => None,
            };
            p.ok_or_else(|| {
                self.error(format!(
                    "Unknown Unicode property {{name=<{key}>, value=<{value}>}}"
                ))
            })?
        } else {
            let p = if let Some(block) = name.strip_prefix("In") {
                pred::for_unicode_block(block)
            } else if let Some(short) = name.strip_prefix("Is") {
                pred::for_unicode_property(short, case_ins)
                    .or_else(|| pred::for_property(short, case_ins))
                    .or_else(|| pred::for_unicode_script(short))
            } else {
                let posix = if self.has(UNICODE_CHARACTER_CLASS) {
                    pred::for_posix_name(&name, case_ins)
                } else {
                    None
                };
                posix.or_else(|| pred::for_property(&name, case_ins))
            };
            p.ok_or_else(|| self.error(format!("Unknown character property name {{{name}}}")))?
        };
        Ok(if is_complement { p.negate() } else { p })
    }

    fn groupname(&mut self, mut ch: u32) -> PResult<String> {
        if !is_ascii_alpha(ch) {
            return Err(self.error("capturing group name does not start with a Latin letter"));
        }
        let mut name = String::new();
        loop {
            name.push(char::from_u32(ch).unwrap_or('?'));
            ch = self.read();
            if !is_ascii_alnum(ch) {
                break;
            }
        }
        if ch != c(b'>') {
            return Err(self.error("named capturing group is missing trailing '>'"));
        }
        Ok(name)
    }

    // ------------------------------------------------------------ groups

    /// `group0`: a group with its quantifier; `None` for a pure flag group `(?i)`.
    fn group0(&mut self) -> PResult<Option<Node>> {
        let save = self.flags0;
        let ch = self.next();
        let node = if ch == c(b'?') {
            let ch = self.skip();
            match ch {
                0x3a => Node::Group {
                    body: Box::new(self.expr()?),
                    capture: None,
                },
                0x3d | 0x21 => Node::Look {
                    body: Box::new(self.expr()?),
                    ahead: true,
                    negate: ch == c(b'!'),
                    min: 0,
                    max: 0,
                },
                0x3e => Node::Atomic(Box::new(self.expr()?)),
                0x3c => {
                    let ch = self.read();
                    if ch != c(b'=') && ch != c(b'!') {
                        let name = self.groupname(ch)?;
                        if self.named_groups.contains_key(&name) {
                            return Err(self.error(format!(
                                "Named capturing group <{name}> is already defined"
                            )));
                        }
                        let index = self.capturing_group_count;
                        self.capturing_group_count += 1;
                        self.named_groups.insert(name.clone(), index);
                        self.named_order.push((name, index));
                        Node::Group {
                            body: Box::new(self.expr()?),
                            capture: Some(index),
                        }
                    } else {
                        let body = self.expr()?;
                        let info = study(&body);
                        if !info.max_valid {
                            return Err(self.error(
                                "Look-behind group does not have an obvious maximum length",
                            ));
                        }
                        Node::Look {
                            body: Box::new(body),
                            ahead: false,
                            negate: ch == c(b'!'),
                            min: info.min_length,
                            max: info.max_length,
                        }
                    }
                }
                0x24 | 0x40 => return Err(self.error("Unknown group type")),
                _ => {
                    self.unread();
                    self.add_flag();
                    let ch = self.read();
                    if ch == c(b')') {
                        return Ok(None);
                    }
                    if ch != c(b':') {
                        return Err(self.error("Unknown inline modifier"));
                    }
                    Node::Group {
                        body: Box::new(self.expr()?),
                        capture: None,
                    }
                }
            }
        } else {
            let index = self.capturing_group_count;
            self.capturing_group_count += 1;
            Node::Group {
                body: Box::new(self.expr()?),
                capture: Some(index),
            }
        };
        self.accept(c(b')'), "Unclosed group")?;
        self.flags0 = save;
        self.group_closure(node)
    }

    /// The quantifier after a group, as Java builds it (`Ques`, `Branch`, `Curly`,
    /// `GroupCurly` or `Loop`).
    fn group_closure(&mut self, head: Node) -> PResult<Option<Node>> {
        let Some((min, max, kind, open)) = self.quantifier()? else {
            return Ok(Some(head));
        };
        // Look-arounds and atomic groups are their own head and tail in Java.
        let zero_width = matches!(head, Node::Look { .. } | Node::Atomic(_));
        let built = if (min, max) == (0, 1) && !open {
            if kind == Qtype::Possessive || zero_width {
                Built::Ques
            } else {
                Built::Branch
            }
        } else if kind == Qtype::Possessive || zero_width {
            Built::Curly
        } else {
            let body = match &head {
                Node::Group { body, .. } | Node::Atomic(body) => body.as_ref(),
                other => other,
            };
            let info = study_group(&head, body);
            if info.deterministic {
                Built::GroupCurly
            } else {
                Built::Loop
            }
        };
        Ok(Some(Node::Repeat {
            atom: Box::new(head),
            min,
            max,
            kind,
            built,
        }))
    }

    fn add_flag(&mut self) {
        let mut ch = self.peek();
        loop {
            match char::from_u32(ch).unwrap_or('\0') {
                'i' => self.flags0 |= CASE_INSENSITIVE,
                'm' => self.flags0 |= MULTILINE,
                's' => self.flags0 |= DOTALL,
                'd' => self.flags0 |= UNIX_LINES,
                'u' => self.flags0 |= UNICODE_CASE,
                'c' => self.flags0 |= CANON_EQ,
                'x' => self.flags0 |= COMMENTS,
                'U' => self.flags0 |= UNICODE_CHARACTER_CLASS | UNICODE_CASE,
                '-' => {
                    self.next();
                    self.sub_flag();
                    return;
                }
                _ => return,
            }
            ch = self.next();
        }
    }

    fn sub_flag(&mut self) {
        let mut ch = self.peek();
        loop {
            match char::from_u32(ch).unwrap_or('\0') {
                'i' => self.flags0 &= !CASE_INSENSITIVE,
                'm' => self.flags0 &= !MULTILINE,
                's' => self.flags0 &= !DOTALL,
                'd' => self.flags0 &= !UNIX_LINES,
                'u' => self.flags0 &= !UNICODE_CASE,
                'c' => self.flags0 &= !CANON_EQ,
                'x' => self.flags0 &= !COMMENTS,
                'U' => self.flags0 &= !(UNICODE_CHARACTER_CLASS | UNICODE_CASE),
                _ => return,
            }
            ch = self.next();
        }
    }

    // ------------------------------------------------------------ quantifiers

    fn qtype(&mut self) -> Qtype {
        let ch = self.next();
        if ch == c(b'?') {
            self.next();
            Qtype::Lazy
        } else if ch == c(b'+') {
            self.next();
            Qtype::Possessive
        } else {
            Qtype::Greedy
        }
    }

    /// The quantifier at the cursor, if any: `(min, max, type, open)`, `open` for the
    /// forms Java's `curly()` builds (`*`, `+`, `{n,}`).
    fn quantifier(&mut self) -> PResult<Option<(i32, i32, Qtype, bool)>> {
        let ch = self.peek();
        Ok(Some(match ch {
            0x3f => (0, 1, self.qtype(), false),
            0x2a => (0, MAX_REPS, self.qtype(), true),
            0x2b => (1, MAX_REPS, self.qtype(), true),
            0x7b => {
                let mut ch = self.skip();
                if !is_ascii_digit(ch) {
                    return Err(self.error("Illegal repetition"));
                }
                let mut cmin: i32 = 0;
                let cmax: i32;
                let overflow = |p: &Parser| p.error("Illegal repetition range");
                loop {
                    cmin = cmin
                        .checked_mul(10)
                        .and_then(|v| v.checked_add((ch - c(b'0')) as i32))
                        .ok_or_else(|| overflow(self))?;
                    ch = self.read();
                    if !is_ascii_digit(ch) {
                        break;
                    }
                }
                if ch == c(b',') {
                    ch = self.read();
                    if ch == c(b'}') {
                        self.unread();
                        return Ok(Some((cmin, MAX_REPS, self.qtype(), true)));
                    }
                    let mut m: i32 = 0;
                    while is_ascii_digit(ch) {
                        m = m
                            .checked_mul(10)
                            .and_then(|v| v.checked_add((ch - c(b'0')) as i32))
                            .ok_or_else(|| overflow(self))?;
                        ch = self.read();
                    }
                    cmax = m;
                } else {
                    cmax = cmin;
                }
                if ch != c(b'}') {
                    return Err(self.error("Unclosed counted closure"));
                }
                if cmax < cmin {
                    return Err(self.error("Illegal repetition range"));
                }
                self.unread();
                (cmin, cmax, self.qtype(), false)
            }
            _ => return Ok(None),
        }))
    }

    /// `closure(prev)` for an atom: `?` and `{0,1}` make a `Ques`; greedy `*`, `+`
    /// and `{n,}` on a char property a `CharPropertyGreedy`; anything else a `Curly`.
    fn closure(&mut self, prev: Node) -> PResult<Node> {
        let is_char = matches!(prev, Node::Char(_));
        let Some((min, max, kind, open)) = self.quantifier()? else {
            return Ok(prev);
        };
        let built = if (min, max) == (0, 1) && !open {
            Built::Ques
        } else if kind == Qtype::Greedy && is_char && open {
            Built::CharGreedy
        } else {
            Built::Curly
        };
        Ok(Node::Repeat {
            atom: Box::new(prev),
            min,
            max,
            kind,
            built,
        })
    }

    // ------------------------------------------------------------ escapes

    fn control(&mut self) -> PResult<u32> {
        if self.cursor < self.pattern_length {
            return Ok(self.read() ^ 64);
        }
        Err(self.error("Illegal control escape sequence"))
    }

    fn octal(&mut self) -> PResult<u32> {
        let is_oct = |v: u32| (c(b'0')..=c(b'7')).contains(&v);
        let n = self.read();
        if is_oct(n) {
            let m = self.read();
            if is_oct(m) {
                let o = self.read();
                if is_oct(o) && (c(b'0')..=c(b'3')).contains(&n) {
                    return Ok((n - c(b'0')) * 64 + (m - c(b'0')) * 8 + (o - c(b'0')));
                }
                self.unread();
                return Ok((n - c(b'0')) * 8 + (m - c(b'0')));
            }
            self.unread();
            return Ok(n - c(b'0'));
        }
        Err(self.error("Illegal octal escape sequence"))
    }

    fn hex(&mut self) -> PResult<u32> {
        let n = self.read();
        if is_hex_digit(n) {
            let m = self.read();
            if is_hex_digit(m) {
                return Ok(to_digit(n) * 16 + to_digit(m));
            }
        } else if n == c(b'{') && {
            let p = self.peek();
            is_hex_digit(p)
        } {
            let mut ch: u32 = 0;
            let mut n;
            loop {
                n = self.read();
                if !is_hex_digit(n) {
                    break;
                }
                ch = (ch << 4) + to_digit(n);
                if ch > 0x10ffff {
                    return Err(self.error("Hexadecimal codepoint is too big"));
                }
            }
            if n != c(b'}') {
                return Err(self.error("Unclosed hexadecimal escape sequence"));
            }
            return Ok(ch);
        }
        Err(self.error("Illegal hexadecimal escape sequence"))
    }

    fn uxxxx(&mut self) -> PResult<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let ch = self.read();
            if !is_hex_digit(ch) {
                return Err(self.error("Illegal Unicode escape sequence"));
            }
            n = n * 16 + to_digit(ch);
        }
        Ok(n)
    }

    fn unicode(&mut self) -> PResult<u32> {
        let n = self.uxxxx()?;
        if (0xd800..=0xdbff).contains(&n) {
            let cur = self.cursor;
            if self.read() == c(b'\\') && self.read() == c(b'u') {
                let n2 = self.uxxxx()?;
                if (0xdc00..=0xdfff).contains(&n2) {
                    return Ok(0x10000 + ((n - 0xd800) << 10) + (n2 - 0xdc00));
                }
            }
            self.cursor = cur;
        }
        Ok(n)
    }

    fn named_char(&mut self) -> PResult<u32> {
        if self.read() == c(b'{') {
            let i = self.cursor;
            while self.read() != c(b'}') {
                if self.cursor >= self.pattern_length {
                    return Err(self.error("Unclosed character name escape sequence"));
                }
            }
            let name: String = self.temp[i..self.cursor - 1]
                .iter()
                .filter_map(|&v| char::from_u32(v))
                .collect();
            return pred::code_point_of(&name)
                .ok_or_else(|| self.error(format!("Unknown character name [{name}]")));
        }
        Err(self.error("Illegal character name escape sequence"))
    }
}

fn digit(unicode: bool) -> Pred {
    Pred::class(
        if unicode {
            tables::ASCII_UD
        } else {
            tables::ASCII_D
        },
        if unicode {
            Other::Numeric
        } else {
            Other::Never
        },
    )
}

fn space(unicode: bool) -> Pred {
    Pred::class(
        if unicode {
            tables::ASCII_US
        } else {
            tables::ASCII_S
        },
        if unicode {
            Other::Whitespace
        } else {
            Other::Never
        },
    )
}

fn word(unicode: bool) -> Pred {
    Pred::class(
        if unicode {
            tables::ASCII_UW
        } else {
            tables::ASCII_W
        },
        if unicode {
            Other::Alphanumeric
        } else {
            Other::Never
        },
    )
}

fn horiz_ws() -> Pred {
    Pred::class(tables::ASCII_H, Other::HorizontalSpace)
}

fn vert_ws() -> Pred {
    Pred::class(tables::ASCII_V, Other::VerticalSpace)
}

// ---------------------------------------------------------------- study

/// Java's `TreeInfo`: lengths in chars (Java's `int` arithmetic, wrapping).
#[derive(Clone, Copy, Debug)]
pub struct TreeInfo {
    pub min_length: i32,
    pub max_length: i32,
    pub max_valid: bool,
    pub deterministic: bool,
}

impl TreeInfo {
    fn new() -> Self {
        TreeInfo {
            min_length: 0,
            max_length: 0,
            max_valid: true,
            deterministic: true,
        }
    }
}

/// `head.study(new TreeInfo())` for a sequence.
pub fn study(node: &Node) -> TreeInfo {
    let mut info = TreeInfo::new();
    study_into(node, &mut info);
    info
}

/// The study Java runs on a group body to choose `GroupCurly` or `Loop`.
fn study_group(head: &Node, body: &Node) -> TreeInfo {
    match head {
        // An atomic group is `Ques(INDEPENDENT)`: its study is the body's.
        Node::Atomic(_) | Node::Group { .. } => study(body),
        other => study(other),
    }
}

fn study_into(node: &Node, info: &mut TreeInfo) {
    match node {
        Node::Char(_) => {
            info.min_length = info.min_length.wrapping_add(1);
            info.max_length = info.max_length.wrapping_add(1);
        }
        Node::Seq(nodes) => {
            for n in nodes {
                study_into(n, info);
            }
        }
        Node::Alt(branches) => {
            // `Branch.study`.
            let min_l = info.min_length;
            let max_l = info.max_length;
            let mut max_v = info.max_valid;
            let mut min2 = i32::MAX;
            let mut max2 = -1;
            for b in branches {
                let mut sub = TreeInfo::new();
                study_into(b, &mut sub);
                min2 = min2.min(sub.min_length);
                max2 = max2.max(sub.max_length);
                max_v &= sub.max_valid;
            }
            info.min_length = min_l.wrapping_add(min2);
            info.max_length = max_l.wrapping_add(max2);
            info.max_valid = max_v;
            info.deterministic = false;
        }
        Node::Group { body, .. } => study_into(body, info),
        Node::Atomic(body) => study_into(body, info),
        Node::Look { .. } | Node::Anchor(_) => {}
        Node::LineEnding => {
            info.min_length = info.min_length.wrapping_add(1);
            info.max_length = info.max_length.wrapping_add(2);
        }
        Node::Grapheme => {
            info.min_length = info.min_length.wrapping_add(1);
            info.deterministic = false;
        }
        Node::BackRef { .. } => info.max_valid = false,
        Node::Repeat {
            atom,
            min,
            max,
            built,
            ..
        } => match built {
            Built::Ques => {
                let min_l = info.min_length;
                study_into(atom, info);
                info.min_length = min_l;
                info.deterministic = false;
            }
            Built::Branch => {
                let min_l = info.min_length;
                let max_l = info.max_length;
                let max_v = info.max_valid;
                let mut sub = TreeInfo::new();
                study_into(atom, &mut sub);
                info.min_length = min_l;
                info.max_length = max_l.wrapping_add(sub.max_length.max(0));
                info.max_valid = max_v & sub.max_valid;
                info.deterministic = false;
            }
            Built::CharGreedy => {
                info.min_length = info.min_length.wrapping_add(*min);
                if info.max_valid {
                    info.max_length = info.max_length.wrapping_add(MAX_REPS);
                }
                info.deterministic = false;
            }
            Built::Curly | Built::GroupCurly => {
                let min_l = info.min_length;
                let max_l = info.max_length;
                let max_v = info.max_valid;
                let detm = info.deterministic;
                let mut sub = TreeInfo::new();
                study_into(atom, &mut sub);
                let mut temp = sub.min_length.wrapping_mul(*min).wrapping_add(min_l);
                if temp < min_l {
                    temp = 0xFFF_FFFF;
                }
                info.min_length = temp;
                if max_v & sub.max_valid {
                    let temp = sub.max_length.wrapping_mul(*max).wrapping_add(max_l);
                    info.max_length = temp;
                    info.max_valid = temp >= max_l;
                } else {
                    info.max_valid = false;
                    info.max_length = max_l;
                }
                info.deterministic = if sub.deterministic && min == max {
                    detm
                } else {
                    false
                };
            }
            Built::Loop => {
                info.max_valid = false;
                info.deterministic = false;
            }
        },
    }
}
