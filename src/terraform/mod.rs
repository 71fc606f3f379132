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
pub mod json_syntax;
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
    /// Where the parts of an array or object literal were written (also through
    /// `jsonencode(...)`), so findings can point inside the value.
    pub value_spans: SpanChildren,
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

/// The span tree of an expression as written: array elements, object entries (keys and
/// values), and the argument of `jsonencode`/`yamlencode`/parentheses, which do not change
/// the shape a policy or manifest is read in.
fn expression_spans(e: &hcl::edit::expr::Expression, depth: usize) -> SpanNode {
    use hcl::edit::expr::{Expression as E, ObjectKey};
    let span = span_of(e.span());
    let leaf = SpanNode { origin: None, span, key: None, children: SpanChildren::Leaf };
    if depth > 64 {
        return leaf;
    }
    match e {
        E::Array(items) => SpanNode {
            origin: None,
            span,
            key: None,
            children: SpanChildren::Seq(items.iter().map(|i| expression_spans(i, depth + 1)).collect()),
        },
        E::Object(obj) => {
            let entries = obj
                .iter()
                .filter_map(|(k, v)| {
                    let name = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(E::String(s)) => s.as_str().to_string(),
                        ObjectKey::Expression(E::StringTemplate(t)) => {
                            let mut text = String::new();
                            for element in t.iter() {
                                match element {
                                    hcl::edit::template::Element::Literal(l) => text.push_str(l.as_str()),
                                    _ => return None,
                                }
                            }
                            text
                        }
                        _ => return None,
                    };
                    let mut node = expression_spans(v.expr(), depth + 1);
                    node.key = Some(span_of(k.span()));
                    Some((name, node))
                })
                .collect();
            SpanNode { origin: None, span, key: None, children: SpanChildren::Map(entries) }
        }
        E::Parenthesis(p) => expression_spans(p.inner(), depth + 1),
        E::FuncCall(call) if matches!(call.name.name.as_str(), "jsonencode" | "yamlencode") && call.args.len() == 1 => {
            call.args.iter().next().map_or(leaf, |arg| expression_spans(arg, depth + 1))
        }
        _ => leaf,
    }
}

