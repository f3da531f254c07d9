//! Checks against `oracle/vectors.tsv`: what Java 17's `java.util.regex` said about
//! `oracle/patterns.txt` × `oracle/inputs.txt` (regenerate with
//! `oracle/regenerate.sh`).

use super::*;

const VECTORS: &str = include_str!("oracle/vectors.tsv");

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Java's `start,end;g1s,g1e;-` (UTF-16 offsets; the inputs are BMP) from Ferry's
/// byte ranges.
fn java_spans(text: &str, captures: &Captures) -> String {
    let utf16 = |byte: usize| text[..byte].encode_utf16().count();
    let span = |g: usize| match captures.get(g) {
        Some((s, e)) => format!("{},{}", utf16(s), utf16(e)),
        None => "-".to_string(),
    };
    let mut out = span(0);
    for g in 1..captures.len() {
        out.push(';');
        out.push_str(&span(g));
    }
    out
}

#[test]
fn agrees_with_java() {
    let mut failures = Vec::new();
    let mut current: Option<(String, Option<Pattern>)> = None;
    let (mut patterns, mut inputs, mut replacements) = (0, 0, 0);
    for line in VECTORS.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields[0] == "R" {
            replacements += 1;
            let (regex, input, replacement) = (
                unescape(fields[1]),
                unescape(fields[2]),
                unescape(fields[3]),
            );
            let expected = match fields[4] {
                "OK" => Ok(unescape(fields[5])),
                _ => Err(unescape(fields[5])),
            };
            let got = Pattern::compile(&regex)
                .map_err(|e| e.message())
                .and_then(|p| p.replace_first(&input, &replacement));
            if got != expected {
                failures.push(format!(
                    "{regex:?} replaceFirst({replacement:?}) on {input:?}: ferry {got:?}, java {expected:?}"
                ));
            }
            continue;
        }
        if !fields[0].is_empty() {
            patterns += 1;
            let regex = unescape(fields[0]);
            let compiled = Pattern::compile(&regex);
            match (fields[1], &compiled) {
                ("OK", Ok(p)) => {
                    let groups: usize = fields[2].parse().unwrap();
                    if p.group_count() != groups {
                        failures.push(format!(
                            "{regex:?}: {} groups, Java {groups}",
                            p.group_count()
                        ));
                    }
                }
                ("OK", Err(e)) => {
                    failures.push(format!("{regex:?}: refused ({e:?}), Java accepts"))
                }
                (_, Ok(_)) => failures.push(format!(
                    "{regex:?}: accepted, Java says {:?}",
                    unescape(fields[2])
                )),
                (_, Err(e)) => {
                    let expected = unescape(fields[2]);
                    if e.message() != expected {
                        failures.push(format!(
                            "{regex:?}: message\n  ferry {:?}\n  java  {expected:?}",
                            e.message()
                        ));
                    }
                }
            }
            current = Some((regex, compiled.ok()));
            continue;
        }
        let Some((regex, Some(pattern))) = &current else {
            continue;
        };
        inputs += 1;
        let input = unescape(fields[1]);
        let whole = pattern.matches(&input);
        if whole != (fields[2] == "1") {
            failures.push(format!(
                "{regex:?} matches {input:?}: ferry {whole}, java {}",
                fields[2]
            ));
        }
        let found = pattern
            .find(&input)
            .map_or("-1".to_string(), |c| java_spans(&input, &c));
        if found != fields[3] {
            failures.push(format!(
                "{regex:?} find {input:?}: ferry {found}, java {}",
                fields[3]
            ));
        }
    }
    assert!(
        patterns > 350 && inputs > 15000 && replacements > 20,
        "{patterns} patterns, {inputs} inputs, {replacements} replacements"
    );
    assert!(
        failures.is_empty(),
        "{} differences from Java:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn message_format() {
    let e = Pattern::compile("a{2,1}").unwrap_err();
    assert_eq!(e.description, "Illegal repetition range");
    assert_eq!(e.index, 5);
    assert_eq!(
        e.message(),
        "Illegal repetition range near index 5\na{2,1}\n     ^"
    );
    let e = Pattern::compile(")").unwrap_err();
    assert_eq!(e.message(), "Unmatched closing ')'\n)");
}

#[test]
fn named_groups_and_captures() {
    let p = Pattern::compile("(?<word>[a-z]+)-(?<rest>.*)").unwrap();
    assert_eq!(p.group_index("rest"), Some(2));
    let c = p.match_all("my-topic").unwrap();
    assert_eq!(c.get(1), Some((0, 2)));
    assert_eq!(c.get(2), Some((3, 8)));
    assert!(p.match_all("nodash").is_none());
}
