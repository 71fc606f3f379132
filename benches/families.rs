//! Per-family benchmarks (divan) on the fixed inputs of `scripts/perf-corpus.py`, so that
//! `cargo bench` notices a regression of one family without the full corpora of
//! `scripts/perf.py` (see docs/performance.md):
//! - `startup`: loading the built-in rules and preparing the engine (every call pays it);
//! - `one_file`: a whole scan of one tiny file per family (`tiny.yaml`, `tiny.tf`,
//!   `policy-2k.json`) with a prepared engine: what a pre-commit call costs after start-up;
//! - `iam_policies`: a scan of 100 generated IAM policies (`scripts/gen-iam-policies.py`),
//!   the family that costs most per byte.
//!
//! Run with `cargo bench --bench families`. The inputs are generated with `python3` into a
//! temporary directory the first time a benchmark needs them.

// Test code: a broken fixture or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use stridegate::discover::DiscoverOptions;
use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{Outcome, ScanOptions, scan};

/// IAM policies in the `iam_policies` benchmark.
const POLICIES: usize = 100;

fn main() {
    divan::main();
    // Remove the generated inputs (statics are never dropped).
    if let Some(dir) = INPUTS.get()
        && let Ok(mut guard) = dir.lock()
    {
        guard.take();
    }
}

static INPUTS: OnceLock<Mutex<Option<tempfile::TempDir>>> = OnceLock::new();

/// Runs a generator script from scripts/ with python3; its summary is captured so that it does
/// not break divan's table.
fn generate(script: &str, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(script);
    let out =
        Command::new("python3").arg(&script).args(args).output().unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    assert!(out.status.success(), "{} failed: {}\n{}", script.display(), out.status, String::from_utf8_lossy(&out.stderr));
}

/// The generated inputs: `tiny/` (the fixed-cost files) and `iam/` (the policies).
fn inputs() -> PathBuf {
    let dir = INPUTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let corpus = dir.path().join("corpus");
        let iam = dir.path().join("iam");
        let (corpus_arg, iam_arg) = (corpus.to_string_lossy(), iam.to_string_lossy());
        generate("perf-corpus.py", &[&corpus_arg, "--scale", "0.01", "--no-corpora"]);
        generate("gen-iam-policies.py", &[&iam_arg, &POLICIES.to_string()]);
        Mutex::new(Some(dir))
    });
    match dir.lock() {
        Ok(guard) => guard.as_ref().map(|d| d.path().to_path_buf()).unwrap_or_else(|| panic!("inputs already removed")),
        Err(_) => panic!("inputs lock poisoned"),
    }
}

fn builtin_engine() -> Engine {
    let set = match RuleSet::builtin() {
        Ok(s) => s,
        Err(errors) => panic!("built-in rules do not load: {errors:?}"),
    };
    Engine::new(&set, |_| true).unwrap_or_else(|e| panic!("rules do not compile: {e}"))
}

/// Scan options with one worker (and one discovery) thread.
fn one_thread() -> ScanOptions {
    ScanOptions { threads: 1, discover: DiscoverOptions { threads: 1, ..DiscoverOptions::default() }, ..ScanOptions::default() }
}

/// A scan that must analyze every file and find something (else the benchmark measures a
/// skipped or broken input).
fn checked_scan(root: &Path, engine: &Engine, options: &ScanOptions, files: usize) -> u64 {
    let report = scan(root, engine, options).unwrap_or_else(|e| panic!("scan {}: {e}", root.display()));
    assert_eq!(report.files.len(), files, "{}: unexpected file count", root.display());
    assert!(
        report.files.iter().all(|f| matches!(f.outcome, Outcome::Analyzed { .. })),
        "{}: a file was not analyzed: {:?}",
        root.display(),
        report.files.iter().find(|f| !matches!(f.outcome, Outcome::Analyzed { .. }))
    );
    assert!(!report.findings.is_empty(), "{}: no finding", root.display());
    report.bytes
}

/// Loading the built-in rules and preparing the engine.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn startup() -> Engine {
    builtin_engine()
}

/// A scan of one tiny file with every built-in rule and a prepared engine.
#[divan::bench(args = ["tiny.yaml", "tiny.tf", "policy-2k.json"], sample_count = 20)]
fn one_file(bencher: Bencher, file: &str) {
    let path = inputs().join("corpus").join("tiny").join(file);
    let engine = builtin_engine();
    let options = one_thread();
    // Warm-up (and any lazy compilation) outside the measurement.
    let bytes = checked_scan(&path, &engine, &options, 1);
    bencher.counter(BytesCount::new(bytes)).bench(|| scan(&path, &engine, &options));
}

/// A scan of generated IAM policies (one thread, so the figure is CPU per policy).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn iam_policies(bencher: Bencher) {
    let root = inputs().join("iam");
    let engine = builtin_engine();
    let options = one_thread();
    let bytes = checked_scan(&root, &engine, &options, POLICIES);
    bencher.counter(ItemsCount::new(POLICIES)).counter(BytesCount::new(bytes)).bench(|| scan(&root, &engine, &options));
}
