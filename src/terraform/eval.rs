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
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hcl::expr::{BinaryOperator, Expression, FuncCall, ObjectKey, Operation, TraversalOperator, UnaryOperator};
use hcl::template::{Directive, Element, Template};
use serde_json::{Map, Number, Value};

use super::functions::{self, FuncContext, error, find_error, has_unknown, is_error, unknown};
use crate::limits::AnalysisLimits;
use crate::model::is_unknown;

/// Largest collection a `for` expression or `range` may produce (bounds hostile input).
const MAX_ITEMS: usize = 10_000;
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
    /// copies neither the names nor the values (which include every resource's configuration).
    bindings: Arc<BTreeMap<String, Arc<Value>>>,
    /// Bound roots that hold resource configurations (see [`VALUE_ROOTS`]).
    computed: Arc<BTreeSet<String>>,
    /// Iterators and instance values (`each`, `count`, `for` variables) bound over
    /// `bindings`, innermost last: never resource configurations.
    iterators: Vec<(Arc<str>, Arc<Value>)>,
    /// Rendering a `templatefile()` template: only its variables exist, a missing one is an
    /// error, and `templatefile` cannot be called again.
    template: bool,
    /// Function context (module directory, scan root).
    pub funcs: FuncContext,
    /// Instances (`count`, `for_each`, `dynamic`) the evaluation of a root module and its
    /// calls may still create; shared by every scope of that evaluation.
    pub budget: Arc<EvalBudget>,
}

/// What one root module's evaluation (with every module it calls) may still spend: block
/// instances, value elements and bytes built or copied, and wall time. Shared by every scope
/// of that evaluation. Reaching a limit is recorded under the limit's name (see
/// [`crate::limits`]); a limit that stops the evaluation makes every later expression
/// evaluate to unknown at once, so a hostile module ends quickly instead of exhausting memory.
#[derive(Debug)]
pub struct EvalBudget {
    /// The limits in force.
    pub limits: AnalysisLimits,
    instances_left: AtomicUsize,
    elements: AtomicU64,
    bytes: AtomicU64,
    ticks: AtomicU32,
    deadline: Option<Instant>,
    stopped: AtomicBool,
    modules_left: AtomicUsize,
    /// Limits reached and not yet attributed to a location: (limit name, detail).
    pending: Mutex<Vec<(&'static str, String)>>,
    has_pending: AtomicBool,
    located: Mutex<Vec<LimitHit>>,
}

/// A limit reached, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitHit {
    /// The limit's name (see [`crate::limits::LIMITS`]).
    pub limit: &'static str,
    /// What reached it.
    pub detail: String,
    /// File (display path).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The construct being evaluated (an attribute, a module).
    pub unit: String,
}

impl Default for EvalBudget {
    fn default() -> Self {
        Self::new(AnalysisLimits::default(), None)
    }
}

/// Reason of the unknown values produced once a limit has stopped an evaluation.
pub const STOPPED: &str = "evaluation stopped: an analysis limit was reached";

impl EvalBudget {
    /// A budget for `limits`, ending at `deadline` (the unit's time budget, or the scan's
    /// `--timeout`, whichever comes first).
    pub fn new(limits: AnalysisLimits, deadline: Option<Instant>) -> Self {
        Self {
            instances_left: AtomicUsize::new(limits.instances),
            modules_left: AtomicUsize::new(limits.module_evaluations),
            has_pending: AtomicBool::new(false),
            located: Mutex::new(Vec::new()),
            limits,
            elements: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            ticks: AtomicU32::new(0),
            deadline,
            stopped: AtomicBool::new(false),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Takes up to `n` instances; returns how many may be created.
    pub fn take(&self, n: usize) -> usize {
        let mut granted = 0;
        let _ = self.instances_left.fetch_update(Relaxed, Relaxed, |left| {
            granted = left.min(n);
            Some(left - granted)
        });
        if granted < n {
            self.hit("instances", "block instances of this module and the modules it calls; the rest are not analyzed".to_string());
        }
        granted
    }

    /// Records that limit `name` was reached.
    pub fn hit(&self, name: &'static str, detail: String) {
        if let Ok(mut pending) = self.pending.lock()
            && !pending.iter().any(|(n, d)| *n == name && *d == detail)
        {
            pending.push((name, detail));
            self.has_pending.store(true, Relaxed);
        }
    }

    /// Takes one module evaluation; false when none is left (recorded).
    pub fn take_module(&self) -> bool {
        let ok = self.modules_left.fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1)).is_ok();
        if !ok {
            self.hit("module-evaluations", "module evaluations under this root module; the rest are not analyzed".to_string());
        }
        ok
    }

