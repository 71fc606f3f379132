//! Terraform expression evaluation without `terraform init`, credentials or network.
//!
//! We evaluate `hcl::Expression`s ourselves (rather than with `hcl::eval`) because Terraform
//! needs two things its evaluator does not give: *unknown* as a first-class value that flows
//! through operators, functions and templates (a reference to `aws_vpc.main.id`, an unresolved
//! variable), and functions that see context (`file()` reads only inside the module root).
//! Evaluation never fails: what cannot be computed becomes the unknown marker, whose reason
//! keeps the reference or the partially rendered template (`arn:aws:s3:::${var.bucket}/*`).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

use hcl::expr::{BinaryOperator, Expression, FuncCall, ObjectKey, Operation, TraversalOperator, UnaryOperator};
use hcl::template::{Directive, Element, Template};
use serde_json::{Map, Number, Value};

use super::functions::{self, FuncContext, error, find_error, has_unknown, is_error, unknown};
use crate::model::is_unknown;

/// Largest collection a `for` expression or `range` may produce (bounds hostile input).
const MAX_ITEMS: usize = 10_000;
/// Deepest expression nesting evaluated.
const MAX_DEPTH: usize = 200;
/// Longest string a template renders.
const MAX_RENDER: usize = 1 << 20;

/// Roots whose values are known data (variables, locals, iterators): a missing attribute or an
/// index out of range below them is an evaluation *error*, which `try()` skips. Any other bound
/// root (a resource type, `data`) holds only configured arguments, so a missing attribute there
/// is a computed one: unknown, not an error.
const VALUE_ROOTS: &[&str] = &["var", "local", "count", "each", "path", "terraform", "self"];

/// Named values visible to an expression: `var`, `local`, `count`, `each`, `path`, iterator
/// variables of `for` expressions and `dynamic` blocks. Any other root (a resource, `data`,
/// `module`) evaluates to unknown.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Shared so that copying a scope for each `count`/`for_each` instance or `for` iteration
    /// does not copy the values (which include every resource's configuration).
    bindings: BTreeMap<String, Arc<Value>>,
    /// Bound roots that hold resource configurations (see [`VALUE_ROOTS`]).
    computed: BTreeSet<String>,
    /// Rendering a `templatefile()` template: only its variables exist, a missing one is an
    /// error, and `templatefile` cannot be called again.
    template: bool,
    /// Function context (module directory, scan root).
    pub funcs: FuncContext,
    /// Instances (`count`, `for_each`, `dynamic`) the evaluation of a root module and its
    /// calls may still create; shared by every scope of that evaluation.
    pub budget: Arc<EvalBudget>,
}

/// How many block instances one root module's evaluation may expand, in total.
#[derive(Debug)]
pub struct EvalBudget {
    left: std::sync::atomic::AtomicUsize,
    exhausted: std::sync::atomic::AtomicBool,
}

impl Default for EvalBudget {
    fn default() -> Self {
        Self::new(EvalBudget::DEFAULT)
    }
}

impl EvalBudget {
    /// Default instance expansions per root module (every pass counts).
    pub const DEFAULT: usize = 200_000;

