//! `toYaml`, `toJson`, `toToml`, `fromYaml`, `fromJson`.
//!
//! `toYaml` writes what Helm's (sigs.k8s.io/yaml over go-yaml v2) writes for the same data:
//! keys sorted, two-space indentation, sequences inside mappings not indented, strings quoted
//! only when YAML 1.1 would read them as something else, multi-line strings as literal blocks,
//! plain and single-quoted strings folded at spaces past column 80 (as go-yaml does), no
//! trailing newline. Each output line carries a segment whose
//! `values_path` is the origin of the value written on that line.

use std::fmt::Write as _;

use super::Segment;
use super::fmt::format_float_g;
use super::value::{Kind, MAX_VALUE_DEPTH, Map, Value, ValuesPath};

const TOO_DEEP: &str = "value nested too deeply (or recursive) to serialize";

struct Emitter<'a> {
    out: String,
    segs: Vec<Segment>,
    base: &'a Segment,
}

pub(crate) fn to_yaml(v: &Value, base: &Segment) -> Result<(String, Vec<Segment>), String> {
    let mut e = Emitter { out: String::new(), segs: Vec::new(), base };
    match &v.kind {
        Kind::Map(m) if !m.lock().is_empty() => {
            let entries = m.lock().clone();
            e.map(&entries, 0, None, 0)?;
        }
        Kind::List(l) if !l.0.is_empty() => e.list(&l.0, 0, None, 0)?,
        _ => {
            e.line(&v.origin);
            e.scalar(v, 2)?;
        }
    }
    if e.out.ends_with('\n') {
        e.out.pop();
    }
    let len = e.out.len();
    e.segs.retain(|s| s.start < len || len == 0);
    Ok((e.out, e.segs))
}