    /// Attributes the limits reached since the last call to the line of byte `at` of `file`
    /// (`unit`: what was being evaluated).
    pub fn locate(&self, file: &crate::model::SourceFile, at: usize, unit: &str) {
        if !self.has_pending.swap(false, Relaxed) {
            return;
        }
        let line = file.lines.position(&file.text, at).line;
        let pending = self.take_pending();
        if let Ok(mut located) = self.located.lock() {
            for (limit, detail) in pending {
                let hit = LimitHit { limit, detail, file: file.path.to_string(), line, unit: unit.to_string() };
                if !located.contains(&hit) {
                    located.push(hit);
                }
            }
        }
    }

    /// Every limit reached, with where.
    pub fn take_located(&self) -> Vec<LimitHit> {
        self.located.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
    }

    /// Records that limit `name` was reached and stops the evaluation.
    pub fn stop(&self, name: &'static str, detail: String) {
        if !self.stopped.swap(true, Relaxed) {
            self.hit(name, detail);
        }
    }

    /// Whether a limit stopped the evaluation.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Relaxed)
    }

    /// Limits reached since the last call, as (limit name, detail).
    pub fn take_pending(&self) -> Vec<(&'static str, String)> {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }

    /// Counts one evaluation step and checks the deadline every few thousand steps.
    fn tick(&self) {
        if let Some(deadline) = self.deadline
            && self.ticks.fetch_add(1, Relaxed).is_multiple_of(4096)
            && Instant::now() >= deadline
        {
            self.stop("unit-time", "evaluation of this module ran out of time".to_string());
        }
    }

    /// Charges `elements` values and `bytes` string bytes; false (and the evaluation stops)
    /// when that goes over a limit.
    fn charge(&self, elements: u64, bytes: u64) -> bool {
        if elements > 0 && self.elements.fetch_add(elements, Relaxed).saturating_add(elements) > self.limits.value_elements {
            self.stop("value-elements", "values built or copied by this module evaluation".to_string());
            return false;
        }
        if bytes > 0 && self.bytes.fetch_add(bytes, Relaxed).saturating_add(bytes) > self.limits.value_bytes {
            self.stop("value-bytes", "string bytes built or copied by this module evaluation".to_string());
            return false;
        }
        true
    }

    /// Charges a copy of `v` (every element and string byte in it).
    fn charge_deep(&self, v: &Value) -> bool {
        let remaining = self.limits.value_elements.saturating_sub(self.elements.load(Relaxed));
        let (elements, bytes) = weight(v, remaining.saturating_add(1));
        self.charge(elements, bytes)
    }
}

