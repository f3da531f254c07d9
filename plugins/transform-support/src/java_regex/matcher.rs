//! A backtracking matcher over the parsed tree, with the semantics of Java's
//! `Matcher` nodes (greedy / reluctant / possessive repetition, look-behind bounds,
//! anchors, back references).

use super::Pattern;
use super::parser::{Anchor, Built, Node, Qtype};
use super::pred::{Other, Pred, ascii_lower, to_lower, to_upper};
use super::tables;

/// How [`run`] matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `matches()`: the whole text.
    Whole,
    /// `find()`: the first match at or after the start position.
    Find,
}

/// The groups of a match: byte ranges of the text, group 0 being the whole match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captures {
    spans: Vec<Option<(usize, usize)>>,
}

impl Captures {
    /// The byte range group `group` matched, if it took part in the match.
    pub fn get(&self, group: usize) -> Option<(usize, usize)> {
        self.spans.get(group).copied().flatten()
    }

    /// The number of groups, counting group 0.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Always false: group 0 is always there.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

#[derive(Clone)]
struct State {
    groups: Vec<Option<(usize, usize)>>,
}

type K<'k> = &'k mut dyn FnMut(usize, &mut State) -> bool;

struct Ctx<'t> {
    text: &'t [u32],
    to: usize,
    last_match: usize,
}

/// Runs `pattern` over `text` from char `start`.
pub fn run(pattern: &Pattern, text: &str, mode: Mode, start: usize) -> Option<Captures> {
    let chars: Vec<u32> = text.chars().map(u32::from).collect();
    let ctx = Ctx {
        text: &chars,
        to: chars.len(),
        last_match: start,
    };
    // Java's matcher has room for at least ten groups: `\5` with fewer groups fails
    // to match instead of failing.
    let slots = (pattern.group_count + 1).max(10);
    let mut found: Option<(usize, usize, State)> = None;
    // Java clears the groups once per search, not per start position: what a failed
    // attempt left in them (look-arounds, atomic groups and possessive repetitions
    // do not restore) is still there for the next one.
    let mut st = State {
        groups: vec![None; slots],
    };
    for from in start..=chars.len() {
        let mut end = None;
        let matched = ctx.m(&pattern.root, from, &mut st, &mut |e, _| {
            if mode == Mode::Whole && e != ctx.to {
                return false;
            }
            end = Some(e);
            true
        });
        if matched && let Some(e) = end {
            found = Some((from, e, st.clone()));
            break;
        }
        if mode == Mode::Whole {
            break;
        }
    }
    let (from, end, st) = found?;
    // Char indices to byte offsets.
    let mut offsets = Vec::with_capacity(chars.len() + 1);
    let mut at = 0;
    for ch in text.chars() {
        offsets.push(at);
        at += ch.len_utf8();
    }
    offsets.push(at);
    let byte = |i: usize| offsets.get(i).copied().unwrap_or(at);
    let mut spans = vec![Some((byte(from), byte(end)))];
    spans.extend(
        st.groups
            .iter()
            .skip(1)
            .take(pattern.group_count)
            .map(|g| g.map(|(s, e)| (byte(s), byte(e)))),
    );
    Some(Captures { spans })
}

fn is_line_terminator(ch: u32) -> bool {
    ch == 0x0a || ch == 0x0d || (ch | 1) == 0x2029 || ch == 0x85
}

