//! Baselines end to end with the binary on a temporary directory: write a baseline, shift every
//! line, rerun with it (nothing new, exit 0), add one violation (exactly that one is new, exit 1),
//! corrupt the file (exit 2 naming the line); and the `--min-coverage` gate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).expect("stdout is JSON")
}

fn shop_db() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop/k8s/orders-db.yaml")).unwrap()
}

const NEW_POD: &str = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: shop\nspec:\n  containers:\n    - name: sh\n      image: busybox:1.36\n      securityContext:\n        privileged: true\n";

#[test]
fn round_trip_with_shifted_lines_then_one_new_violation_then_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let file = repo.join("db.yaml");
    std::fs::write(&file, shop_db()).unwrap();
    let baseline = dir.path().join("stridegate.baseline");

    let out = stridegate(&["scan", s(&repo), "--format", "json", "--write-baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let before = json(&out)["findings"].as_array().unwrap().len();
    assert!(before >= 3, "the fixture holds several findings");
    let text = std::fs::read_to_string(&baseline).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"{"stridegate-baseline":1}"#);
    let mut sorted = lines[1..].to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, lines[1..], "entries are sorted");
    assert!(!text.contains("\"line\""), "no line numbers in a baseline: {text}");
    // Without a baseline, findings are not marked at all.
    assert!(json(&out)["findings"][0].get("baseline").is_none());

    // Shift every line: blank lines and comments at the top, reindented nothing else.
    std::fs::write(&file, format!("# owned by the data team\n\n# reviewed 2026-01\n\n{}", shop_db())).unwrap();
    let out = stridegate(&["scan", s(&repo), "--format", "json", "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(0), "nothing new: {}", String::from_utf8_lossy(&out.stderr));
    let findings = json(&out)["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), before, "baseline findings stay in the JSON report");
    assert!(findings.iter().all(|f| f["baseline"] == "unchanged"), "{findings:#?}");
    // The terminal summary counts them and shows none.
    let out = stridegate(&["scan", s(&repo), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(0));
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(terminal.contains(&format!("0 new findings; {before} in the baseline (not shown)")), "{terminal}");
    assert!(!terminal.contains("K8S-"), "baseline findings are not listed: {terminal}");
    // JUnit skips them, GitHub does not annotate them but counts them.
    let junit = String::from_utf8_lossy(&stridegate(&["scan", s(&repo), "-f", "junit", "--baseline", s(&baseline)]).stdout).to_string();
    assert!(junit.contains("<skipped message=\"in the baseline\"/>") && !junit.contains("<failure"), "{junit}");
    let github = String::from_utf8_lossy(&stridegate(&["scan", s(&repo), "-f", "github", "--baseline", s(&baseline)]).stdout).to_string();
    assert_eq!(github.lines().count(), 1, "{github}");
    assert!(github.starts_with("::notice ") && github.contains(&format!("{before} findings in the baseline not annotated")), "{github}");

    // One new violation: exactly it is new, and it fails the gate.
    std::fs::write(&file, format!("# owned by the data team\n\n{}{NEW_POD}", shop_db())).unwrap();
    let out = stridegate(&["scan", s(&repo), "--format", "json", "--baseline", s(&baseline), "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(1));
    let findings = json(&out)["findings"].as_array().unwrap().clone();
    let new: Vec<&Value> = findings.iter().filter(|f| f["baseline"] == "new").collect();
    assert!(!new.is_empty());
    assert!(new.iter().all(|f| f["resource"] == "Pod/shop/debug"), "only the new pod is new: {new:#?}");
    assert!(new.iter().any(|f| f["rule_name"] == "privileged-container"), "{new:#?}");
    assert_eq!(findings.len() - new.len(), before);
    // SARIF marks them too.
    let out = stridegate(&["scan", s(&repo), "--format", "sarif", "--baseline", s(&baseline)]);
    let sarif: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    common::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r["baselineState"] == "new").count(), new.len());
    assert_eq!(results.iter().filter(|r| r["baselineState"] == "unchanged").count(), before);

    // A corrupt baseline is an error naming its line, never ignored.
    let mut corrupt: Vec<String> = text.lines().map(str::to_string).collect();
    let half = corrupt[2].len() / 2;
    corrupt[2].truncate(half);
    std::fs::write(&baseline, corrupt.join("\n")).unwrap();
    let out = stridegate(&["scan", s(&repo), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3: invalid entry", baseline.display())), "{err}");
    let out = stridegate(&["scan", s(&repo), "--baseline", s(&dir.path().join("missing"))]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(&baseline, [text.as_bytes(), b"\xff\n"].concat()).unwrap();
    let out = stridegate(&["scan", s(&repo), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(2));
    let lines = text.lines().count() + 1;
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(":{lines}: not UTF-8 text")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_duplicated_finding_beyond_the_baseline_count_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let pod = NEW_POD.trim_start_matches("---\n");
    std::fs::write(dir.path().join("pods.yaml"), pod).unwrap();
    let baseline = dir.path().join("b.jsonl");
    let out = stridegate(&["scan", s(&dir.path().join("pods.yaml")), "--write-baseline", s(&baseline), "--format", "json"]);
    let count = json(&out)["findings"].as_array().unwrap().len();
    assert!(count > 0);
    // The same object twice in one file: same identities, each occurs twice now.
    std::fs::write(dir.path().join("pods.yaml"), format!("{pod}---\n{pod}")).unwrap();
    let out = stridegate(&["scan", s(&dir.path().join("pods.yaml")), "--baseline", s(&baseline), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let findings = json(&out)["findings"].as_array().unwrap().clone();
    let new: Vec<&Value> = findings.iter().filter(|f| f["baseline"] == "new").collect();
    // (Namespace-wide findings are reported once, not per copy.)
    assert!(new.len() + 2 >= count && !new.is_empty(), "the second copy's findings are new: {new:#?}");
    assert_eq!(findings.len() - new.len(), count, "every baseline occurrence is matched once");
    assert!(new.iter().all(|f| f["location"]["start"]["line"].as_u64().unwrap() > 10), "the later copy is the new one");
}

#[test]
fn min_coverage_fails_the_gate_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    // A remote module is never fetched: a part not analyzed, the scan itself stays complete.
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"x\" {\n  source = \"git::https://example.com/x.git\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )
    .unwrap();
    let out = stridegate(&["scan", s(dir.path()), "--fail-on", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // 1 file analyzed, 1 part not analyzed: 50%.
    let out = stridegate(&["scan", s(dir.path()), "--fail-on", "none", "--min-coverage", "60"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("analysis coverage 50.0% is below --min-coverage 60%"));
    let out = stridegate(&["scan", s(dir.path()), "--fail-on", "none", "--min-coverage", "50"]);
    assert_eq!(out.status.code(), Some(0));
    let out = stridegate(&["scan", s(dir.path()), "--min-coverage", "120"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Baseline files are relative to the repository root: a baseline written by a scan of the whole
/// repository serves a scan of one of its directories (a pre-commit hook, a monorepo job).
#[test]
fn a_baseline_of_the_repository_serves_a_scan_of_a_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("deploy/k8s")).unwrap();
    std::fs::write(repo.join("deploy/k8s/db.yaml"), shop_db()).unwrap();
    let baseline = dir.path().join("b.jsonl");
    let out = stridegate(&["scan", s(&repo), "--write-baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(std::fs::read_to_string(&baseline).unwrap().contains("\"file\":\"deploy/k8s/db.yaml\""));
    let out = stridegate(&["scan", s(&repo.join("deploy/k8s")), "--baseline", s(&baseline), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let findings = json(&out)["findings"].as_array().unwrap().clone();
    assert!(!findings.is_empty() && findings.iter().all(|f| f["baseline"] == "unchanged"));
    // A file given alone is the same file too.
    let out = stridegate(&["scan", s(&repo.join("deploy/k8s/db.yaml")), "--baseline", s(&baseline)]);
    assert_eq!(out.status.code(), Some(0));
}
