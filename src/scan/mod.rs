//! The scan pipeline: discover → read → parse → build resources → evaluate rules (in parallel,
//! one file per task) → whole-scan rules → a [`ScanReport`]. Every input unit is accounted for
//! as analyzed, skipped (with a reason) or failed (with a position when there is one).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub mod report;

pub use report::{Coverage, ExitStatus, FileRecord, Outcome, RuleFailure, ScanReport, SkipReason};

use crate::discover::{DiscoverError, DiscoverOptions, discover};
use crate::engine::{Engine, Output, Worker};
use crate::frontend;
use crate::limits::AnalysisLimits;
use crate::model::Resource;
use crate::parse::Limits;
use crate::terraform::NotAnalyzed;

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
    /// How Helm charts are rendered (`--helm-values`, `--helm-set`...).
    pub helm: crate::helm::HelmOptions,
    /// The incremental cache (`None`: off). Not used for inventory scans.
    pub cache: Option<crate::cache::CacheSettings>,
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
            helm: crate::helm::HelmOptions::default(),
            cache: None,
        }
    }
}

/// Scans `root` (a directory or a file) with `engine`.
pub fn scan(root: &Path, engine: &Engine, options: &ScanOptions) -> Result<ScanReport, DiscoverError> {
    let started = Instant::now();
    let discovered = discover(root, &options.discover)?;
    let base = crate::discover::base_of(root);
    let base = if base.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { base };
    scan_discovered(discovered, &base, engine, options, started)
}

/// Scans several paths (files and directories, as a pre-commit hook passes them) as one scan:
/// paths are shown relative to their deepest common directory, which is returned with the
/// report (reporters read sources relative to it).
pub fn scan_paths(
    paths: &[std::path::PathBuf],
    engine: &Engine,
    options: &ScanOptions,
) -> Result<(std::path::PathBuf, ScanReport), DiscoverError> {
    if let [one] = paths {
        let base = crate::discover::base_of(one);
        return Ok((base, scan(one, engine, options)?));
    }
    let started = Instant::now();
    let (base, discovered) = crate::discover::discover_paths(paths, &options.discover)?;
    let report = scan_discovered(discovered, &base, engine, options, started)?;
    Ok((base, report))
}

fn scan_discovered(
    discovered: crate::discover::Discovered,
    base: &Path,
    engine: &Engine,
    options: &ScanOptions,
    started: Instant,
) -> Result<ScanReport, DiscoverError> {
    if let Some(total) = &options.total {
        total.store(discovered.candidates.len(), Ordering::Relaxed);
    }
    let mut options = options.clone();
    options.root = std::fs::canonicalize(base).ok();
    let options = &options;
    // Recursion is bounded by design (parser depth, `eval-depth`); the larger stack is a
    // margin for the deepest legitimate inputs, not a substitute for those bounds.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(effective_threads(options.threads)).stack_size(WORKER_STACK).build();
    let scan_deadline = options.timeout.map(|t| started + t);
    let (cache, cache_note) = open_cache(options, engine);
    let work = || -> Vec<UnitResult> {
        let units = frontend::plan(discovered.candidates, options);
        units
            .into_par_iter()
            .map_init(
                || engine.worker(),
                |worker, unit| {
                    let mut probe = cache.as_ref().map(|c| c.lookup(&unit, options.max_file_size));
                    if let Some(hit) = probe.as_mut().and_then(|p| p.hit.take()) {
                        if let Some(p) = &options.progress {
                            p.fetch_add(hit.records.len(), Ordering::Relaxed);
                        }
                        return UnitResult::restored(hit);
                    }
                    let files = unit.files();
                    let now = Instant::now();
                    if let (Some(deadline), Some(timeout)) = (scan_deadline, options.timeout)
                        && now >= deadline
                    {
                        let message =
                            format!("not analyzed: the scan's --timeout ({}s) was reached before this file's turn", timeout.as_secs_f64());
                        return UnitResult::failed(&files, &message);
                    }
                    let unit_deadline = now + options.analysis.unit_time;
                    let deadline = scan_deadline.map_or(unit_deadline, |d| d.min(unit_deadline));
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        let built = unit.build(&frontend::Context { options, deadline });
                        check_unit(built, engine, worker, options, deadline)
                    }));
                    if let Some(p) = &options.progress {
                        p.fetch_add(files.len(), Ordering::Relaxed);
                    }
                    let result = result.unwrap_or_else(|_| {
                        UnitResult::failed(&files, "internal error while analyzing this file (a bug in stridegate: please report it)")
                    });
                    if let (Some(c), Some(p)) = (&cache, probe) {
                        c.store(p, result.view(), result.complete);
                    }
                    result
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
    let cache = cache
        .map(|c| {
            let mut stats = c.finish();
            stats.notes.extend(cache_note.clone());
            stats
        })
        .or_else(|| cache_note.map(|note| crate::cache::CacheStats { notes: vec![note], ..Default::default() }));
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
        cache,
    })
}

