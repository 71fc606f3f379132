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
pub mod kubernetes;
pub mod plan;

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
    /// End of the block header (`module "vpc"`): the ident span covers up to the labels.
    fn labels_end(&self) -> ByteSpan {
        let header_end = self
            .file
            .text
            .get(self.span.start..self.span.end)
            .and_then(|t| t.find('{'))
            .map_or(self.ident_span.end, |i| self.span.start + i);
        ByteSpan::new(self.ident_span.start, header_end.max(self.ident_span.start))
    }

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
#[derive(Debug, Default, Clone)]
pub struct ModuleInput {
    /// `.tf` files of the module.
    pub files: Vec<ParsedFile>,
    /// `.tfvars` files to apply, in precedence order (later wins).
    pub tfvars: Vec<ParsedFile>,
    /// The module directory and scan root, for `file()` and `path.module`.
    pub funcs: FuncContext,
    /// `path.module` as shown (relative to the scan root).
    pub module_path: String,
    /// Values given by the caller (`module "x" { name = ... }`), overriding defaults.
    pub arguments: Map<String, Value>,
    /// `TF_VAR_*` values (applied above defaults, below `.tfvars` files), root modules only.
    pub env_vars: Map<String, Value>,
    /// `--var-file` and `--var` values in command-line order (applied last), root modules only.
    pub cli_vars: Map<String, Value>,
    /// Canonical directories of the modules being evaluated (cycle detection).
    pub stack: Vec<std::path::PathBuf>,
}

/// Deepest chain of local module calls followed.
const MAX_MODULE_DEPTH: usize = 10;

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
    for (k, v) in &input.env_vars {
        if vars.contains_key(k) {
            vars.insert(k.clone(), v.clone());
        }
    }
    for tv in &input.tfvars {
        for a in &tv.attributes {
            if vars.contains_key(&a.name) {
                vars.insert(a.name.clone(), plain.eval(&a.expr));
            }
        }
    }
    for (k, v) in input.arguments.iter().chain(&input.cli_vars) {
        if vars.contains_key(k) {
            vars.insert(k.clone(), v.clone());
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

    // Other resources' configured arguments are known at plan time
    // (`kubernetes_namespace.x.metadata[0].name`); computed attributes (`id`, `arn`) are not in
    // the configuration and stay unknown. Two passes resolve references one level deep and
    // chains of two.
    for _ in 0..2 {
        let values = resource_values(input, &scope);
        for (root, value) in values {
            scope.bind(root, value);
        }
    }

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
                    let first = result.resources.len();
                    expand_instances(b, &scope, &kind, &prefix, &mut result.resources);
                    // Kubernetes provider resources become the objects they create.
                    for r in result.resources.iter_mut().skip(first) {
                        if let Some(mapped) = kubernetes::map_resource(r) {
                            *r = mapped;
                        }
                    }
                    if b.ident == "resource" && rtype == "helm_release" {
                        let line = b.file.lines.position(&b.file.text, b.span.start).line;
                        result.not_analyzed.push(NotAnalyzed {
                            file: b.file.path.to_string(),
                            line,
                            unit: prefix.clone(),
                            reason: "helm_release charts are not rendered yet".to_string(),
                        });
                    }
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
                    // The call itself is a resource of kind `module` (its arguments and source),
                    // so rules can check well-known registry modules by their inputs.
                    let (value, spans) = block_value(b, &scope);
                    result.resources.push(make_resource(b, "module".to_string(), format!("module.{name}"), value, spans));
                    evaluate_module_call(b, &name, &scope, input, &mut result);
                }
                _ => {}
            }
        }
    }
    result
}