fn convert_body(body: &Body, file: &Arc<SourceFile>) -> (Vec<RawAttribute>, Vec<RawBlock>) {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                attributes.push(RawAttribute {
                    name: a.key.as_str().to_string(),
                    expr: a.value.clone().into(),
                    key_span: span_of(a.key.span()),
                    value_span: span_of(a.value.span()),
                    value_spans: expression_spans(&a.value, 0).children,
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
    /// The analysis limit that was reached (`eval-depth`...), when that is why: the scan is
    /// then incomplete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl NotAnalyzed {
    /// A construct not analyzed for `reason` (not a limit: the scan stays complete).
    pub fn new(file: &SourceFile, line: usize, unit: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { file: file.path.to_string(), line, unit: unit.into(), reason: reason.into(), limit: None }
    }
}

/// The result of evaluating one module.
#[derive(Debug, Default)]
pub struct ModuleResult {
    /// Resources, data sources and the backend, in source order.
    pub resources: Vec<Resource>,
    /// Constructs not analyzed.
    pub not_analyzed: Vec<NotAnalyzed>,
    /// Output values (`module.<name>.<output>` in the caller).
    pub outputs: Map<String, Value>,
}

/// What a module call contributes: its resources (every instance) and its value as the caller
/// sees it (`module.x`: outputs; a list of them with `count`, a map with `for_each`).
struct CallResult {
    resources: Vec<Resource>,
    not_analyzed: Vec<NotAnalyzed>,
    value: Value,
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
    /// Limits of a root evaluation (the budget is made from them).
    pub limits: crate::limits::AnalysisLimits,
    /// When a root evaluation must end (unit time budget or the scan's timeout).
    pub deadline: Option<std::time::Instant>,
    /// What the call tree may still spend, shared by the whole tree (`None`: a new root
    /// evaluation), so nested `for_each` calls cannot multiply without bound.
    pub budget: Option<Arc<eval::EvalBudget>>,
}

/// Evaluates a module.
pub fn evaluate_module(input: &ModuleInput) -> ModuleResult {
    let mut scope = Scope::new(input.funcs.clone());
    let root_evaluation = input.budget.is_none();
    scope.budget = input.budget.clone().unwrap_or_else(|| Arc::new(eval::EvalBudget::new(input.limits.clone(), input.deadline)));
    scope.funcs.budget = Some(scope.budget.clone());
    scope.bind("path", serde_json::json!({"module": input.module_path, "root": input.module_path, "cwd": "."}));
    scope.bind("terraform", serde_json::json!({"workspace": "default"}));

    // Variables: default, then tfvars (later files win); no value → unknown.
    let mut vars = Map::new();
    for f in &input.files {
        for b in f.blocks.iter().filter(|b| b.ident == "variable") {
            let Some(name) = b.labels.first() else { continue };
            let value = b.attribute("default").map_or_else(|| unknown(format!("var.{name}")), |a| eval_attribute(&scope, a, &b.file));
            vars.insert(name.clone(), value);
        }
    }
    let mut plain = Scope::new(input.funcs.clone());
    plain.budget = scope.budget.clone();
    for (k, v) in &input.env_vars {
        if vars.contains_key(k) {
            vars.insert(k.clone(), v.clone());
        }
    }
    for tv in &input.tfvars {
        for a in &tv.attributes {
            if vars.contains_key(&a.name) {
                vars.insert(a.name.clone(), eval_attribute(&plain, a, &tv.file));
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
    let locals: Vec<(&RawAttribute, &Arc<SourceFile>)> = input
        .files
        .iter()
        .flat_map(|f| f.blocks.iter().filter(|b| b.ident == "locals"))
        .flat_map(|b| b.attributes.iter().map(move |a| (a, &b.file)))
        .collect();
    let locals = Locals::new(locals);
    locals.evaluate(&mut scope);
    bind_resource_values(&mut scope, input);
    // Locals that read resources' configuration (`jsondecode(data.x.json)`) see it now; the
    // resources that read those locals see them on one more pass.
    if locals.attributes.iter().any(|(a, _)| references_resource(&a.expr)) {
        locals.evaluate(&mut scope);
        let values = resource_values(input, &scope);
        for (root, value) in values {
            scope.bind(root, value);
        }
    }

    // Module calls, in dependency order so one module's outputs reach the next one's
    // arguments (directly or through locals); locals are re-evaluated as outputs appear.
    let calls: Vec<&RawBlock> = input.files.iter().flat_map(|f| f.blocks.iter().filter(|b| b.ident == "module")).collect();
    let mut call_results: Vec<Option<CallResult>> = calls.iter().map(|_| None).collect();
    if !calls.is_empty() {
        let mut module_values = Map::new();
        for i in module_call_order(&calls, &locals.attributes) {
            let (Some(b), Some(slot)) = (calls.get(i), call_results.get_mut(i)) else { continue };
            let name = b.labels.first().cloned().unwrap_or_default();
            let call = evaluate_module_call(b, &name, &scope, input);
            module_values.insert(name, call.value.clone());
            *slot = Some(call);
            scope.bind("module", Value::Object(module_values.clone()));
            locals.evaluate(&mut scope);
        }
        bind_resource_values(&mut scope, input);
    }
    let mut call_results = call_results.into_iter();

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
                "provider" | "variable" => {
                    if let Some(r) = configuration_resource(b, &scope) {
                        result.resources.push(r);
                    }
                }
                "module" => {
                    let name = b.labels.first().cloned().unwrap_or_default();
                    // The call itself is a resource of kind `module` (its arguments and source),
                    // one per instance, so rules can check well-known registry modules by their
                    // inputs.
                    expand_instances(b, &scope, "module", &format!("module.{name}"), &mut result.resources);
                    if let Some(Some(call)) = call_results.next() {
                        result.resources.extend(call.resources);
                        result.not_analyzed.extend(call.not_analyzed);
                    }
                }
                _ => {}
            }
        }
    }
    for f in &input.files {
        for b in f.blocks.iter().filter(|b| b.ident == "output") {
            let (Some(name), Some(value)) = (b.labels.first(), b.attribute("value")) else { continue };
            result.outputs.insert(name.clone(), eval_attribute(&scope, value, &b.file));
        }
    }
    if root_evaluation {
        // Limits reached outside any attribute (module calls, instance budgets) are given the
        // module's first file.
        if let Some(first) = input.files.first() {
            scope.budget.locate(&first.file, 0, &input.module_path);
        }
        result.not_analyzed.extend(scope.budget.take_located().into_iter().map(|hit| NotAnalyzed {
            file: hit.file,
            line: hit.line,
            unit: hit.unit,
            reason: format!("{}: {}", hit.detail, scope.budget.limits.reached(hit.limit)),
            limit: Some(hit.limit.to_string()),
        }));
    }
    result
}

/// Evaluates an attribute, attributing any analysis limit reached to its line.
fn eval_attribute(scope: &Scope, a: &RawAttribute, file: &Arc<SourceFile>) -> Value {
    let value = scope.eval(&a.expr);
    scope.budget.locate(file, a.key_span.start, &a.name);
    value
}

/// A module's locals, with the order that evaluates each after the locals it reads.
struct Locals<'a> {
    attributes: Vec<(&'a RawAttribute, &'a Arc<SourceFile>)>,
    /// Indexes into `attributes`, dependencies first.
    order: Vec<usize>,
    /// Locals that are part of a reference cycle (Terraform rejects them).
    cyclic: Vec<bool>,
}

impl<'a> Locals<'a> {
    /// Orders `attributes` by their `local.x` references (iteratively, without recursion).
    fn new(attributes: Vec<(&'a RawAttribute, &'a Arc<SourceFile>)>) -> Self {
        let index: BTreeMap<&str, usize> = attributes.iter().enumerate().map(|(i, (a, _))| (a.name.as_str(), i)).collect();
        let deps: Vec<Vec<usize>> = attributes
            .iter()
            .map(|(a, _)| {
                let mut d: Vec<usize> =
                    named_references(&a.expr).iter().filter_map(|r| r.strip_prefix("local.").and_then(|n| index.get(n)).copied()).collect();
                d.sort_unstable();
                d.dedup();
                d
            })
            .collect();
        let (order, cyclic) = topological_order(&deps);
        Self { attributes, order, cyclic }
    }

    /// Evaluates every local once, dependencies first, and binds them as `local`. Locals in
    /// a reference cycle are evaluation errors, as in Terraform.
    fn evaluate(&self, scope: &mut Scope) {
        scope.bind("local", Value::Object(Map::new()));
        for &i in &self.order {
            let Some((a, file)) = self.attributes.get(i) else { continue };
            let value = if self.cyclic.get(i).copied().unwrap_or(false) {
                functions::error(format!("local.{} is part of a reference cycle", a.name))
            } else {
                eval_attribute(scope, a, file)
            };
            scope.bind_entry("local", a.name.clone(), value);
        }
    }
}

/// A dependencies-first order of the nodes of a graph given as adjacency lists (`deps[i]`:
/// what `i` depends on), and which nodes lie on a cycle. Iterative depth-first search, so a
/// chain of any length is fine.
fn topological_order(deps: &[Vec<usize>]) -> (Vec<usize>, Vec<bool>) {
    let n = deps.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut cyclic = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if state.get(start).copied() != Some(0) {
            continue;
        }
        // (node, next dependency to visit)
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(s) = state.get_mut(start) {
            *s = 1;
        }
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match deps.get(node).and_then(|d| d.get(*next)).copied() {
                Some(dep) => {
                    *next += 1;
                    match state.get(dep).copied() {
                        Some(0) => {
                            if let Some(s) = state.get_mut(dep) {
                                *s = 1;
                            }
                            stack.push((dep, 0));
                        }
                        Some(1) => {
                            // A back edge: every node from `dep` up the stack is on a cycle.
                            let from = stack.iter().position(|(x, _)| *x == dep).unwrap_or(0);
                            for (x, _) in stack.get(from..).unwrap_or_default() {
                                if let Some(c) = cyclic.get_mut(*x) {
                                    *c = true;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                None => {
                    if let Some(s) = state.get_mut(node) {
                        *s = 2;
                    }
                    order.push(node);
                    stack.pop();
                }
            }
        }
    }
    // A node that depends on a cyclic one cannot be computed either.
    for &i in &order {
        if deps.get(i).is_some_and(|d| d.iter().any(|&x| cyclic.get(x).copied().unwrap_or(false)))
            && let Some(c) = cyclic.get_mut(i)
        {
            *c = true;
        }
    }
    (order, cyclic)
}

/// Other resources' configured arguments are known at plan time
/// (`kubernetes_namespace.x.metadata[0].name`); computed attributes (`id`, `arn`) are not in the
/// configuration and stay unknown. Two passes resolve references one level deep and chains of
/// two.
fn bind_resource_values(scope: &mut Scope, input: &ModuleInput) {
    for _ in 0..2 {
        let values = resource_values(input, scope);
        for (root, value) in values {
            scope.bind(root, value);
        }
    }
}

/// The `root.name` references of an expression, scope bindings included.
fn named_references(expr: &Expression) -> Vec<String> {
    let mut out = Vec::new();
    eval::all_references(expr, &mut out);
    out
}

/// Whether an expression reads a resource's or data source's configuration.
fn references_resource(expr: &Expression) -> bool {
    let mut out = Vec::new();
    eval::references(expr, &mut out);
    out.iter().any(|r| !r.starts_with("module."))
}

/// Module calls ordered so that a call comes after the calls whose outputs its arguments use
/// (directly or through locals); calls in a cycle keep source order.
fn module_call_order(calls: &[&RawBlock], locals: &[(&RawAttribute, &Arc<SourceFile>)]) -> Vec<usize> {
    let local_exprs: BTreeMap<&str, &Expression> = locals.iter().map(|(a, _)| (a.name.as_str(), &a.expr)).collect();
    let names: Vec<String> = calls.iter().map(|b| b.labels.first().cloned().unwrap_or_default()).collect();
    let deps: Vec<Vec<usize>> = calls
        .iter()
        .map(|b| {
            let mut modules = Vec::new();
            let mut seen_locals: Vec<String> = Vec::new();
            let mut pending: Vec<&Expression> = b.attributes.iter().map(|a| &a.expr).collect();
            while let Some(expr) = pending.pop() {
                for r in named_references(expr) {
                    if let Some(m) = r.strip_prefix("module.") {
                        modules.push(m.to_string());
                    } else if let Some(l) = r.strip_prefix("local.")
                        && !seen_locals.iter().any(|s| s == l)
                    {
                        if let Some(e) = local_exprs.get(l) {
                            pending.push(e);
                        }
                        seen_locals.push(l.to_string());
                    }
                }
            }
            names.iter().enumerate().filter(|(_, n)| modules.contains(n)).map(|(i, _)| i).collect()
        })
        .collect();
    let mut order = Vec::new();
    let mut state = vec![0u8; calls.len()]; // 0 new, 1 visiting, 2 done
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8], order: &mut Vec<usize>) {
        if state.get(i).copied() != Some(0) {
            return;
        }
        if let Some(s) = state.get_mut(i) {
            *s = 1;
        }
        for &d in deps.get(i).map(Vec::as_slice).unwrap_or_default() {
            visit(d, deps, state, order);
        }
        if let Some(s) = state.get_mut(i) {
            *s = 2;
        }
        order.push(i);
    }
    for i in 0..calls.len() {
        visit(i, &deps, &mut state, &mut order);
    }
    order
}

/// Follows a local module call (`source = "./modules/x"`): loads the directory (inside the scan
/// root only), evaluates it once per `count`/`for_each` instance with the call's arguments, and
/// returns its resources with addresses prefixed `module.<name>[key].` and the call site in
/// their call chain, plus the outputs the caller sees as `module.<name>`.
fn evaluate_module_call(b: &RawBlock, name: &str, scope: &Scope, input: &ModuleInput) -> CallResult {
    let line = b.file.lines.position(&b.file.text, b.span.start).line;
    let unit = format!("module.{name}");
    let mut result = CallResult { resources: Vec::new(), not_analyzed: Vec::new(), value: unknown(unit.clone()) };
    let limits = &scope.budget.limits;
    let mut not_analyzed = |reason: String| result.not_analyzed.push(NotAnalyzed::new(&b.file, line, unit.clone(), reason));
    let source = match b.attribute("source").map(|a| scope.eval(&a.expr)) {
        Some(Value::String(s)) => s,
        _ => {
            not_analyzed("module source cannot be known".to_string());
            return result;
        }
    };
    let target = match resolve_module_source(&source, input) {
        Ok(t) => t,
        Err(reason) => {
            not_analyzed(reason);
            return result;
        }
    };
    if input.stack.contains(&target) {
        not_analyzed(format!("module source `{source}` calls itself (module cycle); not followed"));
        return result;
    }
    if input.stack.len() >= limits.module_depth {
        scope.budget.hit("module-depth", format!("module `{source}` is nested too deeply; not followed"));
        scope.budget.locate(&b.file, b.span.start, &unit);
        return result;
    }
    let Some(root) = &input.funcs.root else { return result };
    let files = match load_module_files(&target, root) {
        Ok(loaded) => {
            // Broken or unreadable files are failed files of their own directory's unit; the
            // module's healthy files are still analyzed.
            for (path, reason) in loaded.problems {
                not_analyzed(format!("{path} of module `{source}` is not analyzed: {reason}"));
            }
            loaded.files
        }
        Err(e) => {
            not_analyzed(e);
            return result;
        }
    };
    let (repetition, mut instances) = instances(b, scope);
    if instances.len() > limits.module_instances {
        scope.budget.hit(
            "module-instances",
            format!("module has {} instances; only the first {} are analyzed", instances.len(), limits.module_instances),
        );
        instances.truncate(limits.module_instances);
    }
    scope.budget.locate(&b.file, b.span.start, &unit);
    let mut stack = input.stack.clone();
    stack.push(target.clone());
    let module_path = target.strip_prefix(root).map_or_else(|_| ".".to_string(), |p| p.to_string_lossy().replace('\\', "/"));
    let call_site = b.file.location(b.ident_span.cover(b.labels_end()));
    let mut values = Vec::new();
    for instance in instances {
        if !scope.budget.take_module() {
            scope.budget.locate(&b.file, b.span.start, &unit);
            break;
        }
        let mut arguments = Map::new();
        for a in &b.attributes {
            if !matches!(a.name.as_str(), "source" | "version" | "providers" | "count" | "for_each" | "depends_on") {
                arguments.insert(a.name.clone(), eval_attribute(&instance.scope, a, &b.file));
            }
        }
        let child = ModuleInput {
            files: files.clone(),
            tfvars: Vec::new(),
            funcs: FuncContext { module_dir: Some(target.clone()), root: Some(root.clone()), budget: None },
            module_path: if module_path.is_empty() { ".".to_string() } else { module_path.clone() },
            arguments,
            stack: stack.clone(),
            budget: Some(scope.budget.clone()),
            ..ModuleInput::default()
        };
        let inner = evaluate_module(&child);
        let prefix = format!("module.{name}{}", instance.suffix);
        for mut r in inner.resources {
            r.address = format!("{prefix}.{}", r.address);
            r.call_chain.insert(0, (call_site.clone(), format!("{prefix} called here (source {source})")));
            result.resources.push(r);
        }
        result.not_analyzed.extend(inner.not_analyzed);
        values.push((instance.key, Value::Object(inner.outputs)));
    }
    result.value = match repetition {
        Repetition::Single => values.pop().map_or(Value::Null, |(_, v)| v),
        Repetition::Unknown => unknown(format!("module.{name} (count or for_each cannot be known)")),
        Repetition::Count => Value::Array(values.into_iter().map(|(_, v)| v).collect()),
        Repetition::ForEach => Value::Object(
            values
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Value::String(k) => Some((k, v)),
                    _ => None,
                })
                .collect(),
        ),
    };
    result
}

