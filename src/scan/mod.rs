//! The scan pipeline: discover → read → parse → build resources → evaluate rules (in parallel,
//! one file per task) → whole-scan rules → a [`ScanReport`]. Every input unit is accounted for
//! as analyzed, skipped (with a reason) or failed (with a position when there is one).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub mod git;
pub mod report;
pub mod units;

pub use report::{Coverage, ExitStatus, FileRecord, Outcome, RuleFailure, ScanReport, SkipReason};

use crate::discover::{DiscoverError, DiscoverOptions, discover};
use crate::engine::{Engine, Output, Worker};
use crate::frontend;
use crate::limits::AnalysisLimits;
use crate::model::Resource;
use crate::parse::Limits;
use crate::terraform::NotAnalyzed;
use crate::timings::{Stage, timed};

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
    /// How suppressions apply (`--no-suppressions`, reasons required, today's date).
    pub suppress: crate::suppress::SuppressOptions,
    /// Suppressions from the configuration (`[[suppress]]`).
    pub external_suppressions: Vec<crate::suppress::External>,
    /// Which units are reported on (changed files, a shard); see [`units`].
    pub selection: units::Selection,
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
            suppress: crate::suppress::SuppressOptions::default(),
            external_suppressions: Vec::new(),
            selection: units::Selection::All,
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

/// Scans the units that `changed` files (pre-commit's staged files) belong to, within their
/// repository ([`units::repository_root`]), and reports only the findings that mention a
/// changed file (see [`units`]). Returns the repository root (display paths are relative to
/// it) with the report. Changed paths that no longer exist (deleted files) or lie outside the
/// repository are ignored.
pub fn scan_changed(
    changed: &[std::path::PathBuf],
    engine: &Engine,
    options: &ScanOptions,
) -> Result<(std::path::PathBuf, ScanReport), DiscoverError> {
    let existing: Vec<std::path::PathBuf> = changed.iter().filter(|p| p.exists()).cloned().collect();
    let root =
        if existing.is_empty() { units::repository_root(&[std::path::PathBuf::from(".")])? } else { units::repository_root(&existing)? };
    let canonical_root = std::fs::canonicalize(&root).map_err(|_| DiscoverError::Missing(root.display().to_string()))?;
    let files = existing.iter().filter_map(|p| units::display_under(&canonical_root, p)).collect();
    scan_selected(&root, units::Selection::Changed(files), engine, options)
}

/// Scans the files changed between `rev` (a branch, tag or commit) and the working tree of
/// the git repository holding `paths` (see [`git::changed_since`]) like [`scan_changed`];
/// only changed files under `paths` are reported on.
pub fn scan_changed_since(
    rev: &str,
    paths: &[std::path::PathBuf],
    engine: &Engine,
    options: &ScanOptions,
) -> Result<(std::path::PathBuf, ScanReport), ChangedError> {
    let started = Instant::now();
    let repo = git::Repository::discover(paths)?;
    let root = repo.workdir().to_path_buf();
    let discovered = discover(&root, &options.discover)?;
    let changed = repo.changed_since(rev, &discovered.candidates, options.max_file_size)?;
    let canonical_root = std::fs::canonicalize(&root).map_err(|_| DiscoverError::Missing(root.display().to_string()))?;
    let scopes: Vec<String> = paths.iter().filter_map(|p| units::display_under(&canonical_root, p)).collect();
    let scope = units::Selection::Changed(scopes.into_iter().collect());
    let files = changed.into_iter().filter(|f| scope.covers(f)).collect();
    let mut options = options.clone();
    options.selection = units::Selection::Changed(files);
    let report = scan_discovered(discovered, &root, engine, &options, started)?;
    Ok((root, report))
}

/// Why `--changed-since` could not scan.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ChangedError {
    /// Discovery failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Discover(#[from] DiscoverError),
    /// The repository or the revision could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Git(#[from] git::GitError),
}

/// Scans every unit of `root` with `selection` deciding which are reported on.
fn scan_selected(
    root: &Path,
    selection: units::Selection,
    engine: &Engine,
    options: &ScanOptions,
) -> Result<(std::path::PathBuf, ScanReport), DiscoverError> {
    let started = Instant::now();
    let discovered = discover(root, &options.discover)?;
    let mut options = options.clone();
    options.selection = selection;
    let report = scan_discovered(discovered, root, engine, &options, started)?;
    Ok((root.to_path_buf(), report))
}