/// Follows a local module call (`source = "./modules/x"`): loads the directory (inside the scan
/// root only), evaluates it with the call's arguments (once per `count`/`for_each` instance is
/// not modelled yet: one evaluation with the arguments as written), and adds its resources with
/// addresses prefixed `module.<name>.` and the call site in their call chain.
fn evaluate_module_call(b: &RawBlock, name: &str, scope: &Scope, input: &ModuleInput, result: &mut ModuleResult) {
    let line = b.file.lines.position(&b.file.text, b.span.start).line;
    let mut not_analyzed = |reason: String| {
        result.not_analyzed.push(NotAnalyzed { file: b.file.path.to_string(), line, unit: format!("module.{name}"), reason });
    };
    let source = match b.attribute("source").map(|a| scope.eval(&a.expr)) {
        Some(Value::String(s)) => s,
        _ => return not_analyzed("module source cannot be known".to_string()),
    };
    if !(source.starts_with("./") || source.starts_with("../")) {
        return not_analyzed(format!("remote module `{source}` is not fetched (registry and git modules are never downloaded)"));
    }
    let (Some(dir), Some(root)) = (&input.funcs.module_dir, &input.funcs.root) else {
        return not_analyzed("module directory unknown".to_string());
    };
    let target = match std::fs::canonicalize(dir.join(&source)) {
        Ok(t) => t,
        Err(e) => return not_analyzed(format!("module source `{source}` cannot be read: {e}")),
    };
    if !target.starts_with(root) {
        return not_analyzed(format!("module source `{source}` is outside the scanned directory; not followed"));
    }
    if input.stack.contains(&target) {
        return not_analyzed(format!("module source `{source}` calls itself (module cycle); not followed"));
    }
    if input.stack.len() >= MAX_MODULE_DEPTH {
        return not_analyzed(format!("module nesting deeper than {MAX_MODULE_DEPTH} levels; not followed"));
    }
    let files = match load_module_files(&target, root) {
        Ok(f) => f,
        Err(e) => return not_analyzed(e),
    };
    let mut arguments = Map::new();
    for a in &b.attributes {
        if !matches!(a.name.as_str(), "source" | "version" | "providers" | "count" | "for_each" | "depends_on") {
            arguments.insert(a.name.clone(), scope.eval(&a.expr));
        }
    }
    let mut stack = input.stack.clone();
    stack.push(target.clone());
    let module_path = target.strip_prefix(root).map_or_else(|_| ".".to_string(), |p| p.to_string_lossy().replace('\\', "/"));
    let child = ModuleInput {
        files,
        tfvars: Vec::new(),
        funcs: FuncContext { module_dir: Some(target.clone()), root: Some(root.clone()) },
        module_path: if module_path.is_empty() { ".".to_string() } else { module_path },
        arguments,
        stack,
        ..ModuleInput::default()
    };
    let inner = evaluate_module(&child);
    let call_site = b.file.location(b.ident_span.cover(b.labels_end()));
    for mut r in inner.resources {
        r.address = format!("module.{name}.{}", r.address);
        r.call_chain.insert(0, (call_site.clone(), format!("module.{name} called here (source {source})")));
        result.resources.push(r);
    }
    result.not_analyzed.extend(inner.not_analyzed);
}

/// Reads and parses the `.tf` files of a module directory (for module calls).
fn load_module_files(dir: &Path, root: &Path) -> Result<Vec<ParsedFile>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("module directory cannot be read: {e}"))?;
    let mut paths: Vec<std::path::PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file()).collect();
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.len() > 8 * 1024 * 1024 {
            return Err(format!("{} is too large", p.display()));
        }
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let display = p.strip_prefix(root).map_or_else(|_| p.display().to_string(), |r| r.to_string_lossy().replace('\\', "/"));
        let file = Arc::new(SourceFile::new(display.as_str(), text));
        files.push(parse_file(&file).map_err(|e| format!("{display}: {}", e.message))?);
    }
    Ok(files)
}

/// The configuration values of every resource and data source of the module, shaped the way
/// references see them: `type → name → value`, with a list for `count` and a map for
/// `for_each`; data sources under `data`.
fn resource_values(input: &ModuleInput, scope: &Scope) -> Vec<(String, Value)> {
    let mut roots: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for f in &input.files {
        for b in f.blocks.iter().filter(|b| b.ident == "resource" || b.ident == "data") {
            let (Some(rtype), Some(name)) = (b.labels.first(), b.labels.get(1)) else { continue };
            let mut instances = Vec::new();
            expand_instances(b, scope, rtype, &format!("{rtype}.{name}"), &mut instances);
            let value = if b.attribute("count").is_some() {
                if instances.iter().any(|r| r.address.ends_with("[*]")) {
                    unknown(format!("{rtype}.{name} (count cannot be known)"))
                } else {
                    Value::Array(instances.into_iter().map(|r| r.value).collect())
                }
            } else if b.attribute("for_each").is_some() {
                if instances.iter().any(|r| r.address.ends_with("[*]")) {
                    unknown(format!("{rtype}.{name} (for_each cannot be known)"))
                } else {
                    let prefix = format!("{rtype}.{name}[");
                    Value::Object(
                        instances
                            .into_iter()
                            .filter_map(|r| {
                                let key = r.address.strip_prefix(&prefix)?.strip_suffix(']')?;
                                let key: String = serde_json::from_str(key).ok()?;
                                Some((key, r.value))
                            })
                            .collect(),
                    )
                }
            } else {
                instances.into_iter().next().map_or(Value::Null, |r| r.value)
            };
            let root = if b.ident == "data" { "data".to_string() } else { rtype.clone() };
            let entry = roots.entry(root).or_default();
            if b.ident == "data" {
                if let Value::Object(types) = entry.entry(rtype.clone()).or_insert_with(|| Value::Object(Map::new())) {
                    types.insert(name.clone(), value);
                }
            } else {
                entry.insert(name.clone(), value);
            }
        }
    }
    roots.into_iter().map(|(k, v)| (k, Value::Object(v))).collect()
}