/// The directory of a module source: a local path (inside the scan root), or a remote module
/// that `terraform init` already installed (listed in `.terraform/modules/modules.json`).
///
/// A local path is judged from its text before the file system is touched, and a path that
/// leaves the root through a symbolic link gets the same answer whether or not its target
/// exists: the scan never reveals what lies outside the scanned directory.
fn resolve_module_source(source: &str, input: &ModuleInput) -> Result<std::path::PathBuf, String> {
    let (Some(dir), Some(root)) = (&input.funcs.module_dir, &input.funcs.root) else {
        return Err("module directory unknown".to_string());
    };
    let outside = || format!("module source `{source}` is outside the scanned directory; not followed");
    let target = if source.starts_with("./") || source.starts_with("../") {
        let dir = std::fs::canonicalize(dir).map_err(|e| format!("module directory cannot be read: {e}"))?;
        let lexical = functions::lexical_path(&dir.join(source));
        if !lexical.starts_with(root) {
            return Err(outside());
        }
        if crate::discover::through_symlink(&lexical, root) {
            match std::fs::canonicalize(&lexical) {
                Ok(real) if real.starts_with(root) => real,
                _ => return Err(outside()),
            }
        } else {
            std::fs::canonicalize(&lexical).map_err(|e| format!("module source `{source}` cannot be read: {e}"))?
        }
    } else {
        installed_module_dir(source, dir, root).ok_or_else(|| {
            format!("remote module `{source}` is not fetched (registry and git modules are never downloaded; run `terraform init` to have them analyzed from .terraform/modules)")
        })?
    };
    if !target.starts_with(root) {
        return Err(outside());
    }
    Ok(target)
}

