//! Terraform benchmarks (divan) on a generated corpus of 100 stacks (1,000 `.tf` files; the
//! closing-note figures use the 500-stack, 5,000-file corpus through the CLI):
//! - `parse_only`: reading and parsing every `.tf` file with spans (the floor);
//! - `evaluate_only`: parsing plus module evaluation (variables, locals, count/for_each,
//!   functions, module calls), no rules;
//! - `scan`: the whole scan with every built-in rule, 1 and 2 threads.
//!
//! Run with `cargo bench --bench terraform`. The corpus is written by
//! `scripts/gen-tf-corpus.py` (needs `python3`) into a temporary directory.

// Test code: a broken fixture or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use stridegate::engine::Engine;
use stridegate::model::SourceFile;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};
use stridegate::terraform::functions::FuncContext;
use stridegate::terraform::{self, ModuleInput};

/// Stacks in the corpus (ten `.tf` files each).
const STACKS: usize = 100;

fn main() {
    divan::main();
    if let Some(dir) = CORPUS.get()
        && let Ok(mut guard) = dir.lock()
    {
        guard.take();
    }
}

static CORPUS: OnceLock<Mutex<Option<tempfile::TempDir>>> = OnceLock::new();

fn corpus() -> PathBuf {
    let dir = CORPUS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("tf");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-tf-corpus.py");
        let out = Command::new("python3").arg(&script).arg(&out_dir).arg(STACKS.to_string()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Mutex::new(Some(dir))
    });
    let guard = dir.lock().unwrap();
    std::fs::canonicalize(guard.as_ref().unwrap().path().join("tf")).unwrap()
}

/// Every module directory of the corpus with its `.tf` files' contents.
fn modules() -> Vec<(PathBuf, Vec<(String, String)>)> {
    let root = corpus();
    let mut out = Vec::new();
    for team in std::fs::read_dir(&root).unwrap().flatten() {
        for stack in std::fs::read_dir(team.path()).unwrap().flatten() {
            let mut files: Vec<(String, String)> = std::fs::read_dir(stack.path())
                .unwrap()
                .flatten()
                .filter(|f| f.path().extension().is_some_and(|e| e == "tf"))
                .map(|f| (f.path().display().to_string(), std::fs::read_to_string(f.path()).unwrap()))
                .collect();
            files.sort();
            out.push((stack.path(), files));
        }
    }
    out.sort();
    out
}

fn counters(modules: &[(PathBuf, Vec<(String, String)>)]) -> (ItemsCount, BytesCount) {
    let files: usize = modules.iter().map(|m| m.1.len()).sum();
    let bytes: usize = modules.iter().flat_map(|m| &m.1).map(|f| f.1.len()).sum();
    (ItemsCount::new(files), BytesCount::new(bytes))
}

/// Parsing only (text already in memory).
#[divan::bench(sample_count = 10)]
fn parse_only(bencher: Bencher) {
    let modules = modules();
    let (files, bytes) = counters(&modules);
    bencher.counter(files).counter(bytes).bench(|| {
        let mut blocks = 0;
        for (_, files) in &modules {
            for (name, text) in files {
                let file = Arc::new(SourceFile::new(name.as_str(), text.clone()));
                blocks += terraform::parse_file(&file).unwrap().blocks.len();
            }
        }
        blocks
    });
}

/// Parsing and module evaluation, no rules.
#[divan::bench(sample_count = 10)]
fn evaluate_only(bencher: Bencher) {
    let modules = modules();
    let root = corpus();
    let (files, bytes) = counters(&modules);
    bencher.counter(files).counter(bytes).bench(|| {
        let mut resources = 0;
        for (dir, files) in &modules {
            let parsed = files
                .iter()
                .map(|(name, text)| terraform::parse_file(&Arc::new(SourceFile::new(name.as_str(), text.clone()))).unwrap())
                .collect();
            let input = ModuleInput {
                files: parsed,
                funcs: FuncContext { module_dir: Some(dir.clone()), root: Some(root.clone()), budget: None },
                module_path: ".".into(),
                ..ModuleInput::default()
            };
            resources += terraform::evaluate_module(&input).resources.len();
        }
        resources
    });
}

/// The whole scan with every built-in rule.
#[divan::bench(args = [1, 2], sample_count = 10)]
fn scan_corpus(bencher: Bencher, threads: usize) {
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let root = corpus();
    let (files, bytes) = counters(&modules());
    let options = ScanOptions { threads, root: Some(root.clone()), ..ScanOptions::default() };
    bencher.counter(files).counter(bytes).bench(|| scan(&root, &engine, &options).unwrap().findings.len());
}
