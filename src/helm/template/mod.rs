//! Go `text/template` with Helm's and Sprig's functions, and output provenance.
//!
//! Helm renders a chart by parsing every template file into one set (so `define`d templates are
//! visible everywhere) and executing each file with `.` = `{Values, Chart, Release, Capabilities,
//! Files, Template}`. This module does the same in-process:
//!
//! ```
//! use stridegate::helm::template::{RenderLimits, TemplateSet, Value};
//! let mut set = TemplateSet::new();
//! set.add("t.yaml", "name: {{ .Values.name | quote }}").unwrap();
//! let values = Value::from_json_with_origin(&serde_json::json!({"name": "web"}), &[]);
//! let dot = Value::map([("Values".to_string(), values)].into_iter().collect());
//! let out = set.execute("t.yaml", &dot, &RenderLimits::default()).unwrap();
//! assert_eq!(out.text, "name: \"web\"");
//! let seg = out.origin_at(7).unwrap();
//! assert_eq!((seg.line, seg.column), (1, 7));
//! assert_eq!(seg.values_path.as_deref(), Some(&["name".to_string()][..]));
//! ```
//!
//! Differences from Helm, on purpose: functions that are random, time-dependent or
//! cryptographic (and `sha512sum`) return stable placeholders of the right shape; `lookup`
//! returns an empty map (as `helm template` does offline); `env` is always empty. Every
//! resource is bounded by [`RenderLimits`].
//!
//! Go's nil rules are kept, because charts depend on them: a missing value prints as nothing;
//! a field of a nil *pipeline result* (`(.Values.a).b`, `$x.b` with `$x` nil) is empty; a
//! field of a nil met *inside* a chain (`.Values.a.b` with `a` missing) is the error Helm
//! reports, `nil pointer evaluating interface {}.b`. Numbers from `values.yaml` are `float64`
//! (Helm reads values through JSON), so `eq .Values.replicas 1` fails as it does in Helm.

mod encoding;
mod exec;
mod fmt;
mod funcs;
mod parse;
mod semver;
mod value;
mod yaml;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

pub use value::{Value, ValuesPath};

/// Resource bounds for one [`TemplateSet::execute`].
#[derive(Debug, Clone)]
pub struct RenderLimits {
    /// Deepest nesting of `include`/`template`/`tpl` calls (Helm's own limit is 1000).
    pub max_include_depth: usize,
    /// Largest output, and largest string any function may build, in bytes.
    pub max_output_bytes: usize,
    /// Most evaluation steps (nodes, commands, loop iterations, units of function work).
    pub max_steps: u64,
    /// Rendering fails once this instant has passed.
    pub deadline: Option<Instant>,
}

impl Default for RenderLimits {
    fn default() -> Self {
        Self { max_include_depth: 100, max_output_bytes: 16 << 20, max_steps: 10_000_000, deadline: None }
    }
}

/// Where a part of the output came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte offset in the output where this segment starts (it runs to the next one).
    pub start: usize,
    /// The template file that emitted the text.
    pub template: Arc<str>,
    /// 1-based line in that file.
    pub line: u32,
    /// 1-based column (characters) in that file.
    pub column: u32,
    /// The `values.yaml` key the text came from, when it did.
    pub values_path: Option<ValuesPath>,
}

/// The output of a template and its provenance.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The rendered text.
    pub text: String,
    /// Provenance segments, sorted by `start`.
    pub segments: Vec<Segment>,
}

impl Rendered {
    /// The segment covering byte `offset` of the text.
    pub fn origin_at(&self, offset: usize) -> Option<&Segment> {
        if offset >= self.text.len() && !(offset == 0 && self.text.is_empty()) {
            return None;
        }
        let i = self.segments.partition_point(|s| s.start <= offset);
        i.checked_sub(1).and_then(|i| self.segments.get(i))
    }
}

