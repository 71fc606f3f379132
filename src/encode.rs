//! Encoders several inputs share.

/// Writes `s` as a JSON string the way Go's `encoding/json` does (Terraform's `jsonencode`,
/// Helm's `toJson`, Kustomize's generator hash all come from it): `\b` and `\f` short forms,
/// other control characters and the line/paragraph separators as `\uXXXX`, and with
/// `escape_html` also `<`, `>` and `&`.
pub fn go_json_string(out: &mut String, s: &str, escape_html: bool) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `strconv.Quote`, which is also `%q` in Go's and Rego's `sprintf` (Sprig's `quote`,
/// messages of rules that quote what a document says): the short escapes (`\"`, `\\`, `\n`,
/// `\t`, `\r`, `\a`, `\b`, `\f`, `\v`), other ASCII control characters as `\xNN`, and the
/// characters Go does not print (other controls, spaces but U+0020, zero-width and direction
/// marks, the byte-order mark) as `\uNNNN` or `\UNNNNNNNN`.
pub fn go_quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if u32::from(c) < 0x20 || u32::from(c) == 0x7f => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') || not_printed(c) => {
                if u32::from(c) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                } else {
                    let _ = write!(out, "\\U{:08x}", u32::from(c));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Format characters Go does not print: soft hyphen, zero-width and direction marks, word
/// joiners, the byte-order mark, tag characters.
fn not_printed(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{e0001}'..='\u{e007f}'
    )
}

/// Go's `url.QueryEscape` (Terraform's `urlencode`, Sprig's `urlquery`): unreserved bytes as
/// they are, space as `+`, everything else percent-encoded.
pub fn go_query_escape(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping() {
        let mut out = String::new();
        go_json_string(&mut out, "a\"\\\n<&>\u{8}\u{1}\u{2028}é", true);
        assert_eq!(out, r#""a\"\\\n\u003c\u0026\u003e\b\u0001\u2028é""#);
        out.clear();
        go_json_string(&mut out, "<&>", false);
        assert_eq!(out, r#""<&>""#);
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("tab\there\u{1}\u{7f}"), r#""tab\there\x01\x7f""#);
        assert_eq!(go_quote("é\u{200b}\u{a0}\u{fffd}"), "\"é\\u200b\\u00a0\u{fffd}\"");
        assert_eq!(go_quote("\u{e0001}"), "\"\\U000e0001\"");
    }

    #[test]
    fn query_escaping() {
        assert_eq!(go_query_escape("a b&c=d/é~"), "a+b%26c%3Dd%2F%C3%A9~");
    }
}
