//! `scan --timings`: wall time per stage of a scan and time per rule, so users and rule
//! authors see what costs.
//!
//! A [`Timings`] is attached to the [`crate::engine::Engine`] ([`crate::engine::Engine::enable_timings`]);
//! the engine then evaluates every Rego rule on its own (not in the per-kind batch) and adds the
//! time of each call to its rule, and the scan adds the time of its stages. On each resource the
//! shared Rego libraries the rules use (the container list of a workload, an IAM document's
//! statement tables) are computed first, each timed as its library, and the rules then reuse
//! them as they do in the batch: a rule's time is what it adds to a scan, not the cost of the
//! library rules it happens to read first. Stages that run on
//! the worker threads (`parse`, `evaluate`) are sums over the threads; `analyze` is the wall time
//! of that parallel phase.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A stage of a scan, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Loading the rules and the configuration, preparing the engine (command line only).
    Startup,
    /// Walking the scanned paths.
    Discover,
    /// Grouping files into analysis units.
    Plan,
    /// The parallel phase: building every unit and running the rules on it (wall time).
    Analyze,
    /// Reading, parsing and building units (sum over worker threads).
    Parse,
    /// Compiling Rego policies, on first use of a platform's rules (sum over worker threads;
    /// part of `evaluate`).
    Compile,
    /// Running the rules on resources (sum over worker threads).
    Evaluate,
    /// Whole-scan rules (`finish`), after every unit.
    Finish,
    /// Matching suppressions.
    Suppress,
    /// Rendering and writing the reports (command line only).
    Report,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 10] = [
        Stage::Startup,
        Stage::Discover,
        Stage::Plan,
        Stage::Analyze,
        Stage::Parse,
        Stage::Compile,
        Stage::Evaluate,
        Stage::Finish,
        Stage::Suppress,
        Stage::Report,
    ];

    /// The stage's name in the table and the JSON document.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Startup => "startup",
            Stage::Discover => "discover",
            Stage::Plan => "plan",
            Stage::Analyze => "analyze",
            Stage::Parse => "parse",
            Stage::Compile => "compile",
            Stage::Evaluate => "evaluate",
            Stage::Finish => "finish",
            Stage::Suppress => "suppress",
            Stage::Report => "report",
        }
    }

    /// Stages measured on the worker threads, inside `analyze` (shown indented).
    fn is_per_thread(self) -> bool {
        matches!(self, Stage::Parse | Stage::Compile | Stage::Evaluate)
    }

    fn index(self) -> usize {
        Stage::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }
}

/// Accumulated time of one stage: nanoseconds, and whether it was recorded at all.
#[derive(Debug, Default)]
struct Counter {
    nanos: AtomicU64,
    calls: AtomicU64,
}