/// Looks `source` up in the `.terraform/modules/modules.json` of the module directory or of
/// any ancestor inside the scan root (where `terraform init` ran).
fn installed_module_dir(source: &str, dir: &Path, root: &Path) -> Option<std::path::PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let mut current = Some(dir.as_path());
    while let Some(d) = current {
        if !d.starts_with(root) {
            break;
        }
        let manifest = d.join(".terraform/modules/modules.json");
        if let Ok(meta) = std::fs::metadata(&manifest)
            && meta.is_file()
            && meta.len() <= 4 * 1024 * 1024
            && let Ok(text) = std::fs::read_to_string(&manifest)
            && let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(&text)
        {
            let modules = doc.get("Modules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for m in modules {
                let recorded = m.get("Source").and_then(Value::as_str).unwrap_or_default();
                if normalize_source(recorded) == normalize_source(source)
                    && let Some(rel) = m.get("Dir").and_then(Value::as_str)
                {
                    let lexical = functions::lexical_path(&d.join(rel));
                    if lexical.starts_with(root)
                        && let Ok(found) = std::fs::canonicalize(&lexical)
                        && found.starts_with(root)
                    {
                        return Some(found);
                    }
                }
            }
        }
        current = d.parent();
    }
    None
}

/// Registry sources are recorded as `registry.terraform.io/<ns>/<name>/<provider>`.
fn normalize_source(source: &str) -> &str {
    source.strip_prefix("registry.terraform.io/").unwrap_or(source)
}

