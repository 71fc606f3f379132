//! The scan pipeline: discover → read → parse → build resources → evaluate rules (in parallel,
//! one file per task) → whole-scan rules → a [`ScanReport`]. Every input unit is accounted for
//! as analyzed, skipped (with a reason) or failed (with a position when there is one).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::discover::{Candidate, DiscoverError, DiscoverOptions, FileClass, discover};
use crate::engine::{Engine, Output, Worker};
use crate::finding::Finding;
use crate::kubernetes;
use crate::limits::AnalysisLimits;
use crate::model::{Location, Resource, SourceFile};
use crate::parse::{Limits, Parsed, json, yaml};
use crate::rules::meta::{RuleMeta, Severity};
use crate::terraform::{self, ModuleInput, NotAnalyzed};

/// Scan options.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Discovery options.
    pub discover: DiscoverOptions,
    /// Files larger than this are not read (reported as failed).
    pub max_file_size: u64,
    /// Parser limits.
    pub limits: Limits,
    /// Threads for analysis (0 = all cores).
    pub threads: usize,
    /// Incremented after each file, for progress display.
    pub progress: Option<Arc<AtomicUsize>>,
    /// Set to the number of files once discovery is done, for progress display.
    pub total: Option<Arc<AtomicUsize>>,
    /// The scan root (canonical); `file()` in Terraform never reads outside it. Set by [`scan`].
    pub root: Option<std::path::PathBuf>,
    /// Terraform variables from the command line (`--var-file`, `--var`), in order.
    pub terraform_vars: serde_json::Map<String, serde_json::Value>,
    /// Read `TF_VAR_*` environment variables (`--tf-env`).
    pub terraform_env: bool,
    /// Bounds on each analysis unit's evaluation (`--limit NAME=VALUE`).
    pub analysis: AnalysisLimits,
    /// Wall time of the whole scan (`--timeout`): units not finished by then are reported as
    /// not analyzed and the scan is incomplete.
    pub timeout: Option<Duration>,
    /// Keep a summary of every resource (for threat-model checks).
    pub inventory: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            discover: DiscoverOptions::default(),
            max_file_size: 8 * 1024 * 1024,
            limits: Limits::default(),
            threads: 0,
            progress: None,
            total: None,
            root: None,
            terraform_vars: serde_json::Map::new(),
            terraform_env: false,
            analysis: AnalysisLimits::default(),
            timeout: None,
            inventory: false,
        }
    }
}

/// Why a file was not analyzed although nothing went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// YAML or JSON that holds no Kubernetes object or IAM policy (CI workflows, compose files,
    /// package manifests...).
    NotInfrastructure,
    /// A file of a Helm chart; charts are rendered as a unit, never read as plain YAML.
    HelmChart {
        /// Chart directory.
        chart: String,
    },
    /// A `.tfvars` file Terraform does not load by itself (use `--var-file`).
    TfvarsNotAutoLoaded,
    /// The file is empty.
    Empty,
    /// A symlink that is not followed (to a directory, a special file or out of the scanned
    /// tree), or a special file (FIFO, socket, device) that is never opened.
    NotFollowed {
        /// Details.
        detail: String,
    },
    /// A Terraform module directory that another module of the scan calls (`source =
    /// "./modules/x"`): its resources are analyzed through those calls, with the arguments
    /// they pass, not a second time with the variables' defaults.
    CalledModule {
        /// Directories of the calling modules.
        callers: Vec<String>,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NotInfrastructure => f.write_str("no Kubernetes object or IAM policy in it"),
            SkipReason::HelmChart { chart } => write!(f, "part of Helm chart `{chart}` (chart rendering is not supported yet)"),
            SkipReason::TfvarsNotAutoLoaded => f.write_str("variables file Terraform does not load by itself (pass it with --var-file)"),
            SkipReason::Empty => f.write_str("empty file"),
            SkipReason::NotFollowed { detail } => f.write_str(detail),
            SkipReason::CalledModule { callers } => {
                write!(f, "Terraform module called from {}: analyzed through the call with its arguments", callers.join(", "))
            }
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// Parsed and checked.
    Analyzed {
        /// Resources found.
        resources: usize,
    },
    /// Deliberately not analyzed.
    Skipped {
        /// Why.
        #[serde(flatten)]
        reason: SkipReason,
    },
    /// Could not be analyzed (completely): the scan is incomplete.
    Failed {
        /// What went wrong, lowercase.
        message: String,
        /// Where, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<Location>,
        /// Resources that were still analyzed (documents before a YAML error).
        resources: usize,
    },
}

