//! End-to-end tests of the binary on the realistic `fixtures/shop` project: exit codes, the
//! three output formats (insta snapshots) and SARIF validity against the official schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::assert_valid_sarif;

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop")
}

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

#[test]
fn terminal_output_snapshot() {
    let out = stridegate(&["scan", "fixtures/shop", "--color", "never", "--verbose"]);
    assert_eq!(out.status.code(), Some(1), "findings must exit 1; stderr: {}", String::from_utf8_lossy(&out.stderr));
    insta::assert_snapshot!("shop_terminal", stdout(&out));
}

#[test]
fn json_output_snapshot() {
    let out = stridegate(&["scan", "fixtures/shop", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("stdout is only JSON");
    insta::assert_json_snapshot!("shop_json", json);
}

#[test]
fn sarif_output_snapshot_and_schema() {
    // (An explicit root: by default URIs are relative to the enclosing git checkout.)
    let out = stridegate(&["scan", "fixtures/shop", "--format", "sarif", "--sarif-root", "fixtures/shop"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_str(&stdout(&out)).expect("stdout is only the SARIF document");
    assert_valid_sarif(&sarif);
    insta::assert_json_snapshot!("shop_sarif", sarif);
}

#[test]
fn sarif_schema_check_rejects_invalid_documents() {
    // Negative control: the shared validation (tests/common) must be able to fail.
    let out = stridegate(&["scan", "fixtures/shop", "--format", "sarif"]);
    let mut sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    let result = std::panic::catch_unwind(|| assert_valid_sarif(&sarif));
    assert!(result.is_err(), "a startLine of 0 must be rejected");
    let result = std::panic::catch_unwind(|| assert_valid_sarif(&serde_json::json!({"version": "3.0", "runs": []})));
    assert!(result.is_err(), "version 3.0 must be rejected");
    let result =
        std::panic::catch_unwind(|| assert_valid_sarif(&serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})));
    assert!(result.is_err(), "a driver without a name must be rejected");
}

/// Every end-to-end fixture (Terraform modules, IAM policies in every syntax, related
/// locations from module call chains) gives schema-valid SARIF.
#[test]
fn sarif_of_every_fixture_is_schema_valid() {
    for fixture in ["fixtures/seed-002-jazzhands", "fixtures/seed-003-se09", "fixtures/seed-004-mercury", "fixtures/terraform-modules"] {
        let out = stridegate(&["scan", fixture, "--format", "sarif"]);
        assert_eq!(out.status.code(), Some(1), "{fixture}: {}", String::from_utf8_lossy(&out.stderr));
        let sarif: Value = serde_json::from_str(&stdout(&out)).expect("stdout is only the SARIF document");
        assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty(), "{fixture}: no results");
        assert_valid_sarif(&sarif);
    }
}

#[test]
fn sarif_has_what_github_code_scanning_reads() {
    let out = stridegate(&["scan", "fixtures/shop", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
        let sev: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(rule["properties"]["tags"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().starts_with("stride:")));
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 40);
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(':'), "uri must be relative: {uri}");
        assert!(loc["region"]["startLine"].as_i64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_i64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"].as_str().unwrap().contains("k8s/broken.yaml")));
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(shop().join("k8s/orders-db.yaml")).unwrap();
    std::fs::write(dir.path().join("db.yaml"), &original).unwrap();
    let scan = |dir: &Path| -> Vec<(String, String, i64)> {
        let out = stridegate(&["scan", dir.to_str().unwrap(), "--format", "sarif"]);
        let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let mut v: Vec<_> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = scan(dir.path());
    std::fs::write(dir.path().join("db.yaml"), format!("# a comment\n# another\n{original}")).unwrap();
    let after = scan(dir.path());
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1), "same finding, same fingerprint");
        assert_eq!(b.2 + 2, a.2, "lines shifted by two");
    }
}

#[test]
fn exit_codes() {
    // Findings at or above --fail-on exit 1; raising the bar past them exits 3 here because
    // k8s/broken.yaml cannot be analyzed (scan incomplete).
    assert_eq!(stridegate(&["scan", "fixtures/shop", "-f", "json"]).status.code(), Some(1));
    assert_eq!(stridegate(&["scan", "fixtures/shop/k8s/web.yaml", "--fail-on", "critical", "-f", "json"]).status.code(), Some(0));
    assert_eq!(stridegate(&["scan", "fixtures/shop/k8s/broken.yaml", "-f", "json"]).status.code(), Some(3));
    assert_eq!(stridegate(&["scan", "does/not/exist"]).status.code(), Some(2));
    assert_eq!(stridegate(&["scan", "fixtures/shop", "--fail-on", "severe"]).status.code(), Some(2));
    // --fail-on none reports only: findings never fail, an incomplete scan still exits 3.
    assert_eq!(stridegate(&["scan", "fixtures/shop/k8s/web.yaml", "--fail-on", "none", "-f", "json"]).status.code(), Some(0));
    assert_eq!(stridegate(&["scan", "fixtures/shop", "--fail-on", "none", "-f", "json"]).status.code(), Some(3));
}