/// What kind of failure a [`TemplateError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The template text is not valid.
    Parse,
    /// Execution failed as it would in Helm (including `fail` and `required`).
    Exec,
    /// A [`RenderLimits`] bound (named: `max_steps`, `max_output_bytes`, `max_include_depth`,
    /// `deadline`, or the fixed `max_nesting`) was exceeded.
    Limit(&'static str),
}

/// A parse or execution error, located in a template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template file.
    pub template: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What went wrong, worded like Go's `text/template`.
    pub message: String,
    /// Parse, execution or limit.
    pub kind: ErrorKind,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "template: {}:{}:{}: {}", self.template, self.line, self.column, self.message)
    }
}

impl std::error::Error for TemplateError {}

/// A parsed template (a file or a `define`).
pub(crate) struct Tpl {
    /// Template name (the file name, or the `define`d name).
    pub name: Arc<str>,
    /// The file it was written in.
    pub file: Arc<str>,
    /// That file's text (for error context).
    pub src: Arc<str>,
    pub body: Vec<parse::Node>,
}

/// A set of templates parsed together: files and their `define`d templates.
#[derive(Default)]
pub struct TemplateSet {
    files: HashMap<String, Arc<Tpl>>,
    defines: HashMap<String, Arc<Tpl>>,
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet").field("files", &self.files.len()).field("defines", &self.defines.len()).finish()
    }
}

impl TemplateSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one file; its `define`s become named templates visible to all (a later
    /// definition of a name replaces an earlier one, as in Go).
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), TemplateError> {
        let file: Arc<str> = name.into();
        let src: Arc<str> = text.into();
        let parsed = parse::parse(text, &funcs::is_known).map_err(|e| TemplateError {
            template: name.to_string(),
            line: e.line,
            column: e.col,
            message: e.message,
            kind: ErrorKind::Parse,
        })?;
        for (dname, body) in parsed.defines {
            self.defines.insert(dname.to_string(), Arc::new(Tpl { name: dname, file: file.clone(), src: src.clone(), body }));
        }
        self.files.insert(name.to_string(), Arc::new(Tpl { name: file.clone(), file, src, body: parsed.root }));
        Ok(())
    }

    /// Names of the files added.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// True when a template of that name is `define`d.
    pub fn has_define(&self, name: &str) -> bool {
        self.defines.contains_key(name)
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<Tpl>> {
        self.defines.get(name).or_else(|| self.files.get(name)).cloned()
    }

    /// Executes the file (or `define`d template) `name` with `dot` as `.` and `$`.
    ///
    /// Runs on a helper thread with a large stack, so that deeply nested (but bounded)
    /// templates cannot overflow the caller's stack.
    pub fn execute(&self, name: &str, dot: &Value, limits: &RenderLimits) -> Result<Rendered, TemplateError> {
        let Some(tpl) = self.files.get(name).or_else(|| self.defines.get(name)).cloned() else {
            return Err(TemplateError {
                template: name.to_string(),
                line: 0,
                column: 0,
                message: format!("no template {name:?} in the set"),
                kind: ErrorKind::Exec,
            });
        };
        let run = move || {
            let mut ex = exec::Exec::new(self, limits, tpl.clone());
            ex.vars.push(("$".into(), dot.clone()));
            ex.walk_list(&tpl.body, dot).map_err(|e| *e)?;
            Ok(Rendered { text: ex.out.text, segments: ex.out.segs })
        };
        std::thread::scope(|s| {
            let handle = std::thread::Builder::new().name("helm-template".into()).stack_size(256 << 20).spawn_scoped(s, run);
            match handle {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(TemplateError {
                        template: name.to_string(),
                        line: 0,
                        column: 0,
                        message: "internal error: the renderer panicked".into(),
                        kind: ErrorKind::Exec,
                    })
                }),
                Err(e) => Err(TemplateError {
                    template: name.to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot start the renderer thread: {e}"),
                    kind: ErrorKind::Exec,
                }),
            }
        })
    }
}
