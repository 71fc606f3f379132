//! The tree-walking interpreter.
//!
//! Walks a parsed template with a dot value, writing output together with its provenance
//! segments. Every node, command and loop iteration costs a step; the step budget, the
//! deadline, the include depth and the output size are checked as it goes, so a hostile chart
//! ends in a [`TemplateError`] naming the limit instead of a hang.

use std::sync::Arc;
use std::time::Instant;

use super::parse::{Arg, Cmd, Node, Pipe, Pos};
use super::value::{Kind, Value, ValuesPath};
use super::{ErrorKind, RenderLimits, Segment, TemplateError, TemplateSet, Tpl, fmt, funcs};

/// Deepest nesting of evaluation (blocks, parentheses, includes together).
const MAX_EXEC_NESTING: usize = 3_000;

/// Output with provenance.
#[derive(Default)]
pub(crate) struct Out {
    pub text: String,
    pub segs: Vec<Segment>,
}

impl Out {
    pub(crate) fn push_seg(&mut self, seg: Segment) {
        if let Some(last) = self.segs.last_mut() {
            if last.start == seg.start {
                *last = seg;
                return;
            }
            if last.template == seg.template && last.line == seg.line && last.column == seg.column && last.values_path == seg.values_path {
                return;
            }
        }
        self.segs.push(seg);
    }

    /// Appends a string value's text; its own segments (if any) are shifted in after `base`.
    pub(crate) fn push_value_text(&mut self, text: &str, segs: Option<&[Segment]>, base: Segment) {
        let at = self.text.len();
        let mut base = base;
        base.start = at;
        if !text.is_empty() {
            self.push_seg(base);
        }
        if let Some(segs) = segs {
            for s in segs {
                if s.start < text.len() {
                    let mut s = s.clone();
                    s.start += at;
                    self.push_seg(s);
                }
            }
        }
        self.text.push_str(text);
    }
}

pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
}

/// An error from a function: a message (placed at the call by the caller) or a complete error.
pub(crate) enum FnError {
    Msg(String),
    Full(Box<TemplateError>),
}

impl From<String> for FnError {
    fn from(s: String) -> Self {
        FnError::Msg(s)
    }
}

impl From<&str> for FnError {
    fn from(s: &str) -> Self {
        FnError::Msg(s.to_string())
    }
}

pub(crate) type FnResult = Result<Value, FnError>;
type R<T> = Result<T, Box<TemplateError>>;

/// Where the interpreter is: the template being run and its file.
#[derive(Clone)]
pub(crate) struct Frame {
    pub tpl: Arc<Tpl>,
    /// File name used in positions (for `tpl`, the calling file).
    pub file: Arc<str>,
    /// For `tpl`: the call site and values origin that all output is attributed to.
    pub remap: Option<(Pos, Option<ValuesPath>)>,
}

pub(crate) struct Exec<'a> {
    pub set: &'a TemplateSet,
    pub limits: &'a RenderLimits,
    pub steps: u64,
    pub include_depth: usize,
    pub nesting: usize,
    pub written: usize,
    pub out: Out,
    pub vars: Vec<(Arc<str>, Value)>,
    pub frame: Frame,
    /// Position of the command being evaluated (functions use it for their segments).
    pub call_pos: Pos,
}

impl<'a> Exec<'a> {
    pub(crate) fn new(set: &'a TemplateSet, limits: &'a RenderLimits, tpl: Arc<Tpl>) -> Self {
        let file = tpl.file.clone();
        Exec {
            set,
            limits,
            steps: 0,
            include_depth: 0,
            nesting: 0,
            written: 0,
            out: Out::default(),
            vars: Vec::new(),
            frame: Frame { tpl, file, remap: None },
            call_pos: Pos::default(),
        }
    }

    // --- errors and limits ---------------------------------------------------------------

    pub(crate) fn error_at(&self, pos: Pos, message: impl Into<String>, kind: ErrorKind) -> Box<TemplateError> {
        Box::new(TemplateError { template: self.frame.file.to_string(), line: pos.line, column: pos.col, message: message.into(), kind })
    }

    fn exec_error(&self, pos: Pos, end: Option<u32>, message: impl std::fmt::Display) -> Box<TemplateError> {
        let ctx = match end {
            Some(end) => {
                let src = &self.frame.tpl.src;
                let text = src.get(pos.off as usize..end as usize).unwrap_or("");
                let text: String = text.chars().take(120).collect();
                format!("executing \"{}\" at <{}>: {message}", self.frame.tpl.name, text.trim())
            }
            None => format!("executing \"{}\": {message}", self.frame.tpl.name),
        };
        self.error_at(pos, ctx, ErrorKind::Exec)
    }