impl Emitter<'_> {
    fn line(&mut self, origin: &Option<ValuesPath>) {
        let seg =
            Segment { start: self.out.len(), values_path: origin.clone().or_else(|| self.base.values_path.clone()), ..self.base.clone() };
        if let Some(last) = self.segs.last_mut()
            && last.start == seg.start
        {
            *last = seg;
            return;
        }
        self.segs.push(seg);
    }

    fn pad(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    fn map(&mut self, entries: &Map, indent: usize, prefix: Option<&str>, depth: usize) -> Result<(), String> {
        if depth > MAX_VALUE_DEPTH {
            return Err(TOO_DEEP.into());
        }
        for (i, (k, v)) in entries.iter().enumerate() {
            self.line(&v.origin);
            match prefix {
                Some(p) if i == 0 => self.out.push_str(p),
                _ => self.pad(indent),
            }
            let key = scalar_string(k);
            self.out.push_str(&key);
            self.out.push(':');
            match &v.kind {
                Kind::Map(m) if !m.lock().is_empty() => {
                    self.out.push('\n');
                    let inner = m.lock().clone();
                    self.map(&inner, indent + 2, None, depth + 1)?;
                }
                Kind::List(l) if !l.0.is_empty() => {
                    self.out.push('\n');
                    self.list(&l.0, indent, None, depth + 1)?;
                }
                _ => {
                    self.out.push(' ');
                    self.scalar(v, indent + 2)?;
                }
            }
        }
        Ok(())
    }

    fn list(&mut self, items: &[Value], indent: usize, prefix: Option<&str>, depth: usize) -> Result<(), String> {
        if depth > MAX_VALUE_DEPTH {
            return Err(TOO_DEEP.into());
        }
        for (i, v) in items.iter().enumerate() {
            self.line(&v.origin);
            let p = match prefix {
                Some(p) if i == 0 => format!("{p}- "),
                _ => format!("{}- ", " ".repeat(indent)),
            };
            match &v.kind {
                Kind::Map(m) if !m.lock().is_empty() => {
                    let inner = m.lock().clone();
                    self.map(&inner, indent + 2, Some(&p), depth + 1)?;
                }
                Kind::List(l) if !l.0.is_empty() => {
                    let inner = l.0.clone();
                    self.list(&inner, indent + 2, Some(&p), depth + 1)?;
                }
                _ => {
                    self.out.push_str(&p);
                    self.scalar(v, indent + 2)?;
                }
            }
        }
        Ok(())
    }

    /// A scalar (or empty collection) after `key: ` or `- `, with its line break.
    fn scalar(&mut self, v: &Value, content_indent: usize) -> Result<(), String> {
        match &v.kind {
            Kind::Str(s, _) if s.contains('\n') && block_allowed(s) => {
                let trailing = s.len() - s.trim_end_matches('\n').len();
                let chomp = match trailing {
                    0 => "-",
                    1 => "",
                    _ => "+",
                };
                let indicator = if s.starts_with(' ') || s.starts_with('\n') { "2" } else { "" };
                let _ = writeln!(self.out, "|{indicator}{chomp}");
                let body = if trailing == 1 {
                    &s[..s.len() - 1]
                } else if trailing == 0 {
                    &s[..]
                } else {
                    &s[..s.len() - 1]
                };
                for line in body.split('\n') {
                    self.line(&v.origin);
                    if !line.is_empty() {
                        self.pad(content_indent);
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
            }
            Kind::Str(s, _) => {
                let text = scalar_string(s);
                if text == **s {
                    self.folded(&text, content_indent, &v.origin, false);
                } else if text.starts_with('\'') {
                    self.out.push('\'');
                    self.folded(&text[1..text.len() - 1], content_indent, &v.origin, true);
                    self.out.push('\'');
                } else {
                    self.out.push_str(&text);
                }
                self.out.push('\n');
            }
            _ => {
                let text = scalar_text(v);
                self.out.push_str(&text);
                self.out.push('\n');
            }
        }
        Ok(())
    }

    /// Writes a plain or single-quoted scalar as go-yaml v2 does: at a single space past
    /// column 80 the line is broken and continued at `indent` (a fold, read back as a space).
    fn folded(&mut self, text: &str, indent: usize, origin: &Option<ValuesPath>, quoted: bool) {
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let mut col = self.out.get(line_start..).map_or(0, |l| l.chars().count());
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                let inner = !quoted || (i > 0 && i + 1 < chars.len());
                if !spaces && col > 80 && !next_space && inner {
                    self.out.push('\n');
                    self.line(origin);
                    self.pad(indent);
                    col = indent;
                } else {
                    self.out.push(' ');
                    col += 1;
                }
                spaces = true;
            } else {
                self.out.push(c);
                col += 1;
                spaces = false;
            }
        }
    }
}

fn block_allowed(s: &str) -> bool {
    // go-yaml refuses literal blocks for text with trailing spaces on a line or special
    // characters; those are written double-quoted.
    !s.split('\n').any(|l| l.ends_with(' ')) && !s.chars().any(|c| special_char(c) && c != '\n')
}

fn special_char(c: char) -> bool {
    let u = c as u32;
    !(u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || (0xA0..=0xD7FF).contains(&u)
        || (0xE000..=0xFFFD).contains(&u) && u != 0xFEFF
        || (0x10000..=0x10FFFF).contains(&u))
}

fn scalar_text(v: &Value) -> String {
    match &v.kind {
        Kind::Nil => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => yaml_float(*f),
        Kind::Str(s, _) => scalar_string(s),
        Kind::Map(_) | Kind::Files(_) => "{}".into(),
        Kind::List(_) | Kind::ApiVersions(_) => "[]".into(),
    }
}

fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f:.0}");
    }
    format_float_g(f, None, false)
}

