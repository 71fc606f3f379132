//! Terraform: parse `.tf` files with exact spans (hcl-edit), evaluate a module's variables,
//! locals and resources (with `count`/`for_each` expansion and `dynamic` blocks) and produce
//! [`Resource`]s in the common model.
//!
//! A directory is a module: its `.tf` files are evaluated together, with variable values from
//! defaults, `terraform.tfvars` and `*.auto.tfvars`. Values that only exist after apply, and
//! variables without a value, are unknown (see [`crate::model::UNKNOWN_KEY`]), so rules never
//! report what they cannot know.

pub mod eval;
pub mod functions;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use hcl::edit::Span as _;
use hcl::edit::structure::{Block, BlockLabel, Body, Structure};
use hcl::expr::Expression;
use serde_json::{Map, Value};

use crate::model::{Platform, Resource, SourceFile, SpanChildren, SpanNode, is_unknown};
use crate::parse::ParseError;
use crate::source::ByteSpan;
use eval::Scope;
use functions::{FuncContext, unknown};

/// Most instances `count`/`for_each` may create for one block (bounds hostile input).
const MAX_INSTANCES: usize = 1_000;

/// An attribute as written: its expression and where it is.
#[derive(Debug, Clone)]
pub struct RawAttribute {
    /// Attribute name.
    pub name: String,
    /// The expression.
    pub expr: Expression,
    /// The key's span.
    pub key_span: ByteSpan,
    /// The value's span.
    pub value_span: ByteSpan,
    /// Spans of the elements when the value is an array literal.
    pub element_spans: Vec<ByteSpan>,
}

/// A block as written.
#[derive(Debug, Clone)]
pub struct RawBlock {
    /// Block type (`resource`, `ingress`...).
    pub ident: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Attributes in source order.
    pub attributes: Vec<RawAttribute>,
    /// Nested blocks in source order.
    pub blocks: Vec<RawBlock>,
    /// The whole block.
    pub span: ByteSpan,
    /// The block type keyword.
    pub ident_span: ByteSpan,
    /// The file.
    pub file: Arc<SourceFile>,
}

impl RawBlock {
    /// The attribute `name`, if written.
    pub fn attribute(&self, name: &str) -> Option<&RawAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

fn span_of(range: Option<std::ops::Range<usize>>) -> ByteSpan {
    range.map_or_else(ByteSpan::default, |r| ByteSpan::new(r.start, r.end))
}

fn convert_body(body: &Body, file: &Arc<SourceFile>) -> (Vec<RawAttribute>, Vec<RawBlock>) {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let element_spans = match &a.value {
                    hcl::edit::expr::Expression::Array(arr) => arr.iter().map(|e| span_of(e.span())).collect(),
                    _ => Vec::new(),
                };
                attributes.push(RawAttribute {
                    name: a.key.as_str().to_string(),
                    expr: a.value.clone().into(),
                    key_span: span_of(a.key.span()),
                    value_span: span_of(a.value.span()),
                    element_spans,
                });
            }
            Structure::Block(b) => blocks.push(convert_block(b, file)),
        }
    }
    (attributes, blocks)
}

fn convert_block(b: &Block, file: &Arc<SourceFile>) -> RawBlock {
    let labels = b
        .labels
        .iter()
        .map(|l| match l {
            BlockLabel::Ident(i) => i.as_str().to_string(),
            BlockLabel::String(s) => s.as_str().to_string(),
        })
        .collect();
    let (attributes, blocks) = convert_body(&b.body, file);
    RawBlock {
        ident: b.ident.as_str().to_string(),
        labels,
        attributes,
        blocks,
        span: span_of(b.span()),
        ident_span: span_of(b.ident.span()),
        file: file.clone(),
    }
}

/// A parsed `.tf` or `.tfvars` file.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Top-level attributes (`.tfvars`).
    pub attributes: Vec<RawAttribute>,
    /// Top-level blocks (`.tf`).
    pub blocks: Vec<RawBlock>,
}

/// Parses HCL text.
pub fn parse_file(file: &Arc<SourceFile>) -> Result<ParsedFile, ParseError> {
    // hcl-edit's parser recurses: refuse pathological nesting first.
    if let Some(at) = crate::parse::json::depth_exceeded(&file.text, 256) {
        return Err(ParseError::at("nesting deeper than 256 levels", ByteSpan::new(at, at)));
    }
    match hcl::edit::parser::parse_body(&file.text) {
        Ok(body) => {
            let (attributes, blocks) = convert_body(&body, file);
            Ok(ParsedFile { file: file.clone(), attributes, blocks })
        }
        Err(e) => {
            let offset = file.lines.offset_of(&file.text, e.location().line(), e.location().column().saturating_sub(1));
            Err(ParseError::at(format!("invalid HCL: {}", e.message()), ByteSpan::new(offset, offset)))
        }
    }
}

