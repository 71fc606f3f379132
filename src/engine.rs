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

/// Key of the resource type in a Terraform rule's `input` (`input["$kind"]`), so a rule that
/// applies to several resource types can tell them apart.
pub const KIND_KEY: &str = "$kind";

/// The Rego extension (a native function rules may call) that matches AWS wildcards with
/// [`crate::iam::wildcard`]: `stridegate.aws_wildcard_match(pattern, text, ignore_case)`. Only
/// `*` and `?` are wildcards; `glob.match` would read `[`, `{` and `\\` as glob syntax.
/// Undefined unless the arguments are two strings and a boolean.
pub const AWS_WILDCARD_MATCH: &str = "stridegate.aws_wildcard_match";

/// Adds stridegate's extensions to a regorus engine (before its policies are evaluated).
pub fn add_extensions(rego: &mut regorus::Engine) -> Result<(), String> {
    rego.add_extension(
        AWS_WILDCARD_MATCH.to_string(),
        3,
        extension(|args: Vec<regorus::Value>| {
            Ok(match (args.first(), args.get(1), args.get(2)) {
                (Some(regorus::Value::String(p)), Some(regorus::Value::String(t)), Some(regorus::Value::Bool(ignore_case))) => {
                    let case = if *ignore_case { crate::iam::wildcard::Case::Insensitive } else { crate::iam::wildcard::Case::Sensitive };
                    regorus::Value::Bool(crate::iam::wildcard::matches(p, t, case))
                }
                _ => regorus::Value::Undefined,
            })
        }),
    )
    .map_err(|e| e.to_string())?;
    crate::iam::lookup::add_extensions(rego)
}

/// Boxes a closure as a regorus extension (so its signature is inferred from the trait).
fn extension<F: regorus::Extension + 'static>(f: F) -> Box<dyn regorus::Extension> {
    Box::new(f)
}

/// A rule ready to run.
struct CompiledRule {
    meta: Arc<RuleMeta>,
    id: Arc<str>,
    name: Arc<str>,
    stride: Arc<[Stride]>,
    exec: Exec,
}

enum Exec {
    /// `query` is the rule's `deny`; `unverifiable` its `unverifiable` set, when the policy
    /// declares one (controls it cannot decide because a value is unknown).
    Rego {
        query: String,
        unverifiable: Option<String>,
    },
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
    by_kind: HashMap<(Platform, String), KindRules>,
    scan_rules: Vec<usize>,
    rego: regorus::Engine,
    rule_time: Option<std::time::Duration>,
    settings: crate::config::RuleSettings,
}

/// The rules that apply to one (platform, kind), and the generated Rego rule that evaluates
/// all of their `deny` sets in one query, so that shared library rules (the container list,
/// the pod spec) are computed once per resource rather than once per rule.
#[derive(Debug, Clone, Default)]
struct KindRules {
    rules: Vec<usize>,
    batch_query: Option<String>,
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
    /// Controls a rule could not decide because a value is unknown (not violations).
    pub unverifiable: Vec<Finding>,
}

impl Output {
    /// Moves everything from `other` to the end of `self`.
    pub fn append(&mut self, mut other: Output) {
        self.findings.append(&mut other.findings);
        self.observations.append(&mut other.observations);
        self.errors.append(&mut other.errors);
        self.unverifiable.append(&mut other.unverifiable);
    }
}

/// Resources per task when one file holds many (see [`Engine::evaluate_all`]).
const RESOURCES_PER_TASK: usize = 64;

impl Engine {
    /// Compiles `rules` (only those for which `selected` returns true) with the default rule
    /// settings.
    pub fn new(rules: &RuleSet, selected: impl Fn(&RuleMeta) -> bool) -> Result<Self, EngineError> {
        Self::with_settings(rules, selected, &crate::config::RuleSettings::default())
    }

