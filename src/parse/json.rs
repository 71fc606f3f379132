//! Strict JSON with spans on every key and value (jsonc-parser with its JSONC leniencies off).

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::{CollectOptions, ParseOptions};
use serde_json::{Map, Number, Value};

use super::{Document, Limits, ParseError, Parsed};
use crate::model::{SpanChildren, SpanNode};
use crate::source::ByteSpan;

/// Parses one JSON document.
pub fn parse(text: &str, limits: &Limits) -> Parsed {
    // jsonc-parser descends recursively: refuse pathological nesting before it sees the text.
    if let Some(at) = depth_exceeded(text, limits.max_depth) {
        return Parsed {
            documents: Vec::new(),
            error: Some(ParseError::at(format!("nesting deeper than {} levels", limits.max_depth), ByteSpan::new(at, at))),
        };
    }
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options) {
        Err(e) => {
            let r = e.range();
            Parsed {
                documents: Vec::new(),
                error: Some(ParseError::at(format!("invalid JSON: {}", e.kind()), ByteSpan::new(r.start, r.end))),
            }
        }
        Ok(result) => {
            let documents = result
                .value
                .map(|ast| {
                    let (value, spans) = convert(&ast);
                    Document { index: 0, value, spans }
                })
                .into_iter()
                .collect();
            Parsed { documents, error: None }
        }
    }
}

fn span_of(ast: &Ast<'_>) -> ByteSpan {
    let r = match ast {
        Ast::StringLit(s) => s.range,
        Ast::NumberLit(n) => n.range,
        Ast::BooleanLit(b) => b.range,
        Ast::Object(o) => o.range,
        Ast::Array(a) => a.range,
        Ast::NullKeyword(n) => n.range,
    };
    ByteSpan::new(r.start, r.end)
}

fn convert(ast: &Ast<'_>) -> (Value, SpanNode) {
    let span = span_of(ast);
    let leaf = |v: Value| (v, SpanNode { origin: None, span, key: None, children: SpanChildren::Leaf });
    match ast {
        Ast::StringLit(s) => leaf(Value::String(s.value.to_string())),
        Ast::NumberLit(n) => leaf(parse_number(n.value)),
        Ast::BooleanLit(b) => leaf(Value::Bool(b.value)),
        Ast::NullKeyword(_) => leaf(Value::Null),
        Ast::Array(a) => {
            let (values, spans): (Vec<_>, Vec<_>) = a.elements.iter().map(convert).unzip();
            (Value::Array(values), SpanNode { origin: None, span, key: None, children: SpanChildren::Seq(spans) })
        }
        Ast::Object(o) => {
            let mut map = Map::new();
            let mut spans: Vec<(String, SpanNode)> = Vec::with_capacity(o.properties.len());
            for prop in &o.properties {
                let (name, key_range) = match &prop.name {
                    ObjectPropName::String(s) => (s.value.to_string(), s.range),
                    ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                };
                let (value, mut child) = convert(&prop.value);
                child.key = Some(ByteSpan::new(key_range.start, key_range.end));
                if map.insert(name.clone(), value).is_some() {
                    spans.retain(|(k, _)| *k != name);
                }
                spans.push((name, child));
            }
            (Value::Object(map), SpanNode { origin: None, span, key: None, children: SpanChildren::Map(spans) })
        }
    }
}

fn parse_number(raw: &str) -> Value {
    if let Ok(n) = raw.parse::<i64>() {
        return Value::Number(n.into());
    }
    if let Ok(n) = raw.parse::<u64>() {
        return Value::Number(n.into());
    }
    raw.parse::<f64>().ok().and_then(Number::from_f64).map_or_else(|| Value::String(raw.to_string()), Value::Number)
}

/// Byte offset where bracket nesting first exceeds `max`, ignoring brackets inside strings.
pub(crate) fn depth_exceeded(text: &str, max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AttributePath;
    use serde_json::json;

    #[test]
    fn spans_for_keys_and_values() {
        let text = "{\n  \"Statement\": [\n    {\"Action\": \"s3:*\"}\n  ]\n}";
        let parsed = parse(text, &Limits::default());
        assert!(parsed.error.is_none());
        let doc = &parsed.documents[0];
        assert_eq!(doc.value, json!({"Statement": [{"Action": "s3:*"}]}));
        let path = AttributePath::from_json(&json!(["Statement", 0, "Action"])).unwrap();
        let (node, matched) = doc.spans.resolve(&path);
        assert_eq!(matched, 3);
        assert_eq!(&text[node.highlight().start..node.highlight().end], "\"Action\": \"s3:*\"");
    }

    #[test]
    fn strict_mode_rejects_comments_and_trailing_commas() {
        assert!(parse("{\"a\": 1, // x\n}", &Limits::default()).error.is_some());
        assert!(parse("[1, 2,]", &Limits::default()).error.is_some());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(&text, &Limits::default()).error.unwrap();
        assert!(err.message.contains("nesting deeper"));
        assert_eq!(depth_exceeded("\"[[[[\"", 2), None);
    }
}