/// A Terraform construct that was seen but not analyzed (a registry module, say).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotAnalyzed {
    /// File of the construct.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What it is (`module.vpc`).
    pub unit: String,
    /// Why it was not analyzed.
    pub reason: String,
}

/// The result of evaluating one module.
#[derive(Debug, Default)]
pub struct ModuleResult {
    /// Resources, data sources and the backend, in source order.
    pub resources: Vec<Resource>,
    /// Constructs not analyzed.
    pub not_analyzed: Vec<NotAnalyzed>,
}

/// Inputs of a module evaluation.
#[derive(Debug, Default)]
pub struct ModuleInput {
    /// `.tf` files of the module.
    pub files: Vec<ParsedFile>,
    /// `.tfvars` files to apply, in precedence order (later wins).
    pub tfvars: Vec<ParsedFile>,
    /// The module directory and scan root, for `file()` and `path.module`.
    pub funcs: FuncContext,
    /// `path.module` as shown (relative to the scan root).
    pub module_path: String,
}

/// Evaluates a module.
pub fn evaluate_module(input: &ModuleInput) -> ModuleResult {
    let mut scope = Scope::new(input.funcs.clone());
    scope.bind("path", serde_json::json!({"module": input.module_path, "root": input.module_path, "cwd": "."}));
    scope.bind("terraform", serde_json::json!({"workspace": "default"}));

    // Variables: default, then tfvars (later files win); no value → unknown.
    let mut vars = Map::new();
    for f in &input.files {
        for b in f.blocks.iter().filter(|b| b.ident == "variable") {
            let Some(name) = b.labels.first() else { continue };
            let value = b.attribute("default").map_or_else(|| unknown(format!("var.{name}")), |a| scope.eval(&a.expr));
            vars.insert(name.clone(), value);
        }
    }
    let plain = Scope::new(input.funcs.clone());
    for tv in &input.tfvars {
        for a in &tv.attributes {
            if vars.contains_key(&a.name) {
                vars.insert(a.name.clone(), plain.eval(&a.expr));
            }
        }
    }
    scope.bind("var", Value::Object(vars));

    // Locals reference each other: evaluate to a fixed point.
    let locals: Vec<&RawAttribute> =
        input.files.iter().flat_map(|f| f.blocks.iter().filter(|b| b.ident == "locals")).flat_map(|b| b.attributes.iter()).collect();
    let mut local_values = Map::new();
    for _ in 0..=locals.len().min(50) {
        scope.bind("local", Value::Object(local_values.clone()));
        let mut next = Map::new();
        for a in &locals {
            next.insert(a.name.clone(), scope.eval(&a.expr));
        }
        let done = next == local_values;
        local_values = next;
        if done {
            break;
        }
    }
    scope.bind("local", Value::Object(local_values));

    let mut result = ModuleResult::default();
    for f in &input.files {
        for b in &f.blocks {
            match b.ident.as_str() {
                "resource" | "data" => {
                    let (Some(rtype), Some(name)) = (b.labels.first(), b.labels.get(1)) else { continue };
                    let (kind, prefix) = if b.ident == "data" {
                        (format!("data.{rtype}"), format!("data.{rtype}.{name}"))
                    } else {
                        (rtype.clone(), format!("{rtype}.{name}"))
                    };
                    expand_instances(b, &scope, &kind, &prefix, &mut result.resources);
                }
                "terraform" => {
                    for backend in b.blocks.iter().filter(|x| x.ident == "backend") {
                        let btype = backend.labels.first().cloned().unwrap_or_default();
                        let (value, spans) = block_value(backend, &scope);
                        result.resources.push(make_resource(
                            backend,
                            format!("backend.{btype}"),
                            format!("terraform.backend.{btype}"),
                            value,
                            spans,
                        ));
                    }
                }
                "module" => {
                    let name = b.labels.first().cloned().unwrap_or_default();
                    let source = b.attribute("source").map(|a| scope.eval(&a.expr));
                    let line = b.file.lines.position(&b.file.text, b.span.start).line;
                    result.not_analyzed.push(NotAnalyzed {
                        file: b.file.path.to_string(),
                        line,
                        unit: format!("module.{name}"),
                        reason: match source {
                            Some(Value::String(s)) => format!("module calls are not evaluated yet (source {s})"),
                            _ => "module calls are not evaluated yet".to_string(),
                        },
                    });
                }
                _ => {}
            }
        }
    }
    result
}