    /// A budget of `n` instances.
    pub fn new(n: usize) -> Self {
        Self { left: std::sync::atomic::AtomicUsize::new(n), exhausted: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Takes up to `n` instances; returns how many may be created.
    pub fn take(&self, n: usize) -> usize {
        use std::sync::atomic::Ordering::Relaxed;
        let mut granted = 0;
        let _ = self.left.fetch_update(Relaxed, Relaxed, |left| {
            granted = left.min(n);
            Some(left - granted)
        });
        if granted < n {
            self.exhausted.store(true, Relaxed);
        }
        granted
    }

    /// Whether some instances were refused.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Scope {
    /// A scope with function context `funcs`.
    pub fn new(funcs: FuncContext) -> Self {
        Self { funcs, ..Self::default() }
    }

    /// Binds `name` (e.g. `var`, `local`, or a resource type such as `aws_s3_bucket`).
    pub fn bind(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        if VALUE_ROOTS.contains(&name.as_str()) {
            self.computed.remove(&name);
        } else {
            self.computed.insert(name.clone());
        }
        self.bindings.insert(name, Arc::new(value));
    }

    /// A copy with the iterator or value `name` (`each`, a `for` variable) bound to `value`.
    pub fn with(&self, name: &str, value: Value) -> Scope {
        let mut s = self.clone();
        s.computed.remove(name);
        s.bindings.insert(name.to_string(), Arc::new(value));
        s
    }

    fn lookup(&self, name: &str) -> Value {
        match self.bindings.get(name) {
            Some(v) => Value::clone(v),
            None if self.template => error(format!("template variable {name} is not defined")),
            None => unknown(name.to_string()),
        }
    }

    /// True when a failed traversal of `root` is an evaluation error rather than a computed
    /// value: its root is known data, not a resource's configuration.
    fn strict_root(&self, root: &Expression) -> bool {
        match root {
            Expression::Variable(v) => self.bindings.contains_key(v.as_str()) && !self.computed.contains(v.as_str()),
            other => {
                let mut refs = Vec::new();
                references(other, &mut refs);
                refs.is_empty()
            }
        }
    }

    /// Evaluates `expr`.
    pub fn eval(&self, expr: &Expression) -> Value {
        self.eval_depth(expr, 0)
    }

    fn eval_depth(&self, expr: &Expression, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return unknown("expression nested too deeply");
        }
        let d = depth + 1;
        match expr {
            Expression::Null => Value::Null,
            Expression::Bool(b) => Value::Bool(*b),
            Expression::Number(n) => number(n),
            Expression::String(s) => Value::String(s.clone()),
            Expression::Array(items) => Value::Array(items.iter().map(|e| self.eval_depth(e, d)).collect()),
            Expression::Object(obj) => {
                let mut map = Map::new();
                for (k, v) in obj {
                    let key = match k {
                        ObjectKey::Identifier(id) => id.to_string(),
                        ObjectKey::Expression(e) => match self.eval_depth(e, d) {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            v if is_error(&v) => return v,
                            _ => return unknown("object key that cannot be known"),
                        },
                        _ => return unknown("unsupported object key"),
                    };
                    map.insert(key, self.eval_depth(v, d));
                }
                Value::Object(map)
            }
            Expression::TemplateExpr(t) => match Template::from_expr(t) {
                Ok(template) => self.render(&template, d),
                Err(e) => unknown(format!("unparsable template: {e}")),
            },
            Expression::Variable(v) => self.lookup(v.as_str()),
            Expression::Traversal(t) => {
                // A reference into a bound root (`var.x`, `aws_subnet.data["a"].cidr_block`):
                // walk the shared value without copying the root.
                if let Expression::Variable(v) = &t.expr
                    && let Some(root) = self.bindings.get(v.as_str())
                {
                    let root = Arc::clone(root);
                    return self.traverse_ref(&root, &t.operators, d, expr, self.strict_root(&t.expr));
                }
                let base = self.eval_depth(&t.expr, d);
                self.traverse(base, &t.operators, d, &reference_text(expr), self.strict_root(&t.expr))
            }
            Expression::FuncCall(call) => self.eval_call(call, d),
            Expression::Parenthesis(inner) => self.eval_depth(inner, d),
            Expression::Conditional(c) => {
                let cond = self.eval_depth(&c.cond_expr, d);
                match cond {
                    Value::Bool(true) => self.eval_depth(&c.true_expr, d),
                    Value::Bool(false) => self.eval_depth(&c.false_expr, d),
                    v if is_error(&v) => v,
                    _ => {
                        let (a, b) = (self.eval_depth(&c.true_expr, d), self.eval_depth(&c.false_expr, d));
                        if a == b && !is_unknown(&a) { a } else { unknown("conditional on a value that cannot be known") }
                    }
                }
            }
            Expression::Operation(op) => match op.as_ref() {
                Operation::Unary(u) => {
                    let v = self.eval_depth(&u.expr, d);
                    match (u.operator, &v) {
                        (_, v) if is_unknown(v) => v.clone(),
                        (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                        (UnaryOperator::Not, Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "false"),
                        (UnaryOperator::Neg, Value::Number(n)) => neg(n),
                        (UnaryOperator::Neg, Value::String(s)) => match as_f64(&v) {
                            Some(f) => num_value(-f),
                            None => error(format!("cannot negate {s:?}")),
                        },
                        _ => error("invalid operand for a unary operator"),
                    }
                }
                Operation::Binary(b) => {
                    let lhs = self.eval_depth(&b.lhs_expr, d);
                    // Short-circuit the logical operators so a known side can decide.
                    match (b.operator, &lhs) {
                        (BinaryOperator::And, Value::Bool(false)) => return Value::Bool(false),
                        (BinaryOperator::Or, Value::Bool(true)) => return Value::Bool(true),
                        _ => {}
                    }
                    let rhs = self.eval_depth(&b.rhs_expr, d);
                    binary(b.operator, &lhs, &rhs)
                }
            },
            Expression::ForExpr(f) => {
                let collection = self.eval_depth(&f.collection_expr, d);
                let items: Vec<(Value, Value)> = match collection {
                    v if is_error(&v) => return v,
                    v if is_unknown(&v) => return unknown("for expression over a collection that cannot be known"),
                    Value::Array(a) => a.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect(),
                    Value::Object(o) => object_items(o),
                    _ => return error("for expression over a value that is not a collection"),
                };
                if items.len() > MAX_ITEMS {
                    return unknown("for expression over too many items");
                }
                let mut list = Vec::new();
                let mut object = Map::new();
                let mut grouped: Map<String, Value> = Map::new();
                for (k, v) in items {
                    let mut s = self.with(f.value_var.as_str(), v);
                    if let Some(kv) = &f.key_var {
                        s = s.with(kv.as_str(), k);
                    }
                    if let Some(cond) = &f.cond_expr {
                        match s.eval_depth(cond, d) {
                            Value::Bool(true) => {}
                            Value::Bool(false) => continue,
                            v if is_error(&v) => return v,
                            _ => return unknown("for expression filter that cannot be known"),
                        }
                    }
                    let value = s.eval_depth(&f.value_expr, d);
                    match &f.key_expr {
                        None => list.push(value),
                        Some(ke) => {
                            let key = match s.eval_depth(ke, d) {
                                Value::String(s) => s,
                                Value::Number(n) => n.to_string(),
                                Value::Bool(b) => b.to_string(),
                                v if is_error(&v) => return v,
                                _ => return unknown("for expression key that cannot be known"),
                            };
                            if f.grouping {
                                if let Value::Array(a) = grouped.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                                    a.push(value);
                                }
                            } else {
                                object.insert(key, value);
                            }
                        }
                    }
                }
                match (&f.key_expr, f.grouping) {
                    (None, _) => Value::Array(list),
                    (Some(_), true) => Value::Object(grouped),
                    (Some(_), false) => Value::Object(object),
                }
            }
            _ => unknown("unsupported expression"),
        }
    }

    /// Follows `ops` from `cur`. With `strict`, a missing attribute or index is an evaluation
    /// error; otherwise (a resource's configuration) it is a computed, unknown value.
    /// [`Scope::traverse`] over a borrowed value: attribute and index steps borrow, and only
    /// the result (or the operand of a splat) is copied. The reference text for unknown
    /// reasons is only built when needed.
    fn traverse_ref(&self, base: &Value, ops: &[TraversalOperator], depth: usize, expr: &Expression, strict: bool) -> Value {
        let mut cur = base;
        for (i, op) in ops.iter().enumerate() {
            if is_unknown(cur) {
                return if is_error(cur) { cur.clone() } else { unknown(reference_text(expr)) };
            }
            let next = match op {
                TraversalOperator::GetAttr(name) => match cur {
                    Value::Object(m) => m.get(name.as_str()),
                    _ => None,
                },
                TraversalOperator::Index(e) => {
                    let idx = self.eval_depth(e, depth + 1);
                    if is_unknown(&idx) { None } else { index_ref(cur, &idx) }
                }
                TraversalOperator::LegacyIndex(n) => index_ref(cur, &Value::from(*n)),
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => None,
            };
            match next {
                Some(v) => cur = v,
                // Anything else (splats, failures, unknown indexes) takes the general path,
                // which reports it exactly as before.
                None => {
                    let rest = ops.get(i..).unwrap_or(&[]);
                    return self.traverse(cur.clone(), rest, depth, &reference_text(expr), strict);
                }
            }
        }
        cur.clone()
    }

    fn traverse(&self, base: Value, ops: &[TraversalOperator], depth: usize, text: &str, strict: bool) -> Value {
        let fail = |why: &str| if strict { error(format!("{text}: {why}")) } else { unknown(format!("{text} ({why})")) };
        let mut cur = base;
        for (i, op) in ops.iter().enumerate() {
            if is_unknown(&cur) {
                return if is_error(&cur) { cur } else { unknown(text.to_string()) };
            }
            cur = match op {
                TraversalOperator::GetAttr(name) => match &cur {
                    Value::Object(m) => match m.get(name.as_str()) {
                        Some(v) => v.clone(),
                        None => return fail(&format!("no attribute {name}")),
                    },
                    Value::Null => return fail("attribute of null"),
                    _ => return fail("attribute of a non-object"),
                },
                TraversalOperator::Index(e) => {
                    let idx = self.eval_depth(e, depth + 1);
                    if is_error(&idx) {
                        return idx;
                    }
                    if is_unknown(&idx) {
                        return unknown(text.to_string());
                    }
                    match index(&cur, &idx) {
                        Some(v) => v,
                        None if strict => return fail("invalid index"),
                        None => return unknown(text.to_string()),
                    }
                }
                TraversalOperator::LegacyIndex(n) => match index(&cur, &Value::from(*n)) {
                    Some(v) => v,
                    None if strict => return fail("invalid index"),
                    None => return unknown(text.to_string()),
                },
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                    let rest = ops.get(i + 1..).unwrap_or(&[]);
                    let items = match cur {
                        Value::Array(a) => a,
                        Value::Null => Vec::new(),
                        other => vec![other],
                    };
                    let mapped = items.into_iter().map(|item| self.traverse(item, rest, depth + 1, text, strict)).collect();
                    return Value::Array(mapped);
                }
            };
        }
        cur
    }

