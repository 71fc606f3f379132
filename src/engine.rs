//! Rule evaluation: Rego policies are compiled once per scan into one prepared regorus engine
//! that each worker clones (a clone shares the compiled policies and costs ~0.1 µs); native
//! checks run beside them. Rules are indexed by platform and kind, so a resource is only shown
//! to the rules that declare its kind.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::checks::{self, Hit, NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::Finding;
use crate::model::{AttributePath, Platform, Resource};
use crate::rules::meta::{RuleMeta, Scope, Severity, Stride};
use crate::rules::{Implementation, RuleSet};

/// A rule ready to run.
struct CompiledRule {
    meta: Arc<RuleMeta>,
    id: Arc<str>,
    name: Arc<str>,
    stride: Arc<[Stride]>,
    exec: Exec,
}

enum Exec {
    Rego { query: String },
    Native(Box<dyn checks::ResourceCheck>),
    Scan(Box<dyn ScanCheck>),
}

/// Errors preparing the rules.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EngineError {
    /// A policy did not compile.
    #[error("rule {rule}: the Rego policy does not compile: {message}")]
    #[diagnostic(code(stridegate::rules::rego), help("fix the policy; `stridegate explain {rule}` shows its folder"))]
    Rego {
        /// Rule id or library file.
        rule: String,
        /// regorus' message.
        message: String,
    },
    /// A native rule has no implementation.
    #[error("rule {0} declares metadata.yaml but no native implementation exists")]
    #[diagnostic(code(stridegate::rules::native))]
    MissingNative(String),
    /// Whole-scan Rego rules are not supported yet.
    #[error("rule {0}: `scope: scan` is only supported for native rules in this version")]
    #[diagnostic(code(stridegate::rules::scope))]
    ScanScopeRego(String),
}

/// A rule failed at run time on one resource.
#[derive(Debug, Clone)]
pub struct EvalError {
    /// Rule id.
    pub rule: String,
    /// What happened.
    pub message: String,
}

/// The prepared rules of a scan.
pub struct Engine {
    rules: Vec<CompiledRule>,
    by_kind: HashMap<(Platform, String), Vec<usize>>,
    scan_rules: Vec<usize>,
    rego: regorus::Engine,
}

/// Per-thread evaluation state (a clone of the prepared Rego engine).
pub struct Worker {
    rego: regorus::Engine,
}

/// Everything the rules produced for one resource or file.
#[derive(Debug, Default)]
pub struct Output {
    /// Findings.
    pub findings: Vec<Finding>,
    /// Whole-scan observations, as (rule index, observation).
    pub observations: Vec<(usize, Observation)>,
    /// Rule failures.
    pub errors: Vec<EvalError>,
}

impl Engine {
    /// Compiles `rules` (only those for which `selected` returns true).
    pub fn new(rules: &RuleSet, selected: impl Fn(&RuleMeta) -> bool) -> Result<Self, EngineError> {
        let mut rego = regorus::Engine::new();
        rego.set_strict_builtin_errors(false);
        for lib in &rules.libraries {
            rego.add_policy(lib.file.clone(), lib.source.clone())
                .map_err(|e| EngineError::Rego { rule: lib.file.clone(), message: e.to_string() })?;
        }
        let mut compiled = Vec::new();
        for rule in rules.rules.iter().filter(|r| selected(&r.meta)) {
            let meta = rule.meta.clone();
            let exec = match &rule.implementation {
                Implementation::Rego { file, source } => {
                    if meta.scope == Scope::Scan {
                        return Err(EngineError::ScanScopeRego(meta.id.clone()));
                    }
                    let package = rego
                        .add_policy(file.clone(), source.clone())
                        .map_err(|e| EngineError::Rego { rule: meta.id.clone(), message: e.to_string() })?;
                    Exec::Rego { query: format!("{package}.deny") }
                }
                Implementation::Native => match checks::native(&meta.id) {
                    Some(NativeCheck::Resource(c)) => Exec::Native(c),
                    Some(NativeCheck::Scan(c)) => Exec::Scan(c),
                    None => return Err(EngineError::MissingNative(meta.id.clone())),
                },
            };
            compiled.push(CompiledRule {
                id: Arc::from(meta.id.as_str()),
                name: Arc::from(meta.name.as_str()),
                stride: Arc::from(meta.stride.as_slice()),
                meta,
                exec,
            });
        }
        let mut by_kind: HashMap<(Platform, String), Vec<usize>> = HashMap::new();
        let mut scan_rules = Vec::new();
        for (i, r) in compiled.iter().enumerate() {
            if matches!(r.exec, Exec::Scan(_)) {
                scan_rules.push(i);
            }
            for kind in r.meta.expanded_kinds() {
                by_kind.entry((r.meta.applies_to.platform, kind)).or_default().push(i);
            }
        }
        // Compile-time check of every query: evaluating on an empty input surfaces unresolved
        // references now rather than once per resource.
        let mut probe = rego.clone();
        probe.set_input(regorus::Value::new_object());
        for r in &compiled {
            if let Exec::Rego { query } = &r.exec {
                probe.eval_rule(query.clone()).map_err(|e| EngineError::Rego { rule: r.meta.id.clone(), message: e.to_string() })?;
            }
        }
        Ok(Self { rules: compiled, by_kind, scan_rules, rego })
    }