/// The record of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    /// Path relative to the scan root.
    pub path: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A rule that failed at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleFailure {
    /// Rule id.
    pub rule: String,
    /// Details (resource address and message).
    pub message: String,
}

/// Counts of the coverage summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Candidate files found.
    pub found: usize,
    /// Files analyzed.
    pub analyzed: usize,
    /// Files skipped, by reason.
    pub skipped: Vec<(String, usize)>,
    /// Files that failed.
    pub failed: usize,
    /// Resources analyzed.
    pub resources: usize,
}

/// Everything a scan produced.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Findings, sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Controls a rule could not decide because a value cannot be known (a variable without a
    /// value, a computed attribute), sorted like findings. Not violations: they never change
    /// the exit status, and they tell a reviewer what to verify another way.
    pub unverifiable: Vec<Finding>,
    /// Every file accounted for, sorted by path.
    pub files: Vec<FileRecord>,
    /// Rule failures.
    pub rule_failures: Vec<RuleFailure>,
    /// Parts of analyzed files that were not analyzed (Terraform module calls...).
    pub not_analyzed: Vec<NotAnalyzed>,
    /// Metadata of the rules that ran.
    #[serde(skip)]
    pub rules: Vec<Arc<RuleMeta>>,
    /// Wall time.
    #[serde(skip)]
    pub elapsed: Duration,
    /// Bytes read.
    pub bytes: u64,
    /// Every resource analyzed, when [`ScanOptions::inventory`] asked for it, sorted by file
    /// and address.
    #[serde(skip)]
    pub inventory: Vec<crate::model::ResourceSummary>,
}

/// How a scan should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding at or above the threshold, every file analyzed.
    Clean = 0,
    /// Findings at or above the threshold.
    Findings = 1,
    /// Usage or configuration error.
    UsageError = 2,
    /// No finding at or above the threshold, but some input could not be analyzed.
    Incomplete = 3,
}

impl ScanReport {
    /// The coverage summary.
    pub fn coverage(&self) -> Coverage {
        let mut c = Coverage { found: self.files.len(), ..Coverage::default() };
        let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for f in &self.files {
            match &f.outcome {
                Outcome::Analyzed { resources } => {
                    c.analyzed += 1;
                    c.resources += resources;
                }
                Outcome::Skipped { reason } => {
                    let key = match reason {
                        SkipReason::HelmChart { .. } => "helm chart (not rendered yet)".to_string(),
                        SkipReason::NotFollowed { .. } => "symlink or special file not followed".to_string(),
                        SkipReason::CalledModule { .. } => "Terraform module analyzed through its callers".to_string(),
                        other => other.to_string(),
                    };
                    *skipped.entry(key).or_default() += 1;
                }
                Outcome::Failed { resources, .. } => {
                    c.failed += 1;
                    c.resources += resources;
                }
            }
        }
        c.skipped = skipped.into_iter().collect();
        c
    }

    /// True when a file failed, a rule failed or an analysis limit was reached.
    pub fn is_incomplete(&self) -> bool {
        !self.rule_failures.is_empty()
            || self.files.iter().any(|f| matches!(f.outcome, Outcome::Failed { .. }))
            || self.not_analyzed.iter().any(|n| n.limit.is_some())
    }

    /// Exit status for `--fail-on threshold`: findings win over incompleteness, since both fail
    /// a CI gate and findings are what the user must act on first.
    pub fn exit_status(&self, threshold: Severity) -> ExitStatus {
        if self.findings.iter().any(|f| f.severity >= threshold) {
            ExitStatus::Findings
        } else if self.is_incomplete() {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Clean
        }
    }
}