/// The `.tf` files of a module directory that could be loaded, and the ones that could not
/// (display path, reason).
struct LoadedModule {
    files: Vec<ParsedFile>,
    problems: Vec<(String, String)>,
}

/// Reads and parses the `.tf` files of a module directory (for module calls). A file that
/// cannot be read or parsed is listed with its reason (and position) and the other files
/// are still loaded; a symbolic link that leaves the scanned root is listed, never read.
fn load_module_files(dir: &Path, root: &Path) -> Result<LoadedModule, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("module directory cannot be read: {e}"))?;
    let display = |p: &Path| p.strip_prefix(root).map_or_else(|_| p.display().to_string(), |r| r.to_string_lossy().replace('\\', "/"));
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            name.ends_with(".tf") || name.ends_with(".tf.json")
        })
        .collect();
    paths.sort();
    let mut loaded = LoadedModule { files: Vec::new(), problems: Vec::new() };
    for p in paths {
        let shown = display(&p);
        // Regular files only, and a symlink only when it stays inside the scanned root (the
        // walker applies the same rule): a module never reads outside the scan.
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        let real = match std::fs::canonicalize(&p) {
            Ok(real) if real.starts_with(root) => real,
            _ if is_link => {
                loaded.problems.push((shown, "symbolic link out of the scanned directory (or broken); not followed".to_string()));
                continue;
            }
            Ok(_) => continue,
            Err(e) => {
                loaded.problems.push((shown, format!("cannot be read: {e}")));
                continue;
            }
        };
        let meta = match std::fs::metadata(&real) {
            Ok(m) => m,
            Err(e) => {
                loaded.problems.push((shown, format!("cannot be read: {e}")));
                continue;
            }
        };
        if !meta.is_file() {
            if is_link || !meta.is_dir() {
                loaded.problems.push((shown, "not a regular file; not read".to_string()));
            }
            continue;
        }
        if meta.len() > 8 * 1024 * 1024 {
            loaded.problems.push((shown, "file is over 8 MiB; not read".to_string()));
            continue;
        }
        let text = match std::fs::read_to_string(&real) {
            Ok(t) => t,
            Err(e) => {
                loaded.problems.push((shown, format!("cannot be read: {e}")));
                continue;
            }
        };
        let file = Arc::new(SourceFile::new(shown.as_str(), text));
        match parse_any(&file) {
            Ok(parsed) => loaded.files.push(parsed),
            Err(e) => {
                let at = e.span.map(|s| file.lines.position(&file.text, s.start));
                let position = at.map(|p| format!(" at line {}, column {}", p.line, p.column)).unwrap_or_default();
                loaded.problems.push((shown, format!("{}{position}", e.message)));
            }
        }
    }
    Ok(loaded)
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
            // A policy document's rendered JSON is known from its configuration.
            if b.ident == "data" && rtype == "aws_iam_policy_document" {
                for r in &mut instances {
                    let json = crate::iam::extract::policy_document_json(&r.value);
                    if let Value::Object(map) = &mut r.value {
                        map.insert("minified_json".into(), json.clone());
                        map.insert("json".into(), json);
                    }
                }
            }
            // Computed identifiers: an instance's `id` and `arn` are unknown until apply, with a
            // reason naming the instance, so every way of reaching them (`for_each` over the
            // resource and `each.value.id`, `for` expressions, splats) still says which
            // resource they belong to.
            let data_prefix = if b.ident == "data" { "data." } else { "" };
            for r in &mut instances {
                if let Value::Object(map) = &mut r.value {
                    for attr in ["id", "arn"] {
                        if !map.contains_key(attr) {
                            map.insert(attr.to_string(), unknown(format!("{data_prefix}{}.{attr}", r.address)));
                        }
                    }
                }
            }
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