    /// A fresh worker for one thread.
    pub fn worker(&self) -> Worker {
        Worker { rego: self.rego.clone() }
    }

    /// Number of rules that will run.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Metadata of the rules that will run, in id order.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<RuleMeta>> {
        self.rules.iter().map(|r| &r.meta)
    }

    /// Runs every applicable rule on `resource`.
    pub fn evaluate(&self, worker: &mut Worker, resource: &Resource, out: &mut Output) {
        let Some(indices) = self.by_kind.get(&(resource.platform, resource.kind.clone())) else { return };
        let mut input_set = false;
        let mut hits = Vec::new();
        for &i in indices {
            let Some(rule) = self.rules.get(i) else { continue };
            hits.clear();
            match &rule.exec {
                Exec::Scan(check) => {
                    if let Some(obs) = check.observe(resource) {
                        out.observations.push((i, obs));
                    }
                    continue;
                }
                Exec::Native(check) => check.check(resource, &mut hits),
                Exec::Rego { query } => {
                    if !input_set {
                        worker.rego.set_input(regorus::Value::from(resource.value.clone()));
                        input_set = true;
                    }
                    match worker.rego.eval_rule(query.clone()) {
                        Ok(result) => {
                            if let Err(message) = rego_hits(&result, &mut hits) {
                                out.errors.push(EvalError { rule: rule.meta.id.clone(), message: format!("{}: {message}", resource.address) });
                            }
                        }
                        Err(e) => out.errors.push(EvalError { rule: rule.meta.id.clone(), message: format!("{}: {e}", resource.address) }),
                    }
                }
            }
            for hit in hits.drain(..) {
                let (location, present) = resource.locate(&hit.path);
                out.findings.push(Finding {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    severity: hit.severity.unwrap_or(rule.meta.severity),
                    stride: rule.stride.clone(),
                    message: hit.message,
                    location,
                    resource: resource.address.clone(),
                    attribute: hit.path,
                    attribute_present: present,
                    related: Vec::new(),
                });
            }
        }
    }

    /// Runs the whole-scan rules on everything observed.
    pub fn finish(&self, mut observations: Vec<(usize, Observation)>) -> Vec<Finding> {
        observations.sort_by(|a, b| (a.0, &a.1.root, &a.1.address).cmp(&(b.0, &b.1.root, &b.1.address)));
        let mut findings = Vec::new();
        for &i in &self.scan_rules {
            let Some(rule) = self.rules.get(i) else { continue };
            let Exec::Scan(check) = &rule.exec else { continue };
            let obs: Vec<Observation> = observations.iter().filter(|(r, _)| *r == i).map(|(_, o)| o.clone()).collect();
            let mut hits: Vec<ScanHit> = Vec::new();
            check.finish(&obs, &mut hits);
            for hit in hits {
                let Some(o) = obs.get(hit.observation) else { continue };
                let (location, present) = o.anchor(&hit.path);
                findings.push(Finding {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    severity: hit.severity.unwrap_or(rule.meta.severity),
                    stride: rule.stride.clone(),
                    message: hit.message,
                    location: location.clone(),
                    resource: o.address.clone(),
                    attribute: hit.path,
                    attribute_present: present,
                    related: hit.related,
                });
            }
        }
        findings
    }
}

/// Reads a Rego `deny` set: each element `{"msg": string, "path": [..], "severity"?: string}`.
fn rego_hits(result: &regorus::Value, hits: &mut Vec<Hit>) -> Result<(), String> {
    if *result == regorus::Value::Undefined {
        return Ok(());
    }
    let json = serde_json::to_value(result).map_err(|e| format!("unreadable result: {e}"))?;
    let items = match json {
        Value::Array(items) => items,
        other => return Err(format!("`deny` must be a set of objects, got {other}")),
    };
    for item in items {
        let msg = item.get("msg").and_then(Value::as_str).ok_or("each `deny` element needs a string `msg`")?;
        let path = match item.get("path") {
            None => AttributePath::root(),
            Some(p) => AttributePath::from_json(p).ok_or("`path` must be an array of keys and indexes")?,
        };
        let severity = match item.get("severity").and_then(Value::as_str) {
            None => None,
            Some(s) => Some(Severity::parse(s).ok_or_else(|| format!("unknown severity `{s}`"))?),
        };
        hits.push(Hit { message: msg.to_string(), path, severity });
    }
    Ok(())
}