    fn eval_call(&self, call: &FuncCall, d: usize) -> Value {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            return unknown(format!("{}(...)", call.name));
        }
        // `try` and `can` evaluate their arguments themselves: a failure is not a value.
        if !call.expand_final {
            match name {
                "try" => return self.eval_try(&call.args, d),
                "can" => return self.eval_can(&call.args, d),
                _ => {}
            }
        }
        if name == "templatefile" && self.template {
            return error("templatefile cannot be called from a template");
        }
        let mut args: Vec<Value> = call.args.iter().map(|a| self.eval_depth(a, d)).collect();
        // An argument that failed fails the call, as in Terraform.
        if let Some(e) = args.iter().find_map(find_error) {
            return e.clone();
        }
        if call.expand_final {
            match args.pop() {
                Some(Value::Array(rest)) => args.extend(rest),
                Some(v) if is_unknown(&v) => return unknown(format!("{}(...) with an expanded argument that cannot be known", call.name)),
                Some(other) => {
                    return error(format!("{}(...) with an expanded argument that is not a list: {}", call.name, other));
                }
                None => {}
            }
        }
        functions::call(name, &args, &self.funcs).unwrap_or_else(|e| error(format!("{name}(...): {e}")))
    }

    /// `try(a, b, ...)`: the first argument that evaluates without an error. As in Terraform,
    /// an argument that depends on a value that cannot be known makes the result unknown (it
    /// might fail or succeed once known).
    fn eval_try(&self, args: &[Expression], d: usize) -> Value {
        if args.is_empty() {
            return error("try(...): at least one argument is required");
        }
        for a in args {
            if self.depends_on_unknown(a, &mut Vec::new(), d) {
                // Keep the reference (`aws_vpc_endpoint.s3.id`) when the argument is just that.
                let v = self.eval_depth(a, d);
                return if is_unknown(&v) && !is_error(&v) {
                    v
                } else {
                    unknown(format!("try(...): {} cannot be known", reference_text(a)))
                };
            }
            let v = self.eval_depth(a, d);
            if find_error(&v).is_none() {
                return v;
            }
        }
        error("try(...): no expression succeeded")
    }

    /// `can(a)`: whether `a` evaluates without an error.
    fn eval_can(&self, args: &[Expression], d: usize) -> Value {
        let [a] = args else { return error("can(...): exactly one argument is required") };
        if self.depends_on_unknown(a, &mut Vec::new(), d) {
            return unknown(format!("can(...): {} cannot be known", reference_text(a)));
        }
        let v = self.eval_depth(a, d);
        if find_error(&v).is_some() {
            Value::Bool(false)
        } else if has_unknown(&v) {
            // Something we could not compute may still have failed.
            unknown("can(...): the value cannot be known")
        } else {
            Value::Bool(true)
        }
    }

    /// Terraform's test before `try`/`can` evaluate an argument: does any variable it reads
    /// (`var.x.y`, `aws_vpc.main.id`, not the iterators of its own `for` expressions) hold an
    /// unknown value? Traversals that fail do not count.
    fn depends_on_unknown(&self, expr: &Expression, locals: &mut Vec<String>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let d = depth + 1;
        let unknown_value = |v: &Value| !is_error(v) && has_unknown(v);
        match expr {
            Expression::Variable(v) => !locals.iter().any(|l| l == v.as_str()) && unknown_value(&self.lookup(v.as_str())),
            Expression::Traversal(t) => {
                for op in &t.operators {
                    if let TraversalOperator::Index(e) = op
                        && self.depends_on_unknown(e, locals, d)
                    {
                        return true;
                    }
                }
                match &t.expr {
                    Expression::Variable(v) if locals.iter().any(|l| l == v.as_str()) => false,
                    Expression::Variable(v) => {
                        let static_ops = t
                            .operators
                            .iter()
                            .take_while(|op| {
                                matches!(
                                    op,
                                    TraversalOperator::GetAttr(_)
                                        | TraversalOperator::LegacyIndex(_)
                                        | TraversalOperator::Index(Expression::Number(_) | Expression::String(_))
                                )
                            })
                            .count();
                        let ops = t.operators.get(..static_ops).unwrap_or(&[]);
                        let value = self.traverse(self.lookup(v.as_str()), ops, d, v.as_str(), self.strict_root(&t.expr));
                        unknown_value(&value)
                    }
                    other => self.depends_on_unknown(other, locals, d),
                }
            }
            Expression::Array(items) => items.iter().any(|e| self.depends_on_unknown(e, locals, d)),
            Expression::Object(o) => o.iter().any(|(k, v)| {
                matches!(k, ObjectKey::Expression(e) if self.depends_on_unknown(e, locals, d)) || self.depends_on_unknown(v, locals, d)
            }),
            Expression::FuncCall(c) => c.args.iter().any(|e| self.depends_on_unknown(e, locals, d)),
            Expression::Parenthesis(e) => self.depends_on_unknown(e, locals, d),
            Expression::Conditional(c) => [&c.cond_expr, &c.true_expr, &c.false_expr].iter().any(|e| self.depends_on_unknown(e, locals, d)),
            Expression::Operation(op) => match op.as_ref() {
                Operation::Unary(u) => self.depends_on_unknown(&u.expr, locals, d),
                Operation::Binary(b) => self.depends_on_unknown(&b.lhs_expr, locals, d) || self.depends_on_unknown(&b.rhs_expr, locals, d),
            },
            Expression::ForExpr(f) => {
                if self.depends_on_unknown(&f.collection_expr, locals, d) {
                    return true;
                }
                let before = locals.len();
                locals.push(f.value_var.to_string());
                if let Some(k) = &f.key_var {
                    locals.push(k.to_string());
                }
                let found = [Some(&f.value_expr), f.key_expr.as_ref(), f.cond_expr.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|e| self.depends_on_unknown(e, locals, d));
                locals.truncate(before);
                found
            }
            Expression::TemplateExpr(t) => match Template::from_expr(t) {
                Ok(template) => self.template_depends_on_unknown(&template, locals, d),
                Err(_) => false,
            },
            _ => false,
        }
    }

    fn template_depends_on_unknown(&self, t: &Template, locals: &mut Vec<String>, depth: usize) -> bool {
        t.elements().iter().any(|e| match e {
            Element::Literal(_) => false,
            Element::Interpolation(i) => self.depends_on_unknown(&i.expr, locals, depth),
            Element::Directive(dir) => match dir.as_ref() {
                Directive::If(i) => {
                    self.depends_on_unknown(&i.cond_expr, locals, depth)
                        || self.template_depends_on_unknown(&i.true_template, locals, depth)
                        || i.false_template.as_ref().is_some_and(|f| self.template_depends_on_unknown(f, locals, depth))
                }
                Directive::For(f) => {
                    if self.depends_on_unknown(&f.collection_expr, locals, depth) {
                        return true;
                    }
                    let before = locals.len();
                    locals.push(f.value_var.to_string());
                    if let Some(k) = &f.key_var {
                        locals.push(k.to_string());
                    }
                    let found = self.template_depends_on_unknown(&f.template, locals, depth);
                    locals.truncate(before);
                    found
                }
            },
        })
    }

    fn render(&self, template: &Template, depth: usize) -> Value {
        let mut out = String::new();
        let mut state = RenderState::default();
        self.render_into(template, depth, &mut out, &mut state, (false, false));
        match state.error {
            Some(e) => e,
            None if state.partial => unknown(out),
            None => Value::String(out),
        }
    }

    /// Renders `template` into `out`. `strip` says whether the directive around it strips the
    /// whitespace at its start and at its end (`~`).
    fn render_into(&self, template: &Template, depth: usize, out: &mut String, state: &mut RenderState, strip: (bool, bool)) {
        let elements = template.elements();
        for (i, element) in elements.iter().enumerate() {
            if state.error.is_some() {
                return;
            }
            if out.len() > MAX_RENDER {
                state.partial = true;
                return;
            }
            match element {
                Element::Literal(s) => {
                    let trim_start = if i == 0 { strip.0 } else { elements.get(i - 1).is_some_and(|e| strips(e).1) };
                    let trim_end = elements.get(i + 1).map_or(strip.1, |e| strips(e).0);
                    out.push_str(strip_literal(s, trim_start, trim_end));
                }
                Element::Interpolation(i) => match self.eval_depth(&i.expr, depth) {
                    Value::String(s) => out.push_str(&s),
                    Value::Number(n) => out.push_str(&functions::number_text(&n)),
                    Value::Bool(b) => out.push_str(&b.to_string()),
                    v if is_error(&v) => state.error = Some(v),
                    v if is_unknown(&v) => {
                        state.partial = true;
                        out.push_str(&format!("${{{}}}", reference_text(&i.expr)));
                    }
                    _ => {
                        state.partial = true;
                        out.push_str("${?}");
                    }
                },
                Element::Directive(dir) => match dir.as_ref() {
                    Directive::If(ifd) => match self.eval_depth(&ifd.cond_expr, depth) {
                        Value::Bool(true) => {
                            let end = if ifd.false_template.is_some() { ifd.else_strip } else { ifd.endif_strip };
                            self.render_into(&ifd.true_template, depth, out, state, (ifd.if_strip.strip_end(), end.strip_start()));
                        }
                        Value::Bool(false) => {
                            if let Some(f) = &ifd.false_template {
                                self.render_into(f, depth, out, state, (ifd.else_strip.strip_end(), ifd.endif_strip.strip_start()));
                            }
                        }
                        v if is_error(&v) => state.error = Some(v),
                        _ => {
                            state.partial = true;
                            out.push_str("%{if ?}");
                        }
                    },
                    Directive::For(ford) => {
                        let items: Vec<(Value, Value)> = match self.eval_depth(&ford.collection_expr, depth) {
                            v if is_error(&v) => {
                                state.error = Some(v);
                                return;
                            }
                            Value::Array(a) => a.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect(),
                            Value::Object(o) if !is_unknown(&Value::Object(o.clone())) => object_items(o),
                            _ => {
                                state.partial = true;
                                out.push_str("%{for ?}");
                                continue;
                            }
                        };
                        for (k, v) in items.into_iter().take(MAX_ITEMS) {
                            let mut s = self.with(ford.value_var.as_str(), v);
                            if let Some(kv) = &ford.key_var {
                                s = s.with(kv.as_str(), k);
                            }
                            s.render_into(&ford.template, depth, out, state, (ford.for_strip.strip_end(), ford.endfor_strip.strip_start()));
                        }
                    }
                },
            }
        }
    }
}