/// Attributes of a `variable` block that rules see (`type` and `validation` are not values).
const VARIABLE_ATTRIBUTES: &[&str] = &["default", "sensitive", "description", "nullable"];

/// A `provider` block (kind `provider.<name>`, address `provider.<name>[.<alias>]`) or a
/// `variable` block with a `default` (kind `variable`, address `var.<name>`, value holding only
/// [`VARIABLE_ATTRIBUTES`] and the name as `$name`), so rules can judge what is written there (hard-coded credentials).
fn configuration_resource(b: &RawBlock, scope: &Scope) -> Option<Resource> {
    let label = b.labels.first()?;
    let (kind, address, value, spans) = if b.ident == "provider" {
        let (value, spans) = block_value(b, scope);
        let alias = value.get("alias").and_then(Value::as_str).map(|a| format!(".{a}")).unwrap_or_default();
        (format!("provider.{label}"), format!("provider.{label}{alias}"), value, spans)
    } else {
        b.attribute("default")?;
        let written = RawBlock {
            attributes: b.attributes.iter().filter(|a| VARIABLE_ATTRIBUTES.contains(&a.name.as_str())).cloned().collect(),
            blocks: Vec::new(),
            ..b.clone_header()
        };
        let (mut value, spans) = block_value(&written, scope);
        if let Value::Object(map) = &mut value {
            map.insert("$name".to_string(), Value::String(label.clone()));
        }
        ("variable".to_string(), format!("var.{label}"), value, spans)
    };
    let mut r = make_resource(b, kind, address, value, spans);
    r.name = Some(label.clone());
    Some(r)
}

impl RawBlock {
    /// The block without its body (attributes and nested blocks empty).
    fn clone_header(&self) -> RawBlock {
        RawBlock {
            ident: self.ident.clone(),
            labels: self.labels.clone(),
            attributes: Vec::new(),
            blocks: Vec::new(),
            span: self.span,
            ident_span: self.ident_span,
            file: self.file.clone(),
        }
    }
}

/// How a block is repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repetition {
    Single,
    Count,
    ForEach,
    /// `count`/`for_each` that cannot be known: one representative instance.
    Unknown,
}

/// One instance of a repeated block.
struct Instance {
    /// Address suffix: ``, `[0]`, `["key"]` or `[*]`.
    suffix: String,
    /// `count.index` or `each.key`.
    key: Value,
    /// The scope with `count`/`each` bound.
    scope: Scope,
}

/// How many of `wanted` instances a block may create: at most the `block-instances` limit
/// (reported when reached) and what the evaluation's instance budget grants.
fn grant_instances(b: &RawBlock, scope: &Scope, what: &str, wanted: usize) -> usize {
    let limit = scope.budget.limits.block_instances;
    if wanted > limit {
        scope.budget.hit("block-instances", format!("{what} creates {wanted} instances; only the first {limit} are analyzed"));
    }
    let n = scope.budget.take(wanted.min(limit));
    scope.budget.locate(&b.file, b.span.start, &format!("{} {}", b.ident, b.labels.join(".")));
    n
}

