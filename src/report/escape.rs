//! Escaping untrusted text for human-readable output.
//!
//! Names, namespaces, paths, messages and source lines come from the scanned repository. Written
//! raw to a terminal or a CI log, an ESC sequence could clear the screen or recolour text, a
//! carriage return or backspace could overwrite what came before, and a bidi override
//! (U+202E) could make `prod` read as `dorp`. Every human-readable renderer passes such text
//! through [`terminal_safe`] (one-line fields) or [`terminal_safe_text`] (multi-line text):
//! control characters and invisible direction controls are written visibly as `\x1b` or
//! `\u{202e}`; every other character, ordinary Unicode included, is kept. JSON and SARIF
//! escape structurally and need none of this.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` safe for a one-line field of a terminal report: control characters, bidi controls and
/// line separators are written as escapes (a newline as `\n`, a carriage return as `\r`), a tab
/// becomes a space.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// [`terminal_safe`] for multi-line text: newlines and tabs are kept, everything else as there.
pub fn terminal_safe_text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, multi_line: bool) -> Cow<'_, str> {
    let keep = |c: char| !needs_escape(c) || (multi_line && matches!(c, '\n' | '\t'));
    if s.chars().all(keep) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            c if keep(c) => out.push(c),
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// Characters a terminal interprets or that change how surrounding text is displayed: C0
/// controls (ESC, CR, BS, BEL...), DEL, C1 controls (U+0080–U+009F, including the one-byte
/// CSI U+009B), bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the
/// Unicode line and paragraph separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(terminal_safe("Deployment/shop/web — café ✓"), Cow::Borrowed(_)));
        assert!(matches!(terminal_safe_text("a\n\tb"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_are_visible() {
        assert_eq!(terminal_safe("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(terminal_safe("line\nfake\r\x08x"), "line\\nfake\\r\\x08x");
        assert_eq!(terminal_safe("\u{9b}31m\u{7f}"), "\\x9b31m\\x7f");
        assert_eq!(terminal_safe("a\tb"), "a b");
        assert_eq!(terminal_safe("\u{202e}dorp\u{2066}\u{2069}\u{200f}"), "\\u{202e}dorp\\u{2066}\\u{2069}\\u{200f}");
        assert_eq!(terminal_safe("x\u{2028}y"), "x\\u{2028}y");
        assert_eq!(terminal_safe_text("a\nb\x1b\tc\r\n"), "a\nb\\x1b\tc\\r\n");
    }
}
