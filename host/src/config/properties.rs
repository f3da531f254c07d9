//! Java `.properties` files, as Kafka Connect reads its worker and connector
//! configs: `key=value` or `key: value` or `key value`, `#`/`!` comments, `\`
//! line continuations and the usual escapes.

use std::collections::BTreeMap;

/// Parses `.properties` text into an ordered map (later keys win).
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_start().to_string();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        out.insert(unescape(&key), unescape(value.trim_start()));
    }
    out
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (String, &str) {
    let mut key = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                key.push('\\');
                if let Some((_, escaped)) = chars.next() {
                    key.push(escaped);
                }
            }
            '=' | ':' => return (key, &line[i + 1..]),
            c if c.is_whitespace() => {
                let rest = line[i..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                return (key, rest);
            }
            c => key.push(c),
        }
    }
    (key, "")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kafka_style_properties() {
        let text = "# comment\n! also\nbootstrap.servers=localhost:9092\nname : local-file-source\n\
                    key.converter   org.apache.kafka.connect.storage.StringConverter\n\
                    file=/tmp/a\\\n    b.txt\nescaped\\=key=v\\u0041\n\n";
        let props = parse(text);
        assert_eq!(props["bootstrap.servers"], "localhost:9092");
        assert_eq!(props["name"], "local-file-source");
        assert_eq!(
            props["key.converter"],
            "org.apache.kafka.connect.storage.StringConverter"
        );
        assert_eq!(props["file"], "/tmp/ab.txt");
        assert_eq!(props["escaped=key"], "vA");
    }
}