/// Scans `root` with `engine`.
pub fn scan(root: &Path, engine: &Engine, options: &ScanOptions) -> Result<ScanReport, DiscoverError> {
    let started = Instant::now();
    let discovered = discover(root, &options.discover)?;
    if let Some(total) = &options.total {
        total.store(discovered.candidates.len(), Ordering::Relaxed);
    }
    let mut options = options.clone();
    let base = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
    options.root = std::fs::canonicalize(base).ok();
    let options = &options;
    // Recursion is bounded by design (parser depth, `eval-depth`); the larger stack is a
    // margin for the deepest legitimate inputs, not a substitute for those bounds.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(effective_threads(options.threads)).stack_size(WORKER_STACK).build();
    let units = work_units(&discovered.candidates);
    let scan_deadline = options.timeout.map(|t| started + t);
    let work = || -> Vec<UnitResult> {
        units
            .par_iter()
            .map_init(
                || engine.worker(),
                |worker, unit| {
                    let now = Instant::now();
                    if let (Some(deadline), Some(timeout)) = (scan_deadline, options.timeout)
                        && now >= deadline
                    {
                        let message =
                            format!("not analyzed: the scan's --timeout ({}s) was reached before this file's turn", timeout.as_secs_f64());
                        let records = unit.candidates().iter().map(|c| failed(c, message.clone(), None)).collect();
                        return UnitResult {
                            records,
                            output: Output::default(),
                            bytes: 0,
                            not_analyzed: Vec::new(),
                            inventory: Vec::new(),
                        };
                    }
                    let unit_deadline = now + options.analysis.unit_time;
                    let deadline = scan_deadline.map_or(unit_deadline, |d| d.min(unit_deadline));
                    let result = catch_unwind(AssertUnwindSafe(|| match unit {
                        Unit::File(candidate) => {
                            let mut inventory = Vec::new();
                            let (record, output, bytes) = analyze_file(candidate, engine, worker, options, deadline, &mut inventory);
                            UnitResult { records: vec![record], output, bytes, not_analyzed: Vec::new(), inventory }
                        }
                        Unit::TerraformModule(files) => analyze_terraform_module(files, engine, worker, options, deadline),
                        Unit::CalledModule(files, callers) => check_called_module(files, callers, options),
                    }));
                    if let Some(p) = &options.progress {
                        p.fetch_add(unit.candidates().len(), Ordering::Relaxed);
                    }
                    result.unwrap_or_else(|_| {
                        let records = unit
                            .candidates()
                            .iter()
                            .map(|c| FileRecord {
                                path: c.display.clone(),
                                outcome: Outcome::Failed {
                                    message: "internal error while analyzing this file (a bug in stridegate: please report it)".into(),
                                    location: None,
                                    resources: 0,
                                },
                            })
                            .collect();
                        UnitResult { records, output: Output::default(), bytes: 0, not_analyzed: Vec::new(), inventory: Vec::new() }
                    })
                },
            )
            .collect()
    };
    let results = match &pool {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };

    let mut files = Vec::with_capacity(results.len() + discovered.problems.len());
    let mut findings = Vec::new();
    let mut unverifiable = Vec::new();
    let mut observations = Vec::new();
    let mut rule_failures = Vec::new();
    let mut bytes = 0;
    let mut not_analyzed = Vec::new();
    let mut inventory = Vec::new();
    for r in results {
        inventory.extend(r.inventory);
        files.extend(r.records);
        findings.extend(r.output.findings);
        unverifiable.extend(r.output.unverifiable);
        observations.extend(r.output.observations);
        rule_failures.extend(r.output.errors.into_iter().map(|e| RuleFailure { rule: e.rule, message: e.message }));
        bytes += r.bytes;
        not_analyzed.extend(r.not_analyzed);
    }
    not_analyzed
        .sort_by(|a: &NotAnalyzed, b: &NotAnalyzed| (&a.file, a.line, &a.unit, &a.reason).cmp(&(&b.file, b.line, &b.unit, &b.reason)));
    not_analyzed.dedup();
    for p in discovered.problems {
        let outcome = if p.incomplete {
            Outcome::Failed { message: p.message, location: None, resources: 0 }
        } else {
            Outcome::Skipped { reason: SkipReason::NotFollowed { detail: p.message } }
        };
        files.push(FileRecord { path: p.display, outcome });
    }
    let (scan_findings, scan_unverifiable) = engine.finish(observations);
    findings.extend(scan_findings);
    unverifiable.extend(scan_unverifiable);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.identity() == b.identity() && a.location == b.location && a.message == b.message);
    unverifiable.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    unverifiable.dedup_by(|a, b| a.identity() == b.identity() && a.location == b.location && a.message == b.message);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    rule_failures.sort_by(|a, b| (&a.rule, &a.message).cmp(&(&b.rule, &b.message)));
    inventory.sort_by(|a: &crate::model::ResourceSummary, b| (&a.location.file, &a.address).cmp(&(&b.location.file, &b.address)));
    Ok(ScanReport {
        inventory,
        findings,
        unverifiable,
        files,
        rule_failures,
        not_analyzed,
        rules: engine.rules().cloned().collect(),
        elapsed: started.elapsed(),
        bytes,
    })
}

