//! Rule evaluation: Rego policies are compiled once per scan into one prepared regorus engine
//! that each worker clones (a clone shares the compiled policies and costs ~0.1 µs); native
//! checks run beside them. Rules are indexed by platform and kind, so a resource is only shown
//! to the rules that declare its kind.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

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
    crate::iam::lookup::add_extensions(rego)?;
    crate::iam::escalation::add_extensions(rego)
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
        file: String,
        source: String,
        query: String,
        unverifiable: Option<String>,
    },
    Native(Box<dyn checks::ResourceCheck>),
    Scan(Box<dyn ScanCheck>),
}

/// Errors preparing the rules.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
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
    /// One Rego program per platform whose rules run, compiled on first use (a scan of one
    /// YAML file never compiles the Terraform and IAM policies).
    programs: Vec<Program>,
    libraries: Vec<(String, String)>,
    rule_time: Option<std::time::Duration>,
    settings: crate::config::RuleSettings,
    timings: Option<Arc<crate::timings::Timings>>,
}

/// The Rego rules of one platform: the shared libraries, every Rego rule with a target on the
/// platform and a generated module of batch rules, compiled into one regorus engine on first
/// use and prepared (analyzed and scheduled) once; each worker clones it.
struct Program {
    platform: Platform,
    /// Indexes (into `Engine::rules`) of its Rego rules.
    rules: Vec<usize>,
    /// The generated batch rules (`package stridegate.engine.batch`), if any.
    batch_module: Option<String>,
    prepared: OnceLock<Result<regorus::Engine, EngineError>>,
}

/// The rules that apply to one (platform, kind), and the generated Rego rule that evaluates
/// all of their `deny` sets in one query, so that shared library rules (the container list,
/// the pod spec) are computed once per resource rather than once per rule.
#[derive(Debug, Clone, Default)]
struct KindRules {
    rules: Vec<usize>,
    batch_query: Option<String>,
    /// The program holding the Rego rules of this kind (`None`: no Rego rule applies).
    program: Option<usize>,
    /// For `scan --timings`: the libraries its Rego rules use (with a package), each with the
    /// query of its rule in the program's warm-up module.
    warm_up: WarmUp,
}

/// Libraries (indexes into `Engine::libraries`), each with the query of its warm-up rule.
type WarmUp = Vec<(usize, String)>;

/// Per-thread evaluation state (clones of the prepared Rego programs, made on first use).
pub struct Worker {
    rego: Vec<Option<regorus::Engine>>,
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

/// Capacity of regorus' process-wide caches of compiled `glob.match` and `regex.*` patterns.
/// Its defaults (128 globs, 256 regexes) thrash on a scan with thousands of distinct IAM
/// action patterns; a compiled pattern costs a few KB at most.
const PATTERN_CACHE: usize = 8192;

/// Sets regorus' pattern caches once per process.
fn configure_pattern_caches() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        regorus::cache::configure(regorus::cache::Config { regex: PATTERN_CACHE, glob: PATTERN_CACHE });
    });
}

impl Engine {
    /// Compiles `rules` (only those for which `selected` returns true) with the default rule
    /// settings.
    pub fn new(rules: &RuleSet, selected: impl Fn(&RuleMeta) -> bool) -> Result<Self, EngineError> {
        Self::with_settings(rules, selected, &crate::config::RuleSettings::default())
    }

