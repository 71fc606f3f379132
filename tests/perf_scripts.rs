//! The performance scripts of issue 12 (docs/performance.md), at a scale cheap enough for CI:
//! `scripts/perf-corpus.py` builds the same corpus twice, with the counts asked for, and
//! `scripts/perf.py --check-budget` names the rules over `benches/rule-budget.toml` (against a
//! stand-in binary, so no scan is timed here). The scripts need python3, as scripts/gen-docs.sh
//! does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
}

fn python(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("python3").args(args).output().expect("python3 runs")
}

fn perf_corpus(out: &Path) -> serde_json::Value {
    let result =
        python(&[script("perf-corpus.py").as_os_str(), out.as_os_str(), "--scale".as_ref(), "0.01".as_ref(), "--no-corpora".as_ref()]);
    assert!(result.status.success(), "perf-corpus.py: {}", String::from_utf8_lossy(&result.stderr));
    let manifest = std::fs::read_to_string(out.join("MANIFEST.json")).unwrap();
    serde_json::from_str(&manifest).unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn perf_corpus_is_deterministic_and_has_the_asked_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let first = perf_corpus(&a);
    let second = perf_corpus(&b);
    assert_eq!(first["corpus"], second["corpus"], "two builds with the same seed differ");
    let count = |name: &str| first["corpus"][name]["files"].as_u64().unwrap();
    // Scale 0.01 of 1,500 policies, 20,000 manifests and the three tiny files.
    assert_eq!(count("iam"), 15);
    assert_eq!(count("iam-shapes"), 15);
    assert_eq!(count("manifests20k"), 200);
    assert_eq!(count("tiny"), 3);
    // The manifest counts what is on disk.
    for name in ["mixed", "iam", "iam-shapes", "manifests20k", "tiny"] {
        assert_eq!(files_under(&a.join(name)).len() as u64, count(name), "{name}");
    }
    // mixed: the same policies, 15 manifests and one Terraform stack (no corpora copies here).
    let mixed = files_under(&a.join("mixed"));
    assert_eq!(files_under(&a.join("mixed/iam-policies")).len(), 15);
    assert_eq!(files_under(&a.join("mixed/manifests")).len(), 15);
    assert!(mixed.iter().any(|p| p.extension().is_some_and(|e| e == "tf")));
    // iam-shapes holds the same policies, one folder per shape.
    let mut shaped: Vec<_> = files_under(&a.join("iam-shapes")).iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    let mut flat: Vec<_> = files_under(&a.join("iam")).iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    shaped.sort();
    flat.sort();
    assert_eq!(shaped, flat);
    assert!(std::fs::read_dir(a.join("iam-shapes")).unwrap().count() > 1, "one folder per shape");
    assert!(a.join("empty").is_dir());
    // Every generated policy is a policy document stridegate claims (valid JSON with Statement).
    for policy in files_under(&a.join("iam")) {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
        assert!(doc.get("Statement").is_some(), "{}", policy.display());
    }
    // Another seed gives other policies.
    let other = python(&[
        script("gen-iam-policies.py").as_os_str(),
        tmp.path().join("c").as_os_str(),
        "15".as_ref(),
        "--seed".as_ref(),
        "2".as_ref(),
    ]);
    assert!(other.status.success());
    let mut names_a: Vec<_> = std::fs::read_dir(a.join("iam")).unwrap().map(|e| e.unwrap().file_name()).collect();
    let mut names_c: Vec<_> = std::fs::read_dir(tmp.path().join("c")).unwrap().map(|e| e.unwrap().file_name()).collect();
    names_a.sort();
    names_c.sort();
    assert_ne!(names_a, names_c);
}

/// A stand-in for stridegate: `--version`, `scan --help` naming `--timings`, and a scan that
/// writes a JSON report with one finding per path scanned, and fixed rule costs.
#[cfg(unix)]
const FAKE_BINARY: &str = r#"#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
if args == ["--version"]:
    print("stridegate 0.0.0-fake")
elif args[:2] == ["scan", "--help"]:
    print("      --timings[=FILE]  time per rule and stage")
else:
    # One finding per path scanned (the memory growth scans several folders at once).
    targets = [a for a in args[1:args.index("--no-cache")]]
    json.dump({"findings": [{"rule_id": "K8S-0001", "location": {"file": t}} for t in targets]},
              open(args[args.index("-o") + 1], "w"))
    for a in args:
        if a.startswith("--timings="):
            json.dump({"stages": [{"name": "evaluate", "wall_ms": 110.0}],
                       "rules": [{"id": "IAM-0004", "cpu_ms": 1000.0, "calls": 1000},
                                 {"id": "K8S-0002", "cpu_ms": 0.1, "calls": 100},
                                 {"id": "TF-0001", "cpu_ms": 50.0, "calls": 2},
                                 {"id": "TF-0002", "cpu_ms": 3.0, "calls": 50}],
                       "libraries": [{"id": "stridegate.lib.iam", "cpu_ms": 50.0, "calls": 100},
                                     {"id": "stridegate.lib.kubernetes", "cpu_ms": 5.0, "calls": 100}]},
                      open(a.split("=", 1)[1], "w"))