impl Counter {
    fn add(&self, d: Duration) {
        self.nanos.fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    fn millis(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 / 1e6
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

/// Time per stage and per rule of one scan (shared by every worker thread).
#[derive(Debug)]
pub struct Timings {
    stages: [Counter; Stage::ALL.len()],
    rules: Vec<(Arc<str>, Counter)>,
    libraries: Vec<(Arc<str>, Counter)>,
}

/// One rule's cost, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCost {
    /// Rule id (for a library, its Rego package).
    pub id: String,
    /// CPU time spent in the rule (the worker thread's CPU time, where the platform has a
    /// thread clock; else wall time), summed over every call, in milliseconds.
    pub cpu_ms: f64,
    /// Calls: resources the rule ran on (plus one for a whole-scan rule's `finish`, when it
    /// observed something).
    pub calls: u64,
}

impl Timings {
    /// Counters for the rules `ids` (a rule is then known by its index in `ids`).
    pub fn new(ids: Vec<Arc<str>>) -> Self {
        Self { stages: Default::default(), rules: counters(ids), libraries: Vec::new() }
    }

    /// Also counters for the shared Rego libraries `names` (known by their index in `names`).
    pub fn with_libraries(mut self, names: Vec<Arc<str>>) -> Self {
        self.libraries = counters(names);
        self
    }

    /// Adds one computation of `d` to the library at `index`.
    pub fn add_library(&self, index: usize, d: Duration) {
        if let Some((_, c)) = self.libraries.get(index) {
            c.add(d);
        }
    }

    /// Adds `d` to `stage`.
    pub fn add_stage(&self, stage: Stage, d: Duration) {
        if let Some(c) = self.stages.get(stage.index()) {
            c.add(d);
        }
    }

    /// Adds one call of `d` to the rule at `index`.
    pub fn add_rule(&self, index: usize, d: Duration) {
        if let Some((_, c)) = self.rules.get(index) {
            c.add(d);
        }
    }

    /// The stages that were recorded, in order, with their time in milliseconds.
    pub fn stages(&self) -> Vec<(Stage, f64)> {
        Stage::ALL.iter().zip(&self.stages).filter(|(_, c)| c.calls() > 0).map(|(s, c)| (*s, c.millis())).collect()
    }

    /// Every rule that ran at least once, costliest first (ties by id).
    pub fn rules(&self) -> Vec<RuleCost> {
        costs(&self.rules)
    }

    /// Every library computed at least once, costliest first; `calls` counts the resources.
    pub fn libraries(&self) -> Vec<RuleCost> {
        costs(&self.libraries)
    }

    /// The JSON document of `--timings=FILE`:
    /// `{"stages":[{"name":"discover","wall_ms":1.2},...],"rules":[{"id":"IAM-0004","cpu_ms":12.5,"calls":1467},...],
    /// "libraries":[{"id":"stridegate.lib.iam","cpu_ms":40.1,"calls":1467},...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let stages: Vec<serde_json::Value> =
            self.stages().into_iter().map(|(s, ms)| serde_json::json!({"name": s.name(), "wall_ms": round3(ms)})).collect();
        let cost = |r: RuleCost| serde_json::json!({"id": r.id, "cpu_ms": round3(r.cpu_ms), "calls": r.calls});
        let rules: Vec<serde_json::Value> = self.rules().into_iter().map(cost).collect();
        let libraries: Vec<serde_json::Value> = self.libraries().into_iter().map(cost).collect();
        serde_json::json!({"stages": stages, "rules": rules, "libraries": libraries})
    }

    /// The table `--timings` prints on stderr: stages, then the `top` costliest rules.
    pub fn table(&self, top: usize) -> String {
        use std::fmt::Write;
        let mut out = String::from("timings (--timings)\n  stage                 wall ms\n");
        for (stage, ms) in self.stages() {
            let (indent, note) = if stage.is_per_thread() { ("  ", "  (sum over threads)") } else { ("", "") };
            let name = format!("{indent}{}", stage.name());
            let _ = writeln!(out, "  {name:<18} {ms:>10.1}{note}");
        }
        let rules = self.rules();
        if rules.is_empty() {
            return out;
        }
        let total: f64 = rules.iter().map(|r| r.cpu_ms).sum();
        let _ = writeln!(
            out,
            "  top {} of {} rules by CPU time (Rego rules evaluated one by one)\n  rule                   cpu ms      calls   µs/call",
            top.min(rules.len()),
            rules.len()
        );
        for r in rules.iter().take(top) {
            cost_line(&mut out, r, 18);
        }
        let _ = writeln!(out, "  all rules          {total:>11.1}");
        let libraries = self.libraries();
        if !libraries.is_empty() {
            let _ = writeln!(
                out,
                "  shared libraries (computed once per resource, before its rules)\n  library                          cpu ms      calls   µs/call"
            );
            for r in &libraries {
                cost_line(&mut out, r, 30);
            }
        }
        out
    }
}

/// One counter per name.
fn counters(names: Vec<Arc<str>>) -> Vec<(Arc<str>, Counter)> {
    names.into_iter().map(|id| (id, Counter::default())).collect()
}

/// The counters that counted at least once, costliest first (ties by id).
fn costs(counters: &[(Arc<str>, Counter)]) -> Vec<RuleCost> {
    let mut out: Vec<RuleCost> = counters
        .iter()
        .filter(|(_, c)| c.calls() > 0)
        .map(|(id, c)| RuleCost { id: id.to_string(), cpu_ms: c.millis(), calls: c.calls() })
        .collect();
    out.sort_by(|a, b| b.cpu_ms.total_cmp(&a.cpu_ms).then_with(|| a.id.cmp(&b.id)));
    out
}

/// A line of the table: id (padded to `width`), CPU ms, calls, µs per call.
fn cost_line(out: &mut String, r: &RuleCost, width: usize) {
    use std::fmt::Write;
    let per_call = if r.calls == 0 { 0.0 } else { r.cpu_ms * 1000.0 / r.calls as f64 };
    let id = crate::report::escape::terminal_safe(&r.id);
    let _ = writeln!(out, "  {id:<width$} {:>11.1} {:>10} {per_call:>9.1}", r.cpu_ms, r.calls);
}

/// Milliseconds rounded to microseconds (keeps the JSON short).
fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// A start mark for a rule's time: the thread's CPU time where the platform gives it (so a busy
/// machine does not inflate a rule's cost), else wall time.
#[derive(Debug, Clone, Copy)]
pub struct RuleClock(Duration);

impl RuleClock {
    /// Now.
    pub fn start() -> Self {
        Self(thread_time())
    }