/// Would YAML 1.1 (go-yaml v2) read this plain text as something other than a string?
fn resolves_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
        "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
        ".nan", ".NaN", ".NAN",
    ];
    if s.is_empty() || WORDS.contains(&s) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    let (neg_free, _) = match plain.strip_prefix(['+', '-']) {
        Some(r) => (r, true),
        None => (plain.as_str(), false),
    };
    let lower = neg_free.to_ascii_lowercase();
    let is_int = if let Some(h) = lower.strip_prefix("0x") {
        !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit())
    } else if let Some(b) = lower.strip_prefix("0b") {
        !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1')
    } else if let Some(o) = lower.strip_prefix("0o") {
        !o.is_empty() && o.bytes().all(|c| (b'0'..=b'7').contains(&c))
    } else {
        !lower.is_empty() && lower.bytes().all(|c| c.is_ascii_digit())
    };
    if is_int {
        return true;
    }
    if !lower.starts_with("0x") && lower.parse::<f64>().is_ok() && !lower.contains("inf") && !lower.contains("nan") {
        return true;
    }
    // Timestamps (2001-12-14, 2001-12-14t21:59:43.10-05:00) and base-60 numbers (1:20).
    let b = s.as_bytes();
    if b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' {
        let rest = &s[5..];
        let mut parts = rest.splitn(2, '-');
        let m = parts.next().unwrap_or("");
        let d: String = parts.next().unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
        if (1..=2).contains(&m.len()) && m.bytes().all(|c| c.is_ascii_digit()) && (1..=2).contains(&d.len()) {
            return true;
        }
    }
    let body = s.trim_start_matches(['+', '-']);
    if body.contains(':') {
        let mut segs = body.split(':');
        let first_ok = segs.next().is_some_and(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit() || c == b'_'));
        let rest_ok = segs.all(|p| {
            let p = p.split('.').next().unwrap_or("");
            !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|v| v < 60)
        });
        if first_ok && rest_ok {
            return true;
        }
    }
    false
}

fn plain_allowed(s: &str) -> bool {
    if s.is_empty() || s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if special_char(c) || c == '\t' || c == '\n' {
            return false;
        }
        let next_ws = chars.get(i + 1).is_none_or(|n| *n == ' ');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => return false,
                '?' | ':' | '-' if next_ws => return false,
                _ => {}
            }
        } else {
            if c == ':' && next_ws {
                return false;
            }
            if c == '#' && chars.get(i - 1) == Some(&' ') {
                return false;
            }
        }
    }
    true
}

pub(crate) fn scalar_string(s: &str) -> String {
    if !resolves_non_string(s) && plain_allowed(s) {
        return s.to_string();
    }
    if !s.is_empty() && !resolves_non_string(s) && !s.chars().any(|c| special_char(c) || c == '\t' || c == '\n') {
        return format!("'{}'", s.replace('\'', "''"));
    }
    if s.chars().any(|c| special_char(c) || c == '\t' || c == '\n') {
        return double_quoted(s);
    }
    format!("\"{s}\"")
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if special_char(c) => {
                let u = c as u32;
                if u <= 0xFF {
                    let _ = write!(out, "\\x{u:02X}");
                } else if u <= 0xFFFF {
                    let _ = write!(out, "\\u{u:04X}");
                } else {
                    let _ = write!(out, "\\U{u:08X}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// JSON

pub(crate) fn to_json(v: &Value, pretty: bool, escape_html: bool) -> Result<String, String> {
    let mut out = String::new();
    json_value(&mut out, v, pretty, escape_html, 0)?;
    Ok(out)
}

fn json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        // Go: exponent form, with "e-07" cleaned to "e-7".
        let s = format_float_g(f, None, false);
        let s = if s.contains('e') { s } else { format!("{f:e}") };
        return s.replace("e-0", "e-").replace("e+0", "e+");
    }
    format!("{f}")
}

fn newline(out: &mut String, pretty: bool, depth: usize) {
    if pretty {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth * 2));
    }
}

fn json_value(out: &mut String, v: &Value, pretty: bool, esc: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_VALUE_DEPTH {
        return Err(TOO_DEEP.into());
    }
    match &v.kind {
        Kind::Nil => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Kind::Float(f) => out.push_str(&json_float(*f)),
        Kind::Str(s, _) => crate::encode::go_json_string(out, s, esc),
        Kind::List(_) | Kind::ApiVersions(_) => {
            let items = v.list_items().unwrap_or_default();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, depth + 1);
                json_value(out, x, pretty, esc, depth + 1)?;
            }
            newline(out, pretty, depth);
            out.push(']');
        }
        Kind::Map(m) => {
            let entries = m.lock().clone();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, depth + 1);
                crate::encode::go_json_string(out, k, esc);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                json_value(out, x, pretty, esc, depth + 1)?;
            }
            newline(out, pretty, depth);
            out.push('}');
        }
        Kind::Files(_) => out.push_str("{}"),
    }
    Ok(())
}

