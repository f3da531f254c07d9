//! Kafka's `Values.Parser`: a tokenizer that splits on unescaped `: , { } [ ] "`,
//! with marks and rewinds. Positions count chars; Kafka counts UTF-16 units, which
//! only differ by where a mark lands, never by which tokens come out.

use crate::config::java_trim;

pub struct Parser {
    original: Vec<char>,
    pos: usize,
    next_token: Option<String>,
    previous_token: Option<String>,
}

/// Kafka's `Utils.isBlank`.
pub fn is_blank(s: &str) -> bool {
    java_trim(s).is_empty()
}

impl Parser {
    pub fn new(original: &str) -> Self {
        Parser {
            original: original.chars().collect(),
            pos: 0,
            next_token: None,
            previous_token: None,
        }
    }

    pub fn original(&self) -> String {
        self.original.iter().collect()
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn mark(&self) -> usize {
        self.pos - self.next_token.as_ref().map_or(0, |t| t.chars().count())
    }

    pub fn rewind_to(&mut self, position: usize) {
        self.pos = position;
        self.next_token = None;
        self.previous_token = None;
    }

    pub fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn can_consume_next_token(&self) -> bool {
        self.pos < self.original.len()
    }

    pub fn take_token(&mut self) -> String {
        let token = match self.next_token.take() {
            Some(t) => t,
            None => self.consume_next_token(),
        };
        self.previous_token = Some(token.clone());
        token
    }

    /// The raw text of the next `n` tokens, or `None` (and no move) if fewer remain.
    pub fn next_n(&mut self, n: usize) -> Option<String> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.take_token();
        }
        Some(self.original[start..self.pos].iter().collect())
    }

    fn consume_next_token(&mut self) -> String {
        let mut escaped = false;
        let start = self.pos;
        while self.can_consume_next_token() {
            match self.original[self.pos] {
                '\\' => escaped = !escaped,
                ':' | ',' | '{' | '}' | '[' | ']' | '"' => {
                    if !escaped {
                        if start < self.pos {
                            return self.original[start..self.pos].iter().collect();
                        }
                        self.pos += 1;
                        return self.original[start..start + 1].iter().collect();
                    }
                    escaped = false;
                }
                _ => escaped = false,
            }
            self.pos += 1;
        }
        self.original[start..self.pos].iter().collect()
    }

    pub fn previous(&self) -> Option<&str> {
        self.previous_token.as_deref()
    }

    /// Consumes the next token if, trimmed, it is `expected` (blank tokens skipped).
    pub fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.next_token = None;
            return true;
        }
        false
    }

    fn is_next(&mut self, expected: &str) -> bool {
        if self.next_token.is_none() {
            if !self.has_next() {
                return false;
            }
            self.next_token = Some(self.consume_next_token());
        }
        while self.next_token.as_deref().is_some_and(is_blank) && self.can_consume_next_token() {
            self.next_token = Some(self.consume_next_token());
        }
        self.next_token
            .as_deref()
            .is_some_and(|t| java_trim(t) == expected)
    }
}
