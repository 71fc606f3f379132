//! `scan --timings`: the flag parses (with and without a file), the JSON document has the
//! shape benchmark scripts read, every stage of the scan is present, every rule that ran is
//! listed with its calls, and evaluating Rego rules one by one (as timings do) finds exactly
//! what the per-kind batch finds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::ScanOptions;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate")).args(args).current_dir(root()).env("NO_COLOR", "1").output().expect("binary runs")
}

/// The stages every directory scan records, in order (`compile` only when Rego rules ran).
const STAGES: [&str; 10] = ["startup", "discover", "plan", "analyze", "parse", "compile", "evaluate", "finish", "suppress", "report"];

#[test]
fn timings_file_has_the_documented_shape_and_every_rule_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let timings = dir.path().join("timings.json");
    let findings = dir.path().join("findings.json");
    let out = stridegate(&[
        "scan",
        "fixtures/shop",
        "--no-cache",
        "--fail-on",
        "none",
        "-f",
        &format!("json={}", findings.display()),
        &format!("--timings={}", timings.display()),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(3), "{stderr}");
    assert!(!stderr.contains("timings (--timings)"), "with a file, the table is not printed: {stderr}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&timings).unwrap()).unwrap();
    let keys: BTreeSet<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["stages", "rules", "libraries"]));

    let stages = doc["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, STAGES);
    for s in stages {
        assert_eq!(s.as_object().unwrap().len(), 2, "{s}");
        assert!(s["wall_ms"].as_f64().unwrap() >= 0.0, "{s}");
    }
    let analyze = stages[3]["wall_ms"].as_f64().unwrap();
    assert!(analyze > 0.0);

    let rules = doc["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    let mut last = f64::INFINITY;
    for r in rules {
        assert_eq!(r.as_object().unwrap().keys().map(String::as_str).collect::<BTreeSet<_>>(), BTreeSet::from(["id", "cpu_ms", "calls"]));
        let cost = r["cpu_ms"].as_f64().unwrap();
        assert!(cost <= last, "rules are sorted by cost: {rules:?}");
        last = cost;
        assert!(r["calls"].as_u64().unwrap() >= 1, "{r}");
    }
    let timed: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // Every rule that reported something ran, so it is listed.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&findings).unwrap()).unwrap();
    let found: BTreeSet<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(found.len() >= 5, "{found:?}");
    assert!(found.is_subset(&timed), "rules with findings but no timings: {:?}", found.difference(&timed).collect::<Vec<_>>());
    // Kubernetes, Terraform and IAM rules all ran.
    for family in ["K8S-", "TF-", "IAM-"] {
        assert!(timed.iter().any(|id| id.starts_with(family)), "{family}: {timed:?}");
    }
}

#[test]
fn timings_flag_prints_the_table_after_the_report() {
    let out = stridegate(&["scan", "fixtures/shop/k8s/web.yaml", "--no-cache", "--fail-on", "none", "--compact", "--timings"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("K8S-"), "the report is still written: {stdout}");
    assert!(stderr.contains("timings (--timings)"), "{stderr}");
    for stage in ["discover", "evaluate", "report"] {
        assert!(stderr.lines().any(|l| l.trim_start().starts_with(stage)), "{stage} missing: {stderr}");
    }
    assert!(stderr.contains("rules by CPU time"), "{stderr}");
    // One YAML file: only the Kubernetes policies are compiled and run.
    assert!(!stderr.contains(" TF-") && !stderr.contains(" IAM-"), "{stderr}");
    // Without the flag, nothing of the kind.
    let out = stridegate(&["scan", "fixtures/shop/k8s/web.yaml", "--no-cache", "--fail-on", "none", "--compact"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("timings"));
    // `--timings FILE` (without `=`) is not the file form: FILE is a path to scan.
    let out = stridegate(&["scan", "--timings", "fixtures/shop/k8s/web.yaml", "--no-cache", "--fail-on", "none", "--compact"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("timings (--timings)"));
}

/// The findings, unverifiable controls and failures of a scan, as comparable JSON.
fn results(report: &stridegate::scan::ScanReport) -> Value {
    let mut findings: Vec<String> =
        report.findings.iter().map(|f| format!("{}|{:?}|{}|{}", f.rule_id, f.location, f.resource, f.message)).collect();
    findings.sort();
    let mut unverifiable: Vec<String> =
        report.unverifiable.iter().map(|f| format!("{}|{:?}|{}", f.rule_id, f.location, f.message)).collect();
    unverifiable.sort();
    let failures: Vec<String> = report.rule_failures.iter().map(|f| format!("{}|{}", f.rule, f.message)).collect();
    serde_json::json!({"findings": findings, "unverifiable": unverifiable, "failures": failures})
}

/// Timings evaluate the shared libraries, then each Rego rule alone keeping the libraries'
/// values; that must find exactly what the per-kind batch finds, on every rule fixture and on
/// the example project. Every rule that applies to a scanned resource is timed, and so is
/// every library they use.
#[test]
fn rules_one_by_one_find_what_the_batch_finds() {
    let set = RuleSet::builtin().unwrap();
    for dir in ["rules", "fixtures/shop"] {
        let path = root().join(dir);
        let options = ScanOptions { inventory: true, ..ScanOptions::default() };
        let batched = Engine::new(&set, |_| true).unwrap();
        let expected = stridegate::scan::scan(&path, &batched, &options).unwrap();
        let mut timed = Engine::new(&set, |_| true).unwrap();
        let timings = timed.enable_timings();
        let report = stridegate::scan::scan(&path, &timed, &options).unwrap();
        assert!(!expected.findings.is_empty());
        assert_eq!(results(&report), results(&expected), "{dir}");
        let listed: BTreeSet<String> = timings.rules().into_iter().map(|r| r.id).collect();
        // A rule declaring IAM policy types runs only on documents of those types, which the
        // inventory does not tell: the example project has identity policies only, so there
        // those rules are left out; the rule fixtures hold documents of every type.
        let every_type = dir == "rules";
        let applicable: BTreeSet<String> = report
            .inventory
            .iter()
            .flat_map(|r| {
                timed.rules_for(r.platform, &r.kind).filter(|m| every_type || m.applies_to.policy_types.is_none()).map(|m| m.id.clone())
            })
            .collect();
        assert!(applicable.is_subset(&listed), "{dir}: not timed: {:?}", applicable.difference(&listed).collect::<Vec<_>>());
        // The shared libraries are computed first and timed on their own, once per resource.
        let libraries = timings.libraries();
        let names: BTreeSet<&str> = libraries.iter().map(|l| l.id.as_str()).collect();
        for package in ["stridegate.lib.kubernetes", "stridegate.lib.iam", "stridegate.lib.terraform"] {
            assert!(names.contains(package), "{dir}: {package} not timed: {names:?}");
        }
        assert!(libraries.iter().all(|l| l.calls >= 1 && l.cpu_ms > 0.0), "{libraries:?}");
    }
}