    /// Prepares `rules` (only those for which `selected` returns true); Rego policies read
    /// `settings` as `data.stridegate.settings`, native checks receive them.
    ///
    /// The built-in policies are compiled per platform on first use (a broken built-in policy
    /// is caught by `cargo test`, see [`Engine::check_policies`]); the platforms holding
    /// user-supplied policies (`--rules DIR`) are compiled and every query of those policies
    /// probed here, so a broken user policy is a configuration error before the scan starts.
    pub fn with_settings(
        rules: &RuleSet,
        selected: impl Fn(&RuleMeta) -> bool,
        settings: &crate::config::RuleSettings,
    ) -> Result<Self, EngineError> {
        configure_pattern_caches();
        let mut compiled = Vec::new();
        let mut user_rules = Vec::new();
        for rule in rules.rules.iter().filter(|r| selected(&r.meta)) {
            let meta = rule.meta.clone();
            let exec = match &rule.implementation {
                Implementation::Rego { file, source } => {
                    if meta.scope == Scope::Scan {
                        return Err(EngineError::ScanScopeRego(meta.id.clone()));
                    }
                    // The registry checks that the policy declares exactly this package.
                    let package = format!("data.{}", meta.rego_package());
                    let declares_unverifiable = source.lines().any(|l| l.starts_with("unverifiable contains"));
                    Exec::Rego {
                        file: file.clone(),
                        source: source.clone(),
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
            if rule.origin != crate::rules::Origin::Builtin && matches!(exec, Exec::Rego { .. }) {
                user_rules.push(compiled.len());
            }
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
        // IAM policy documents: one entry per document type, with the rules that can report on
        // it (`applies_to.policy_types`), so a trust-policy rule is not evaluated on every
        // identity policy ([`Engine::entry_for`]).
        let documents: Vec<((Platform, String), Vec<usize>)> = by_kind
            .iter()
            .filter(|((p, k), _)| *p == Platform::Iam && k == crate::iam::policy::KIND)
            .map(|(key, e)| (key.clone(), e.rules.clone()))
            .collect();
        for ((platform, kind), rules) in documents {
            for t in crate::rules::meta::POLICY_TYPES {
                let applies = |i: &usize| {
                    compiled.get(*i).is_some_and(|r| r.meta.applies_to.policy_types.as_ref().is_none_or(|ts| ts.iter().any(|x| x == t)))
                };
                by_kind.entry((platform, typed_kind(&kind, t))).or_default().rules = rules.iter().copied().filter(applies).collect();
            }
        }
        // One program per platform with Rego rules; one generated batch rule per distinct set
        // of Rego rules of a kind. Kinds are visited in order so the generated text (and the
        // batch names) do not depend on hash order.
        let mut programs: Vec<Program> = Vec::new();
        let mut batches: HashMap<(usize, Vec<usize>), String> = HashMap::new();
        let mut kinds: Vec<&(Platform, String)> = by_kind.keys().collect();
        kinds.sort();
        let kinds: Vec<(Platform, String)> = kinds.into_iter().cloned().collect();
        for key in kinds {
            let Some(entry) = by_kind.get_mut(&key) else { continue };
            let rego: Vec<usize> =
                entry.rules.iter().copied().filter(|&i| compiled.get(i).is_some_and(|r| matches!(r.exec, Exec::Rego { .. }))).collect();
            if rego.is_empty() {
                continue;
            }
            let p = match programs.iter().position(|p| p.platform == key.0) {
                Some(p) => p,
                None => {
                    programs.push(Program { platform: key.0, rules: Vec::new(), batch_module: None, prepared: OnceLock::new() });
                    programs.len() - 1
                }
            };
            entry.program = Some(p);
            let Some(program) = programs.get_mut(p) else { continue };
            for &i in &rego {
                if !program.rules.contains(&i) {
                    program.rules.push(i);
                }
            }
            if rego.len() < 2 {
                continue;
            }
            let next = batches.len();
            let name = batches.entry((p, rego.clone())).or_insert_with(|| {
                let name = format!("batch_{next}");
                let fields: Vec<String> = rego
                    .iter()
                    .filter_map(|&i| match compiled.get(i).map(|r| &r.exec) {
                        Some(Exec::Rego { query, unverifiable, .. }) => Some(match unverifiable {
                            Some(u) => format!("\"{i}\": {query}, \"u{i}\": {u}"),
                            None => format!("\"{i}\": {query}"),
                        }),
                        _ => None,
                    })
                    .collect();
                let module = program.batch_module.get_or_insert_with(|| String::from("package stridegate.engine.batch\n\n"));
                // One field per line: regorus refuses lines over 1,024 columns.
                module.push_str(&format!("{name} := {{\n    {}\n}}\n\n", fields.join(",\n    ")));
                name
            });
            entry.batch_query = Some(format!("data.stridegate.engine.batch.{name}"));
        }
        let libraries: Vec<(String, String)> = rules.libraries.iter().map(|l| (l.file.clone(), l.source.clone())).collect();
        for program in &mut programs {
            program.rules.sort_unstable();
        }
        let mut engine =
            Self { rules: compiled, by_kind, scan_rules, programs, libraries, rule_time: None, settings: settings.clone(), timings: None };
        engine.set_rule_time(crate::limits::AnalysisLimits::default().rule_time);
        // User-supplied policies (and libraries) are checked now: their platforms' programs are
        // compiled and their queries probed.
        let user_libraries = rules.libraries.iter().any(|l| crate::rules::embedded_file(|p| p == l.file).is_none_or(|t| t != l.source));
        let eager: Vec<usize> = (0..engine.programs.len())
            .filter(|&p| user_libraries || engine.programs.get(p).is_some_and(|prog| prog.rules.iter().any(|i| user_rules.contains(i))))
            .collect();
        for p in eager {
            engine.check_program(p, |i| user_libraries || user_rules.contains(&i))?;
        }
        Ok(engine)
    }

    /// Compiles every Rego program and evaluates every query of every rule on an empty input,
    /// surfacing parse errors and unresolved references. Scans skip this for the built-in
    /// policies (they are compiled on first use, and `cargo test` runs this check on them).
    pub fn check_policies(&self) -> Result<(), EngineError> {
        for p in 0..self.programs.len() {
            self.check_program(p, |_| true)?;
        }
        Ok(())
    }

    /// The platforms whose Rego policies have been compiled so far, sorted (policies are
    /// compiled per platform on first use).
    pub fn compiled_platforms(&self) -> Vec<Platform> {
        let mut out: Vec<Platform> = self.programs.iter().filter(|p| p.prepared.get().is_some()).map(|p| p.platform).collect();
        out.sort();
        out
    }

    /// Compiles program `p` and probes the queries of its rules for which `probe` is true.
    fn check_program(&self, p: usize, probe: impl Fn(usize) -> bool) -> Result<(), EngineError> {
        let Some(program) = self.programs.get(p) else { return Ok(()) };
        let mut rego = match self.program(p) {
            Ok(r) => r.clone(),
            Err(e) => return Err(self.culprit(program).unwrap_or_else(|| e.clone())),
        };
        rego.set_input(regorus::Value::new_object());
        for &i in program.rules.iter().filter(|&&i| probe(i)) {
            let Some(r) = self.rules.get(i) else { continue };
            if let Exec::Rego { query, unverifiable, .. } = &r.exec {
                for q in std::iter::once(query).chain(unverifiable) {
                    rego.eval_rule(q.clone()).map_err(|e| EngineError::Rego { rule: r.meta.id.clone(), message: e.to_string() })?;
                }
            }
        }
        Ok(())
    }

    /// When `program` does not compile as a whole: the first of its rules that does not
    /// compile with the libraries alone, named (a failure in analysis names no rule).
    fn culprit(&self, program: &Program) -> Option<EngineError> {
        program.rules.iter().find_map(|&i| {
            let rule = self.rules.get(i)?;
            let alone = Program { platform: program.platform, rules: vec![i], batch_module: None, prepared: OnceLock::new() };
            match self.compile(&alone) {
                Ok(_) => None,
                Err(EngineError::Rego { message, .. }) => Some(EngineError::Rego { rule: rule.meta.id.clone(), message }),
                Err(e) => Some(e),
            }
        })
    }

    /// The sources of the Rego rules among `rules`.
    fn rego_sources<'a>(&'a self, rules: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
        rules.iter().filter_map(|&i| match self.rules.get(i).map(|r| &r.exec) {
            Some(Exec::Rego { source, .. }) => Some(source.as_str()),
            _ => None,
        })
    }

    /// Program `p`, compiled and prepared on first use (by whichever thread needs it first).
    fn program(&self, p: usize) -> Result<&regorus::Engine, &EngineError> {
        let Some(program) = self.programs.get(p) else {
            static MISSING: OnceLock<EngineError> = OnceLock::new();
            return Err(MISSING.get_or_init(|| EngineError::Rego { rule: "<engine>".to_string(), message: "no such program".to_string() }));
        };
        program
            .prepared
            .get_or_init(|| crate::timings::timed(self.timings.as_deref(), crate::timings::Stage::Compile, || self.compile(program)))
            .as_ref()
    }

    /// Builds and prepares the regorus engine of `program`.
    fn compile(&self, program: &Program) -> Result<regorus::Engine, EngineError> {
        let mut rego = regorus::Engine::new();
        rego.add_data(regorus::Value::from(self.settings.rego_data()))
            .map_err(|e| EngineError::Rego { rule: "<settings>".to_string(), message: e.to_string() })?;
        // A builtin that fails (a type error in `sprintf`, say) must surface as a rule failure
        // (scan incomplete), never silently make a `deny` body undefined and hide a finding.
        rego.set_strict_builtin_errors(true);
        add_extensions(&mut rego).map_err(|message| EngineError::Rego { rule: "<extensions>".to_string(), message })?;
        // Only the libraries its rules use (found here, so only for the platforms a scan needs).
        let used = libraries_used(&self.libraries, self.rego_sources(&program.rules));
        for (file, source) in used.iter().filter_map(|&l| self.libraries.get(l)) {
            rego.add_policy(file.clone(), source.clone()).map_err(|e| EngineError::Rego { rule: file.clone(), message: e.to_string() })?;
        }
        for &i in &program.rules {
            let Some(rule) = self.rules.get(i) else { continue };
            if let Exec::Rego { file, source, .. } = &rule.exec {
                rego.add_policy(file.clone(), source.clone())
                    .map_err(|e| EngineError::Rego { rule: rule.meta.id.clone(), message: e.to_string() })?;
            }
        }
        if let Some(module) = &program.batch_module {
            rego.add_policy("<generated batch>".to_string(), module.clone())
                .map_err(|e| EngineError::Rego { rule: "<generated batch>".to_string(), message: e.to_string() })?;
        }
        if let Some(module) = warm_up_module(&self.libraries, &warm_up_queries(&self.libraries, &used)) {
            rego.add_policy("<generated warm-up>".to_string(), module)
                .map_err(|e| EngineError::Rego { rule: "<generated warm-up>".to_string(), message: e.to_string() })?;
        }
        if let Some(limit) = self.rule_time {
            rego.set_execution_timer_config(timer_config(limit));
        }
        // Analyze and schedule the modules once, here: every worker clones the prepared engine
        // (a clone of an unprepared one would redo this work on each thread).
        rego.eval_query("true".to_string(), false)
            .map_err(|e| EngineError::Rego { rule: format!("<{} rules>", program.platform), message: e.to_string() })?;
        Ok(rego)
    }

    /// Bounds the wall time of one Rego query on one resource (the `rule-time` limit): a
    /// query that runs longer fails, naming the limit, and the scan is incomplete. Applies to
    /// workers created afterwards.
    pub fn set_rule_time(&mut self, limit: std::time::Duration) {
        for program in &mut self.programs {
            if let Some(Ok(rego)) = program.prepared.get_mut() {
                rego.set_execution_timer_config(timer_config(limit));
            }
        }
        self.rule_time = Some(limit);
    }

    /// Records the time of every stage and rule from now on (`scan --timings`): Rego rules are
    /// then evaluated one by one rather than in one batch per kind, so that their time can be
    /// attributed. Returns the shared record.
    pub fn enable_timings(&mut self) -> Arc<crate::timings::Timings> {
        // Each kind computes the libraries its Rego rules use first (see `evaluate_inner`).
        let warm_ups: Vec<((Platform, String), WarmUp)> = self
            .by_kind
            .iter()
            .map(|(key, entry)| {
                (key.clone(), warm_up_queries(&self.libraries, &libraries_used(&self.libraries, self.rego_sources(&entry.rules))))
            })
            .collect();
        for (key, warm_up) in warm_ups {
            if let Some(entry) = self.by_kind.get_mut(&key) {
                entry.warm_up = warm_up;
            }
        }
        let libraries = self.libraries.iter().map(|(file, text)| Arc::from(library_package(text).unwrap_or(file))).collect();
        let timings = Arc::new(crate::timings::Timings::new(self.rules.iter().map(|r| r.id.clone()).collect()).with_libraries(libraries));
        self.timings = Some(timings.clone());
        timings
    }

    /// The timings being recorded, when [`Engine::enable_timings`] was called.
    pub fn timings(&self) -> Option<&crate::timings::Timings> {
        self.timings.as_deref()
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
        Worker { rego: self.programs.iter().map(|_| None).collect() }
    }

    /// The worker's clone of program `p` (cloned from the prepared program on first use).
    fn worker_program<'w>(&self, worker: &'w mut Worker, p: usize) -> Result<&'w mut regorus::Engine, String> {
        let Some(slot) = worker.rego.get_mut(p) else { return Err("no such program".to_string()) };
        if slot.is_none() {
            *slot = Some(self.program(p).map_err(ToString::to_string)?.clone());
        }
        slot.as_mut().ok_or_else(|| "no such program".to_string())
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
        let timings = self.timings.as_deref();
        for resource in resources {
            let Some(entry) = self.entry_for(resource) else { continue };
            let first = out.observations.len();
            for &i in &entry.rules {
                if let Some(rule) = self.rules.get(i)
                    && let Exec::Scan(check) = &rule.exec
                {
                    let started = timings.map(|_| crate::timings::RuleClock::start());
                    if let Some(obs) = check.observe(resource) {
                        push_observation(&mut out.observations, first, i, obs);
                    }
                    if let (Some(t), Some(started)) = (timings, started) {
                        t.add_rule(i, started.elapsed());
                    }
                }
            }
        }
    }

    /// Runs every applicable rule on `resource`.
    pub fn evaluate(&self, worker: &mut Worker, resource: &Resource, out: &mut Output) {
        let started = self.timings.is_some().then(Instant::now);
        self.evaluate_inner(worker, resource, out);
        if let (Some(t), Some(started)) = (&self.timings, started) {
            t.add_stage(crate::timings::Stage::Evaluate, started.elapsed());
        }
    }

    /// The rules of `resource`'s kind: Kubernetes objects carrying pods in a kind the built-in
    /// list does not name are dispatched as pod templates, IAM policy documents by their type
    /// (`$context.type`, "identity" when absent, as the Rego library reads it).
    fn entry_for(&self, resource: &Resource) -> Option<&KindRules> {
        let kind = match resource.platform {
            Platform::Kubernetes => crate::kubernetes::dispatch_kind(&resource.kind, &resource.value),
            _ => &resource.kind,
        };
        if resource.platform == Platform::Iam && kind == crate::iam::policy::KIND {
            let t = match resource.value.get(crate::iam::policy::CONTEXT_KEY) {
                None => Some("identity"),
                Some(Value::Object(context)) => match context.get("type") {
                    None => Some("identity"),
                    Some(Value::String(t)) => crate::rules::meta::POLICY_TYPES.iter().copied().find(|x| x == t),
                    Some(_) => None,
                },
                Some(_) => None,
            };
            // Another type (a value that cannot be known): every rule of the kind.
            if let Some(entry) = t.and_then(|t| self.by_kind.get(&(resource.platform, typed_kind(kind, t)))) {
                return Some(entry);
            }
        }
        self.by_kind.get(&(resource.platform, kind.to_string()))
    }

    fn evaluate_inner(&self, worker: &mut Worker, resource: &Resource, out: &mut Output) {
        let Some(entry) = self.entry_for(resource) else { return };
        let timings = self.timings.as_deref();
        // The Rego program of this kind, with the resource as its input.
        let mut rego = None;
        let mut rego_failed = false;
        if let Some(p) = entry.program {
            match self.worker_program(worker, p) {
                Ok(engine) => {
                    engine.set_input(rego_input(resource));
                    rego = Some(engine);
                }
                // Only a user policy that `with_settings` did not check, or a broken built-in
                // one (`cargo test` checks them), can get here.
                Err(message) => {
                    for rule in entry.rules.iter().filter_map(|&i| self.rules.get(i)) {
                        if matches!(rule.exec, Exec::Rego { .. }) {
                            out.errors.push(EvalError { rule: rule.meta.id.clone(), message: format!("{}: {message}", resource.address) });
                        }
                    }
                    rego_failed = true;
                }
            }
        }
        // All Rego rules of this kind in one query (unless timings are recorded per rule); on
        // any error, fall back to one query per rule so the failure is attributed to the rule
        // that caused it.
        let mut batch: Option<serde_json::Map<String, Value>> = None;
        let mut timed_out = false;
        // With timings, each library is computed first (its own time), then each rule alone
        // keeping those values, so a rule's time is what it adds to the batch. `warm`: the
        // engine holds values computed for this input (a failed query leaves it unsure).
        let mut warm = false;
        if let (Some(t), Some(engine)) = (timings, rego.as_deref_mut()) {
            for (l, query) in &entry.warm_up {
                let started = crate::timings::RuleClock::start();
                let result = if warm { engine.eval_rule_keep_state(query.clone()) } else { engine.eval_rule(query.clone()) };
                t.add_library(*l, started.elapsed());
                warm = result.is_ok();
            }
        }
        if let (Some(query), Some(engine), None) = (&entry.batch_query, rego.as_deref_mut(), timings) {
            // regorus' RVM bytecode backend (0.14.1) would halve this time, but it evaluates
            // `x := <undefined>` as success (e.g. `f(c) := 1 if { p := c.missing } else := 2`
            // yields 1), which would silently change rule results; we use the interpreter.
            match engine.eval_rule(query.clone()).map(|v| from_rego(&v)) {
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
        let first_observation = out.observations.len();
        for &i in &entry.rules {
            let Some(rule) = self.rules.get(i) else { continue };
            hits.clear();
            let started = timings.map(|_| crate::timings::RuleClock::start());
            match &rule.exec {
                Exec::Scan(check) => {
                    if let Some(obs) = check.observe(resource) {
                        push_observation(&mut out.observations, first_observation, i, obs);
                    }
                }
                Exec::Native(check) => check.check(resource, &mut hits),
                Exec::Rego { .. } if timed_out || rego_failed => {}
                Exec::Rego { query, unverifiable, .. } => {
                    let mut run = |key: String, query: &String, hits: &mut Vec<Hit>| {
                        let result = match batch.as_mut().and_then(|b| b.remove(&key)) {
                            Some(v) => Ok(v),
                            None => match rego.as_deref_mut() {
                                None => Err("internal error: no Rego program for this kind".to_string()),
                                Some(engine) => {
                                    let result =
                                        if warm { engine.eval_rule_keep_state(query.clone()) } else { engine.eval_rule(query.clone()) };
                                    warm = timings.is_some() && result.is_ok();
                                    result.map_err(|e| self.query_error(e.to_string())).and_then(|v| {
                                        if v == regorus::Value::Undefined {
                                            Ok(Value::Array(Vec::new()))
                                        } else {
                                            from_rego(&v).map_err(|e| e.to_string())
                                        }
                                    })
                                }
                            },
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
            if let (Some(t), Some(started)) = (timings, started) {
                t.add_rule(i, started.elapsed());
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
        self.finish_grouped(by_rule)
    }

    /// [`Engine::finish`] on observations already grouped by rule index (in the order they
    /// were observed), as a scan collects them: no second copy of them all. The rules finish in
    /// parallel (on the current rayon pool); their results are joined in rule order.
    pub fn finish_grouped(&self, mut by_rule: HashMap<usize, Vec<Observation>>) -> (Vec<Finding>, Vec<Finding>) {
        let work: Vec<(usize, Vec<Observation>)> = self.scan_rules.iter().map(|&i| (i, by_rule.remove(&i).unwrap_or_default())).collect();
        use rayon::prelude::*;
        let parts: Vec<(Vec<Finding>, Vec<Finding>)> = work.into_par_iter().map(|(i, obs)| self.finish_rule(i, obs)).collect();
        let mut findings = Vec::new();
        let mut unverifiable = Vec::new();
        for (f, u) in parts {
            findings.extend(f);
            unverifiable.extend(u);
        }
        (findings, unverifiable)
    }

    /// One whole-scan rule's finish on its observations: (findings, unverifiable controls).
    fn finish_rule(&self, i: usize, mut obs: Vec<Observation>) -> (Vec<Finding>, Vec<Finding>) {
        let mut findings = Vec::new();
        let mut unverifiable = Vec::new();
        let Some(rule) = self.rules.get(i) else { return (findings, unverifiable) };
        let Exec::Scan(check) = &rule.exec else { return (findings, unverifiable) };
        crate::sort::stable_by(&mut obs, |a, b| (&a.root, &a.address).cmp(&(&b.root, &b.address)));
        let started = self.timings.as_ref().map(|_| crate::timings::RuleClock::start());
        let mut hits: Vec<ScanHit> = Vec::new();
        check.finish(&obs, &mut hits);
        let mut undecided: Vec<ScanHit> = Vec::new();
        check.unverifiable(&obs, &mut undecided);
        // A whole-scan rule that observed nothing (a Terraform join in a YAML-only scan) did
        // no work worth a line in the timings.
        if let (Some(t), Some(started), false) = (&self.timings, started, obs.is_empty()) {
            t.add_rule(i, started.elapsed());
        }
        let tagged = hits.into_iter().map(|h| (h, false)).chain(undecided.into_iter().map(|h| (h, true)));
        for (hit, is_unverifiable) in tagged {
            let into = if is_unverifiable { &mut unverifiable } else { &mut findings };
            let Some(o) = obs.get(hit.observation) else { continue };
            let (location, present) = o.anchor(&hit.path);
            let mut related = hit.related;
            related.extend(
                o.related_at(&hit.path)
                    .iter()
                    .map(|(location, message)| crate::finding::RelatedLocation { location: location.clone(), message: message.clone() }),
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
        (findings, unverifiable)
    }
}

/// The package a library declares (`stridegate.lib.kubernetes`), if any.
fn library_package(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.trim().strip_prefix("package ")).map(str::trim).filter(|p| !p.is_empty())
}

/// The warm-up queries (see [`warm_up_module`]) of the libraries `used` that have a package.
fn warm_up_queries(libraries: &[(String, String)], used: &[usize]) -> WarmUp {
    used.iter()
        .filter(|&&l| libraries.get(l).and_then(|(_, text)| library_package(text)).is_some())
        .map(|&l| (l, format!("data.stridegate.engine.warm.l{l}")))
        .collect()
}

/// The generated module `stridegate.engine.warm` of a program: one rule `l<index>` per library
/// of `warm_up`, whose value is the whole package, so that evaluating it computes every rule of
/// the library. `scan --timings` evaluates these first on each resource and then each rule on
/// its own with those values kept: a rule's time is then what it adds to the batch, which
/// computes the libraries once for all its rules.
fn warm_up_module(libraries: &[(String, String)], warm_up: &[(usize, String)]) -> Option<String> {
    let mut module = String::from("package stridegate.engine.warm\n\n");
    for (l, _) in warm_up {
        if let Some(package) = libraries.get(*l).and_then(|(_, text)| library_package(text)) {
            module.push_str(&format!("l{l} := data.{package}\n"));
        }
    }
    (!warm_up.is_empty()).then_some(module)
}

/// The libraries (indexes into `libraries`, as (file, source)) that `sources` use, directly or
/// through other libraries: those whose package `sources` name. A library whose package
/// cannot be read is always included.
fn libraries_used<'a>(libraries: &[(String, String)], sources: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let packages: Vec<Option<&str>> = libraries.iter().map(|(_, text)| library_package(text)).collect();
    let mut used: Vec<bool> = packages.iter().map(Option::is_none).collect();
    let mut pending: Vec<&str> = sources.collect();
    pending.extend(libraries.iter().zip(&used).filter(|(_, u)| **u).map(|((_, text), _)| text.as_str()));
    while let Some(text) = pending.pop() {
        for (l, package) in packages.iter().enumerate() {
            if let Some(package) = package
                && !used.get(l).copied().unwrap_or(true)
                && names_package(text, package)
            {
                if let Some(u) = used.get_mut(l) {
                    *u = true;
                }
                if let Some((_, lib)) = libraries.get(l) {
                    pending.push(lib);
                }
            }
        }
    }
    used.iter().enumerate().filter(|(_, u)| **u).map(|(l, _)| l).collect()
}

/// Whether `text` mentions the Rego package `package` (`stridegate.lib.kubernetes`, not
/// `stridegate.lib.kubernetes_rbac`).
fn names_package(text: &str, package: &str) -> bool {
    text.match_indices(package).any(|(at, _)| {
        let next = text.get(at + package.len()..).and_then(|rest| rest.chars().next());
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// regorus' execution timer settings for a `rule-time` limit.
fn timer_config(limit: std::time::Duration) -> regorus::utils::limits::ExecutionTimerConfig {
    let check_interval = std::num::NonZeroU32::new(256).unwrap_or(std::num::NonZeroU32::MIN);
    regorus::utils::limits::ExecutionTimerConfig { limit, check_interval }
}

/// The Rego `input` of `resource`: its value (converted without an intermediate copy), plus
/// `$kind` for a Terraform resource.
fn rego_input(resource: &Resource) -> regorus::Value {
    let mut input = to_rego(&resource.value);
    if resource.platform == Platform::Terraform
        && let Ok(map) = input.as_object_mut()
    {
        map.insert(regorus::Value::from(KIND_KEY), regorus::Value::from(resource.kind.as_str()));
    }
    input
}

/// A regorus result as JSON, as regorus' `Serialize` gives it (sets as sorted arrays, objects
/// with sorted keys, a non-string key as its JSON text, undefined as "<undefined>"), built
/// directly: serde's path formats every number as decimal text and parses it back. Only numbers
/// outside the 64-bit integers take that path (a test compares both on many values). The depth is that of a rule's
/// result, which the interpreter built.
fn from_rego(v: &regorus::Value) -> Result<Value, serde_json::Error> {
    Ok(match v {
        regorus::Value::Null => Value::Null,
        regorus::Value::Bool(b) => Value::Bool(*b),
        regorus::Value::String(s) => Value::String(s.to_string()),
        // An integer of 64 bits (or a float with such a value, which Rust prints as one) is
        // what serde would parse back from regorus' decimal text.
        regorus::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::from(u),
            (None, Some(i)) => Value::from(i),
            (None, None) => serde_json::to_value(v)?,
        },
        regorus::Value::Array(items) => Value::Array(items.iter().map(from_rego).collect::<Result<_, _>>()?),
        regorus::Value::Set(items) => Value::Array(items.iter_sorted().map(from_rego).collect::<Result<_, _>>()?),
        regorus::Value::Object(fields) => {
            let mut map = serde_json::Map::new();
            for (k, v) in fields.iter_sorted() {
                let key = match k {
                    regorus::Value::String(s) => s.to_string(),
                    other => serde_json::to_string(other)?,
                };
                map.insert(key, from_rego(v)?);
            }
            Value::Object(map)
        }
        regorus::Value::Undefined => Value::String("<undefined>".to_string()),
    })
}

/// `v` as a regorus value, built directly (serde's visitor and regorus' key interning cost a
/// third more); numbers map as regorus' own deserializer maps them (u64, i64, f64). The depth is
/// the parsed document's, which the parsers bound.
fn to_rego(v: &Value) -> regorus::Value {
    match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => regorus::Value::from(u),
            (None, Some(i), _) => regorus::Value::from(i),
            (None, None, Some(f)) if f.is_finite() => regorus::Value::from(f),
            _ => regorus::Value::Undefined,
        },
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(items) => regorus::Value::from(items.iter().map(to_rego).collect::<Vec<_>>()),
        // Sorted once into regorus' frozen object (no ordered map built and copied out).
        Value::Object(map) => regorus::Value::from(regorus::value::Object::from_entries(
            map.iter().map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v))).collect(),
        )),
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

/// The key of the rules of a `kind` for IAM policy documents of type `t` (see
/// [`Engine::entry_for`]).
fn typed_kind(kind: &str, t: &str) -> String {
    format!("{kind}#{t}")
}

/// Appends `obs`, made by rule `rule`, sharing the resource's identity with the first
/// observation made of the same resource (those from `first` on).
fn push_observation(observations: &mut Vec<(usize, Observation)>, first: usize, rule: usize, mut obs: Observation) {
    if let Some((_, earlier)) = observations.get(first) {
        obs.share_resource(earlier);
    }
    observations.push((rule, obs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_conversion_equals_regorus_deserialization() {
        use serde::Deserialize;
        let v = serde_json::json!({
            "a": [1, -2, 3.5, 18446744073709551615u64, -9223372036854775808i64, 1e300, null, true, "x"],
            "b": {"": {}, "nested": [[], {"k": "v"}]},
            "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}],
        });
        let expected = regorus::Value::deserialize(&v).unwrap();
        assert_eq!(to_rego(&v), expected);
        assert_eq!(serde_json::to_value(to_rego(&v)).unwrap(), serde_json::to_value(&expected).unwrap());
    }

    #[test]
    fn results_convert_as_regorus_serializes_them() {
        let mut rego = regorus::Engine::new();
        rego.add_policy(
            "t.rego".to_string(),
            r#"package t
import rego.v1
values := [
    1, 0, -1, 3.5, -2.25, 1e300, -1e300, 3.0, -4.0, 18446744073709551615, 18446744073709551616,
    -9223372036854775808, -9223372036854775809, 0.1, 1e-7, 2 / 3, 10 / 2, 7 % 3, 12345678901234567890123,
    null, true, false, "", "x \u00e9",
    [], [[1], {"a": {"b": [null]}}], set(), {"s", "a", 2, [1], {"k": 1}},
    {"b": 1, "a": 2, "": 3}, {1: "one", [2]: "list", {"k": "v"}: "obj", null: "null", true: "bool"},
]
deny contains {"msg": "m", "path": ["spec", 0, "x"], "severity": "high"}
"#
            .to_string(),
        )
        .unwrap();
        for rule in ["data.t.values", "data.t.deny"] {
            let v = rego.eval_rule(rule.to_string()).unwrap();
            assert_eq!(from_rego(&v).unwrap(), serde_json::to_value(&v).unwrap(), "{rule}");
        }
        assert_eq!(from_rego(&regorus::Value::Undefined).unwrap(), serde_json::to_value(regorus::Value::Undefined).unwrap());
    }

    fn lib(package: &str, body: &str) -> (String, String) {
        (format!("lib/{package}.rego"), format!("package stridegate.lib.{package}\n\n{body}\n"))
    }

    #[test]
    fn programs_get_the_libraries_their_rules_use_transitively() {
        let libraries = vec![
            lib("kubernetes", "import data.stridegate.lib.secrets\nx := 1"),
            lib("kubernetes_rbac", "y := 2"),
            lib("secrets", "z := 3"),
            lib("iam", "w := 4"),
            ("lib/odd.rego".to_string(), "# no package line\n".to_string()),
        ];
        let rule = "package stridegate.rules.k8s_0001\nimport data.stridegate.lib.kubernetes as k8s\n";
        assert_eq!(libraries_used(&libraries, [rule].into_iter()), [0, 2, 4]);
        let rbac = "package stridegate.rules.k8s_0032\nimport data.stridegate.lib.kubernetes_rbac\n";
        assert_eq!(libraries_used(&libraries, [rbac].into_iter()), [1, 4]);
        assert_eq!(libraries_used(&libraries, std::iter::empty()), [4]);
    }
}
