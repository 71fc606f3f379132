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
    fn query_escaping() {
        assert_eq!(go_query_escape("a b&c=d/é~"), "a+b%26c%3Dd%2F%C3%A9~");
    }
}