/// The instances `count`/`for_each` create (within the limits, see [`grant_instances`]).
fn instances(b: &RawBlock, scope: &Scope) -> (Repetition, Vec<Instance>) {
    if let Some(count) = b.attribute("count") {
        return match scope.eval(&count.expr) {
            Value::Number(n) => {
                let wanted = n.as_u64().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
                let n = grant_instances(b, scope, "count", wanted);
                let list = (0..n)
                    .map(|i| Instance {
                        suffix: format!("[{i}]"),
                        key: Value::from(i),
                        scope: scope.with("count", serde_json::json!({"index": i})),
                    })
                    .collect();
                (Repetition::Count, list)
            }
            _ => {
                let s = scope.with("count", serde_json::json!({"index": unknown("count.index")}));
                (Repetition::Unknown, vec![Instance { suffix: "[*]".into(), key: unknown("count.index"), scope: s }])
            }
        };
    }
    if let Some(for_each) = b.attribute("for_each") {
        let mut keys: Option<Vec<(String, Value)>> = match scope.eval(&for_each.expr) {
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
        // Terraform iterates maps and sets of strings in lexical order.
        if let Some(keys) = &mut keys {
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            keys.dedup_by(|a, b| a.0 == b.0);
        }
        return match keys {
            Some(keys) => {
                let n = grant_instances(b, scope, "for_each", keys.len());
                let list = keys
                    .into_iter()
                    .take(n)
                    .map(|(k, v)| Instance {
                        suffix: format!("[{}]", Value::String(k.clone())),
                        scope: scope.with("each", serde_json::json!({"key": k, "value": v})),
                        key: Value::String(k),
                    })
                    .collect();
                (Repetition::ForEach, list)
            }
            None => {
                let s = scope.with("each", serde_json::json!({"key": unknown("each.key"), "value": unknown("each.value")}));
                (Repetition::Unknown, vec![Instance { suffix: "[*]".into(), key: unknown("each.key"), scope: s }])
            }
        };
    }
    (Repetition::Single, vec![Instance { suffix: String::new(), key: Value::Null, scope: scope.clone() }])
}

/// Expands `count`/`for_each` into one resource per instance.
fn expand_instances(b: &RawBlock, scope: &Scope, kind: &str, prefix: &str, out: &mut Vec<Resource>) {
    for instance in instances(b, scope).1 {
        let (value, spans) = block_value(b, &instance.scope);
        out.push(make_resource(b, kind.to_string(), format!("{prefix}{}", instance.suffix), value, spans));
    }
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
        let value = eval_attribute(scope, a, &b.file);
        let children = a.value_spans.clone();
        map.insert(a.name.clone(), value);
        spans.push((a.name.clone(), SpanNode { origin: None, span: a.value_span, key: Some(a.key_span), children }));
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
        spans.push((name, SpanNode { origin: None, span: whole, key: Some(first), children: SpanChildren::Seq(item_spans) }));
    }
    (Value::Object(map), SpanNode { origin: None, span: b.span, key: None, children: SpanChildren::Map(spans) })
}

fn block_span_node(b: &RawBlock, inner: SpanNode) -> SpanNode {
    SpanNode { origin: None, span: b.span, key: None, children: inner.children }
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
            let n = grant_instances(nb, scope, "dynamic block", items.len());
            for (k, v) in items.into_iter().take(n) {
                let s = scope.with(&iter_name, serde_json::json!({"key": k, "value": v}));
                let (value, spans) = block_value(content, &s);
                entry.0.push(value);
                entry.1.push(block_span_node(nb, spans));
            }
        }
        None => {
            // Unknown collection: the blocks cannot be known.
            entry.0.push(unknown(format!("dynamic \"{name}\" blocks")));
            entry.1.push(SpanNode { origin: None, span: nb.span, key: None, children: SpanChildren::Leaf });
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
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars") || name == "terraform.tfvars.json" || name.ends_with(".auto.tfvars.json")
}