    /// Compiles `rules` (only those for which `selected` returns true); Rego policies read
    /// `settings` as `data.stridegate.settings`, native checks receive them.
    pub fn with_settings(
        rules: &RuleSet,
        selected: impl Fn(&RuleMeta) -> bool,
        settings: &crate::config::RuleSettings,
    ) -> Result<Self, EngineError> {
        let mut rego = regorus::Engine::new();
        rego.add_data(regorus::Value::from(settings.rego_data()))
            .map_err(|e| EngineError::Rego { rule: "<settings>".to_string(), message: e.to_string() })?;
        // A builtin that fails (a type error in `sprintf`, say) must surface as a rule failure
        // (scan incomplete), never silently make a `deny` body undefined and hide a finding.
        rego.set_strict_builtin_errors(true);
        add_extensions(&mut rego).map_err(|message| EngineError::Rego { rule: "<extensions>".to_string(), message })?;
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
                    let declares_unverifiable = source.lines().any(|l| l.starts_with("unverifiable contains"));
                    Exec::Rego {
                        query: format!("{package}.deny"),
                        unverifiable: declares_unverifiable.then(|| format!("{package}.unverifiable")),
                    }
                }
                Implementation::Native => match checks::native_with(&meta.id, settings) {
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
        let mut by_kind: HashMap<(Platform, String), KindRules> = HashMap::new();
        let mut scan_rules = Vec::new();
        for (i, r) in compiled.iter().enumerate() {
            if matches!(r.exec, Exec::Scan(_)) {
                scan_rules.push(i);
            }
            for target in r.meta.targets() {
                by_kind.entry(target).or_default().rules.push(i);
            }
        }
        // One generated batch rule per distinct set of Rego rules.
        let mut batches: HashMap<Vec<usize>, String> = HashMap::new();
        let mut batch_module = String::from("package stridegate.engine.batch\n\n");
        for entry in by_kind.values_mut() {
            let rego: Vec<usize> =
                entry.rules.iter().copied().filter(|&i| compiled.get(i).is_some_and(|r| matches!(r.exec, Exec::Rego { .. }))).collect();
            if rego.len() < 2 {
                continue;
            }
            let next = batches.len();
            let name = batches.entry(rego.clone()).or_insert_with(|| {
                let name = format!("batch_{next}");
                let fields: Vec<String> = rego
                    .iter()
                    .filter_map(|&i| match compiled.get(i).map(|r| &r.exec) {
                        Some(Exec::Rego { query, unverifiable }) => Some(match unverifiable {
                            Some(u) => format!("\"{i}\": {query}, \"u{i}\": {u}"),
                            None => format!("\"{i}\": {query}"),
                        }),
                        _ => None,
                    })
                    .collect();
                batch_module.push_str(&format!("{name} := {{{}}}\n\n", fields.join(", ")));
                name
            });
            entry.batch_query = Some(format!("data.stridegate.engine.batch.{name}"));
        }
        if !batches.is_empty() {
            rego.add_policy("<generated batch>".to_string(), batch_module)
                .map_err(|e| EngineError::Rego { rule: "<generated batch>".to_string(), message: e.to_string() })?;
        }
        // Compile-time check of every query: evaluating on an empty input surfaces unresolved
        // references now rather than once per resource.
        let mut probe = rego.clone();
        probe.set_input(regorus::Value::new_object());
        for r in &compiled {
            if let Exec::Rego { query, unverifiable } = &r.exec {
                for q in std::iter::once(query).chain(unverifiable) {
                    probe.eval_rule(q.clone()).map_err(|e| EngineError::Rego { rule: r.meta.id.clone(), message: e.to_string() })?;
                }
            }
        }
        let mut engine = Self { rules: compiled, by_kind, scan_rules, rego, rule_time: None, settings: settings.clone() };
        engine.set_rule_time(crate::limits::AnalysisLimits::default().rule_time);
        Ok(engine)
    }