/// Whether a template element strips the whitespace before it and after it (`~`).
fn strips(e: &Element) -> (bool, bool) {
    match e {
        Element::Literal(_) => (false, false),
        Element::Interpolation(i) => (i.strip.strip_start(), i.strip.strip_end()),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => (i.if_strip.strip_start(), i.endif_strip.strip_end()),
            Directive::For(f) => (f.for_strip.strip_start(), f.endfor_strip.strip_end()),
        },
    }
}

/// Strip markers remove all whitespace (line breaks included) after a `~}` (`trim_start`) and
/// before a `${~`/`%{~` (`trim_end`), as HCL does.
fn strip_literal(mut s: &str, trim_start: bool, trim_end: bool) -> &str {
    if trim_start {
        s = s.trim_start();
    }
    if trim_end {
        s = s.trim_end();
    }
    s
}

#[derive(Default)]
struct RenderState {
    /// Some part could not be known.
    partial: bool,
    /// Some part failed (the whole template fails).
    error: Option<Value>,
}

/// An object's entries in Terraform's iteration order (lexical by key).
fn object_items(o: Map<String, Value>) -> Vec<(Value, Value)> {
    let mut items: Vec<(String, Value)> = o.into_iter().collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
}

/// Renders a `templatefile()` template: `vars` are its only variables. Errors are Terraform's
/// (an invalid template or variable name); a failure inside comes back as an error value.
pub fn render_template(text: &str, vars: &Map<String, Value>, funcs: &FuncContext) -> Result<Value, String> {
    let template = Template::from_str(text).map_err(|e| format!("invalid template: {e}"))?;
    let mut scope = Scope::new(funcs.clone());
    scope.template = true;
    for (k, v) in vars {
        let mut chars = k.chars();
        let valid =
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!("invalid template variable name {k:?}"));
        }
        scope.bindings.insert(k.clone(), Arc::new(v.clone()));
    }
    Ok(scope.render(&template, 0))
}