fn failed(candidate: &Candidate, message: impl Into<String>, location: Option<Location>) -> FileRecord {
    FileRecord { path: candidate.display.clone(), outcome: Outcome::Failed { message: message.into(), location, resources: 0 } }
}

fn skipped(candidate: &Candidate, reason: SkipReason) -> FileRecord {
    FileRecord { path: candidate.display.clone(), outcome: Outcome::Skipped { reason } }
}

/// Why a file was not read, and how many bytes it had.
type NotRead = (FileRecord, u64);

/// Reads a candidate as UTF-8 text, or says why it cannot be analyzed.
fn read_source(candidate: &Candidate, options: &ScanOptions) -> Result<(Arc<SourceFile>, u64), Box<NotRead>> {
    let size = match std::fs::metadata(&candidate.path) {
        // Never open anything but a regular file: reading a FIFO would block forever.
        Ok(m) if !m.is_file() => return Err(Box::new((failed(candidate, "not a regular file; not read", None), 0))),
        Ok(m) => m.len(),
        Err(e) => return Err(Box::new((failed(candidate, format!("cannot read: {e}"), None), 0))),
    };
    if size > options.max_file_size {
        let message = format!(
            "file is {:.1} MiB, over the {:.1} MiB limit (raise it with --max-file-size)",
            size as f64 / 1_048_576.0,
            options.max_file_size as f64 / 1_048_576.0
        );
        return Err(Box::new((failed(candidate, message, None), 0)));
    }
    let bytes = match std::fs::read(&candidate.path) {
        Ok(b) => b,
        Err(e) => return Err(Box::new((failed(candidate, format!("cannot read: {e}"), None), 0))),
    };
    if bytes.is_empty() {
        return Err(Box::new((skipped(candidate, SkipReason::Empty), 0)));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                "UTF-16 text: only UTF-8 is supported (re-encode the file as UTF-8)".to_string()
            } else if bytes.contains(&0) {
                "binary file (not text)".to_string()
            } else {
                format!("not valid UTF-8 (invalid byte at offset {at}); only UTF-8 is supported")
            };
            let valid = String::from_utf8_lossy(&bytes[..at]).into_owned();
            let file = SourceFile::new(candidate.display.as_str(), valid);
            let location = file.location(crate::source::ByteSpan::new(at, at));
            return Err(Box::new((failed(candidate, message, Some(location)), size)));
        }
    };
    if text.as_bytes().contains(&0) {
        return Err(Box::new((failed(candidate, "binary file (not text)", None), size)));
    }
    Ok((Arc::new(SourceFile::new(candidate.display.as_str(), text)), size))
}

/// Most threads per core a scan uses: more only adds memory and contention, and thousands
/// would fail to spawn.
const MAX_THREADS_PER_CORE: usize = 4;

/// The worker threads a scan uses for `requested` (0: one per core): at most
/// [`MAX_THREADS_PER_CORE`] per available core.
pub fn effective_threads(requested: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if requested == 0 { cores } else { requested.min(cores * MAX_THREADS_PER_CORE) }
}

/// Stack of each analysis thread.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// Runs the rules on `resources` until `deadline`; the number of resources checked. A large
/// file's resources are checked in parallel ([`Engine::evaluate_all`]), in slices, with the
/// deadline checked between slices.
fn check_resources(resources: &[Resource], engine: &Engine, worker: &mut Worker, output: &mut Output, deadline: Instant) -> usize {
    const SLICE: usize = 1024;
    let mut done = 0;
    for slice in resources.chunks(SLICE) {
        if Instant::now() >= deadline {
            return done;
        }
        engine.evaluate_all(worker, slice, output);
        done += slice.len();
    }
    done
}