fn error_value(msg: String, array: bool) -> Value {
    if array {
        return Value::list(vec![Value::string(msg)]);
    }
    let mut m = Map::new();
    m.insert("Error".into(), Value::string(msg));
    Value::map(m)
}

/// Helm's `fromYaml`/`fromYamlArray`: on error, a map `{Error: message}` (or a one-item list).
pub(crate) fn from_yaml(text: &str, array: bool) -> Value {
    let lines = crate::source::LineIndex::new(text);
    let parsed = crate::parse::yaml::parse(text, &lines, &crate::parse::Limits::default());
    if let Some(e) = parsed.error {
        return error_value(format!("error converting YAML to JSON: yaml: {}", e.message), array);
    }
    let json = parsed.documents.into_iter().next().map(|d| d.value).unwrap_or(serde_json::Value::Null);
    typed_result(json, array)
}

fn typed_result(json: serde_json::Value, array: bool) -> Value {
    use serde_json::Value as J;
    match (json, array) {
        (J::Null, false) => Value::map(Map::new()),
        (J::Null, true) => Value::list(Vec::new()),
        (j @ J::Object(_), false) | (j @ J::Array(_), true) => Value::from_json(&j),
        (j, false) => error_value(
            format!("error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}", json_kind(&j)),
            false,
        ),
        (j, true) => error_value(
            format!("error unmarshaling JSON: json: cannot unmarshal {} into Go value of type []interface {{}}", json_kind(&j)),
            true,
        ),
    }
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
    }
}

/// Helm's `fromJson`/`fromJsonArray`.
pub(crate) fn from_json(text: &str, array: bool) -> Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(j) => typed_result(j, array),
        Err(e) => error_value(e.to_string(), array),
    }
}

// ---------------------------------------------------------------------------------------------
// TOML

pub(crate) fn to_toml(v: &Value) -> String {
    let mut out = String::new();
    if let Some(m) = v.map_entries() {
        toml_table(&mut out, &m, &mut Vec::new(), 0);
    }
    out
}

fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') { k.to_string() } else { super::fmt::quote(k) }
}

fn toml_scalar(v: &Value, depth: usize) -> String {
    match &v.kind {
        Kind::Str(s, _) => super::fmt::quote(s),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.1}")
            } else {
                format!("{f}")
            }
        }
        Kind::Bool(b) => b.to_string(),
        Kind::List(l) if depth < MAX_VALUE_DEPTH => {
            format!("[{}]", l.0.iter().map(|x| toml_scalar(x, depth + 1)).collect::<Vec<_>>().join(", "))
        }
        Kind::Map(m) if depth < MAX_VALUE_DEPTH => {
            let e = m.lock().clone();
            format!(
                "{{{}}}",
                e.iter().map(|(k, x)| format!("{} = {}", toml_key(k), toml_scalar(x, depth + 1))).collect::<Vec<_>>().join(", ")
            )
        }
        _ => "\"\"".into(),
    }
}

fn toml_table(out: &mut String, m: &Map, path: &mut Vec<String>, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    for (k, v) in m {
        if !matches!(v.kind, Kind::Map(_) | Kind::Nil) {
            let _ = writeln!(out, "{} = {}", toml_key(k), toml_scalar(v, depth));
        }
    }
    for (k, v) in m {
        if let Some(inner) = v.map_entries() {
            path.push(toml_key(k));
            let _ = write!(out, "\n[{}]\n", path.join("."));
            toml_table(out, &inner, path, depth + 1);
            path.pop();
        }
    }
}