fn number(n: &hcl::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64().and_then(Number::from_f64).map_or(Value::Null, Value::Number)
    }
}

fn neg(n: &Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(-i)
    } else {
        n.as_f64().and_then(|f| Number::from_f64(-f)).map_or_else(|| unknown("invalid number"), Value::Number)
    }
}

fn index_ref<'v>(cur: &'v Value, idx: &Value) -> Option<&'v Value> {
    match (cur, idx) {
        (Value::Array(a), Value::Number(n)) => a.get(usize::try_from(n.as_u64()?).ok()?),
        (Value::Array(a), Value::String(s)) => a.get(s.parse::<usize>().ok()?),
        (Value::Object(m), Value::String(s)) => m.get(s),
        (Value::Object(m), Value::Number(n)) => m.get(&n.to_string()),
        _ => None,
    }
}

fn index(cur: &Value, idx: &Value) -> Option<Value> {
    match (cur, idx) {
        (Value::Array(a), Value::Number(n)) => a.get(usize::try_from(n.as_u64()?).ok()?).cloned(),
        (Value::Array(a), Value::String(s)) => a.get(s.parse::<usize>().ok()?).cloned(),
        (Value::Object(m), Value::String(s)) => m.get(s).cloned(),
        (Value::Object(m), Value::Number(n)) => m.get(&n.to_string()).cloned(),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn num_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(f as i64);
    }
    Number::from_f64(f).map_or_else(|| unknown("arithmetic overflow"), Value::Number)
}