/// Elements and string bytes of `v`, counting at most `cap` elements (walked without
/// recursion: values can be as deep as the parsers allow).
fn weight(v: &Value, cap: u64) -> (u64, u64) {
    let (mut elements, mut bytes) = (0u64, 0u64);
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        elements += 1;
        if elements > cap {
            break;
        }
        match v {
            Value::String(s) => bytes += s.len() as u64,
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => {
                for (k, v) in o {
                    bytes += k.len() as u64;
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    (elements, bytes)
}

impl Scope {
    /// A scope with function context `funcs`.
    pub fn new(funcs: FuncContext) -> Self {
        Self { funcs, ..Self::default() }
    }

    /// Binds `name` (e.g. `var`, `local`, or a resource type such as `aws_s3_bucket`).
    pub fn bind(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        self.iterators.retain(|(n, _)| **n != *name);
        if VALUE_ROOTS.contains(&name.as_str()) {
            if self.computed.contains(&name) {
                Arc::make_mut(&mut self.computed).remove(&name);
            }
        } else if !self.computed.contains(&name) {
            Arc::make_mut(&mut self.computed).insert(name.clone());
        }
        Arc::make_mut(&mut self.bindings).insert(name, Arc::new(value));
    }

    /// Sets `root.key` (a local, say) in place: the bound object is copied only when another
    /// scope still shares it.
    pub fn bind_entry(&mut self, root: &str, key: String, value: Value) {
        let slot = Arc::make_mut(&mut self.bindings).entry(root.to_string()).or_insert_with(|| Arc::new(Value::Object(Map::new())));
        if let Value::Object(map) = Arc::make_mut(slot) {
            map.insert(key, value);
        }
    }

    /// A copy with the iterator or value `name` (`each`, a `for` variable) bound to `value`.
    pub fn with(&self, name: &str, value: Value) -> Scope {
        let mut s = self.clone();
        s.iterators.retain(|(n, _)| **n != *name);
        s.iterators.push((Arc::from(name), Arc::new(value)));
        s
    }

    /// The value bound to `name`, iterators first.
    fn binding(&self, name: &str) -> Option<&Arc<Value>> {
        match self.iterators.iter().rev().find(|(n, _)| **n == *name) {
            Some((_, v)) => Some(v),
            None => self.bindings.get(name),
        }
    }

    /// Whether `name` holds resource configurations (see [`VALUE_ROOTS`]).
    fn is_computed(&self, name: &str) -> bool {
        !self.iterators.iter().any(|(n, _)| **n == *name) && self.computed.contains(name)
    }

    fn lookup(&self, name: &str) -> Value {
        match self.binding(name) {
            Some(v) => {
                if !self.budget.charge_deep(v) {
                    return unknown(STOPPED);
                }
                Value::clone(v)
            }
            None if self.template => error(format!("template variable {name} is not defined")),
            None => unknown(name.to_string()),
        }
    }

    /// True when a failed traversal of `root` is an evaluation error rather than a computed
    /// value: its root is known data, not a resource's configuration.
    fn strict_root(&self, root: &Expression) -> bool {
        match root {
            Expression::Variable(v) => self.binding(v.as_str()).is_some() && !self.is_computed(v.as_str()),
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
        if !self.enter(depth) {
            return unknown(STOPPED);
        }
        let value = self.eval_inner(expr, depth + 1);
        // Charge what this step built or copied: a copy of a bound value (a reference, a
        // function result) in full, a constructed collection by its own entries (its items
        // were charged when they were evaluated), a rendered string by its bytes.
        let charged = match (expr, &value) {
            (_, Value::Null | Value::Bool(_) | Value::Number(_)) => true,
            // References are charged before they copy (see `lookup` and `traverse_ref`).
            (Expression::FuncCall(_), v) => self.budget.charge_deep(v),
            (Expression::Array(_) | Expression::Object(_) | Expression::ForExpr(_), Value::Array(a)) => {
                self.budget.charge(a.len() as u64, 0)
            }
            (Expression::Array(_) | Expression::Object(_) | Expression::ForExpr(_), Value::Object(o)) => {
                self.budget.charge(o.len() as u64, o.keys().map(|k| k.len() as u64).sum())
            }
            (Expression::TemplateExpr(_), Value::String(s)) => self.budget.charge(1, s.len() as u64),
            _ => true,
        };
        if charged { value } else { unknown(STOPPED) }
    }

    /// Before an evaluation step: false when the evaluation was stopped by a limit or is
    /// deeper than the `eval-depth` limit (recorded). Counts the step for the time budget.
    fn enter(&self, depth: usize) -> bool {
        if self.budget.stopped() {
            return false;
        }
        if depth > self.budget.limits.eval_depth {
            self.budget.hit("eval-depth", "an expression nested, chained or spread (splats) too deeply".to_string());
            return false;
        }
        self.budget.tick();
        true
    }

    fn eval_inner(&self, expr: &Expression, d: usize) -> Value {
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
                    && let Some(root) = self.binding(v.as_str())
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
                    if !self.budget.charge_deep(cur) {
                        return unknown(STOPPED);
                    }
                    let rest = ops.get(i..).unwrap_or(&[]);
                    return self.traverse(cur.clone(), rest, depth, &reference_text(expr), strict);
                }
            }
        }
        // Charged before the copy is made, so a copy over the limit is never built.
        if !self.budget.charge_deep(cur) {
            return unknown(STOPPED);
        }
        cur.clone()
    }

    fn traverse(&self, base: Value, ops: &[TraversalOperator], depth: usize, text: &str, strict: bool) -> Value {
        if !self.enter(depth) {
            return unknown(STOPPED);
        }
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
        if !self.enter(depth) {
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
        if !self.enter(depth) {
            state.partial = true;
            return;
        }
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
                            self.render_into(&ifd.true_template, depth + 1, out, state, (ifd.if_strip.strip_end(), end.strip_start()));
                        }
                        Value::Bool(false) => {
                            if let Some(f) = &ifd.false_template {
                                self.render_into(f, depth + 1, out, state, (ifd.else_strip.strip_end(), ifd.endif_strip.strip_start()));
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
                            if out.len() > MAX_RENDER || state.error.is_some() || self.budget.stopped() {
                                state.partial |= state.error.is_none();
                                break;
                            }
                            let mut s = self.with(ford.value_var.as_str(), v);
                            if let Some(kv) = &ford.key_var {
                                s = s.with(kv.as_str(), k);
                            }
                            s.render_into(
                                &ford.template,
                                depth + 1,
                                out,
                                state,
                                (ford.for_strip.strip_end(), ford.endfor_strip.strip_start()),
                            );
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
    if let Some(budget) = &funcs.budget {
        scope.budget = budget.clone();
    }
    scope.template = true;
    for (k, v) in vars {
        let mut chars = k.chars();
        let valid =
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!("invalid template variable name {k:?}"));
        }
        Arc::make_mut(&mut scope.bindings).insert(k.clone(), Arc::new(v.clone()));
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
