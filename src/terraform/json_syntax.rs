//! Terraform's JSON syntax (`.tf.json`, `.tfvars.json`), turned into the same blocks and
//! attributes as native HCL so one evaluator serves both.
//!
//! In JSON syntax a string is a template (`"${var.name}"`), and a string that is exactly one
//! interpolation is that expression's value, type and all. Whether an object under a resource
//! is a nested block or a map-valued attribute depends on the provider schema, which stridegate
//! does not load: objects become blocks, except under the map attributes every provider names
//! the same way (`tags`, `labels`...), see [`MAP_ATTRIBUTES`].

use std::sync::Arc;

use hcl::expr::{Expression, Object, ObjectKey};
use serde_json::Value;

use super::{ParsedFile, RawAttribute, RawBlock};
use crate::model::{SourceFile, SpanNode};
use crate::parse::{Limits, ParseError};
use crate::source::ByteSpan;

/// Attributes whose object value is a map, not a nested block.
const MAP_ATTRIBUTES: &[&str] = &[
    "tags",
    "tags_all",
    "labels",
    "annotations",
    "user_labels",
    "resource_labels",
    "variables",
    "environment_variables",
    "parameters",
    "triggers",
    "data",
    "binary_data",
    "string_data",
    "selector",
    "match_labels",
    "node_selector",
    "default",
    "value",
    "inputs",
];

/// Parses a `.tf.json` file into blocks.
pub fn parse_tf_json(file: &Arc<SourceFile>) -> Result<ParsedFile, ParseError> {
    let (value, spans) = parse_json(file)?;
    let mut blocks = Vec::new();
    let Value::Object(top) = &value else {
        return Err(ParseError::at("a .tf.json file must hold a JSON object", spans.span));
    };
    for (kind, body) in top {
        let Some(node) = spans.child(&crate::model::PathSegment::Key(kind.clone())) else { continue };
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            "terraform" | "locals" => 0,
            _ => continue, // `//` comments and unknown top-level keys
        };
        collect_blocks(kind, body, node, labels, &mut Vec::new(), file, &mut blocks);
    }
    Ok(ParsedFile { file: file.clone(), attributes: Vec::new(), blocks })
}

/// Parses a `.tfvars.json` file: top-level keys are variable values, taken literally.
pub fn parse_tfvars_json(file: &Arc<SourceFile>) -> Result<ParsedFile, ParseError> {
    let (value, spans) = parse_json(file)?;
    let Value::Object(top) = &value else {
        return Err(ParseError::at("a .tfvars.json file must hold a JSON object", spans.span));
    };
    let mut attributes = Vec::new();
    for (name, v) in top {
        if let Some(node) = spans.child(&crate::model::PathSegment::Key(name.clone())) {
            attributes.push(attribute(name, v, node, false));
        }
    }
    Ok(ParsedFile { file: file.clone(), attributes, blocks: Vec::new() })
}

fn parse_json(file: &Arc<SourceFile>) -> Result<(Value, SpanNode), ParseError> {
    let parsed = crate::parse::json::parse(&file.text, &Limits::default());
    if let Some(e) = parsed.error {
        return Err(e);
    }
    parsed
        .documents
        .into_iter()
        .next()
        .map(|d| (d.value, d.spans))
        .ok_or_else(|| ParseError { message: "empty JSON file".into(), span: None })
}

/// Walks `labels` levels of label objects (`"resource": {"aws_s3_bucket": {"logs": {...}}}`)
/// and turns each body (an object, or an array of objects) into a block.
fn collect_blocks(
    ident: &str,
    value: &Value,
    node: &SpanNode,
    labels: usize,
    prefix: &mut Vec<String>,
    file: &Arc<SourceFile>,
    out: &mut Vec<RawBlock>,
) {
    if labels == 0 {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(n) = node.child(&crate::model::PathSegment::Index(i)) {
                        out.push(block(ident, prefix.clone(), item, n, node.key, file));
                    }
                }
            }
            _ => out.push(block(ident, prefix.clone(), value, node, node.key, file)),
        }
        return;
    }
    let Value::Object(map) = value else { return };
    for (label, inner) in map {
        if label.starts_with("//") {
            continue;
        }
        let Some(n) = node.child(&crate::model::PathSegment::Key(label.clone())) else { continue };
        prefix.push(label.clone());
        collect_blocks(ident, inner, n, labels - 1, prefix, file, out);
        prefix.pop();
    }
}

/// A block from its JSON body.
fn block(ident: &str, labels: Vec<String>, body: &Value, node: &SpanNode, key: Option<ByteSpan>, file: &Arc<SourceFile>) -> RawBlock {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    if let Value::Object(map) = body {
        for (name, v) in map {
            if name.starts_with("//") {
                continue;
            }
            let Some(child) = node.child(&crate::model::PathSegment::Key(name.clone())) else { continue };
            // Literal values: variable defaults are not templates.
            let literal = ident == "variable" && name == "default";
            let is_block = match (ident, name.as_str()) {
                ("locals", _) | ("variable", _) | ("output", _) => false,
                ("terraform", "backend") | (_, "dynamic") => true,
                ("module", _) => false,
                _ => nested_block_value(name, v),
            };
            if is_block {
                let labels = usize::from(name == "backend" || name == "dynamic" || name == "provisioner");
                collect_blocks(name, v, child, labels, &mut Vec::new(), file, &mut blocks);
            } else {
                attributes.push(attribute(name, v, child, !literal));
            }
        }
    }
    let ident_span = key.unwrap_or(node.span);
    RawBlock { ident: ident.to_string(), labels, attributes, blocks, span: ident_span.cover(node.span), ident_span, file: file.clone() }
}