#[test]
fn sarif_to_file_keeps_stdout_empty() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.sarif");
    let out = stridegate(&["scan", "fixtures/shop", "--format", "sarif", "--output", target.to_str().unwrap()]);
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn rules_and_explain() {
    let out = stridegate(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("K8S-0002"));
    let out = stridegate(&["explain", "privileged-container"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("## Example (fails)") && text.contains("## Use instead (passes)"), "{text}");
    assert!(!text.contains("expect:"), "fixture markers must be stripped");
    assert_eq!(stridegate(&["explain", "K8S-9999"]).status.code(), Some(2));
    // A peer check id (from `mirrors`) finds the rule, case-insensitively.
    let out = stridegate(&["explain", "ckv_k8s_16"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# K8S-0002 privileged-container"), "{}", stdout(&out));
}

#[test]
fn terraform_variables_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"db_nat\" {}\n\nmodule \"vpc\" {\n  source                            = \"terraform-aws-modules/vpc/aws\"\n  database_subnets                  = [\"10.0.21.0/24\"]\n  create_database_nat_gateway_route = var.db_nat\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("prod.tfvars"), "db_nat = true\n").unwrap();
    let root = dir.path().to_str().unwrap();
    let count = |out: &Output| {
        let json: Value = serde_json::from_str(&stdout(out)).unwrap();
        json["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "TF-0027").count()
    };
    // Unknown without a value: no finding.
    assert_eq!(count(&stridegate(&["scan", root, "-f", "json"])), 0);
    // prod.tfvars is not auto-loaded, but --var-file and --var apply it.
    let var_file = dir.path().join("prod.tfvars");
    assert_eq!(count(&stridegate(&["scan", root, "-f", "json", "--var-file", var_file.to_str().unwrap()])), 1);
    assert_eq!(count(&stridegate(&["scan", root, "-f", "json", "--var", "db_nat=true"])), 1);
    // --var wins over --var-file.
    assert_eq!(count(&stridegate(&["scan", root, "-f", "json", "--var-file", var_file.to_str().unwrap(), "--var", "db_nat=false"])), 0);
    // TF_VAR_* only with --tf-env.
    let with_env = |extra: &[&str]| {
        let mut args = vec!["scan", root, "-f", "json"];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_stridegate")).args(&args).env("TF_VAR_db_nat", "true").output().unwrap()
    };
    assert_eq!(count(&with_env(&[])), 0);
    assert_eq!(count(&with_env(&["--tf-env"])), 1);
}

/// Helm values from the command line change what charts render, and a chart file given alone
/// is analyzed through its chart.
#[test]
fn helm_values_from_the_command_line_and_files_through_their_chart() {
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm-chart");
    // K8S-0054 (image not pinned to a digest) reports every image of the chart whatever the values.
    let rules = |out: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
        v["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).filter(|id| id != "K8S-0054").collect()
    };
    let chart_arg = chart.to_str().unwrap();
    let out = stridegate(&["scan", chart_arg, "--format", "json"]);
    assert_eq!(rules(&out), ["K8S-0004", "K8S-0002"]);
    let out = stridegate(&["scan", chart_arg, "--format", "json", "--helm-set", "securityContext.privileged=false"]);
    assert_eq!(rules(&out), ["K8S-0004"]);
    let values = tempfile::tempdir().unwrap();
    let file = values.path().join("prod.yaml");
    std::fs::write(&file, "metrics:\n  enabled: false\n").unwrap();
    let out = stridegate(&["scan", chart_arg, "--format", "json", "--helm-values", file.to_str().unwrap()]);
    assert_eq!(rules(&out), ["K8S-0002"]);
    // A template given alone: rendered through its chart (the parent of `charts/metrics`).
    let template = chart.join("charts/metrics/templates/daemonset.yaml");
    let out = stridegate(&["scan", template.to_str().unwrap(), "--format", "json"]);
    assert_eq!(rules(&out), ["K8S-0004", "K8S-0002"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("belongs to the Helm chart"));
}

/// Several paths are one scan (what a pre-commit hook passes): every file is reported once,
/// relative to the paths' deepest common directory, and whole-scan rules see all of them.
#[test]
fn several_paths_are_one_scan() {
    let out = stridegate(&[
        "scan",
        "fixtures/shop/k8s/namespace.yaml",
        "fixtures/shop/k8s/web.yaml",
        "fixtures/shop/k8s/web.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let files: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["namespace.yaml", "web.yaml"]);
    let dirs = stridegate(&["scan", "fixtures/shop/k8s/namespace.yaml", "fixtures/kustomize-overlays/overlays/prod", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&dirs)).unwrap();
    let files: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        ["kustomize-overlays/overlays/prod/debug.yaml", "kustomize-overlays/overlays/prod/kustomization.yaml", "shop/k8s/namespace.yaml"]
    );
    let missing = stridegate(&["scan", "fixtures/shop/k8s/web.yaml", "fixtures/nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// With the report written to a file, stderr still lists the files that could not be analyzed
/// before the summary that refers to them.
#[test]
fn report_to_file_lists_the_errors_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    let out = stridegate(&["scan", shop().to_str().unwrap(), "--format", "json", "-o", file.to_str().unwrap()]);
    assert!(stdout(&out).is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    let listed = err.find("error: k8s/broken.yaml:7:29: invalid YAML").expect("the failed file is listed");
    let incomplete = err.find("scan incomplete").expect("the summary says the scan is incomplete");
    assert!(listed < incomplete, "{err}");
}

/// A scan that finds nothing to check (a mistyped CI path, a directory without IaC) does not
/// pass: it warns and exits 3 (incomplete).
#[test]
fn a_scan_with_nothing_to_check_does_not_pass() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# docs\n").unwrap();
    let out = stridegate(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was checked"));
}