"#;

/// A temporary folder holding a small performance corpus and [`FAKE_BINARY`]: (folder, corpus,
/// binary).
#[cfg(unix)]
fn fake_setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    perf_corpus(&corpus);
    let bin = tmp.path().join("stridegate");
    std::fs::write(&bin, FAKE_BINARY).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    (tmp, corpus, bin)
}

/// `perf.py --bin BIN --corpus CORPUS` with `args`.
#[cfg(unix)]
fn perf(bin: &Path, corpus: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let script = script("perf.py");
    let mut all: Vec<&std::ffi::OsStr> =
        vec![script.as_os_str(), "--bin".as_ref(), bin.as_os_str(), "--corpus".as_ref(), corpus.as_os_str()];
    all.extend_from_slice(args);
    python(&all)
}

#[cfg(unix)]
#[test]
fn check_budget_names_the_rules_over_budget() {
    let (tmp, corpus, bin) = fake_setup();
    let run = |budget: &Path| {
        perf(
            &bin,
            &corpus,
            &[
                "--only".as_ref(),
                "iam".as_ref(),
                "--threads".as_ref(),
                "1".as_ref(),
                "--runs".as_ref(),
                "1".as_ref(),
                "--check-budget".as_ref(),
                "--budget".as_ref(),
                budget.as_os_str(),
            ],
        )
    };
    // The checked-in budget: IAM-0004 at 1,000 µs per call is over the IAM limit; K8S-0002 at
    // 1 µs is within it; TF-0001 has too few calls to be judged; TF-0002 at 60 µs is over the
    // Terraform limit but its calls are 0.3 % of the rules' time, under `min_share`. The IAM
    // library at 500 µs per resource is over its limit, the Kubernetes one at 50 µs within it.
    let out = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/rule-budget.toml"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("over budget: IAM-0004 on iam: 1000 µs per call"), "{stdout}");
    assert!(!stdout.contains("over budget: K8S-0002") && !stdout.contains("over budget: TF-0001"), "{stdout}");
    assert!(!stdout.contains("over budget: TF-0002"), "{stdout}");
    assert!(stdout.contains("over budget: stridegate.lib.iam on iam: 500 µs per call"), "{stdout}");
    assert!(!stdout.contains("over budget: stridegate.lib.kubernetes"), "{stdout}");
    // The top rules and the libraries are printed from the timings.
    assert!(stdout.contains("top rules by CPU on iam"), "{stdout}");
    assert!(stdout.contains("shared Rego libraries on iam"), "{stdout}");
    // A per-rule exception lifts the limit: every rule within budget.
    let lenient = tmp.path().join("budget.toml");
    std::fs::write(
        &lenient,
        "[default]\nus_per_call = 50\nmin_calls = 50\n[family]\nIAM = 250\nTF = 100\n[library]\n\"stridegate.lib.iam\" = 1000\n[rule]\n\"IAM-0004\" = 2000\n",
    )
    .unwrap();
    let out = run(&lenient);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

/// `--only memory` scans 1, 5, 10 and 20 team folders of manifests20k together, and prints the
/// peak RSS of each with the growth per further file and finding.
#[cfg(unix)]
#[test]
fn memory_growth_scans_more_and_more_team_folders() {
    let (tmp, corpus, bin) = fake_setup();
    let json = tmp.path().join("results.json");
    let out =
        perf(&bin, &corpus, &["--only".as_ref(), "memory".as_ref(), "--runs".as_ref(), "1".as_ref(), "--json".as_ref(), json.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("== memory growth"), "{stdout}");
    assert!(stdout.contains("per further file") && stdout.contains("per further finding"), "{stdout}");
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // One binary: one result document (two: a list).
    let memory = &results["memory"];
    let steps = memory["steps"].as_array().unwrap();
    // The stand-in reports one finding per folder passed: the folders are passed together.
    let seen: Vec<(u64, u64)> = steps.iter().map(|s| (s["folders"].as_u64().unwrap(), s["findings"].as_u64().unwrap())).collect();
    assert_eq!(seen, [(1, 1), (5, 5), (10, 10), (20, 20)], "{stdout}");
    let files: Vec<u64> = steps.iter().map(|s| s["files"].as_u64().unwrap()).collect();
    assert!(files.windows(2).all(|w| w[0] < w[1]) && files[3] == 200, "{files:?}");
    assert!(memory["bytes_per_file"].is_number() && memory["bytes_per_finding"].is_number(), "{stdout}");
}