/// Whether a body entry is a nested block: an object, or a non-empty array of objects, under a
/// name that is not a well-known map attribute.
fn nested_block_value(name: &str, v: &Value) -> bool {
    if MAP_ATTRIBUTES.contains(&name) {
        return false;
    }
    match v {
        Value::Object(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_object),
        _ => false,
    }
}

fn attribute(name: &str, v: &Value, node: &SpanNode, templates: bool) -> RawAttribute {
    RawAttribute {
        name: name.to_string(),
        expr: expression(v, templates),
        key_span: node.key.unwrap_or(node.span),
        value_span: node.span,
        value_spans: node.children.clone(),
    }
}

/// The expression a JSON value stands for.
fn expression(v: &Value, templates: bool) -> Expression {
    match v {
        Value::Null => Expression::Null,
        Value::Bool(b) => Expression::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(hcl::Number::from)
            .or_else(|| n.as_f64().and_then(hcl::Number::from_f64))
            .map_or(Expression::Null, Expression::Number),
        Value::String(s) if templates && (s.contains("${") || s.contains("%{")) => template(s),
        Value::String(s) => Expression::String(s.clone()),
        Value::Array(items) => Expression::Array(items.iter().map(|i| expression(i, templates)).collect()),
        Value::Object(map) => {
            let mut obj = Object::new();
            for (k, v) in map {
                obj.insert(ObjectKey::Expression(Expression::String(k.clone())), expression(v, templates));
            }
            Expression::Object(obj)
        }
    }
}

/// A JSON string holding a template: `"${expr}"` alone is `expr` itself; anything else is
/// parsed as an HCL string template. An unparsable template stays a literal string.
fn template(s: &str) -> Expression {
    if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && !inner.contains("${")
        && !inner.contains("%{")
        && let Ok(expr) = hcl::edit::parser::parse_expr(inner.trim_start_matches('~').trim_end_matches('~'))
    {
        return expr.into();
    }
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    hcl::edit::parser::parse_expr(&quoted).map_or_else(|_| Expression::String(s.to_string()), Into::into)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::terraform::{ModuleInput, evaluate_module};
    use serde_json::json;

    #[test]
    fn json_syntax_evaluates_like_hcl() {
        let text = r#"{
  "//": "generated by cdktf",
  "variable": { "cidr": { "default": "0.0.0.0/0" }, "ports": { "default": [22, 443] } },
  "locals": { "name": "web-${var.cidr}" },
  "resource": {
    "aws_security_group": {
      "web": {
        "name": "${local.name}",
        "tags": { "Tier": "web" },
        "ingress": [
          { "from_port": 22, "cidr_blocks": ["${var.cidr}"] }
        ],
        "dynamic": { "egress": { "for_each": "${var.ports}", "content": { "to_port": "${egress.value}" } } }
      }
    }
  },
  "terraform": { "backend": { "s3": { "bucket": "state", "encrypt": false } } }
}"#;
        let file = Arc::new(SourceFile::new("main.tf.json", text.to_string()));
        let parsed = parse_tf_json(&file).unwrap();
        let input = ModuleInput { files: vec![parsed], ..ModuleInput::default() };
        let r = evaluate_module(&input);
        let sg = r.resources.iter().find(|x| x.kind == "aws_security_group").unwrap();
        assert_eq!(sg.address, "aws_security_group.web");
        assert_eq!(sg.value["name"], json!("web-0.0.0.0/0"));
        assert_eq!(sg.value["tags"], json!({"Tier": "web"}));
        assert_eq!(sg.value["ingress"][0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(sg.value["egress"], json!([{"to_port": 22}, {"to_port": 443}]));
        let (loc, found) = sg.locate(&crate::model::AttributePath::from_json(&json!(["ingress", 0, "cidr_blocks", 0])).unwrap());
        assert!(found);
        assert_eq!(loc.start.line, 11);
        let backend = r.resources.iter().find(|x| x.kind == "backend.s3").unwrap();
        assert_eq!(backend.value["encrypt"], json!(false));
    }

    #[test]
    fn bad_json_is_an_error_with_a_position() {
        let file = Arc::new(SourceFile::new("x.tf.json", "{\"resource\": [".to_string()));
        let err = parse_tf_json(&file).unwrap_err();
        assert!(err.message.contains("JSON"), "{}", err.message);
        let file = Arc::new(SourceFile::new("x.tf.json", "[1]".to_string()));
        assert!(parse_tf_json(&file).is_err());
    }

    #[test]
    fn tfvars_json_values_are_literal() {
        let file =
            Arc::new(SourceFile::new("terraform.tfvars.json", r#"{"env": "prod", "cidrs": ["10.0.0.0/8"], "tpl": "${x}"}"#.to_string()));
        let parsed = parse_tfvars_json(&file).unwrap();
        let values = crate::terraform::tfvars_values(&parsed, &Default::default());
        assert_eq!(Value::Object(values), json!({"env": "prod", "cidrs": ["10.0.0.0/8"], "tpl": "${x}"}));
    }
}