/// Terraform's equality: numbers compare by value (`1 == 1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> Value {
    use BinaryOperator as B;
    if is_error(lhs) {
        return lhs.clone();
    }
    if is_error(rhs) {
        return rhs.clone();
    }
    match op {
        B::And | B::Or => match (lhs, rhs) {
            (Value::Bool(a), Value::Bool(b)) => Value::Bool(if op == B::And { *a && *b } else { *a || *b }),
            (_, Value::Bool(false)) if op == B::And => Value::Bool(false),
            (_, Value::Bool(true)) if op == B::Or => Value::Bool(true),
            _ => unknown("logical operator on a value that cannot be known"),
        },
        _ if crate::model::is_unknown(lhs) || crate::model::is_unknown(rhs) => unknown("operation on a value that cannot be known"),
        B::Eq => Value::Bool(equal(lhs, rhs)),
        B::NotEq => Value::Bool(!equal(lhs, rhs)),
        _ => {
            let (Some(a), Some(b)) = (as_f64(lhs), as_f64(rhs)) else { return error("arithmetic on a non-number") };
            match op {
                B::Less => Value::Bool(a < b),
                B::LessEq => Value::Bool(a <= b),
                B::Greater => Value::Bool(a > b),
                B::GreaterEq => Value::Bool(a >= b),
                B::Plus => num_value(a + b),
                B::Minus => num_value(a - b),
                B::Mul => num_value(a * b),
                B::Div if b != 0.0 => num_value(a / b),
                B::Mod if b != 0.0 => num_value(a % b),
                _ => error("division by zero"),
            }
        }
    }
}