    pub(crate) fn limit_error(&self, limit: &'static str, what: impl std::fmt::Display) -> Box<TemplateError> {
        self.error_at(self.call_pos, format!("render limit {limit} exceeded: {what}"), ErrorKind::Limit(limit))
    }

    /// Charges `n` steps; checks the step budget and the deadline.
    pub(crate) fn charge(&mut self, n: u64) -> R<()> {
        let before = self.steps;
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            return Err(self.limit_error("max_steps", format!("more than {} evaluation steps", self.limits.max_steps)));
        }
        if before / 4096 != self.steps / 4096
            && let Some(deadline) = self.limits.deadline
            && Instant::now() >= deadline
        {
            return Err(self.limit_error("deadline", "rendering took too long"));
        }
        Ok(())
    }

    /// Checks a string about to be built or written against the output cap.
    pub(crate) fn check_len(&self, len: usize) -> Result<(), FnError> {
        if len > self.limits.max_output_bytes {
            return Err(FnError::Full(self.limit_error("max_output_bytes", format!("a string of {len} bytes"))));
        }
        Ok(())
    }

    fn enter(&mut self, pos: Pos) -> R<()> {
        self.nesting += 1;
        if self.nesting > MAX_EXEC_NESTING {
            return Err(self.error_at(
                pos,
                format!("render limit max_nesting exceeded: evaluation nested deeper than {MAX_EXEC_NESTING} levels"),
                ErrorKind::Limit("max_nesting"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    // --- output ---------------------------------------------------------------------------

    pub(crate) fn seg_at(&self, pos: Pos, values_path: Option<ValuesPath>) -> Segment {
        match &self.frame.remap {
            Some((p, vp)) => Segment {
                start: 0,
                template: self.frame.file.clone(),
                line: p.line,
                column: p.col,
                values_path: values_path.or_else(|| vp.clone()),
            },
            None => Segment { start: 0, template: self.frame.file.clone(), line: pos.line, column: pos.col, values_path },
        }
    }

    fn wrote(&mut self, pos: Pos) -> R<()> {
        let len = self.out.text.len();
        if len > self.limits.max_output_bytes {
            self.call_pos = pos;
            return Err(self.limit_error("max_output_bytes", format!("output larger than {} bytes", self.limits.max_output_bytes)));
        }
        Ok(())
    }

    fn write_text(&mut self, text: &str, lines: &[(u32, Pos)]) -> R<()> {
        let at = self.out.text.len();
        for (off, pos) in lines {
            let mut s = self.seg_at(*pos, None);
            s.start = at + *off as usize;
            self.out.push_seg(s);
        }
        self.out.text.push_str(text);
        self.written = self.written.saturating_add(text.len());
        self.wrote(lines.first().map_or(Pos::default(), |l| l.1))
    }

    fn write_value(&mut self, v: &Value, pos: Pos) -> R<()> {
        let base = self.seg_at(pos, v.origin.clone());
        match &v.kind {
            Kind::Str(s, segs) => {
                let segs = if self.frame.remap.is_some() { None } else { segs.as_deref() };
                self.out.push_value_text(s, segs, base);
                self.written = self.written.saturating_add(s.len());
            }
            _ => {
                let s = fmt::action_string(v);
                self.out.push_value_text(&s, None, base);
                self.written = self.written.saturating_add(s.len());
            }
        }
        if self.written / 64 > self.limits.max_output_bytes {
            self.call_pos = pos;
            return Err(self.limit_error("max_output_bytes", "too much output written in total"));
        }
        self.wrote(pos)
    }

    // --- walking --------------------------------------------------------------------------

    pub(crate) fn walk_list(&mut self, list: &[Node], dot: &Value) -> R<Flow> {
        for node in list {
            match self.walk(node, dot)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, node: &Node, dot: &Value) -> R<Flow> {
        self.charge(1)?;
        match node {
            Node::Text { text, lines } => {
                self.write_text(text, lines)?;
                Ok(Flow::Normal)
            }
            Node::Action { pos, pipe } => {
                let v = self.pipeline(pipe, dot)?;
                if pipe.decl.is_empty() {
                    self.write_value(&v, *pos)?;
                }
                Ok(Flow::Normal)
            }
            Node::If { pos, pipe, list, else_list } | Node::With { pos, pipe, list, else_list } => {
                self.enter(*pos)?;
                let mark = self.vars.len();
                let v = self.pipeline(pipe, dot)?;
                let is_with = matches!(node, Node::With { .. });
                let flow = if v.truthy() {
                    let d = if is_with { v } else { dot.clone() };
                    self.walk_list(list, &d)?
                } else {
                    self.walk_list(else_list, dot)?
                };
                self.vars.truncate(mark);
                self.leave();
                Ok(flow)
            }
            Node::Range { pos, pipe, list, else_list } => {
                self.enter(*pos)?;
                let mark = self.vars.len();
                let flow = self.range(*pos, pipe, list, else_list, dot)?;
                self.vars.truncate(mark);
                self.leave();
                Ok(flow)
            }
            Node::Template { pos, name, pipe } => {
                let d = match pipe {
                    Some(p) => self.pipeline(p, dot)?,
                    None => Value::nil(),
                };
                self.call_pos = *pos;
                let Some(tpl) = self.set.lookup(name) else {
                    return Err(self.exec_error(
                        *pos,
                        None,
                        format!("template: no template {name:?} associated with template {:?}", self.frame.tpl.name),
                    ));
                };
                self.run_named(tpl, &d, *pos, None)?;
                Ok(Flow::Normal)
            }
            Node::Break => Ok(Flow::Break),
            Node::Continue => Ok(Flow::Continue),
        }
    }

    fn range(&mut self, pos: Pos, pipe: &Pipe, list: &[Node], else_list: &[Node], dot: &Value) -> R<Flow> {
        let v = self.pipeline_raw(pipe, dot)?;
        let mut items: Vec<(Value, Value)> = Vec::new();
        match &v.kind {
            Kind::Nil => {}
            Kind::List(_) | Kind::ApiVersions(_) => {
                for (i, x) in v.list_items().unwrap_or_default().into_iter().enumerate() {
                    items.push((Value::int(i as i64), x));
                }
            }
            Kind::Map(_) => {
                for (k, x) in v.map_entries().unwrap_or_default() {
                    items.push((Value::string(k), x));
                }
            }
            Kind::Files(f) => {
                // Helm's Files is a map of path to bytes; the bytes are given as text.
                for (k, content) in f.iter() {
                    items.push((Value::string(k.as_str()), Value::string(String::from_utf8_lossy(content).into_owned())));
                }
            }
            Kind::Int(n) => {
                if *n < 0 {
                    return Err(self.exec_error(pos, None, format!("range can't iterate over {n}")));
                }
                // Charged up front: a huge count fails at once instead of looping to the limit.
                self.call_pos = pos;
                self.charge(*n as u64)?;
                for i in 0..*n {
                    items.push((Value::int(i), Value::int(i)));
                }
            }
            _ => return Err(self.exec_error(pos, None, format!("range can't iterate over {}", fmt::go_string(&v)))),
        }
        if items.is_empty() {
            return self.walk_list(else_list, dot);
        }
        let mark = self.vars.len();
        for (k, x) in items {
            self.charge(1)?;
            match pipe.decl.len() {
                0 => {}
                1 => self.bind(&pipe.decl[0], x.clone(), pipe.assign),
                _ => {
                    self.bind(&pipe.decl[0], k, pipe.assign);
                    self.bind(&pipe.decl[1], x.clone(), pipe.assign);
                }
            }
            let flow = self.walk_list(list, &x)?;
            self.vars.truncate(mark);
            // Re-bind on the next iteration (declared variables live in the loop scope).
            if matches!(flow, Flow::Break) {
                break;
            }
        }
        Ok(Flow::Normal)
    }

    fn bind(&mut self, name: &Arc<str>, v: Value, assign: bool) {
        if assign && let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
            return;
        }
        self.vars.push((name.clone(), v));
    }

    /// Runs a named template (`template`, `include`) writing into the current output.
    pub(crate) fn run_named(&mut self, tpl: Arc<Tpl>, dot: &Value, pos: Pos, remap: Option<(Pos, Option<ValuesPath>)>) -> R<()> {
        self.include_depth += 1;
        if self.include_depth > self.limits.max_include_depth {
            self.call_pos = pos;
            return Err(self.limit_error(
                "max_include_depth",
                format!("templates nested more than {} deep (recursive include?)", self.limits.max_include_depth),
            ));
        }
        self.enter(pos)?;
        let file = if remap.is_some() { self.frame.file.clone() } else { tpl.file.clone() };
        let saved_frame = std::mem::replace(&mut self.frame, Frame { tpl: tpl.clone(), file, remap });
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]);
        let r = self.walk_list(&tpl.body, dot);
        self.vars = saved_vars;
        self.frame = saved_frame;
        self.leave();
        self.include_depth -= 1;
        r.map(|_| ())
    }

    /// Runs a named template into a new buffer and returns it as a string with segments.
    pub(crate) fn capture(&mut self, tpl: Arc<Tpl>, dot: &Value, pos: Pos, remap: Option<(Pos, Option<ValuesPath>)>) -> R<Value> {
        let saved = std::mem::take(&mut self.out);
        let r = self.run_named(tpl, dot, pos, remap);
        let out = std::mem::replace(&mut self.out, saved);
        r?;
        Ok(Value::rich(out.text, out.segs))
    }

    // --- pipelines and commands ------------------------------------------------------------

    fn pipeline(&mut self, pipe: &Pipe, dot: &Value) -> R<Value> {
        let v = self.pipeline_raw(pipe, dot)?;
        for name in &pipe.decl {
            self.bind(name, v.clone(), pipe.assign);
        }
        Ok(v)
    }

    fn pipeline_raw(&mut self, pipe: &Pipe, dot: &Value) -> R<Value> {
        let mut v: Option<Value> = None;
        for cmd in &pipe.cmds {
            v = Some(self.command(cmd, dot, v)?);
        }
        Ok(v.unwrap_or_default())
    }

    fn command(&mut self, cmd: &Cmd, dot: &Value, fin: Option<Value>) -> R<Value> {
        self.charge(1)?;
        let Some(first) = cmd.args.first() else { return Ok(Value::nil()) };
        let rest = cmd.args.get(1..).unwrap_or(&[]);
        match first {
            Arg::Func(name) => self.call_func(name, rest, fin, cmd, dot),
            Arg::Field(chain) => self.field_chain(dot.clone(), chain, rest, fin, cmd, dot),
            Arg::Var(name, chain) => {
                let v = self.var(name);
                if chain.is_empty() {
                    self.no_args(rest, &fin, cmd, name)?;
                    return Ok(v);
                }
                self.field_chain(v, chain, rest, fin, cmd, dot)
            }
            Arg::Chain(base, chain) => {
                let v = self.arg(base, dot, cmd)?;
                self.field_chain(v, chain, rest, fin, cmd, dot)
            }
            Arg::Nil => Err(self.exec_error(cmd.pos, Some(cmd.end), "nil is not a command")),
            other => {
                self.no_args(rest, &fin, cmd, "")?;
                self.arg(other, dot, cmd)
            }
        }
    }

    fn no_args(&self, rest: &[Arg], fin: &Option<Value>, cmd: &Cmd, what: &str) -> R<()> {
        if !rest.is_empty() || fin.is_some() {
            let what = if what.is_empty() { String::new() } else { format!(" {what}") };
            return Err(self.exec_error(cmd.pos, Some(cmd.end), format!("can't give argument to non-function{what}")));
        }
        Ok(())
    }

    fn var(&self, name: &str) -> Value {
        self.vars.iter().rev().find(|(n, _)| &**n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Evaluates an argument (not a command: fields take no arguments here).
    fn arg(&mut self, arg: &Arg, dot: &Value, cmd: &Cmd) -> R<Value> {
        Ok(match arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Value::nil(),
            Arg::Bool(b) => Value::bool(*b),
            Arg::Int(i) => Value::int(*i),
            Arg::Float(f) => Value::float(*f),
            Arg::Str(s) => Value::of(Kind::Str(s.clone(), None)),
            Arg::Field(chain) => self.field_chain(dot.clone(), chain, &[], None, cmd, dot)?,
            Arg::Var(name, chain) => {
                let v = self.var(name);
                if chain.is_empty() { v } else { self.field_chain(v, chain, &[], None, cmd, dot)? }
            }
            Arg::Chain(base, chain) => {
                let v = self.arg(base, dot, cmd)?;
                self.field_chain(v, chain, &[], None, cmd, dot)?
            }
            Arg::Func(name) => self.call_func(name, &[], None, cmd, dot)?,
            Arg::Pipe(p) => {
                self.enter(p.pos)?;
                let v = self.pipeline(p, dot);
                self.leave();
                v?
            }
        })
    }

    fn field_chain(&mut self, mut recv: Value, chain: &[Arc<str>], rest: &[Arg], fin: Option<Value>, cmd: &Cmd, dot: &Value) -> R<Value> {
        // Go: a nil that is the result of a pipeline (`(x).a`, `$x.a`, or a nil dot) is an
        // invalid value, and fields of it are empty; a nil met *inside* a chain (`.a.b` with
        // `a` missing) is a nil interface, and its fields are an error.
        if recv.is_nil() {
            return Ok(Value::nil());
        }
        let n = chain.len();
        for (i, name) in chain.iter().enumerate() {
            let last = i + 1 == n;
            let has_args = last && (!rest.is_empty() || fin.is_some());
            match &recv.kind {
                Kind::Map(m) => {
                    if has_args {
                        return Err(self.exec_error(cmd.pos, Some(cmd.end), format!("{name} is not a method but has arguments")));
                    }
                    let v = m.lock().get(&**name).cloned().unwrap_or_default();
                    recv = v;
                }
                Kind::Files(_) | Kind::ApiVersions(_) => {
                    let mut args = Vec::new();
                    if last {
                        for a in rest {
                            args.push(self.arg(a, dot, cmd)?);
                        }
                        if let Some(f) = &fin {
                            args.push(f.clone());
                        }
                    }
                    self.call_pos = cmd.pos;
                    recv = match funcs::method(self, &recv, name, &args) {
                        Ok(v) => v,
                        Err(FnError::Full(e)) => return Err(e),
                        Err(FnError::Msg(m)) => return Err(self.exec_error(cmd.pos, Some(cmd.end), m)),
                    };
                }
                Kind::Nil => {
                    return Err(self.exec_error(cmd.pos, Some(cmd.end), format!("nil pointer evaluating interface {{}}.{name}")));
                }
                _ => {
                    return Err(self.exec_error(
                        cmd.pos,
                        Some(cmd.end),
                        format!("can't evaluate field {name} in type {}", recv.type_name()),
                    ));
                }
            }
        }
        Ok(recv)
    }

    fn call_func(&mut self, name: &str, rest: &[Arg], fin: Option<Value>, cmd: &Cmd, dot: &Value) -> R<Value> {
        // `and` and `or` evaluate their arguments lazily and return one of them.
        if name == "and" || name == "or" {
            let total = rest.len() + usize::from(fin.is_some());
            if total == 0 {
                return Err(self.exec_error(cmd.pos, Some(cmd.end), format!("wrong number of args for {name}: want at least 1 got 0")));
            }
            let mut last = Value::nil();
            for a in rest {
                last = self.arg(a, dot, cmd)?;
                if (name == "and") != last.truthy() {
                    return Ok(last);
                }
            }
            if let Some(f) = fin {
                last = f;
            }
            return Ok(last);
        }
        let Some(f) = funcs::lookup(name) else {
            return Err(self.exec_error(cmd.pos, Some(cmd.end), format!("function {name:?} not defined")));
        };
        let mut args = Vec::with_capacity(rest.len() + 1);
        for a in rest {
            args.push(self.arg(a, dot, cmd)?);
        }
        if let Some(f) = fin {
            args.push(f);
        }
        self.call_pos = cmd.pos;
        match f(self, &args) {
            Ok(v) => {
                if let Kind::Str(s, _) = &v.kind
                    && s.len() > self.limits.max_output_bytes
                {
                    return Err(self.limit_error("max_output_bytes", format!("{name} built a string of {} bytes", s.len())));
                }
                // Work grows with what a function builds: charge for it, so that a loop of
                // `toYaml` over a big value whose result is discarded still hits the budget.
                let size = match &v.kind {
                    // About what building the text cost (toYaml: a step per 16 bytes and per
                    // provenance segment).
                    Kind::Str(s, segs) => s.len() / 16 + segs.as_ref().map_or(0, |x| x.len()),
                    Kind::List(l) => l.0.len(),
                    Kind::Map(m) => m.lock().len(),
                    _ => 0,
                };
                self.charge(size as u64)?;
                Ok(v)
            }
            Err(FnError::Full(e)) => Err(e),
            Err(FnError::Msg(m)) => Err(self.exec_error(cmd.pos, Some(cmd.end), format!("error calling {name}: {m}"))),
        }
    }
}