/// Whether `name` is a variable-definitions file (`.tfvars` or `.tfvars.json`).
pub fn is_tfvars(name: &str) -> bool {
    name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

/// Parses a Terraform file by its name: `.tf.json`/`.tfvars.json` in JSON syntax, else HCL.
pub fn parse_any(file: &Arc<SourceFile>) -> Result<ParsedFile, ParseError> {
    let name = file.path.to_ascii_lowercase();
    if name.ends_with(".tfvars.json") {
        json_syntax::parse_tfvars_json(file)
    } else if name.ends_with(".json") {
        json_syntax::parse_tf_json(file)
    } else {
        parse_file(file)
    }
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
        // Variables with a default are resources too (their default as written, not the tfvars value).
        let vars: Vec<_> = r.resources.iter().filter(|x| x.kind == "variable").collect();
        assert_eq!(vars.iter().map(|x| x.address.as_str()).collect::<Vec<_>>(), ["var.env", "var.ports"]);
        assert_eq!(vars[0].value["default"], json!("dev"));
        assert_eq!(vars[0].value["$name"], json!("env"));
        let resources: Vec<_> = r.resources.iter().filter(|x| x.kind != "variable").collect();
        let addrs: Vec<_> = resources.iter().map(|x| x.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["aws_security_group.web", "aws_subnet.data[\"a\"]", "aws_subnet.data[\"b\"]", "aws_instance.n[0]", "aws_instance.n[1]"]
        );
        let sg = resources[0];
        assert_eq!(sg.value["name"], json!("shop-prod-web"));
        assert!(is_unknown(&sg.value["vpc_id"]));
        assert_eq!(sg.value["ingress"][1]["from_port"], json!(443));
        let (loc, found) = sg.locate(&crate::model::AttributePath::from_json(&json!(["ingress", 1, "cidr_blocks", 0])).unwrap());
        assert!(found);
        assert_eq!(loc.start.line, 16);
        assert_eq!(resources[2].value["cidr_block"], json!("10.0.2.0/24"));
        assert_eq!(resources[4].value["tags"]["idx"], json!(1));
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
            funcs: FuncContext { module_dir: Some(root.clone()), root: Some(root.clone()), budget: None },
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

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn evaluate_dir(root: &Path, main: &str) -> ModuleResult {
        let file = Arc::new(SourceFile::new("main.tf", main.to_string()));
        let input = ModuleInput {
            files: vec![parse_file(&file).unwrap()],
            funcs: FuncContext { module_dir: Some(root.to_path_buf()), root: Some(root.to_path_buf()), budget: None },
            module_path: ".".into(),
            ..ModuleInput::default()
        };
        evaluate_module(&input)
    }

    #[test]
    fn module_outputs_flow_into_later_calls_and_instances_expand() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        write(
            &root,
            "modules/net/main.tf",
            "variable \"cidr\" {}\nlocals { open = var.cidr }\noutput \"ingress_cidr\" { value = local.open }\n",
        );
        write(
            &root,
            "modules/sg/main.tf",
            "variable \"cidr\" {}\nvariable \"port\" {}\nresource \"aws_security_group\" \"this\" {\n  ingress {\n    from_port   = var.port\n    cidr_blocks = [var.cidr]\n  }\n}\noutput \"id\" { value = aws_security_group.this.id }\n",
        );
        // `sg` is declared first but needs `net`'s output, through a local.
        let main = r#"
locals { cidr = module.net.ingress_cidr }
module "sg" {
  source   = "./modules/sg"
  for_each = { ssh = 22, db = 5432 }
  port     = each.value
  cidr     = local.cidr
}
module "net" {
  source = "./modules/net"
  cidr   = "0.0.0.0/0"
}
module "counted" {
  count  = 2
  source = "./modules/sg"
  port   = count.index
  cidr   = "10.0.0.0/8"
}
"#;
        let r = evaluate_dir(&root, main);
        let sgs: Vec<_> = r.resources.iter().filter(|x| x.kind == "aws_security_group").collect();
        let addrs: Vec<_> = sgs.iter().map(|x| x.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "module.sg[\"db\"].aws_security_group.this",
                "module.sg[\"ssh\"].aws_security_group.this",
                "module.counted[0].aws_security_group.this",
                "module.counted[1].aws_security_group.this"
            ]
        );
        assert_eq!(sgs[0].value["ingress"][0]["cidr_blocks"], json!(["0.0.0.0/0"]));
        assert_eq!(sgs[1].value["ingress"][0]["from_port"], json!(22));
        assert_eq!(sgs[3].value["ingress"][0]["from_port"], json!(1));
        assert_eq!(sgs[3].call_chain[0].1, "module.counted[1] called here (source ./modules/sg)");
        // The call resources, one per instance.
        let calls: Vec<_> = r.resources.iter().filter(|x| x.kind == "module").map(|x| x.address.as_str()).collect();
        assert_eq!(calls, ["module.sg[\"db\"]", "module.sg[\"ssh\"]", "module.net", "module.counted[0]", "module.counted[1]"]);
        assert!(r.not_analyzed.is_empty(), "{:?}", r.not_analyzed);
    }

    #[test]
    fn installed_registry_modules_are_read_from_modules_json() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        write(&root, ".terraform/modules/vpc/main.tf", "resource \"aws_vpc\" \"this\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n");
        write(
            &root,
            ".terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.1.0","Dir":".terraform/modules/vpc"},{"Key":"evil","Source":"git::https://x/y.git","Dir":"../../outside"}]}"#,
        );
        let main = "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\nmodule \"evil\" {\n  source = \"git::https://x/y.git\"\n}\n";
        let r = evaluate_dir(&root, main);
        let vpc: Vec<_> = r.resources.iter().filter(|x| x.kind == "aws_vpc").map(|x| x.address.as_str()).collect();
        assert_eq!(vpc, ["module.vpc.aws_vpc.this"]);
        assert_eq!(r.not_analyzed.len(), 1, "{:?}", r.not_analyzed);
        assert_eq!(r.not_analyzed[0].unit, "module.evil");
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