fn make_resource(b: &RawBlock, kind: String, address: String, value: Value, spans: SpanNode) -> Resource {
    Resource {
        platform: Platform::Terraform,
        kind,
        namespace: None,
        name: b.labels.get(1).cloned(),
        address,
        value,
        spans,
        file: b.file.clone(),
    }
}

/// Expands `count`/`for_each` into one resource per instance.
fn expand_instances(b: &RawBlock, scope: &Scope, kind: &str, prefix: &str, out: &mut Vec<Resource>) {
    if let Some(count) = b.attribute("count") {
        match scope.eval(&count.expr) {
            Value::Number(n) => {
                let n = n.as_u64().map_or(0, |n| usize::try_from(n).unwrap_or(MAX_INSTANCES)).min(MAX_INSTANCES);
                for i in 0..n {
                    let s = scope.with("count", serde_json::json!({"index": i}));
                    let (value, spans) = block_value(b, &s);
                    out.push(make_resource(b, kind.to_string(), format!("{prefix}[{i}]"), value, spans));
                }
            }
            _ => {
                // Unknown count: one representative instance whose index is unknown.
                let s = scope.with("count", serde_json::json!({"index": unknown("count.index")}));
                let (value, spans) = block_value(b, &s);
                out.push(make_resource(b, kind.to_string(), format!("{prefix}[*]"), value, spans));
            }
        }
        return;
    }
    if let Some(for_each) = b.attribute("for_each") {
        let keys: Option<Vec<(String, Value)>> = match scope.eval(&for_each.expr) {
            v if is_unknown(&v) => None,
            Value::Object(m) => Some(m.into_iter().collect()),
            Value::Array(items) => items
                .into_iter()
                .map(|v| match &v {
                    Value::String(s) => Some((s.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        match keys {
            Some(keys) => {
                for (k, v) in keys.into_iter().take(MAX_INSTANCES) {
                    let s = scope.with("each", serde_json::json!({"key": k, "value": v}));
                    let (value, spans) = block_value(b, &s);
                    out.push(make_resource(b, kind.to_string(), format!("{prefix}[{}]", Value::String(k)), value, spans));
                }
            }
            None => {
                let s = scope.with("each", serde_json::json!({"key": unknown("each.key"), "value": unknown("each.value")}));
                let (value, spans) = block_value(b, &s);
                out.push(make_resource(b, kind.to_string(), format!("{prefix}[*]"), value, spans));
            }
        }
        return;
    }
    let (value, spans) = block_value(b, scope);
    out.push(make_resource(b, kind.to_string(), prefix.to_string(), value, spans));
}

/// Meta-arguments that are not part of a resource's configuration.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider", "lifecycle"];

/// Evaluates a block body into a value and its span tree: attributes become keys, nested
/// blocks become arrays of objects (as in Terraform's plan JSON), `dynamic` blocks expand.
pub fn block_value(b: &RawBlock, scope: &Scope) -> (Value, SpanNode) {
    let mut map = Map::new();
    let mut spans: Vec<(String, SpanNode)> = Vec::new();
    for a in &b.attributes {
        if META_ARGUMENTS.contains(&a.name.as_str()) {
            continue;
        }
        let value = scope.eval(&a.expr);
        let children = if a.element_spans.is_empty() {
            SpanChildren::Leaf
        } else {
            SpanChildren::Seq(a.element_spans.iter().map(|s| SpanNode { span: *s, key: None, children: SpanChildren::Leaf }).collect())
        };
        map.insert(a.name.clone(), value);
        spans.push((a.name.clone(), SpanNode { span: a.value_span, key: Some(a.key_span), children }));
    }
    let mut nested: BTreeMap<String, (Vec<Value>, Vec<SpanNode>, ByteSpan)> = BTreeMap::new();
    for nb in &b.blocks {
        if nb.ident == "lifecycle" {
            continue;
        }
        if nb.ident == "dynamic" {
            let Some(name) = nb.labels.first() else { continue };
            expand_dynamic(nb, name, scope, &mut nested);
            continue;
        }
        let (v, s) = block_value(nb, scope);
        let entry = nested.entry(nb.ident.clone()).or_insert_with(|| (Vec::new(), Vec::new(), nb.ident_span));
        entry.0.push(v);
        entry.1.push(block_span_node(nb, s));
    }
    for (name, (values, item_spans, first)) in nested {
        if map.contains_key(&name) {
            continue;
        }
        map.insert(name.clone(), Value::Array(values));
        let whole = item_spans.iter().fold(first, |acc, s| acc.cover(s.span));
        spans.push((name, SpanNode { span: whole, key: Some(first), children: SpanChildren::Seq(item_spans) }));
    }
    (Value::Object(map), SpanNode { span: b.span, key: None, children: SpanChildren::Map(spans) })
}

fn block_span_node(b: &RawBlock, inner: SpanNode) -> SpanNode {
    SpanNode { span: b.span, key: None, children: inner.children }
}

fn expand_dynamic(nb: &RawBlock, name: &str, scope: &Scope, nested: &mut BTreeMap<String, (Vec<Value>, Vec<SpanNode>, ByteSpan)>) {
    let Some(content) = nb.blocks.iter().find(|c| c.ident == "content") else { return };
    let iterator = nb.attribute("iterator").and_then(|a| match &a.expr {
        Expression::Variable(v) => Some(v.to_string()),
        _ => None,
    });
    let iter_name = iterator.unwrap_or_else(|| name.to_string());
    let items: Option<Vec<(Value, Value)>> = nb.attribute("for_each").and_then(|a| match scope.eval(&a.expr) {
        v if is_unknown(&v) => None,
        Value::Object(m) => Some(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
        Value::Array(items) => Some(items.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect()),
        _ => None,
    });
    let entry = nested.entry(name.to_string()).or_insert_with(|| (Vec::new(), Vec::new(), nb.ident_span));
    match items {
        Some(items) => {
            for (k, v) in items.into_iter().take(MAX_INSTANCES) {
                let s = scope.with(&iter_name, serde_json::json!({"key": k, "value": v}));
                let (value, spans) = block_value(content, &s);
                entry.0.push(value);
                entry.1.push(block_span_node(nb, spans));
            }
        }
        None => {
            // Unknown collection: the blocks cannot be known.
            entry.0.push(unknown(format!("dynamic \"{name}\" blocks")));
            entry.1.push(SpanNode { span: nb.span, key: None, children: SpanChildren::Leaf });
        }
    }
}

/// Whether `name` is a variable-definitions file Terraform loads automatically.
pub fn is_auto_tfvars(name: &str) -> bool {
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars")
}

/// The module directory of a file path (its parent).
pub fn module_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn module(files: &[(&str, &str)]) -> ModuleResult {
        let mut input = ModuleInput::default();
        for (name, text) in files {
            let file = Arc::new(SourceFile::new(*name, (*text).to_string()));
            let parsed = parse_file(&file).unwrap();
            if name.ends_with(".tfvars") { input.tfvars.push(parsed) } else { input.files.push(parsed) }
        }
        evaluate_module(&input)
    }

    #[test]
    fn variables_locals_count_for_each_dynamic() {
        let r = module(&[
            (
                "main.tf",
                r#"
variable "env" { default = "dev" }
variable "ports" { default = [22, 443] }
variable "vpc" {}
locals {
  name = "${local.prefix}-web"
  prefix = "shop-${var.env}"
}
resource "aws_security_group" "web" {
  name   = local.name
  vpc_id = var.vpc
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
resource "aws_subnet" "data" {
  for_each   = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
  cidr_block = each.value
}
resource "aws_instance" "n" {
  count = 2
  tags  = { idx = count.index }
}
"#,
            ),
            ("terraform.tfvars", "env = \"prod\"\n"),
        ]);
        let addrs: Vec<_> = r.resources.iter().map(|x| x.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["aws_security_group.web", "aws_subnet.data[\"a\"]", "aws_subnet.data[\"b\"]", "aws_instance.n[0]", "aws_instance.n[1]"]
        );
        let sg = &r.resources[0];
        assert_eq!(sg.value["name"], json!("shop-prod-web"));
        assert!(is_unknown(&sg.value["vpc_id"]));
        assert_eq!(sg.value["ingress"][1]["from_port"], json!(443));
        let (loc, found) = sg.locate(&crate::model::AttributePath::from_json(&json!(["ingress", 1, "cidr_blocks", 0])).unwrap());
        assert!(found);
        assert_eq!(loc.start.line, 16);
        assert_eq!(r.resources[2].value["cidr_block"], json!("10.0.2.0/24"));
        assert_eq!(r.resources[4].value["tags"]["idx"], json!(1));
    }

    #[test]
    fn parse_errors_have_positions() {
        let file = Arc::new(SourceFile::new("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n".to_string()));
        let err = parse_file(&file).unwrap_err();
        assert!(err.message.starts_with("invalid HCL"), "{}", err.message);
        assert!(err.span.is_some());
    }
}