/// Source-like text of a reference, for unknown reasons (`aws_vpc.main.id`, `var.tags["a"]`).
pub fn reference_text(expr: &Expression) -> String {
    match expr {
        Expression::Variable(v) => v.to_string(),
        Expression::Traversal(t) => {
            let mut s = reference_text(&t.expr);
            for op in &t.operators {
                match op {
                    TraversalOperator::GetAttr(a) => {
                        s.push('.');
                        s.push_str(a.as_str());
                    }
                    TraversalOperator::Index(Expression::Number(n)) => s.push_str(&format!("[{n}]")),
                    TraversalOperator::Index(Expression::String(k)) => s.push_str(&format!("[{k:?}]")),
                    TraversalOperator::Index(_) => s.push_str("[…]"),
                    TraversalOperator::LegacyIndex(n) => s.push_str(&format!(".{n}")),
                    TraversalOperator::AttrSplat => s.push_str(".*"),
                    TraversalOperator::FullSplat => s.push_str("[*]"),
                }
            }
            s
        }
        Expression::FuncCall(c) => format!("{}(…)", c.name),
        _ => "…".to_string(),
    }
}

/// Every `root.name` reference in `expr` whose root is not a scope binding: resource graph
/// edges (`aws_vpc.main`, `data.aws_iam_policy_document.x`, `module.vpc`).
pub fn references(expr: &Expression, out: &mut Vec<String>) {
    walk_references(expr, false, out);
}

/// Every `root.name` reference in `expr`, scope bindings included (`var.x`, `local.y`,
/// `module.z`, `aws_s3_bucket.b`, `data.t.n`).
pub fn all_references(expr: &Expression, out: &mut Vec<String>) {
    walk_references(expr, true, out);
}