/// The scan's cache, when enabled (never for inventory scans, which need every resource), or
/// why it cannot be used.
fn open_cache(options: &ScanOptions, engine: &Engine) -> (Option<crate::cache::Cache>, Option<String>) {
    let (Some(settings), Some(root), false) = (&options.cache, &options.root, options.inventory) else { return (None, None) };
    match crate::cache::Cache::open(settings, root, options, engine) {
        Ok(c) => (Some(c), None),
        Err(note) => (None, Some(note)),
    }
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

/// What one unit contributed to the report.
struct UnitResult {
    records: Vec<FileRecord>,
    output: Output,
    bytes: u64,
    not_analyzed: Vec<NotAnalyzed>,
    inventory: Vec<crate::model::ResourceSummary>,
    /// The result does not depend on time (no timeout, rule failure, limit or internal error):
    /// it may be cached.
    complete: bool,
}

impl UnitResult {
    /// Every file of a unit that could not be analyzed, failed with `message`.
    fn failed(files: &[String], message: &str) -> Self {
        let records = files
            .iter()
            .map(|path| FileRecord {
                path: path.clone(),
                outcome: Outcome::Failed { message: message.to_string(), location: None, resources: 0 },
            })
            .collect();
        UnitResult { records, output: Output::default(), bytes: 0, not_analyzed: Vec::new(), inventory: Vec::new(), complete: false }
    }

    /// A unit restored from the cache.
    fn restored(d: crate::cache::UnitData) -> Self {
        let output = Output { findings: d.findings, observations: d.observations, errors: Vec::new(), unverifiable: d.unverifiable };
        UnitResult { records: d.records, output, bytes: d.bytes, not_analyzed: d.not_analyzed, inventory: Vec::new(), complete: true }
    }

    /// What the unit produced, for the cache.
    fn view(&self) -> crate::cache::UnitView<'_> {
        crate::cache::UnitView {
            records: &self.records,
            findings: &self.output.findings,
            unverifiable: &self.output.unverifiable,
            observations: &self.output.observations,
            bytes: self.bytes,
            not_analyzed: &self.not_analyzed,
        }
    }
}

/// Runs the rules on what a unit built. When the unit's time runs out first, its analyzed
/// files become failures that say how far the rules got.
fn check_unit(built: frontend::Built, engine: &Engine, worker: &mut Worker, options: &ScanOptions, deadline: Instant) -> UnitResult {
    let mut output = Output::default();
    let inventory = if options.inventory {
        built.resources.iter().map(|r| r.summary(crate::threat::exposure::classify(r))).collect()
    } else {
        Vec::new()
    };
    let checked = check_resources(&built.resources, engine, worker, &mut output, deadline);
    let mut records = built.records;
    if checked < built.resources.len() {
        let message = out_of_time(options, checked, built.resources.len());
        for r in &mut records {
            if let Outcome::Analyzed { resources } = r.outcome {
                r.outcome = Outcome::Failed { message: message.clone(), location: None, resources };
            }
        }
    }
    let complete = checked == built.resources.len() && output.errors.is_empty() && built.not_analyzed.iter().all(|n| n.limit.is_none());
    UnitResult { records, output, bytes: built.bytes, not_analyzed: built.not_analyzed, inventory, complete }
}