impl Ctx<'_> {
    fn at(&self, i: usize) -> Option<u32> {
        if i < self.to {
            self.text.get(i).copied()
        } else {
            None
        }
    }

    fn m(&self, node: &Node, i: usize, st: &mut State, k: K) -> bool {
        match node {
            Node::Char(p) => match self.at(i) {
                Some(ch) if p.is(ch) => k(i + 1, st),
                _ => false,
            },
            Node::Seq(nodes) => self.seq(nodes, i, st, k),
            Node::Alt(branches) => branches.iter().any(|b| self.m(b, i, st, &mut *k)),
            Node::Group {
                body,
                capture: None,
            } => self.m(body, i, st, k),
            Node::Group {
                body,
                capture: Some(n),
            } => {
                let n = *n;
                self.m(body, i, st, &mut |j, st: &mut State| {
                    let old = st.groups.get(n).copied().flatten();
                    set_group(st, n, Some((i, j)));
                    if k(j, st) {
                        true
                    } else {
                        set_group(st, n, old);
                        false
                    }
                })
            }
            Node::Repeat {
                atom,
                min,
                max,
                kind,
                built,
            } => self.repeat(atom, *min, *max, *kind, *built, i, st, k),
            Node::Atomic(body) => match self.first_end(body, i, st) {
                Some(end) => k(end, st),
                None => false,
            },
            // Java's `Pos` / `Neg`: groups the condition set stay set either way.
            Node::Look {
                body,
                ahead: true,
                negate,
                ..
            } => {
                let matched = self.m(body, i, st, &mut |_, _| true);
                matched != *negate && k(i, st)
            }
            Node::Look {
                body,
                ahead: false,
                negate,
                min,
                max,
            } => self.look_behind(body, *negate, *min, *max, i, st, k),
            Node::Anchor(anchor) => self.anchor(*anchor, i) && k(i, st),
            Node::LineEnding => match self.at(i) {
                Some(0x0a | 0x0b | 0x0c | 0x85 | 0x2028 | 0x2029) => k(i + 1, st),
                Some(0x0d) => {
                    if self.at(i + 1) == Some(0x0a) && k(i + 2, st) {
                        return true;
                    }
                    k(i + 1, st)
                }
                _ => false,
            },
            Node::Grapheme => match self.at(i) {
                Some(0x0d) if self.at(i + 1) == Some(0x0a) => k(i + 2, st),
                Some(_) => k(i + 1, st),
                None => false,
            },
            Node::BackRef {
                group,
                case_insensitive,
                unicode,
            } => {
                let Some((s, e)) = st.groups.get(*group).copied().flatten() else {
                    return false;
                };
                let size = e - s;
                if i + size > self.to {
                    return false;
                }
                for index in 0..size {
                    let (c1, c2) = (self.text[i + index], self.text[s + index]);
                    if c1 == c2 {
                        continue;
                    }
                    if !*case_insensitive {
                        return false;
                    }
                    if *unicode {
                        let (u1, u2) = (to_upper(c1), to_upper(c2));
                        if u1 != u2 && to_lower(u1) != to_lower(u2) {
                            return false;
                        }
                    } else if ascii_lower(c1) != ascii_lower(c2) {
                        return false;
                    }
                }
                k(i + size, st)
            }
        }
    }

    fn seq(&self, nodes: &[Node], i: usize, st: &mut State, k: K) -> bool {
        match nodes.split_first() {
            None => k(i, st),
            Some((first, rest)) => self.m(first, i, st, &mut |j, st: &mut State| {
                self.seq(rest, j, st, &mut *k)
            }),
        }
    }

    /// Where the first way `node` matches at `i` ends (keeping its groups).
    fn first_end(&self, node: &Node, i: usize, st: &mut State) -> Option<usize> {
        let mut end = None;
        self.m(node, i, st, &mut |j, _| {
            end = Some(j);
            true
        });
        end
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        atom: &Node,
        min: i32,
        max: i32,
        kind: Qtype,
        built: Built,
        i: usize,
        st: &mut State,
        k: K,
    ) -> bool {
        let min = usize::try_from(min).unwrap_or(0);
        let max = usize::try_from(max).unwrap_or(0);
        if let (Node::Char(p), Qtype::Greedy | Qtype::Lazy) = (atom, kind) {
            return self.repeat_char(p, min, max, kind, i, st, k);
        }
        match kind {
            Qtype::Possessive => {
                let mut at = i;
                for count in 0..max {
                    let Some(end) = self.first_end(atom, at, st) else {
                        if count < min {
                            return false;
                        }
                        break;
                    };
                    if end == at && count >= min {
                        break;
                    }
                    at = end;
                }
                k(at, st)
            }
            Qtype::Greedy => {
                let guard = built != Built::Ques && built != Built::Branch;
                self.greedy(atom, min, max, 0, guard, i, st, k)
            }
            Qtype::Lazy => {
                let guard = built != Built::Ques && built != Built::Branch;
                self.lazy(atom, min, max, 0, guard, i, st, k)
            }
        }
    }

    /// A repeated char predicate: count the run, then back off (or extend).
    #[allow(clippy::too_many_arguments)]
    fn repeat_char(
        &self,
        p: &Pred,
        min: usize,
        max: usize,
        kind: Qtype,
        i: usize,
        st: &mut State,
        k: K,
    ) -> bool {
        let mut run = 0;
        while run < max && self.at(i + run).is_some_and(|ch| p.is(ch)) {
            run += 1;
        }
        if run < min {
            return false;
        }
        match kind {
            Qtype::Lazy => (min..=run).any(|n| k(i + n, st)),
            _ => (min..=run).rev().any(|n| k(i + n, st)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn greedy(
        &self,
        atom: &Node,
        min: usize,
        max: usize,
        count: usize,
        guard: bool,
        i: usize,
        st: &mut State,
        k: K,
    ) -> bool {
        if count < max
            && self.m(atom, i, st, &mut |j, st: &mut State| {
                // Java ends the loop at an empty iteration, keeping its groups.
                if guard && j == i && count >= min {
                    return k(j, st);
                }
                self.greedy(atom, min, max, count + 1, guard, j, st, &mut *k)
            })
        {
            return true;
        }
        count >= min && k(i, st)
    }

    #[allow(clippy::too_many_arguments)]
    fn lazy(
        &self,
        atom: &Node,
        min: usize,
        max: usize,
        count: usize,
        guard: bool,
        i: usize,
        st: &mut State,
        k: K,
    ) -> bool {
        if count >= min && k(i, st) {
            return true;
        }
        count < max
            && self.m(atom, i, st, &mut |j, st: &mut State| {
                if guard && j == i && count >= min {
                    return k(j, st);
                }
                self.lazy(atom, min, max, count + 1, guard, j, st, &mut *k)
            })
    }

    /// Java's `Behind` / `NotBehind`: the body must end exactly at `i`, starting
    /// from `i - min` back to `i - max` (Java's `int` arithmetic).
    #[allow(clippy::too_many_arguments)]
    fn look_behind(
        &self,
        body: &Node,
        negate: bool,
        min: i32,
        max: i32,
        i: usize,
        st: &mut State,
        k: K,
    ) -> bool {
        let ii = i32::try_from(i).unwrap_or(i32::MAX);
        let from = ii.wrapping_sub(max).max(0);
        let mut j = ii.wrapping_sub(min);
        let mut matched = false;
        while !matched && j >= from {
            let start = usize::try_from(j).unwrap_or(0);
            matched = self.m(body, start, st, &mut |e, _| e == i);
            j -= 1;
        }
        if negate {
            !matched && k(i, st)
        } else {
            matched && k(i, st)
        }
    }

    fn is_word(&self, ch: u32, unicode: bool) -> bool {
        if unicode {
            Pred::class(tables::ASCII_UW, Other::Alphanumeric).is(ch)
        } else {
            ch == u32::from(b'_') || char::from_u32(ch).is_some_and(|c| c.is_alphanumeric())
        }
    }

    fn anchor(&self, anchor: Anchor, i: usize) -> bool {
        let end = self.to;
        match anchor {
            Anchor::Begin => i == 0,
            Anchor::End => i == end,
            Anchor::Caret => {
                if i == end {
                    return false;
                }
                if i > 0 {
                    let ch = self.text[i - 1];
                    if !is_line_terminator(ch) {
                        return false;
                    }
                    if ch == 0x0d && self.at(i) == Some(0x0a) {
                        return false;
                    }
                }
                true
            }
            Anchor::UnixCaret => {
                if i == end {
                    return false;
                }
                i == 0 || self.text[i - 1] == 0x0a
            }
            Anchor::Dollar { multiline } => {
                if !multiline {
                    if i + 2 < end {
                        return false;
                    }
                    if i + 2 == end && (self.at(i) != Some(0x0d) || self.at(i + 1) != Some(0x0a)) {
                        return false;
                    }
                }
                if i < end {
                    let ch = self.text[i];
                    if ch == 0x0a {
                        if i > 0 && self.text[i - 1] == 0x0d {
                            return false;
                        }
                    } else if !(ch == 0x0d || ch == 0x85 || (ch | 1) == 0x2029) {
                        return false;
                    }
                }
                true
            }
            Anchor::UnixDollar { multiline } => {
                if i < end {
                    if self.text[i] != 0x0a {
                        return false;
                    }
                    if !multiline && i != end - 1 {
                        return false;
                    }
                }
                true
            }
            Anchor::Bound { both, unicode } => {
                let left = i > 0 && self.is_word(self.text[i - 1], unicode);
                let right = i < end && self.is_word(self.text[i], unicode);
                if both { left ^ right } else { !(left ^ right) }
            }
            Anchor::LastMatch => i == self.last_match,
            Anchor::GraphemeBound => {
                i == 0 || i >= end || !(self.text[i - 1] == 0x0d && self.text[i] == 0x0a)
            }
        }
    }
}

fn set_group(st: &mut State, n: usize, value: Option<(usize, usize)>) {
    if let Some(slot) = st.groups.get_mut(n) {
        *slot = value;
    }
}
