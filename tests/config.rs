//! End to end: `stridegate.toml` found, loaded and applied by the binary, on temporary
//! repositories (each holds `.git`, so the walk up stops there).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PRIVILEGED: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: true
";

const ROLE: &str = "resource \"aws_iam_role\" \"batch\" {
  name                 = \"batch\"
  assume_role_policy   = \"{}\"
  max_session_duration = 18000
}
";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("binary runs: {e}"))
}

/// Standard error with miette's wrapped lines joined (`│` margins removed).
fn stderr(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_start().trim_start_matches(['│', '×']).trim()).collect();
    lines.join(" ")
}

/// A temporary repository with `files` (path, text).
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    for (path, text) in files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    dir
}

/// Scans `path` (relative to `dir`) as JSON with `extra` flags: (exit code, report).
fn scan_json(dir: &Path, path: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", "--no-progress", "-f", "json", path];
    args.extend_from_slice(extra);
    let out = run(dir, &args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON report ({e}); stderr: {}", stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

/// (rule, file) of each finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["rule_id"].as_str().unwrap_or_default().to_string(), f["location"]["file"].as_str().unwrap_or_default().to_string()))
        .collect()
}

fn rules_of(report: &Value) -> Vec<String> {
    let mut r: Vec<String> = findings(report).into_iter().map(|(r, _)| r).collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn configuration_is_found_by_walking_up_to_the_repository_root() {
    let dir = repo(&[("stridegate.toml", "[rules]\nignore = [\"K8S-0002\"]\n"), ("deploy/k8s/web.yaml", PRIVILEGED)]);
    let (_, with) = scan_json(dir.path(), "deploy/k8s", &[]);
    let (_, without) = scan_json(dir.path(), "deploy/k8s", &["--no-config"]);
    assert!(rules_of(&without).contains(&"K8S-0002".to_string()), "{:?}", rules_of(&without));
    assert!(!rules_of(&with).contains(&"K8S-0002".to_string()), "{:?}", rules_of(&with));
    assert_eq!(rules_of(&with).len() + 1, rules_of(&without).len());
    // The hidden name works too; a file above the repository root is never read.
    let dir = repo(&[(".stridegate.toml", "[rules]\nselect = [\"K8S-0002\"]\n"), ("web.yaml", PRIVILEGED)]);
    assert_eq!(rules_of(&scan_json(dir.path(), "web.yaml", &[]).1), ["K8S-0002"]);
    let outer = repo(&[("stridegate.toml", "[rules]\nselect = [\"K8S-0002\"]\n"), ("inner/web.yaml", PRIVILEGED)]);
    std::fs::create_dir(outer.path().join("inner/.git")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    assert!(rules_of(&scan_json(outer.path(), "inner", &[]).1).len() > 1);
}

#[test]
fn config_flag_names_the_file() {
    let dir = repo(&[
        ("stridegate.toml", "[rules]\nselect = [\"K8S-0002\"]\n"),
        ("ci/strict.toml", "[rules]\nignore = [\"K8S\"]\n"),
        ("web.yaml", PRIVILEGED),
    ]);
    let (code, report) = scan_json(dir.path(), "web.yaml", &["--config", "ci/strict.toml"]);
    assert_eq!((code, findings(&report)), (0, vec![]));
    let out = run(dir.path(), &["scan", "--config", "missing.toml", "web.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));
}

#[test]
fn unknown_key_is_an_error_with_file_line_and_column() {
    let dir = repo(&[("stridegate.toml", "fail-on = \"high\"\n\n[rules]\nselekt = [\"K8S\"]\n"), ("web.yaml", PRIVILEGED)]);
    let out = run(dir.path(), &["scan", "web.yaml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stridegate.toml:4:1") && err.contains("unknown field `selekt`") && err.contains("`select`"), "{err}");
}

#[test]
fn wrong_type_is_an_error_with_line() {
    let dir = repo(&[("stridegate.toml", "[rules]\nselect = \"K8S\"\n"), ("web.yaml", PRIVILEGED)]);
    let out = run(dir.path(), &["scan", "web.yaml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stridegate.toml:2:10") && err.contains("expected a sequence"), "{err}");
    let dir = repo(&[("stridegate.toml", "[rules]\nselect = [\"K8S\", \"no-such-rule\"]\n"), ("web.yaml", PRIVILEGED)]);
    let out = run(dir.path(), &["scan", "web.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stridegate.toml:2:18") && stderr(&out).contains("no-such-rule"), "{}", stderr(&out));
}

#[test]
fn select_and_ignore_by_family_and_stride_category() {
    let files = [("web.yaml", PRIVILEGED), ("role.tf", ROLE)];
    let dir = repo(&files);
    let all = rules_of(&scan_json(dir.path(), ".", &["--no-config"]).1);
    assert!(all.iter().any(|r| r.starts_with("K8S")) && all.contains(&"IAM-0015".to_string()), "{all:?}");
    std::fs::write(dir.path().join("stridegate.toml"), "[rules]\nselect = [\"iam\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let iam = rules_of(&scan_json(dir.path(), ".", &[]).1);
    assert!(iam.contains(&"IAM-0015".to_string()) && iam.iter().all(|r| r.starts_with("IAM-")), "{iam:?}");
    // The command line extends the file's list.
    let both = rules_of(&scan_json(dir.path(), ".", &["--select", "K8S-0002"]).1);
    let k8s: Vec<&String> = both.iter().filter(|r| r.starts_with("K8S")).collect();
    assert_eq!(k8s, ["K8S-0002"]);
    assert!(both.contains(&"IAM-0015".to_string()));
    std::fs::write(dir.path().join("stridegate.toml"), "[rules]\nignore = [\"elevation-of-privilege\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, report) = scan_json(dir.path(), ".", &[]);
    let strides: Vec<&Value> = report["findings"].as_array().into_iter().flatten().map(|f| &f["stride"]).collect();
    assert!(!strides.is_empty());
    assert!(strides.iter().all(|s| !s.as_array().into_iter().flatten().any(|c| c == "elevation-of-privilege")), "{strides:?}");
    assert!(!rules_of(&report).contains(&"K8S-0002".to_string()));
}

#[test]
fn per_path_overrides_select_rules_for_matching_files() {
    let config = "[[overrides]]\npaths = [\"legacy/**\"]\nignore = [\"K8S-0002\"]\n\n[[overrides]]\npaths = [\"iam/*.tf\"]\nselect = [\"tampering\"]\n";
    let dir = repo(&[("stridegate.toml", config), ("legacy/web.yaml", PRIVILEGED), ("new/web.yaml", PRIVILEGED), ("iam/role.tf", ROLE)]);
    let found = findings(&scan_json(dir.path(), ".", &[]).1);
    let files_of = |rule: &str| -> Vec<&str> { found.iter().filter(|(r, _)| r == rule).map(|(_, f)| f.as_str()).collect() };
    assert_eq!(files_of("K8S-0002"), ["new/web.yaml"]);
    assert!(files_of("K8S-0001").contains(&"legacy/web.yaml"), "{found:?}");
    // IAM-0015 is not a tampering rule: filtered out in iam/.
    assert_eq!(files_of("IAM-0015"), Vec::<&str>::new());
    // Paths are relative to the configuration file, whatever is scanned.
    let found = findings(&scan_json(&dir.path().join("legacy"), ".", &[]).1);
    assert!(!found.iter().any(|(r, _)| r == "K8S-0002"), "{found:?}");
}

#[test]
fn severity_override_shows_in_json_sarif_and_the_gate() {
    let config = "[rules.severity]\n\"K8S-0002\" = \"low\"\nK8S = \"medium\"\n";
    let dir = repo(&[("stridegate.toml", config), ("web.yaml", PRIVILEGED)]);
    let (_, report) = scan_json(dir.path(), "web.yaml", &[]);
    let severities: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["rule_id"].as_str().unwrap_or_default(), f["severity"].as_str().unwrap_or_default()))
        .collect();
    assert!(severities.contains(&("K8S-0002", "low")), "{severities:?}");
    assert!(severities.iter().all(|(r, s)| *r == "K8S-0002" || *s == "medium"), "{severities:?}");
    let out = run(dir.path(), &["scan", "-f", "sarif", "web.yaml"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("SARIF: {e}"));
    let result = sarif["runs"][0]["results"].as_array().into_iter().flatten().find(|r| r["ruleId"] == "K8S-0002").cloned();
    let result = result.unwrap_or_default();
    assert_eq!((&result["level"], &result["properties"]["severity"]), (&Value::from("note"), &Value::from("low")));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    let rule = rules.iter().find(|r| r["id"] == "K8S-0002").cloned().unwrap_or_default();
    assert_eq!(
        (&rule["defaultConfiguration"]["level"], &rule["properties"]["security-severity"]),
        (&Value::from("note"), &result["properties"]["security-severity"])
    );
    // Every finding is now at most medium: a high gate passes.
    assert_eq!(scan_json(dir.path(), "web.yaml", &["--fail-on", "high"]).0, 0);
}

#[test]
fn fail_on_comes_from_the_file_and_the_flag_overrides_it() {
    let dir = repo(&[("stridegate.toml", "fail-on = \"none\"\n"), ("web.yaml", PRIVILEGED)]);
    let (code, report) = scan_json(dir.path(), "web.yaml", &[]);
    assert!(!findings(&report).is_empty());
    assert_eq!(code, 0);
    assert_eq!(scan_json(dir.path(), "web.yaml", &["--fail-on", "low"]).0, 1);
    assert_eq!(scan_json(dir.path(), "web.yaml", &["--no-config"]).0, 1);
}

#[test]
fn excludes_from_the_file_extend_the_command_line() {
    let dir = repo(&[("stridegate.toml", "exclude = [\"legacy/\"]\n"), ("legacy/web.yaml", PRIVILEGED), ("new/web.yaml", PRIVILEGED)]);
    let (_, report) = scan_json(dir.path(), ".", &["--exclude", "new/"]);
    assert_eq!(report["files"].as_array().map(Vec::len), Some(0), "{}", report["files"]);
    // Anchored patterns are relative to the configuration file, whatever is scanned.
    std::fs::write(dir.path().join("stridegate.toml"), "exclude = [\"/app/legacy/\"]\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("app/legacy")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("app/legacy/web.yaml"), PRIVILEGED).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("app/web.yaml"), PRIVILEGED).unwrap_or_else(|e| panic!("{e}"));
    let files = |report: &Value| -> Vec<String> {
        report["files"].as_array().into_iter().flatten().filter_map(|f| f["path"].as_str().map(str::to_string)).collect()
    };
    assert_eq!(files(&scan_json(dir.path(), "app", &[]).1), ["web.yaml"]);
    assert_eq!(files(&scan_json(dir.path(), ".", &[]).1), ["app/web.yaml", "legacy/web.yaml", "new/web.yaml"]);
}

#[test]
fn rule_settings_reach_rego_policies() {
    let dir = repo(&[("role.tf", ROLE)]);
    assert!(rules_of(&scan_json(dir.path(), ".", &[]).1).contains(&"IAM-0015".to_string()));
    std::fs::write(dir.path().join("stridegate.toml"), "[settings]\nmax-session-duration = 21600\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(!rules_of(&scan_json(dir.path(), ".", &[]).1).contains(&"IAM-0015".to_string()));
    std::fs::write(dir.path().join("stridegate.toml"), "[settings]\nmax-session-duration = 5400\n").unwrap_or_else(|e| panic!("{e}"));
    let (_, report) = scan_json(dir.path(), ".", &[]);
    let msg = report["findings"].as_array().into_iter().flatten().find(|f| f["rule_id"] == "IAM-0015").map(|f| f["message"].clone());
    assert_eq!(msg, Some(Value::from("role sessions may last 5 hours (max_session_duration = 18000), more than the 5400-second limit")));
}

#[test]
fn tls_and_data_tier_settings_change_what_is_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tls = std::fs::read_to_string(root.join("rules/terraform/TF-0011-gcp-ssl-policy-weak/pass.tf")).unwrap_or_default();
    let sg = std::fs::read_to_string(root.join("rules/terraform/TF-0004-data-tier-security-group-unrestricted-egress/fail.tf"))
        .unwrap_or_default();
    let subnets_path = root.join("rules/terraform/TF-0026-data-subnet-with-internet-route/fail.tf");
    let subnets = std::fs::read_to_string(&subnets_path).unwrap_or_default();
    let expected: Vec<(String, usize)> =
        marked(&subnets_path, "# expect: TF-0026").into_iter().map(|l| ("net/main.tf".to_string(), l)).collect();
    let dir = repo(&[("tls/main.tf", &tls), ("sg/main.tf", &sg), ("net/main.tf", &subnets)]);
    let (_, report) = scan_json(dir.path(), ".", &[]);
    let before = rules_of(&report);
    assert!(before.contains(&"TF-0004".to_string()) && !before.contains(&"TF-0011".to_string()), "{before:?}");
    // The subnets used by an RDS subnet group and the one named "shop-cache-a".
    assert_eq!(lines_of(&report, "findings", "TF-0026"), expected);
    let config = "[settings]\ndata-tier-words = [\"vault\"]\ntls-ciphers = [\"TLS_AES_256_GCM_SHA384\"]\n";
    std::fs::write(dir.path().join("stridegate.toml"), config).unwrap_or_else(|e| panic!("{e}"));
    let (_, report) = scan_json(dir.path(), ".", &[]);
    let after = rules_of(&report);
    assert!(!after.contains(&"TF-0004".to_string()) && after.contains(&"TF-0011".to_string()), "{after:?}");
    // Without "cache" in the words, only the subnet group's subnets remain data subnets.
    assert_eq!(lines_of(&report, "findings", "TF-0026"), expected.get(..1).unwrap_or_default());
}

#[test]
fn helm_values_per_chart_and_containment() {
    let chart = [
        ("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n"),
        ("charts/web/values.yaml", "privileged: false\n"),
        ("charts/web/templates/deploy.yaml", &PRIVILEGED.replace("privileged: true", "privileged: {{ .Values.privileged }}")),
        ("prod.yaml", "privileged: true\n"),
    ];
    let dir = repo(&chart);
    assert!(!rules_of(&scan_json(dir.path(), ".", &[]).1).contains(&"K8S-0002".to_string()));
    std::fs::write(dir.path().join("stridegate.toml"), "[helm.charts.\"charts/web\"]\nset = { privileged = true }\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rules_of(&scan_json(dir.path(), ".", &[]).1).contains(&"K8S-0002".to_string()));
    std::fs::write(dir.path().join("stridegate.toml"), "[helm]\nvalues = [\"prod.yaml\"]\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(rules_of(&scan_json(dir.path(), ".", &[]).1).contains(&"K8S-0002".to_string()));
    // A values file outside the scanned directory is refused.
    let out = run(dir.path(), &["scan", "charts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("outside the scanned directory") && stderr(&out).contains("stridegate.toml:2:11"), "{}", stderr(&out));
}

#[test]
fn init_writes_a_default_that_scans_like_no_configuration() {
    let dir = repo(&[("web.yaml", PRIVILEGED), ("role.tf", ROLE)]);
    let out = run(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("stridegate.toml")).unwrap_or_default();
    assert!(written.contains("fail-on = \"low\"") && written.contains("# [[suppress]]"), "{written}");
    let out = run(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"));
    assert_eq!(run(dir.path(), &["init", "--force"]).status.code(), Some(0));
    let (code, with) = scan_json(dir.path(), ".", &[]);
    let (code_without, without) = scan_json(dir.path(), ".", &["--no-config"]);
    assert_eq!((code, findings(&with)), (code_without, findings(&without)));
}

#[test]
fn configuration_reference_is_up_to_date() {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(on_disk, stridegate::config::options::reference(), "{} is stale: run scripts/gen-docs.sh", path.display());
}

/// Lines of `file` carrying `marker` (`# expect: IAM-0020`).
fn marked(file: &Path, marker: &str) -> Vec<usize> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines().enumerate().filter(|(_, l)| l.contains(marker)).map(|(i, _)| i + 1).collect()
}

/// (file, line) of the entries of `list` ("findings" or "unverifiable") of `rule`.
fn lines_of(report: &Value, list: &str, rule: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = report[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            let line = f["location"]["start"]["line"].as_u64().and_then(|l| usize::try_from(l).ok()).unwrap_or(0);
            (f["location"]["file"].as_str().unwrap_or_default().to_string(), line)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn state_ownership_decides_iam_0020_and_its_absence_is_unverifiable() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config/state-owners");
    let main = fixture.join("payments/main.tf");
    let with_file = |lines: Vec<usize>| -> Vec<(String, usize)> { lines.into_iter().map(|l| ("main.tf".to_string(), l)).collect() };
    // One root module, one state key: only the configuration can tell the team prefixes.
    let (_, configured) = scan_json(&fixture, "payments", &["--select", "IAM-0020"]);
    assert_eq!(lines_of(&configured, "findings", "IAM-0020"), with_file(marked(&main, "# expect: IAM-0020")));
    assert_eq!(lines_of(&configured, "unverifiable", "IAM-0020"), vec![]);
    let messages: Vec<&str> = configured["findings"].as_array().into_iter().flatten().filter_map(|f| f["message"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("state of team \"crm\", from the root module of team \"payments\"")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("broader than one team's state prefix") && m.contains("team \"crm\"")), "{messages:?}");
    let (_, unconfigured) = scan_json(&fixture, "payments", &["--select", "IAM-0020", "--no-config"]);
    assert_eq!(lines_of(&unconfigured, "findings", "IAM-0020"), vec![]);
    assert_eq!(lines_of(&unconfigured, "unverifiable", "IAM-0020"), with_file(marked(&main, "# unconfigured: IAM-0020")));
}