fn make_resource(b: &RawBlock, kind: String, address: String, value: Value, spans: SpanNode) -> Resource {
    Resource {
        platform: Platform::Terraform,
        name: if kind == "module" { b.labels.first().cloned() } else { b.labels.get(1).cloned() },
        kind,
        namespace: None,
        address,
        value,
        spans,
        file: b.file.clone(),
        call_chain: Vec::new(),
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

/// Parses `--var name=value` the way Terraform does: the value is an HCL expression when it
/// parses as one that needs no variables (lists, maps, numbers, booleans), else a plain string.
pub fn parse_cli_var(spec: &str) -> Option<(String, Value)> {
    let (name, raw) = spec.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let value = match hcl::edit::parser::parse_expr(raw) {
        Ok(expr) => {
            let v = Scope::default().eval(&expr.into());
            if is_unknown(&v) { Value::String(raw.to_string()) } else { v }
        }
        Err(_) => Value::String(raw.to_string()),
    };
    Some((name.to_string(), value))
}

/// Values of a `.tfvars` file (for `--var-file`).
pub fn tfvars_values(parsed: &ParsedFile, funcs: &FuncContext) -> Map<String, Value> {
    let scope = Scope::new(funcs.clone());
    parsed.attributes.iter().map(|a| (a.name.clone(), scope.eval(&a.expr))).collect()
}

/// `TF_VAR_<name>` environment variables, values parsed like `--var`.
pub fn env_values() -> Map<String, Value> {
    std::env::vars().filter_map(|(k, v)| k.strip_prefix("TF_VAR_").and_then(|name| parse_cli_var(&format!("{name}={v}")))).collect()
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
    fn local_modules_are_evaluated_with_the_call_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("modules/sg")).unwrap();
        std::fs::write(
            root.join("modules/sg/main.tf"),
            "variable \"cidr\" {}\nresource \"aws_security_group\" \"this\" {\n  ingress {\n    cidr_blocks = [var.cidr]\n  }\n}\n",
        )
        .unwrap();
        let main = "module \"web\" {\n  source = \"./modules/sg\"\n  cidr   = \"0.0.0.0/0\"\n}\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n";
        let file = Arc::new(SourceFile::new("main.tf", main.to_string()));
        let input = ModuleInput {
            files: vec![parse_file(&file).unwrap()],
            funcs: FuncContext { module_dir: Some(root.clone()), root: Some(root.clone()) },
            module_path: ".".into(),
            ..ModuleInput::default()
        };
        let r = evaluate_module(&input);
        let kinds: Vec<_> = r.resources.iter().map(|x| x.kind.as_str()).collect();
        assert_eq!(kinds, ["module", "aws_security_group", "module"]);
        assert_eq!(r.resources[0].value["cidr"], json!("0.0.0.0/0"));
        let sg = &r.resources[1];
        assert_eq!(sg.address, "module.web.aws_security_group.this");
        assert_eq!(sg.value["ingress"][0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(&*sg.file.path, "modules/sg/main.tf");
        assert_eq!(sg.call_chain.len(), 1);
        assert_eq!(sg.call_chain[0].0.start.line, 1);
        assert_eq!(r.not_analyzed.len(), 1);
        assert!(r.not_analyzed[0].reason.contains("not fetched"));
    }

    #[test]
    fn cli_vars_parse_like_terraform() {
        assert_eq!(parse_cli_var("env=prod"), Some(("env".into(), json!("prod"))));
        assert_eq!(parse_cli_var("n=3"), Some(("n".into(), json!(3))));
        assert_eq!(parse_cli_var("l=[\"a\", \"b\"]"), Some(("l".into(), json!(["a", "b"]))));
        assert_eq!(parse_cli_var("cidr=0.0.0.0/0"), Some(("cidr".into(), json!("0.0.0.0/0"))));
        assert_eq!(parse_cli_var("novalue"), None);
    }

    #[test]
    fn parse_errors_have_positions() {
        let file = Arc::new(SourceFile::new("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n".to_string()));
        let err = parse_file(&file).unwrap_err();
        assert!(err.message.starts_with("invalid HCL"), "{}", err.message);
        assert!(err.span.is_some());
    }
}