/// The failure of a unit that ran out of time after checking `done` of `total` resources.
fn out_of_time(options: &ScanOptions, done: usize, total: usize) -> String {
    format!(
        "not completely analyzed: {} (rules ran on {done} of {total} resources)",
        options.analysis.reached("unit-time").replace("--limit unit-time=N", "--limit unit-time=N or --timeout")
    )
}

/// A module directory analyzed through its callers: its files are not evaluated here, but
/// one that cannot be read or parsed is a failed file with its position (its callers still
/// analyze the module's other files).
fn check_called_module(files: &[&Candidate], callers: &[String], options: &ScanOptions) -> UnitResult {
    let mut records = Vec::new();
    let mut bytes = 0;
    for c in files {
        let name = c.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if !terraform::is_tfvars(&name) {
            match read_source(c, options) {
                Err(e) => {
                    let (record, size) = *e;
                    records.push(record);
                    bytes += size;
                    continue;
                }
                Ok((file, size)) => {
                    bytes += size;
                    if let Err(err) = terraform::parse_any(&file) {
                        let location = err.span.map(|s| file.location(s));
                        records.push(failed(c, err.message, location));
                        continue;
                    }
                }
            }
        }
        records.push(skipped(c, SkipReason::CalledModule { callers: callers.to_vec() }));
    }
    UnitResult { records, output: Output::default(), bytes, not_analyzed: Vec::new(), inventory: Vec::new() }
}

/// Reads, parses and checks one file.
fn analyze_file(
    candidate: &Candidate,
    engine: &Engine,
    worker: &mut Worker,
    options: &ScanOptions,
    deadline: Instant,
    inventory: &mut Vec<crate::model::ResourceSummary>,
) -> (FileRecord, Output, u64) {
    let mut output = Output::default();
    match &candidate.class {
        FileClass::HelmChart { chart } => return (skipped(candidate, SkipReason::HelmChart { chart: chart.clone() }), output, 0),
        // Terraform files are analyzed per module directory, never alone.
        FileClass::Terraform => return (failed(candidate, "Terraform file outside a module (internal error)", None), output, 0),
        FileClass::Yaml | FileClass::Json => {}
    }
    let (file, size) = match read_source(candidate, options) {
        Ok(x) => x,
        Err(e) => {
            let (record, size) = *e;
            return (record, output, size);
        }
    };
    let mut resources: Vec<Resource> = Vec::new();
    let parsed: Parsed = match candidate.class {
        FileClass::Json => {
            let t = &file.text;
            let k8s = t.contains("\"apiVersion\"") && t.contains("\"kind\"");
            let iam = t.contains("\"Statement\"");
            let plan = t.contains("\"format_version\"");
            if !k8s && !iam && !plan {
                return (skipped(candidate, SkipReason::NotInfrastructure), output, size);
            }
            json::parse(&file.text, &options.limits)
        }
        _ => yaml::parse(&file.text, &file.lines, &options.limits),
    };
    for doc in parsed.documents {
        if candidate.class == FileClass::Json && terraform::plan::is_plan(&doc.value) {
            let planned = terraform::plan::resources_from_plan(&doc, &file);
            // Policy documents in planned resources (rendered JSON strings).
            let documents: Vec<Resource> = planned.iter().flat_map(crate::iam::extract::from_terraform).collect();
            resources.extend(planned);
            resources.extend(documents);
        } else if kubernetes::is_object(&doc.value) {
            resources.extend(kubernetes::resources_from_document(doc, &file));
        } else if candidate.class == FileClass::Json && crate::iam::policy::is_policy_document(&doc.value) {
            let source = crate::iam::policy::DocumentSource {
                file: &file,
                address: format!("PolicyDocument/{}", file.path),
                name: None,
                policy_type: None,
                call_chain: Vec::new(),
            };
            resources.push(crate::iam::policy::document_resource(source, doc.value, doc.spans, None));
        }
    }
    if options.inventory {
        inventory.extend(resources.iter().map(|r| r.summary(crate::threat::exposure::classify(r))));
    }
    let checked = check_resources(&resources, engine, worker, &mut output, deadline);
    if checked < resources.len() {
        let message = out_of_time(options, checked, resources.len());
        return (failed(candidate, message, None), output, size);
    }
    let record = match parsed.error {
        Some(err) => {
            let location = err.span.map(|s| file.location(s));
            FileRecord {
                path: candidate.display.clone(),
                outcome: Outcome::Failed { message: err.message, location, resources: resources.len() },
            }
        }
        None if resources.is_empty() => skipped(candidate, SkipReason::NotInfrastructure),
        None => FileRecord { path: candidate.display.clone(), outcome: Outcome::Analyzed { resources: resources.len() } },
    };
    (record, output, size)
}