    /// Bounds the wall time of one Rego query on one resource (the `rule-time` limit): a
    /// query that runs longer fails, naming the limit, and the scan is incomplete. Applies to
    /// workers created afterwards.
    pub fn set_rule_time(&mut self, limit: std::time::Duration) {
        let check_interval = std::num::NonZeroU32::new(256).unwrap_or(std::num::NonZeroU32::MIN);
        self.rego.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig { limit, check_interval });
        self.rule_time = Some(limit);
    }

    /// The message of a failed query: a time-limit error names the `rule-time` limit.
    fn query_error(&self, message: String) -> String {
        if message.contains("exceeded time limit") {
            let secs = self.rule_time.map_or(0.0, |d| d.as_secs_f64());
            format!("limit rule-time ({secs}s) reached; raise it with --limit rule-time=N")
        } else {
            message
        }
    }

    /// A fresh worker for one thread.
    pub fn worker(&self) -> Worker {
        Worker { rego: self.rego.clone() }
    }

    /// The rule settings the rules were compiled with (from the configuration).
    pub fn settings(&self) -> &crate::config::RuleSettings {
        &self.settings
    }

    /// Number of rules that will run.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Metadata of the rules that will run, in id order.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<RuleMeta>> {
        self.rules.iter().map(|r| &r.meta)
    }

    /// The rules that run on resources of `kind` on `platform`.
    pub fn rules_for(&self, platform: Platform, kind: &str) -> impl Iterator<Item = &Arc<RuleMeta>> {
        self.by_kind
            .get(&(platform, kind.to_string()))
            .into_iter()
            .flat_map(|k| k.rules.iter())
            .filter_map(|&i| self.rules.get(i).map(|r| &r.meta))
    }

    /// Runs every applicable rule on each of `resources` (the resources of one file), in order.
    /// A file is one task of the scan, so a single large file (thousands of manifests in one YAML
    /// stream) would keep one core busy while the others idle: its resources are split into
    /// tasks of the same thread pool, each with its own worker.
    pub fn evaluate_all(&self, worker: &mut Worker, resources: &[Resource], out: &mut Output) {
        use rayon::prelude::*;
        if resources.len() <= RESOURCES_PER_TASK {
            for resource in resources {
                self.evaluate(worker, resource, out);
            }
            return;
        }
        let outputs: Vec<Output> = resources
            .par_chunks(RESOURCES_PER_TASK)
            .map_init(
                || self.worker(),
                |worker, chunk| {
                    let mut part = Output::default();
                    for resource in chunk {
                        self.evaluate(worker, resource, &mut part);
                    }
                    part
                },
            )
            .collect();
        for part in outputs {
            out.append(part);
        }
    }

    /// Whether any whole-scan rule is enabled (rules that join resources of several units).
    pub fn has_scan_rules(&self) -> bool {
        !self.scan_rules.is_empty()
    }

    /// Runs only the whole-scan rules' `observe` on `resources`: what a unit that only gives
    /// context to the units reported on contributes (changed-files mode, shards).
    pub fn observe_all(&self, resources: &[Resource], out: &mut Output) {
        for resource in resources {
            let kind = match resource.platform {
                Platform::Kubernetes => crate::kubernetes::dispatch_kind(&resource.kind, &resource.value),
                _ => &resource.kind,
            };
            let Some(entry) = self.by_kind.get(&(resource.platform, kind.to_string())) else { continue };
            for &i in &entry.rules {
                if let Some(rule) = self.rules.get(i)
                    && let Exec::Scan(check) = &rule.exec
                    && let Some(obs) = check.observe(resource)
                {
                    out.observations.push((i, obs));
                }
            }
        }
    }

    /// Runs every applicable rule on `resource`.
    pub fn evaluate(&self, worker: &mut Worker, resource: &Resource, out: &mut Output) {
        let kind = match resource.platform {
            Platform::Kubernetes => crate::kubernetes::dispatch_kind(&resource.kind, &resource.value),
            _ => &resource.kind,
        };
        let Some(entry) = self.by_kind.get(&(resource.platform, kind.to_string())) else { return };
        let mut input_set = false;
        let mut set_input = |worker: &mut Worker| {
            if !input_set {
                let mut input = resource.value.clone();
                if resource.platform == Platform::Terraform
                    && let Value::Object(map) = &mut input
                {
                    map.insert(KIND_KEY.to_string(), Value::String(resource.kind.clone()));
                }
                worker.rego.set_input(regorus::Value::from(input));
                input_set = true;
            }
        };
        // All Rego rules of this kind in one query; on any error, fall back to one query per
        // rule so the failure is attributed to the rule that caused it.
        let mut batch: Option<serde_json::Map<String, Value>> = None;
        let mut timed_out = false;
        if let Some(query) = &entry.batch_query {
            // regorus' RVM bytecode backend (0.14.1) would halve this time, but it evaluates
            // `x := <undefined>` as success (e.g. `f(c) := 1 if { p := c.missing } else := 2`
            // yields 1), which would silently change rule results; we use the interpreter.
            set_input(worker);
            match worker.rego.eval_rule(query.clone()).map(|v| serde_json::to_value(&v)) {
                Ok(Ok(Value::Object(map))) => batch = Some(map),
                // Out of time together: running each rule alone would take as long again,
                // once per rule. Each Rego rule of the batch is reported as failed.
                Err(e) if e.to_string().contains("exceeded time limit") => {
                    let message = self.query_error(e.to_string());
                    for rule in entry.rules.iter().filter_map(|&i| self.rules.get(i)) {
                        if matches!(rule.exec, Exec::Rego { .. }) {
                            out.errors.push(EvalError {
                                rule: rule.meta.id.clone(),
                                message: format!("{}: {message} (rules of this kind evaluated together)", resource.address),
                            });
                        }
                    }
                    timed_out = true;
                }
                _ => {}
            }
        }
        let mut hits = Vec::new();
        for &i in &entry.rules {
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
                Exec::Rego { .. } if timed_out => continue,
                Exec::Rego { query, unverifiable } => {
                    let mut run = |key: String, query: &String, hits: &mut Vec<Hit>| {
                        let result = match batch.as_mut().and_then(|b| b.remove(&key)) {
                            Some(v) => Ok(v),
                            None => {
                                set_input(worker);
                                worker.rego.eval_rule(query.clone()).map_err(|e| self.query_error(e.to_string())).and_then(|v| {
                                    if v == regorus::Value::Undefined {
                                        Ok(Value::Array(Vec::new()))
                                    } else {
                                        serde_json::to_value(&v).map_err(|e| e.to_string())
                                    }
                                })
                            }
                        };
                        result.and_then(|v| rego_hits(&v, hits))
                    };
                    if let Err(message) = run(i.to_string(), query, &mut hits) {
                        out.errors.push(EvalError { rule: rule.meta.id.clone(), message: format!("{}: {message}", resource.address) });
                    }
                    if let Some(u) = unverifiable {
                        let mut undecided = Vec::new();
                        match run(format!("u{i}"), u, &mut undecided) {
                            Ok(()) => {
                                for hit in undecided {
                                    out.unverifiable.push(finding(rule, resource, hit));
                                }
                            }
                            Err(message) => out.errors.push(EvalError {
                                rule: rule.meta.id.clone(),
                                message: format!("{} (unverifiable): {message}", resource.address),
                            }),
                        }
                    }
                }
            }
            for hit in hits.drain(..) {
                out.findings.push(finding(rule, resource, hit));
            }
        }
    }

    /// Runs the whole-scan rules on everything observed: (findings, unverifiable controls).
    pub fn finish(&self, observations: Vec<(usize, Observation)>) -> (Vec<Finding>, Vec<Finding>) {
        // Group by rule (moving, not cloning: observations are most of a large scan's memory).
        let mut by_rule: HashMap<usize, Vec<Observation>> = HashMap::new();
        for (i, o) in observations {
            by_rule.entry(i).or_default().push(o);
        }
        let mut findings = Vec::new();
        let mut unverifiable = Vec::new();
        for &i in &self.scan_rules {
            let Some(rule) = self.rules.get(i) else { continue };
            let Exec::Scan(check) = &rule.exec else { continue };
            let mut obs = by_rule.remove(&i).unwrap_or_default();
            obs.sort_by(|a, b| (&a.root, &a.address).cmp(&(&b.root, &b.address)));
            let mut hits: Vec<ScanHit> = Vec::new();
            check.finish(&obs, &mut hits);
            let mut undecided: Vec<ScanHit> = Vec::new();
            check.unverifiable(&obs, &mut undecided);
            let tagged = hits.into_iter().map(|h| (h, false)).chain(undecided.into_iter().map(|h| (h, true)));
            for (hit, is_unverifiable) in tagged {
                let into = if is_unverifiable { &mut unverifiable } else { &mut findings };
                let Some(o) = obs.get(hit.observation) else { continue };
                let (location, present) = o.anchor(&hit.path);
                let mut related = hit.related;
                related.extend(
                    o.related_at(&hit.path).iter().map(|(location, message)| crate::finding::RelatedLocation {
                        location: location.clone(),
                        message: message.clone(),
                    }),
                );
                into.push(Finding {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    severity: hit.severity.unwrap_or(rule.meta.severity),
                    stride: rule.stride.clone(),
                    message: hit.message,
                    location: location.clone(),
                    resource: o.address.clone(),
                    attribute: hit.path,
                    attribute_present: present,
                    related,
                    resource_location: Some(o.root.clone()),
                    call_sites: Vec::new(),
                    suppression: None,
                    baseline: None,
                });
            }
        }
        (findings, unverifiable)
    }
}

/// A finding of `rule` on `resource`.
fn finding(rule: &CompiledRule, resource: &Resource, hit: Hit) -> Finding {
    let (location, present) = resource.locate(&hit.path);
    let related = resource
        .related_at(&hit.path)
        .into_iter()
        .map(|(location, message)| crate::finding::RelatedLocation { location, message })
        .collect();
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        severity: hit.severity.unwrap_or(rule.meta.severity),
        stride: rule.stride.clone(),
        message: hit.message,
        location,
        resource: resource.address.clone(),
        attribute: hit.path,
        attribute_present: present,
        related,
        resource_location: Some(resource.locate(&AttributePath::root()).0),
        call_sites: resource.call_chain.iter().rev().map(|(l, _)| l.clone()).collect(),
        suppression: None,
        baseline: None,
    }
}

/// Reads a Rego `deny` set (as JSON: an array): each element
/// `{"msg": string, "path": [..], "severity"?: string}`.
fn rego_hits(result: &Value, hits: &mut Vec<Hit>) -> Result<(), String> {
    let items = match result {
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