    /// Time since [`RuleClock::start`] on the same thread.
    pub fn elapsed(self) -> Duration {
        thread_time().saturating_sub(self.0)
    }
}

/// CPU time of the calling thread.
#[cfg(unix)]
fn thread_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(u64::try_from(t.tv_sec).unwrap_or(0), u32::try_from(t.tv_nsec).unwrap_or(0))
}

/// Wall time since the first call (no thread CPU clock here).
#[cfg(not(unix))]
fn thread_time() -> Duration {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed()
}

/// Runs `f`, adding its wall time to `stage` when `timings` is on.
pub fn timed<T>(timings: Option<&Timings>, stage: Stage, f: impl FnOnce() -> T) -> T {
    match timings {
        None => f(),
        Some(t) => {
            let start = Instant::now();
            let out = f();
            t.add_stage(stage, start.elapsed());
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_clock_counts_this_threads_work_not_sleep() {
        let start = RuleClock::start();
        std::thread::sleep(Duration::from_millis(30));
        let slept = start.elapsed();
        let start = RuleClock::start();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        let worked = start.elapsed();
        assert!(worked > Duration::ZERO, "{x}");
        if cfg!(unix) {
            assert!(slept < Duration::from_millis(10), "sleeping is not CPU time: {slept:?}");
        }
    }

    #[test]
    fn stages_and_rules_accumulate_and_sort() {
        let t = Timings::new(vec![Arc::from("A-0001"), Arc::from("B-0002"), Arc::from("C-0003")]);
        t.add_stage(Stage::Discover, Duration::from_millis(2));
        t.add_stage(Stage::Discover, Duration::from_millis(1));
        t.add_rule(0, Duration::from_micros(100));
        t.add_rule(1, Duration::from_millis(5));
        t.add_rule(1, Duration::from_millis(5));
        t.add_rule(7, Duration::from_millis(5));
        let stages = t.stages();
        assert_eq!(stages.len(), 1);
        assert_eq!(stages[0].0, Stage::Discover);
        assert!((stages[0].1 - 3.0).abs() < 1e-9);
        let rules = t.rules();
        assert_eq!(rules.iter().map(|r| (r.id.as_str(), r.calls)).collect::<Vec<_>>(), [("B-0002", 2), ("A-0001", 1)]);
        let json = t.to_json();
        assert_eq!(json["stages"][0]["name"], "discover");
        assert_eq!(json["rules"][0]["id"], "B-0002");
        assert_eq!(json["rules"][0]["cpu_ms"], 10.0);
        assert_eq!(json["rules"][1]["calls"], 1);
        assert_eq!(json["libraries"], serde_json::json!([]));
        let table = t.table(1);
        assert!(table.contains("top 1 of 2 rules"), "{table}");
        assert!(table.contains("B-0002") && !table.contains("A-0001"), "{table}");
        assert!(!table.contains("libraries"), "{table}");
    }

    #[test]
    fn libraries_are_counted_apart_from_rules() {
        let t = Timings::new(vec![Arc::from("K8S-0001")]).with_libraries(vec![Arc::from("stridegate.lib.kubernetes"), Arc::from("x")]);
        t.add_rule(0, Duration::from_micros(10));
        t.add_library(0, Duration::from_micros(300));
        t.add_library(0, Duration::from_micros(100));
        t.add_library(9, Duration::from_micros(100));
        assert_eq!(t.rules().len(), 1);
        let libraries = t.libraries();
        assert_eq!(libraries.len(), 1, "a library never computed is not listed");
        assert_eq!((libraries[0].id.as_str(), libraries[0].calls), ("stridegate.lib.kubernetes", 2));
        assert!((libraries[0].cpu_ms - 0.4).abs() < 1e-9);
        let json = t.to_json();
        assert_eq!(json["libraries"][0]["id"], "stridegate.lib.kubernetes");
        assert_eq!(json["libraries"][0]["calls"], 2);
        let table = t.table(10);
        let at = table.find("shared libraries").expect("library section");
        assert!(table[at..].contains("stridegate.lib.kubernetes"), "{table}");
        assert!(table[..at].contains("K8S-0001"), "{table}");
    }
}