/// A unit of parallel work: one file, or one Terraform module (a directory's `.tf` files are
/// evaluated together).
enum Unit<'a> {
    File(&'a Candidate),
    TerraformModule(Vec<&'a Candidate>),
    /// A module analyzed through its callers (see [`SkipReason::CalledModule`]).
    CalledModule(Vec<&'a Candidate>, Vec<String>),
}

impl Unit<'_> {
    fn candidates(&self) -> Vec<&Candidate> {
        match self {
            Unit::File(c) => vec![c],
            Unit::TerraformModule(files) | Unit::CalledModule(files, _) => files.clone(),
        }
    }
}

struct UnitResult {
    records: Vec<FileRecord>,
    output: Output,
    bytes: u64,
    not_analyzed: Vec<NotAnalyzed>,
    inventory: Vec<crate::model::ResourceSummary>,
}

fn is_hcl_terraform(c: &Candidate) -> bool {
    let name = c.path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    c.class == FileClass::Terraform
        && (name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tf.json") || name.ends_with(".tfvars.json"))
}

fn work_units(candidates: &[Candidate]) -> Vec<Unit<'_>> {
    let mut modules: std::collections::BTreeMap<&Path, Vec<&Candidate>> = std::collections::BTreeMap::new();
    let mut units = Vec::new();
    for c in candidates {
        if is_hcl_terraform(c) {
            modules.entry(terraform::module_dir(&c.path)).or_default().push(c);
        } else {
            units.push(Unit::File(c));
        }
    }
    let called = called_modules(&modules);
    for (dir, files) in modules {
        match called.get(dir) {
            Some(callers) => units.push(Unit::CalledModule(files, callers.clone())),
            None => units.push(Unit::TerraformModule(files)),
        }
    }
    units
}

/// Module directories that other modules of the scan call with a local `source`, and that a
/// chain of calls from a module nobody calls reaches (so a cycle of modules calling each other
/// is still analyzed), with the calling directories.
fn called_modules<'a>(
    modules: &std::collections::BTreeMap<&'a Path, Vec<&Candidate>>,
) -> std::collections::BTreeMap<&'a Path, Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    static SOURCE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(source) = SOURCE.get_or_init(|| regex::Regex::new(r#""?source"?\s*[=:]\s*"(\.\.?/[^"]*)""#).ok()) else {
        return BTreeMap::new();
    };
    let canonical: BTreeMap<std::path::PathBuf, &'a Path> =
        modules.keys().filter_map(|d| std::fs::canonicalize(d).ok().map(|c| (c, *d))).collect();
    let mut edges: BTreeMap<&'a Path, BTreeSet<&'a Path>> = BTreeMap::new();
    for (dir, files) in modules {
        for c in files.iter().filter(|c| !c.path.to_string_lossy().ends_with(".tfvars")) {
            let Ok(meta) = std::fs::metadata(&c.path) else { continue };
            if meta.len() > 8 * 1024 * 1024 {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&c.path) else { continue };
            for m in source.captures_iter(&text) {
                let Some(rel) = m.get(1) else { continue };
                if let Some(target) = std::fs::canonicalize(dir.join(rel.as_str())).ok().and_then(|t| canonical.get(&t))
                    && target != dir
                {
                    edges.entry(*dir).or_default().insert(*target);
                }
            }
        }
    }
    let callees: BTreeSet<&Path> = edges.values().flatten().copied().collect();
    // Reachable from the modules nobody calls.
    let mut reached: BTreeSet<&Path> = BTreeSet::new();
    let mut stack: Vec<&Path> = modules.keys().filter(|d| !callees.contains(*d)).copied().collect();
    while let Some(d) = stack.pop() {
        for next in edges.get(d).into_iter().flatten() {
            if reached.insert(*next) {
                stack.push(*next);
            }
        }
    }
    let display = |d: &Path| modules.get(d).and_then(|f| f.first()).map(|c| module_display(&c.display)).unwrap_or_default();
    let mut out: BTreeMap<&'a Path, Vec<String>> = BTreeMap::new();
    for (caller, targets) in &edges {
        for t in targets.iter().filter(|t| reached.contains(*t)) {
            out.entry(*t).or_default().push(display(caller));
        }
    }
    out
}

