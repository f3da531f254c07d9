//! Java's replacement strings (`Matcher.appendReplacement` / `replaceFirst`): `$n`
//! (the longest group number that exists, always at least one digit), `${name}`, and
//! `\x` for a literal `x`, with Java's exception messages for malformed references.

/// One piece of a parsed replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A parsed replacement. A malformed one is accepted here, as Java accepts it in
/// `configure`, and fails with Java's message when a match uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    parsed: Result<Vec<Piece>, String>,
}

impl Replacement {
    /// Parses `replacement` for a pattern with `group_count` groups, whose named
    /// groups `group_index` looks up, as `Matcher.appendExpandedReplacement` does.
    /// (Java reads the replacement left to right and stops at the first problem;
    /// every problem depends on the pattern only, so it is found here once.)
    pub fn parse(
        replacement: &str,
        group_count: usize,
        group_index: impl Fn(&str) -> Option<usize>,
    ) -> Replacement {
        Replacement {
            parsed: parse(replacement, group_count, group_index),
        }
    }

    /// Appends the replacement for one match to `out`; `group(n)` is the text group
    /// `n` matched (`None` if it took no part in the match). Fails with Java's
    /// exception message.
    pub fn expand<'t>(
        &self,
        group: impl Fn(usize) -> Option<&'t str>,
        out: &mut String,
    ) -> Result<(), String> {
        let pieces = self.parsed.as_ref().map_err(Clone::clone)?;
        for piece in pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Group(n) => {
                    if let Some(text) = group(*n) {
                        out.push_str(text);
                    }
                }
            }
        }
        Ok(())
    }
}

fn parse(
    replacement: &str,
    group_count: usize,
    group_index: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = replacement.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut cursor = 0;
    while cursor < chars.len() {
        let c = chars[cursor];
        if c == '\\' {
            cursor += 1;
            let Some(&escaped) = chars.get(cursor) else {
                return Err("character to be escaped is missing".into());
            };
            literal.push(escaped);
            cursor += 1;
        } else if c == '$' {
            cursor += 1;
            let Some(&next) = chars.get(cursor) else {
                return Err("Illegal group reference: group index is missing".into());
            };
            let group = if next == '{' {
                cursor += 1;
                let mut name = String::new();
                let mut terminator = None;
                while let Some(&ch) = chars.get(cursor) {
                    if ch.is_ascii_alphanumeric() {
                        name.push(ch);
                        cursor += 1;
                    } else {
                        terminator = Some(ch);
                        break;
                    }
                }
                if name.is_empty() {
                    return Err("named capturing group has 0 length name".into());
                }
                if terminator != Some('}') {
                    return Err("named capturing group is missing trailing '}'".into());
                }
                if name.starts_with(|ch: char| ch.is_ascii_digit()) {
                    return Err(format!(
                        "capturing group name {{{name}}} starts with digit character"
                    ));
                }
                let index =
                    group_index(&name).ok_or_else(|| format!("No group with name {{{name}}}"))?;
                cursor += 1;
                index
            } else {
                let Some(first) = next.to_digit(10) else {
                    return Err("Illegal group reference".into());
                };
                let mut number = first as usize;
                cursor += 1;
                // The longest group number that exists.
                while let Some(digit) = chars.get(cursor).and_then(|ch| ch.to_digit(10)) {
                    let longer = number * 10 + digit as usize;
                    if longer > group_count {
                        break;
                    }
                    number = longer;
                    cursor += 1;
                }
                if number > group_count {
                    return Err(format!("No group {number}"));
                }
                number
            };
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Group(group));
        } else {
            literal.push(c);
            cursor += 1;
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands `replacement` against fixed groups (group 0 is "orig"); `names` maps
    /// group names to numbers.
    fn expand(
        groups: &[Option<&str>],
        names: &[(&str, usize)],
        replacement: &str,
    ) -> Result<String, String> {
        let r = Replacement::parse(replacement, groups.len() - 1, |n| {
            names.iter().find(|(name, _)| *name == n).map(|(_, i)| *i)
        });
        let mut out = String::new();
        r.expand(|n| groups.get(n).copied().flatten(), &mut out)?;
        Ok(out)
    }

    // Expected values printed by Java 17's Matcher.replaceFirst.
    #[test]
    fn replacement_syntax_matches_java() {
        let one = [Some("orig"), Some("orig")];
        assert_eq!(expand(&one, &[], "prefix-$1"), Ok("prefix-orig".into()));
        assert_eq!(expand(&one, &[], "$12"), Ok("orig2".into()));
        assert_eq!(expand(&one, &[], r"\$1"), Ok("$1".into()));
        assert_eq!(expand(&one, &[("x", 1)], "${x}!"), Ok("orig!".into()));
        assert_eq!(
            expand(&[Some("b"), None, Some("b")], &[], "[$1][$2]"),
            Ok("[][b]".into())
        );
        let ten: Vec<Option<&str>> = std::iter::repeat_n(Some("a"), 11).collect();
        assert_eq!(expand(&ten, &[], "$10$11"), Ok("aa1".into()));
    }

    #[test]
    fn malformed_replacements_fail_with_javas_messages() {
        let one = [Some("o"), Some("o")];
        let err = |r: &str| expand(&one, &[("x", 1)], r).unwrap_err();
        assert_eq!(err("$"), "Illegal group reference: group index is missing");
        assert_eq!(
            err("$1$"),
            "Illegal group reference: group index is missing"
        );
        assert_eq!(err("\\"), "character to be escaped is missing");
        assert_eq!(err("$2"), "No group 2");
        assert_eq!(err("${y}"), "No group with name {y}");
        assert_eq!(err("${}"), "named capturing group has 0 length name");
        assert_eq!(
            err("${1a}"),
            "capturing group name {1a} starts with digit character"
        );
        assert_eq!(err("${x"), "named capturing group is missing trailing '}'");
        assert_eq!(err("$a"), "Illegal group reference");
    }
}