fn scan_discovered(
    discovered: crate::discover::Discovered,
    base: &Path,
    engine: &Engine,
    options: &ScanOptions,
    started: Instant,
) -> Result<ScanReport, DiscoverError> {
    let timings = engine.timings();
    if let Some(t) = timings {
        t.add_stage(Stage::Discover, started.elapsed());
    }
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
    let workers = Workers { engine, idle: std::sync::Mutex::new(Vec::new()) };
    let work = || -> Vec<UnitResult> {
        // Plan every unit → build and analyze each (in parallel) → whole-scan finish below.
        let units = timed(timings, Stage::Plan, || frontend::plan(discovered.candidates, options));
        let roles = units::roles(&units, &options.selection, engine.has_scan_rules());
        // The costliest kinds of unit first (`Unit::schedule_rank`); results are put back in
        // plan order below, so nothing downstream sees the schedule.
        let mut scheduled: Vec<(usize, frontend::Unit, units::Role)> = units
            .into_iter()
            .zip(roles)
            .enumerate()
            .map(|(i, (unit, role))| (i, unit, role))
            .filter(|(_, _, role)| *role != units::Role::Skip)
            .collect();
        crate::sort::stable_by(&mut scheduled, |a, b| a.1.schedule_rank().cmp(&b.1.schedule_rank()));
        // Handed out in that order as threads become free (a queue, not rayon's halving of the
        // list, which would leave one thread the whole run of charts).
        let mut results: Vec<(usize, UnitResult)> = scheduled
            .into_iter()
            .par_bridge()
            .map_init(
                || workers.take(),
                |worker, (index, unit, role)| -> (usize, UnitResult) {
                    // (A closure, so the early returns below give this unit's result.)
                    let analyze = || -> UnitResult {
                        let worker = worker.get();
                        if role == units::Role::Context {
                            return context_unit(unit, engine, worker, options, scan_deadline);
                        }
                        let mut probe = cache.as_ref().map(|c| c.lookup(&unit, options.max_file_size));
                        if let Some(hit) = probe.as_mut().and_then(|p| p.hit.take()) {
                            if let Some(p) = &options.progress {
                                p.fetch_add(hit.records.len(), Ordering::Relaxed);
                            }
                            return UnitResult::restored(hit, options);
                        }
                        let files = unit.files();
                        let now = Instant::now();
                        if let Some(message) = past_scan_timeout(now, scan_deadline, options, "") {
                            return UnitResult::failed(&files, &message);
                        }
                        let unit_deadline = now + options.analysis.unit_time;
                        let deadline = scan_deadline.map_or(unit_deadline, |d| d.min(unit_deadline));
                        let result = catch_unwind(AssertUnwindSafe(|| {
                            let built = timed(timings, Stage::Parse, || unit.build(&frontend::Context { options, deadline }));
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
                        result.compact()
                    };
                    (index, analyze())
                },
            )
            .collect();
        crate::sort::stable_by(&mut results, |a, b| a.0.cmp(&b.0));
        results.into_iter().map(|(_, r)| r).collect()
    };
    let results = timed(timings, Stage::Analyze, || match &pool {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    });

    // Sized once: growing by doubling would hold up to twice the findings while copying.
    let mut files = Vec::with_capacity(results.iter().map(|r| r.records.len()).sum::<usize>() + discovered.problems.len());
    let mut findings = Vec::with_capacity(results.iter().map(|r| r.output.findings.len()).sum());
    let mut unverifiable = Vec::new();
    // Grouped by rule as they are moved out of each unit's result, which is freed at once.
    let mut observations: std::collections::HashMap<usize, Vec<crate::checks::Observation>> = std::collections::HashMap::new();
    let mut observe = |list: Vec<(usize, crate::checks::Observation)>| {
        for (i, o) in list {
            observations.entry(i).or_default().push(o);
        }
    };
    let mut rule_failures = Vec::new();
    let mut bytes = 0;
    let mut not_analyzed = Vec::new();
    let mut inventory = Vec::new();
    let mut suppressions = Vec::new();
    // Whole-scan findings of a shard: those about resources its own units observed.
    let mut observed_here: std::collections::HashSet<(String, std::sync::Arc<str>)> = std::collections::HashSet::new();
    let sharded = matches!(options.selection, units::Selection::Shard(_));
    for r in results {
        if r.context {
            observe(r.output.observations);
            continue;
        }
        if sharded {
            for (_, o) in &r.output.observations {
                observed_here.insert((o.address.clone(), o.root.file.clone()));
                for (_, l, _) in &o.anchors {
                    observed_here.insert((o.address.clone(), l.file.clone()));
                }
            }
        }
        inventory.extend(r.inventory);
        suppressions.extend(r.suppressions);
        files.extend(r.records);
        findings.extend(r.output.findings);
        unverifiable.extend(r.output.unverifiable);
        observe(r.output.observations);
        rule_failures.extend(r.output.errors.into_iter().map(|e| RuleFailure { rule: e.rule, message: e.message }));
        bytes += r.bytes;
        not_analyzed.extend(r.not_analyzed);
    }
    not_analyzed
        .sort_by(|a: &NotAnalyzed, b: &NotAnalyzed| (&a.file, a.line, &a.unit, &a.reason).cmp(&(&b.file, b.line, &b.unit, &b.reason)));
    not_analyzed.dedup();
    for p in discovered.problems {
        let reported = match &options.selection {
            units::Selection::All => true,
            units::Selection::Changed(_) => options.selection.covers(&p.display),
            units::Selection::Shard(s) => s.owns(&format!("problem:{}", p.display)),
        };
        if !reported {
            continue;
        }
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
    // The whole-scan rules finish in parallel on the scan's threads.
    let (mut scan_findings, mut scan_unverifiable) = timed(timings, Stage::Finish, || match &pool {
        Ok(pool) => pool.install(|| engine.finish_grouped(observations)),
        Err(_) => engine.finish_grouped(observations),
    });
    if sharded {
        scan_findings.retain(|f| observed_here.contains(&(f.resource.clone(), f.location.file.clone())));
        scan_unverifiable.retain(|f| observed_here.contains(&(f.resource.clone(), f.location.file.clone())));
    }
    findings.extend(scan_findings);
    unverifiable.extend(scan_unverifiable);
    if let units::Selection::Changed(_) = &options.selection {
        findings.retain(|f| units::mentions(f, &options.selection));
        unverifiable.retain(|f| units::mentions(f, &options.selection));
    }
    // (Stable, as `sort_by`, without its scratch copy of half the findings.)
    crate::sort::stable_by(&mut findings, |a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.identity() == b.identity() && a.location == b.location && a.message == b.message);
    crate::sort::stable_by(&mut unverifiable, |a, b| a.sort_key().cmp(&b.sort_key()));
    unverifiable.dedup_by(|a, b| a.identity() == b.identity() && a.location == b.location && a.message == b.message);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    rule_failures.sort_by(|a, b| (&a.rule, &a.message).cmp(&(&b.rule, &b.message)));
    inventory.sort_by(|a: &crate::model::ResourceSummary, b| (&a.location.file, &a.address).cmp(&(&b.location.file, &b.address)));
    let ran = crate::suppress::rule_names(engine.rules().map(AsRef::as_ref));
    let applied = timed(timings, Stage::Suppress, || {
        crate::suppress::apply(findings, suppressions, &options.external_suppressions, &options.suppress, &ran)
    });
    Ok(ScanReport {
        inventory,
        findings: applied.findings,
        suppressed: applied.suppressed,
        suppressions: applied.records,
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

/// The scan's evaluation workers, reused: rayon calls a `map_init` initializer for every
/// piece of work it splits off (many more than there are threads), and a worker is a clone of
/// the prepared Rego engine.
struct Workers<'e> {
    engine: &'e Engine,
    idle: std::sync::Mutex<Vec<Worker>>,
}

impl Workers<'_> {
    /// An idle worker, or a new one when every worker is busy.
    fn take(&self) -> Pooled<'_> {
        let worker = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        Pooled { worker, pool: self }
    }
}

/// A worker taken from [`Workers`], given back when dropped.
struct Pooled<'a> {
    worker: Option<Worker>,
    pool: &'a Workers<'a>,
}

impl Pooled<'_> {
    /// The worker (created on first use when none was idle).
    fn get(&mut self) -> &mut Worker {
        self.worker.get_or_insert_with(|| self.pool.engine.worker())
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(worker), Ok(mut idle)) = (self.worker.take(), self.pool.idle.lock()) {
            idle.push(worker);
        }
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

/// The failure message of a unit whose turn comes after the scan's `--timeout` (`note` is
/// appended), or `None` while there is time.
fn past_scan_timeout(now: Instant, scan_deadline: Option<Instant>, options: &ScanOptions, note: &str) -> Option<String> {
    let (Some(deadline), Some(timeout)) = (scan_deadline, options.timeout) else { return None };
    (now >= deadline)
        .then(|| format!("not analyzed: the scan's --timeout ({}s) was reached before this file's turn{note}", timeout.as_secs_f64()))
}

/// A unit that only gives context (see [`units`]): built, observed by the whole-scan rules,
/// nothing else kept (its files' parse errors belong to their own scans). Past the scan's
/// deadline, or on an internal error, the whole-scan rules would miss it: its files are failed
/// records, and the scan is incomplete. In changed-files mode, a unit whose resources turn out to come from (or relate to) a
/// changed file is checked and reported on like a selected one.
fn context_unit(
    unit: frontend::Unit,
    engine: &Engine,
    worker: &mut Worker,
    options: &ScanOptions,
    scan_deadline: Option<Instant>,
) -> UnitResult {
    let now = Instant::now();
    if let Some(message) = past_scan_timeout(now, scan_deadline, options, " (whole-scan rules need it)") {
        return UnitResult::failed(&unit.files(), &message);
    }
    let files = unit.files();
    let unit_deadline = now + options.analysis.unit_time;
    let deadline = scan_deadline.map_or(unit_deadline, |d| d.min(unit_deadline));
    if let Some(p) = &options.progress {
        p.fetch_add(files.len(), Ordering::Relaxed);
    }
    let observed = catch_unwind(AssertUnwindSafe(|| {
        let built = timed(engine.timings(), Stage::Parse, || unit.build(&frontend::Context { options, deadline }));
        let changed = matches!(options.selection, units::Selection::Changed(_));
        if changed && built.resources.iter().any(|r| units::touches(r, &options.selection)) {
            return check_unit(built, engine, worker, options, deadline);
        }
        let mut output = Output::default();
        engine.observe_all(&built.resources, &mut output);
        UnitResult { context: true, output, ..UnitResult::failed(&[], "") }
    }));
    observed
        .unwrap_or_else(|_| UnitResult::failed(&files, "internal error while analyzing this file (a bug in stridegate: please report it)"))
}

/// What one unit contributed to the report.
struct UnitResult {
    /// A context unit: only its observations count.
    context: bool,
    records: Vec<FileRecord>,
    output: Output,
    bytes: u64,
    not_analyzed: Vec<NotAnalyzed>,
    inventory: Vec<crate::model::ResourceSummary>,
    suppressions: Vec<crate::suppress::Found>,
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
        UnitResult {
            context: false,
            records,
            output: Output::default(),
            bytes: 0,
            not_analyzed: Vec::new(),
            inventory: Vec::new(),
            suppressions: Vec::new(),
            complete: false,
        }
    }

    /// The result without spare capacity: every unit's result is held until the scan ends,
    /// and a vector's slack (up to half its size after growing) would be most of a small
    /// file's share of memory.
    fn compact(mut self) -> Self {
        self.records.shrink_to_fit();
        self.output.findings.shrink_to_fit();
        self.output.observations.shrink_to_fit();
        self.output.unverifiable.shrink_to_fit();
        self.not_analyzed.shrink_to_fit();
        self.suppressions.shrink_to_fit();
        self
    }

    /// A unit restored from the cache. Its suppressions were cached whether or not they apply
    /// (`--no-suppressions` drops them, as [`check_unit`] does not collect them).
    fn restored(d: crate::cache::UnitData, options: &ScanOptions) -> Self {
        let output = Output { findings: d.findings, observations: d.observations, errors: Vec::new(), unverifiable: d.unverifiable };
        let suppressions = if options.suppress.enabled { d.suppressions } else { Vec::new() };
        UnitResult {
            context: false,
            records: d.records,
            output,
            bytes: d.bytes,
            not_analyzed: d.not_analyzed,
            inventory: Vec::new(),
            suppressions,
            complete: true,
        }
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
            suppressions: &self.suppressions,
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
    // With the cache on, suppressions are collected even when they do not apply, so that the
    // cached entry serves runs with and without `--no-suppressions`.
    let suppressions =
        if options.suppress.enabled || options.cache.is_some() { crate::suppress::collect(&built.resources) } else { Vec::new() };
    UnitResult { context: false, records, output, bytes: built.bytes, not_analyzed: built.not_analyzed, inventory, suppressions, complete }
}