/// The directory part of a display path (`.` for the root).
fn module_display(file: &str) -> String {
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

/// Parses a directory's `.tf` and auto-loaded `.tfvars` files, evaluates the module, and checks
/// its resources. Each file gets its own record.
fn analyze_terraform_module(
    files: &[&Candidate],
    engine: &Engine,
    worker: &mut Worker,
    options: &ScanOptions,
    deadline: Instant,
) -> UnitResult {
    let mut records = Vec::new();
    let mut output = Output::default();
    let mut bytes = 0;
    let mut input = ModuleInput::default();
    let mut tfvars_files: Vec<(String, terraform::ParsedFile)> = Vec::new();
    if let Some(first) = files.first() {
        let dir = terraform::module_dir(&first.path);
        input.funcs.module_dir = Some(dir.to_path_buf());
        input.funcs.root = options.root.clone();
        input.module_path = terraform::module_dir(Path::new(&first.display)).to_string_lossy().to_string();
        if input.module_path.is_empty() {
            input.module_path = ".".to_string();
        }
    }
    let mut parsed_paths: Vec<String> = Vec::new();
    for c in files {
        let name = c.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if terraform::is_tfvars(&name) && !terraform::is_auto_tfvars(&name) {
            // Only loaded when named with --var-file.
            records.push(skipped(c, SkipReason::TfvarsNotAutoLoaded));
            continue;
        }
        let (file, size) = match read_source(c, options) {
            Ok(x) => x,
            Err(e) => {
                let (record, size) = *e;
                records.push(record);
                bytes += size;
                continue;
            }
        };
        bytes += size;
        match terraform::parse_any(&file) {
            Ok(parsed) => {
                parsed_paths.push(c.display.clone());
                if terraform::is_tfvars(&name) {
                    tfvars_files.push((name, parsed));
                } else {
                    input.files.push(parsed);
                }
            }
            Err(err) => {
                let location = err.span.map(|s| file.location(s));
                records.push(FileRecord {
                    path: c.display.clone(),
                    outcome: Outcome::Failed { message: err.message, location, resources: 0 },
                });
            }
        }
    }
    // terraform.tfvars first, then *.auto.tfvars in lexical order (later wins).
    // Terraform's order: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) by name.
    let rank = |n: &str| match n {
        "terraform.tfvars" => 0,
        "terraform.tfvars.json" => 1,
        _ => 2,
    };
    tfvars_files.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    input.tfvars = tfvars_files.into_iter().map(|(_, p)| p).collect();
    input.cli_vars = options.terraform_vars.clone();
    if options.terraform_env {
        input.env_vars = terraform::env_values();
    }
    input.limits = options.analysis.clone();
    input.deadline = Some(deadline);
    let result = terraform::evaluate_module(&input);
    let mut checked = 0;
    let mut inventory = Vec::new();
    for resource in &result.resources {
        if Instant::now() >= deadline {
            break;
        }
        engine.evaluate(worker, resource, &mut output);
        if options.inventory {
            inventory.push(resource.summary(crate::threat::exposure::classify(resource)));
        }
        // Policy documents embedded in the resource (IAM, bucket, key policies...).
        for document in crate::iam::extract::from_terraform(resource) {
            engine.evaluate(worker, &document, &mut output);
            if options.inventory {
                inventory.push(document.summary(None));
            }
        }
        checked += 1;
    }
    let out_of_time = (checked < result.resources.len()).then(|| out_of_time(options, checked, result.resources.len()));
    for path in parsed_paths {
        let resources = result.resources.iter().filter(|r| *r.file.path == *path).count();
        let outcome = match &out_of_time {
            Some(message) => Outcome::Failed { message: message.clone(), location: None, resources },
            None => Outcome::Analyzed { resources },
        };
        records.push(FileRecord { path, outcome });
    }
    UnitResult { records, output, bytes, not_analyzed: result.not_analyzed, inventory }
}