fn walk_references(expr: &Expression, all: bool, out: &mut Vec<String>) {
    match expr {
        Expression::Traversal(t) => {
            let mut parts = Vec::new();
            if let Expression::Variable(v) = &t.expr {
                parts.push(v.to_string());
                for op in &t.operators {
                    match op {
                        TraversalOperator::GetAttr(a) if parts.len() < if v.as_str() == "data" { 3 } else { 2 } => {
                            parts.push(a.to_string())
                        }
                        _ => break,
                    }
                }
                let root = v.as_str();
                if (all || !matches!(root, "var" | "local" | "count" | "each" | "path" | "terraform" | "self")) && parts.len() >= 2 {
                    out.push(parts.join("."));
                }
            } else {
                walk_references(&t.expr, all, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    walk_references(e, all, out);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| walk_references(e, all, out)),
        Expression::Object(o) => o.iter().for_each(|(_, v)| walk_references(v, all, out)),
        Expression::FuncCall(c) => c.args.iter().for_each(|e| walk_references(e, all, out)),
        Expression::Parenthesis(e) => walk_references(e, all, out),
        Expression::Conditional(c) => {
            walk_references(&c.cond_expr, all, out);
            walk_references(&c.true_expr, all, out);
            walk_references(&c.false_expr, all, out);
        }
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(u) => walk_references(&u.expr, all, out),
            Operation::Binary(b) => {
                walk_references(&b.lhs_expr, all, out);
                walk_references(&b.rhs_expr, all, out);
            }
        },
        Expression::ForExpr(f) => {
            walk_references(&f.collection_expr, all, out);
            walk_references(&f.value_expr, all, out);
        }
        Expression::TemplateExpr(t) => {
            if let Ok(template) = Template::from_expr(t) {
                template_references(&template, all, out);
            }
        }
        _ => {}
    }
}

fn template_references(t: &Template, all: bool, out: &mut Vec<String>) {
    for e in t.elements() {
        match e {
            Element::Interpolation(i) => walk_references(&i.expr, all, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    walk_references(&i.cond_expr, all, out);
                    template_references(&i.true_template, all, out);
                    if let Some(f) = &i.false_template {
                        template_references(f, all, out);
                    }
                }
                Directive::For(f) => {
                    walk_references(&f.collection_expr, all, out);
                    template_references(&f.template, all, out);
                }
            },
            Element::Literal(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(src: &str, scope: &Scope) -> Value {
        let expr: Expression = hcl::edit::parser::parse_expr(src).unwrap().into();
        scope.eval(&expr)
    }

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.bind("var", json!({"env": "prod", "n": 3, "tags": {"team": "sec"}, "cidrs": ["10.0.0.0/8"]}));
        s.bind("local", json!({"name": "app-prod"}));
        s
    }

    #[test]
    fn literals_references_and_operators() {
        let s = scope();
        assert_eq!(eval("var.env == \"prod\" ? 3 : 1", &s), json!(3));
        assert_eq!(eval("var.n * 2 + 1", &s), json!(7));
        assert_eq!(eval("\"${local.name}-logs\"", &s), json!("app-prod-logs"));
        assert_eq!(eval("var.tags[\"team\"]", &s), json!("sec"));
        assert_eq!(eval("[for c in var.cidrs : upper(c)]", &s).as_array().map(Vec::len), Some(1));
        assert_eq!(eval("{for k, v in var.tags : v => k}", &s), json!({"sec": "team"}));
        assert_eq!(eval("!(var.n > 2)", &s), json!(false));
    }

    #[test]
    fn unknown_references_stay_unknown_and_keep_their_text() {
        let s = scope();
        let v = eval("aws_vpc.main.id", &s);
        assert!(is_unknown(&v));
        assert_eq!(v["$unknown"], "aws_vpc.main.id");
        let v = eval("\"arn:aws:s3:::${var.bucket_missing}/*\"", &s);
        assert!(is_unknown(&v));
        let v = eval("\"arn:aws:s3:::${aws_s3_bucket.b.id}/*\"", &s);
        assert_eq!(v["$unknown"], "arn:aws:s3:::${aws_s3_bucket.b.id}/*");
        assert!(is_unknown(&eval("aws_vpc.main.id == \"x\"", &s)));
        assert_eq!(eval("false && aws_x.y.z", &s), json!(false));
        assert_eq!(eval("aws_x.y.z || true", &s), json!(true));
        assert_eq!(eval("aws_x.y.z ? 1 : 1", &s), json!(1));
    }

    #[test]
    fn template_directives() {
        let s = scope();
        assert_eq!(eval(r#""%{ if var.env == "prod" }p%{ else }d%{ endif }""#, &s), json!("p"));
        assert_eq!(eval("\"%{ for c in var.cidrs }[${c}]%{ endfor }\"", &s), json!("[10.0.0.0/8]"));
    }

    #[test]
    fn splats_and_references() {
        let mut s = scope();
        s.bind("list", json!([{"id": "a"}, {"id": "b"}]));
        assert_eq!(eval("list[*].id", &s), json!(["a", "b"]));
        let expr: Expression =
            hcl::edit::parser::parse_expr("merge(var.tags, { vpc = aws_vpc.main.id, d = data.aws_caller_identity.me.account_id })")
                .unwrap()
                .into();
        let mut refs = Vec::new();
        references(&expr, &mut refs);
        assert_eq!(refs, ["aws_vpc.main", "data.aws_caller_identity.me"]);
    }
}
