//! Hostile input: the scanner must never panic, hang or exhaust memory on malformed, binary,
//! oversized, deeply nested, alias-bomb, symlink-loop or unreadable files. Every such file must
//! be accounted for as *failed* with a useful message (and a position when one exists), valid
//! files next to them must still produce their findings, and the exit code must say what
//! happened (1 findings win, 3 incomplete, 2 usage error).

// Test code: a broken fixture or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::rules::meta::Severity;
use stridegate::scan::{ExitStatus, FileRecord, Outcome, ScanOptions, ScanReport, SkipReason, scan};

const MIB: u64 = 1024 * 1024;

/// A valid Deployment with a privileged container: line 17 must be reported by K8S-0002.
const PRIVILEGED_DEPLOYMENT: &str = "\
apiVersion: apps/v1
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
const PRIVILEGED_LINE: usize = 17;

/// Invalid YAML: a second `:` on line 6 is a syntax error.
const INVALID_YAML: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data:
  a: b: c
  d: e
";
const INVALID_YAML_LINE: usize = 6;

const WORKFLOW: &str = "\
name: ci
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: cargo test
";

const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const CHART_VALUES: &str = "replicas: 2\nprivileged: true\n";
/// Not valid YAML before rendering (a `{{-` line, an unquoted `{{` value): it must never be
/// parsed as YAML, only rendered; with the chart's values it renders nothing (`enabled` is not
/// set), so its `privileged: true` must never be reported.
const CHART_TEMPLATE: &str = "\
{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"web.fullname\" . }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: app
          image: \"{{ .Values.image }}\"
          securityContext:
            privileged: true
{{- end }}
";

/// One hostile file and what the scan must say about it.
struct Expect {
    /// Display path relative to the scan root.
    path: &'static str,
    /// Substrings of which at least one must be in the failure message (lowercased).
    any_of: &'static [&'static str],
    /// Expected 1-based line of the failure, when it has one.
    line: Option<usize>,
}

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// A 10 MiB YAML file: one ConfigMap whose data is a long block scalar (valid and cheap to parse
/// once the size limit is raised).
fn big_yaml() -> String {
    let target = (10 * MIB) as usize;
    let mut s = String::with_capacity(target + 200);
    s.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: |\n");
    let line = format!("    {}\n", "x".repeat(95));
    while s.len() < target {
        s.push_str(&line);
    }
    s
}

/// A "billion laughs" document: 10 levels of 10 aliases each would expand to 10^9 nodes.
fn alias_bomb() -> String {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n");
    s.push_str("  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        s.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    s
}

/// Builds every hostile file under `root` and returns what the scan must report for each.
fn hostile_files(root: &Path) -> Vec<Expect> {
    let mut expect = Vec::new();

    write(root, "hostile/invalid.yaml", INVALID_YAML);
    expect.push(Expect { path: "hostile/invalid.yaml", any_of: &["invalid yaml"], line: Some(INVALID_YAML_LINE) });

    // An ELF-like header: NUL bytes and bytes that are not UTF-8 either.
    let mut binary = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    binary.extend_from_slice(b"apiVersion: v1\nkind: Pod\n\xff\xfe\x00\x00");
    binary.extend(std::iter::repeat_n(0u8, 4096));
    write(root, "hostile/x.yaml", &binary);
    expect.push(Expect { path: "hostile/x.yaml", any_of: &["binary file"], line: None });

    // NUL bytes in otherwise valid UTF-8.
    write(root, "hostile/nul.yml", "apiVersion: v1\nkind: Pod\x00\x00\x00\nmetadata: {}\n");
    expect.push(Expect { path: "hostile/nul.yml", any_of: &["binary file"], line: None });

    // Latin-1 `é` on line 4.
    write(root, "hostile/latin1.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n");
    expect.push(Expect { path: "hostile/latin1.yaml", any_of: &["not valid utf-8"], line: Some(4) });

    write(root, "hostile/big.yaml", big_yaml());
    expect.push(Expect { path: "hostile/big.yaml", any_of: &["over the 8.0 mib limit"], line: None });

    let depth = 10_000;
    let deep_yaml = format!("apiVersion: v1\nkind: ConfigMap\ndata: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    write(root, "hostile/deep.yaml", deep_yaml);
    // Our own depth limit, or saphyr's recursion limit if it trips first: both are fine, a
    // stack overflow (which would abort this test process) is not.
    expect.push(Expect { path: "hostile/deep.yaml", any_of: &["nesting deeper", "recursion"], line: Some(3) });

    let deep_json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"deep\"}}, \"data\": {}1{}}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    write(root, "hostile/deep.json", deep_json);
    expect.push(Expect { path: "hostile/deep.json", any_of: &["nesting deeper"], line: Some(1) });

    let deep_tf_json = format!("{{\"locals\": {{\"x\": {}1{}}}}}\n", "[".repeat(depth), "]".repeat(depth));
    write(root, "hostile/tfjson/main.tf.json", deep_tf_json);
    expect.push(Expect { path: "hostile/tfjson/main.tf.json", any_of: &["nesting deeper"], line: Some(1) });

    write(root, "hostile/hcl/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  acl = = \"public-read\"\n}\n");
    expect.push(Expect { path: "hostile/hcl/main.tf", any_of: &["invalid hcl"], line: Some(3) });

    write(root, "hostile/bomb.yaml", alias_bomb());
    expect.push(Expect { path: "hostile/bomb.yaml", any_of: &["alias expansion exceeds"], line: None });

    #[cfg(unix)]
    {
        std::fs::create_dir_all(root.join("hostile/loop")).expect("mkdir");
        symlink("b.yaml", &root.join("hostile/loop/a.yaml"));
        symlink("a.yaml", &root.join("hostile/loop/b.yaml"));
        expect.push(Expect { path: "hostile/loop/a.yaml", any_of: &["symlink loop"], line: None });
        expect.push(Expect { path: "hostile/loop/b.yaml", any_of: &["symlink loop"], line: None });

        symlink("does-not-exist.yaml", &root.join("hostile/dangling.yaml"));
        expect.push(Expect { path: "hostile/dangling.yaml", any_of: &["broken symlink"], line: None });

        // Only meaningful when permissions are enforced (not as root): find out by trying.
        use std::os::unix::fs::PermissionsExt;
        let unreadable = write(root, "hostile/unreadable.yaml", PRIVILEGED_DEPLOYMENT);
        std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        if std::fs::read(&unreadable).is_ok() {
            eprintln!("note: permissions are not enforced (running as root?): skipping the unreadable-file case");
            std::fs::remove_file(&unreadable).expect("remove");
        } else {
            expect.push(Expect { path: "hostile/unreadable.yaml", any_of: &["cannot read"], line: None });
        }
    }
    expect
}

/// Files that are not infrastructure code, or not plain YAML: skipped, never failed.
fn benign_files(root: &Path) {
    write(root, ".github/workflows/ci.yml", WORKFLOW);
    write(root, "charts/web/Chart.yaml", CHART);
    write(root, "charts/web/values.yaml", CHART_VALUES);
    write(root, "charts/web/templates/deployment.yaml", CHART_TEMPLATE);
}

/// A directory with the good Deployment, the benign files and every hostile file.
fn mixed_dir() -> (tempfile::TempDir, Vec<Expect>) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "good/deployment.yaml", PRIVILEGED_DEPLOYMENT);
    benign_files(dir.path());
    let expect = hostile_files(dir.path());
    (dir, expect)
}

/// A directory with nothing but hostile files.
fn hostile_only_dir() -> (tempfile::TempDir, Vec<Expect>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let expect = hostile_files(dir.path());
    (dir, expect)
}

fn options(max_file_size: u64) -> ScanOptions {
    ScanOptions { max_file_size, ..ScanOptions::default() }
}

fn library_scan(root: &Path, options: &ScanOptions) -> ScanReport {
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(&set, |_| true).expect("rules compile");
    scan(root, &engine, options).expect("scan runs")
}

fn record<'r>(report: &'r ScanReport, path: &str) -> &'r FileRecord {
    report.files.iter().find(|f| f.path == path).unwrap_or_else(|| {
        let seen: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
        panic!("{path} is not accounted for in the report; files: {seen:#?}")
    })
}

/// Checks that every hostile file failed with the expected message and position, and that
/// nothing else failed.
fn assert_hostile_files_failed(report: &ScanReport, expect: &[Expect]) {
    for e in expect {
        let rec = record(report, e.path);
        let Outcome::Failed { message, location, resources } = &rec.outcome else {
            panic!("{} must be reported as failed, got {:?}", e.path, rec.outcome);
        };
        let lower = message.to_lowercase();
        assert!(!lower.contains("internal error"), "{}: analysis panicked: {message}", e.path);
        assert!(e.any_of.iter().any(|s| lower.contains(s)), "{}: message {message:?} contains none of {:?}", e.path, e.any_of);
        assert_eq!(*resources, 0, "{}: no resource should have been analyzed", e.path);
        if let Some(line) = e.line {
            let loc = location.as_ref().unwrap_or_else(|| panic!("{}: failure has no location ({message})", e.path));
            assert_eq!(loc.start.line, line, "{}: failure reported at the wrong line ({message})", e.path);
            assert_eq!(&*loc.file, e.path, "{}: location names another file", e.path);
        }
    }
    let failed: Vec<&str> = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).map(|f| f.path.as_str()).collect();
    let expected: Vec<&str> = expect.iter().map(|e| e.path).collect();
    let unexpected: Vec<&&str> = failed.iter().filter(|p| !expected.contains(p)).collect();
    assert!(unexpected.is_empty(), "files failed that should not have: {unexpected:?}\n{:#?}", report.files);
}

#[test]
fn hostile_files_fail_cleanly_and_valid_files_are_still_checked() {
    let (dir, expect) = mixed_dir();
    let report = library_scan(dir.path(), &options(8 * MIB));

    assert_hostile_files_failed(&report, &expect);

    // The valid Deployment was analyzed and its privileged container reported.
    assert_eq!(record(&report, "good/deployment.yaml").outcome, Outcome::Analyzed { resources: 1 });
    let privileged: Vec<_> =
        report.findings.iter().filter(|f| &*f.rule_id == "K8S-0002" && &*f.location.file == "good/deployment.yaml").collect();
    assert_eq!(privileged.len(), 1, "expected one K8S-0002 finding in good/deployment.yaml: {:#?}", report.findings);
    assert_eq!(privileged[0].location.start.line, PRIVILEGED_LINE);

    // No finding may come from a file that failed or was skipped (the chart template and the
    // unreadable file both contain `privileged: true`).
    for f in &report.findings {
        assert_eq!(&*f.location.file, "good/deployment.yaml", "finding from an unexpected file: {f:#?}");
    }

    // A CI workflow is not infrastructure: skipped, not failed.
    assert_eq!(record(&report, ".github/workflows/ci.yml").outcome, Outcome::Skipped { reason: SkipReason::NotInfrastructure });
    // The chart is rendered: its template is analyzed (and renders no object), its other files
    // are inputs of the chart, never parsed as manifests.
    assert_eq!(record(&report, "charts/web/templates/deployment.yaml").outcome, Outcome::Analyzed { resources: 0 });
    for path in ["charts/web/Chart.yaml", "charts/web/values.yaml"] {
        assert_eq!(
            record(&report, path).outcome,
            Outcome::Skipped { reason: SkipReason::HelmChart { chart: "charts/web".to_string() } },
            "{path}"
        );
    }

    let coverage = report.coverage();
    assert_eq!(coverage.failed, expect.len());
    assert_eq!(coverage.analyzed, 2);
    assert!(report.is_incomplete());
    // Findings win over incompleteness.
    assert_eq!(report.exit_status(Severity::Low), ExitStatus::Findings);
}

#[test]
fn a_yaml_error_keeps_the_documents_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{PRIVILEGED_DEPLOYMENT}---\n{INVALID_YAML}");
    write(dir.path(), "partial.yaml", text);
    let report = library_scan(dir.path(), &ScanOptions::default());
    let rec = record(&report, "partial.yaml");
    let Outcome::Failed { message, location, resources } = &rec.outcome else {
        panic!("partial.yaml must be failed, got {:?}", rec.outcome);
    };
    assert!(message.starts_with("invalid YAML"), "{message}");
    // 17 lines of the Deployment, the `---` separator, then the error on line 6 of the second document.
    let first_doc_lines = PRIVILEGED_DEPLOYMENT.lines().count() + 1;
    assert_eq!(location.as_ref().map(|l| l.start.line), Some(first_doc_lines + INVALID_YAML_LINE));
    assert_eq!(*resources, 1);
    assert!(report.findings.iter().any(|f| &*f.rule_id == "K8S-0002" && f.location.start.line == PRIVILEGED_LINE));
}

#[test]
fn only_hostile_files_make_the_scan_incomplete() {
    let (dir, expect) = hostile_only_dir();
    let report = library_scan(dir.path(), &options(8 * MIB));
    assert_hostile_files_failed(&report, &expect);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.exit_status(Severity::Low), ExitStatus::Incomplete);
}

#[test]
fn raising_the_size_limit_makes_the_big_file_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "big.yaml", big_yaml());

    let limited = library_scan(dir.path(), &options(8 * MIB));
    assert!(matches!(record(&limited, "big.yaml").outcome, Outcome::Failed { .. }), "{:?}", limited.files);

    let raised = library_scan(dir.path(), &options(16 * MIB));
    assert_eq!(record(&raised, "big.yaml").outcome, Outcome::Analyzed { resources: 1 });
    assert!(raised.bytes >= 10 * MIB, "bytes read: {}", raised.bytes);
    assert_eq!(raised.exit_status(Severity::Low), ExitStatus::Clean);
}

// --- the binary -------------------------------------------------------------------------

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate")).args(args).output().expect("run stridegate")
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or_else(|| panic!("killed by a signal: {out:?}"))
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn exit_code_1_when_findings_and_failures_3_when_only_failures() {
    let (mixed, _) = mixed_dir();
    let out = stridegate(&["scan", path_str(mixed.path()), "--max-file-size", "8M", "--format", "json"]);
    assert_eq!(code(&out), 1, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["summary"]["incomplete"], serde_json::Value::Bool(true));

    let (hostile, expect) = hostile_only_dir();
    let out = stridegate(&["scan", path_str(hostile.path()), "--max-file-size", "8M", "--format", "json"]);
    assert_eq!(code(&out), 3, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let errors = json["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), expect.len(), "{errors:#?}");

    // The default limit is also 8 MiB; raising it turns big.yaml into an analyzed file, while
    // the other hostile files still make the scan incomplete.
    let out = stridegate(&["scan", path_str(hostile.path()), "--max-file-size", "16M", "--format", "json"]);
    assert_eq!(code(&out), 3);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["errors"].as_array().expect("errors array").len(), expect.len() - 1);
}

#[test]
fn sarif_on_hostile_input_is_valid_json_with_notifications() {
    let (dir, expect) = mixed_dir();
    let out = stridegate(&["scan", path_str(dir.path()), "--format", "sarif", "--max-file-size", "8M"]);
    assert_eq!(code(&out), 1, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    // The whole of stdout must be one JSON document (no progress or summary lines mixed in).
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not valid JSON ({e}):\n{}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], serde_json::Value::Bool(false));
    let notifications = invocation["toolExecutionNotifications"].as_array().expect("toolExecutionNotifications");
    let texts: Vec<&str> = notifications.iter().filter_map(|n| n["message"]["text"].as_str()).collect();
    assert_eq!(texts.len(), expect.len(), "{texts:#?}");
    for e in &expect {
        assert!(texts.iter().any(|t| t.starts_with(&format!("{}: ", e.path))), "no notification for {}: {texts:#?}", e.path);
    }
    for n in notifications {
        assert_eq!(n["level"], "error");
    }
    let results = run["results"].as_array().expect("results");
    assert!(
        results.iter().any(
            |r| r["ruleId"] == "K8S-0002" && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "good/deployment.yaml"
        ),
        "{results:#?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "deployment.yaml", PRIVILEGED_DEPLOYMENT);

    let missing = dir.path().join("no-such-dir");
    let out = stridegate(&["scan", path_str(&missing)]);
    assert_eq!(code(&out), 2, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));

    let out = stridegate(&["scan", path_str(dir.path()), "--select", "K8S-9999"]);
    assert_eq!(code(&out), 2, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule"));

    // The same command with a known rule is not a usage error: it reports the finding.
    let out = stridegate(&["scan", path_str(dir.path()), "--select", "K8S-0002"]);
    assert_eq!(code(&out), 1, "stderr: {}", String::from_utf8_lossy(&out.stderr));
}

/// A symlink to a FIFO inside the scanned tree: reading it would block forever. The scan must
/// finish (the link skipped or failed), never hang. Run in a child process with a deadline so
/// that a regression fails instead of hanging the test suite.
#[cfg(unix)]
#[test]
fn a_symlink_to_a_fifo_does_not_hang_the_scan() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "good.yaml", PRIVILEGED_DEPLOYMENT);
    let fifo = dir.path().join("pipe");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("note: cannot create a FIFO ({other:?}): skipping");
            return;
        }
    }
    symlink("pipe", &dir.path().join("p.yaml"));
    let report = dir.path().join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(["scan", path_str(dir.path()), "--format", "json", "--output", path_str(&report)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn stridegate");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("scan of a tree with a symlink to a FIFO did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The privileged Deployment is still reported.
    assert_eq!(status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("JSON report");
    let files = json["files"].as_array().expect("files");
    let link = files.iter().find(|f| f["path"] == "p.yaml").expect("p.yaml accounted for");
    assert_ne!(link["status"], "analyzed", "{link}");
}

/// Terraform module calls stay inside the scanned root (no `../` escape, no symlinked file from
/// outside, no installed-module directory outside), and a cycle of modules ends.
#[cfg(unix)]
#[test]
fn terraform_modules_never_escape_the_root_or_loop() {
    let outside = tempfile::tempdir().expect("tempdir");
    // Would fire TF-0013 (public-read bucket) if it were ever read.
    write(outside.path(), "evil/main.tf", "resource \"aws_s3_bucket_acl\" \"x\" {\n  acl = \"public-read\"\n}\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let escape = format!("{}/evil", outside.path().display());
    let rel_escape = pathdiff(&root, &std::fs::canonicalize(outside.path()).expect("canonical").join("evil"));
    write(
        &root,
        "main.tf",
        format!(
            "module \"up\" {{\n  source = \"{rel_escape}\"\n}}\nmodule \"a\" {{\n  source = \"./a\"\n}}\nmodule \"linked\" {{\n  source = \"./linked\"\n}}\nmodule \"installed\" {{\n  source = \"acme/evil/aws\"\n}}\n"
        ),
    );
    write(&root, "a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\n");
    write(&root, "b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n");
    std::fs::create_dir_all(root.join("linked")).expect("mkdir");
    symlink(&format!("{escape}/main.tf"), &root.join("linked/main.tf"));
    write(
        &root,
        ".terraform/modules/modules.json",
        format!("{{\"Modules\":[{{\"Key\":\"installed\",\"Source\":\"registry.terraform.io/acme/evil/aws\",\"Dir\":\"{escape}\"}}]}}"),
    );
    let report = library_scan(&root, &options(8 * MIB));
    assert!(report.findings.iter().all(|f| f.rule_id.as_ref() != "TF-0013"), "a file outside the root was read: {:#?}", report.findings);
    let reasons: Vec<String> = report.not_analyzed.iter().map(|n| format!("{}: {}", n.unit, n.reason)).collect();
    let has = |unit: &str, text: &str| reasons.iter().any(|r| r.starts_with(unit) && r.contains(text));
    assert!(has("module.up", "outside the scanned directory"), "{reasons:#?}");
    assert!(has("module.installed", "not fetched"), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("module cycle")), "{reasons:#?}");
}

/// `to` relative to `from` (both absolute, canonical), as `../..` segments.
fn pathdiff(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().to_string()));
    parts.join("/")
}

/// Nested `for_each` module calls cannot multiply without bound: 8 instances per level over 7
/// levels would be two million module evaluations; the scan stops at its budget and says so.
#[test]
fn nested_module_instances_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let fan = "for_each = toset([\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"])";
    write(&root, "main.tf", format!("module \"m\" {{\n  source = \"./m1\"\n  {fan}\n}}\n"));
    for level in 1..=7 {
        let next = if level < 7 { format!("module \"m\" {{\n  source = \"../m{}\"\n  {fan}\n}}\n", level + 1) } else { String::new() };
        write(&root, &format!("m{level}/main.tf"), format!("resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"x\"\n}}\n{next}"));
    }
    let report = library_scan(&root, &options(8 * MIB));
    assert!(report.not_analyzed.iter().any(|n| n.reason.contains("module evaluations")), "{:#?}", report.not_analyzed);
    let buckets = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Skipped { .. })).count();
    assert_eq!(buckets, 7, "the called modules are analyzed through the root: {:#?}", report.files);
}

/// `count` everywhere cannot make one module expand without bound: the evaluation stops at its
/// instance budget and says what was not analyzed.
#[test]
fn block_instances_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  count  = 1000\n  bucket = \"b{i}-${{count.index}}\"\n}}\n"));
    }
    write(dir.path(), "main.tf", text);
    // A lower total than the default keeps the test quick; the mechanism is the same.
    let analysis = stridegate::limits::AnalysisLimits { instances: 5_000, ..Default::default() };
    let report = library_scan(dir.path(), &ScanOptions { analysis, ..options(8 * MIB) });
    assert!(report.not_analyzed.iter().any(|n| n.limit.as_deref() == Some("instances")), "{:#?}", report.not_analyzed);
    assert!(report.is_incomplete());
}

/// Values of unexpected types (numbers for names, scalars for objects, lists for strings)
/// never make a rule fail: the scan stays complete and rules judge what they can.
#[test]
fn odd_value_types_never_make_rules_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "k8s/odd.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: 42\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/7: unconfined\nspec:\n  template:\n    spec:\n      securityContext: {seccompProfile: 3}\n      volumes:\n        - name: 9\n          hostPath: {path: [1]}\n      containers:\n        - name: 7\n          image: 5\n          securityContext:\n            seccompProfile: 42\n            privileged: \"yes\"\n            capabilities: {add: 3, drop: {a: 1}}\n          ports: [{hostPort: \"80\"}]\n          env: [{name: 1, value: 2}]\n",
    );
    write(
        dir.path(),
        "tf/odd.tf",
        "resource \"aws_security_group\" \"x\" {\n  ingress {\n    from_port   = \"22\"\n    to_port     = [22]\n    protocol    = 6\n    cidr_blocks = \"0.0.0.0/0\"\n  }\n}\nresource \"aws_lb_listener\" \"l\" {\n  protocol   = 443\n  ssl_policy = [\"x\"]\n}\nresource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({ Version = 1, Statement = [{ Effect = true, Action = 5, Resource = { a = 1 }, Principal = 3, Condition = [] }] })\n}\nresource \"aws_db_instance\" \"d\" {\n  storage_encrypted   = \"no\"\n  publicly_accessible = \"true\"\n}\n",
    );
    let report = library_scan(dir.path(), &options(8 * MIB));
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
}

/// A security group open to the internet on SSH: TF-0001 fires on its `cidr_blocks` line.
const OPEN_SSH_SG: &str = "resource \"aws_security_group\" \"a\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";

fn limit_hits<'r>(report: &'r ScanReport, limit: &str) -> Vec<&'r stridegate::terraform::NotAnalyzed> {
    report.not_analyzed.iter().filter(|n| n.limit.as_deref() == Some(limit)).collect()
}

/// Thousands of splats after a value (`[*]` and `.*`) used to overflow the evaluator's stack
/// and abort the process. Evaluation depth is bounded by design: the attribute is reported at
/// its line with the limit's name, the scan is incomplete, and the rest of the module is still
/// checked.
#[test]
fn splat_chains_are_bounded_by_the_eval_depth_limit() {
    for splat in ["[*]", ".*"] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "main.tf", format!("locals {{\n  l = [[1]]\n  x = local.l{}\n}}\n{OPEN_SSH_SG}", splat.repeat(20_000)));
        let report = library_scan(dir.path(), &options(8 * MIB));
        let hits = limit_hits(&report, "eval-depth");
        assert_eq!(hits.len(), 1, "{splat}: {:#?}", report.not_analyzed);
        assert_eq!((hits[0].file.as_str(), hits[0].line, hits[0].unit.as_str()), ("main.tf", 3, "x"));
        assert!(hits[0].reason.contains("--limit eval-depth="), "{}", hits[0].reason);
        assert!(report.is_incomplete());
        assert!(report.findings.iter().any(|f| f.rule_id.as_ref() == "TF-0001" && f.location.start.line == 10), "{:#?}", report.findings);
    }
}

/// Locals that copy the previous local four times per level, and `for` expressions nested
/// three deep over `range(1000)`, would build gigabytes. The total size of the values one
/// module evaluation builds is bounded; reaching it stops the evaluation quickly and is
/// reported at the attribute that crossed it.
#[test]
fn value_growth_is_bounded_by_the_value_size_limits() {
    let limits = stridegate::limits::AnalysisLimits { value_elements: 100_000, ..Default::default() };
    let opts = ScanOptions { analysis: limits, ..options(8 * MIB) };
    let mut growth = String::from("locals {\n  l0 = [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]\n");
    for i in 1..40 {
        growth.push_str(&format!("  l{i} = [local.l{p}, local.l{p}, local.l{p}, local.l{p}]\n", p = i - 1));
    }
    growth.push_str("}\n");
    let cases = [
        (growth, "value-elements", 10),
        ("locals {\n  x = [for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]\n}\n".to_string(), "value-elements", 2),
        ("locals {\n  s = join(\"\", [for i in range(1000) : \"${i}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"])\n  t = [for i in range(1000) : local.s]\n  u = [for i in range(1000) : local.t]\n}\n".to_string(), "value-bytes", 3),
    ];
    for (text, limit, line) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "main.tf", format!("{text}{OPEN_SSH_SG}"));
        let mut opts = opts.clone();
        if limit == "value-bytes" {
            opts.analysis.value_elements = u64::MAX;
            opts.analysis.value_bytes = 4 * MIB;
        }
        let started = std::time::Instant::now();
        let report = library_scan(dir.path(), &opts);
        let hits = limit_hits(&report, limit);
        assert_eq!(hits.len(), 1, "{limit}: {:#?}", report.not_analyzed);
        assert_eq!(hits[0].line, line, "{:#?}", hits[0]);
        assert!(report.is_incomplete());
        assert!(started.elapsed().as_secs() < 60, "took {:?}", started.elapsed());
    }
}

/// A chain of 300 locals, each reading the one before (declared in any order), settles: the
/// value at its end reaches the rule, which fires. Cycles are errors (as in Terraform), never
/// a hang.
#[test]
fn locals_settle_over_long_chains_and_cycles_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("locals {\n");
    for i in (1..300).rev() {
        text.push_str(&format!("  c{i} = local.c{}\n", i - 1));
    }
    text.push_str("  c0 = \"0.0.0.0/0\"\n  a = local.b\n  b = local.a\n}\n");
    text.push_str(&OPEN_SSH_SG.replace("[\"0.0.0.0/0\"]", "[local.c299]"));
    text.push_str("resource \"aws_security_group\" \"cyclic\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [local.a]\n  }\n}\n");
    write(dir.path(), "main.tf", text);
    let report = library_scan(dir.path(), &options(8 * MIB));
    let lines: Vec<usize> = report.findings.iter().filter(|f| f.rule_id.as_ref() == "TF-0001").map(|f| f.location.start.line).collect();
    assert_eq!(lines, vec![310], "{:#?}", report.findings);
    assert!(!report.is_incomplete(), "{:#?}", report.not_analyzed);
}

/// `count` above the per-block limit used to be cut to 1,000 instances without a word.
#[test]
fn count_over_the_block_limit_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", OPEN_SSH_SG.replace("ingress {", "count = 500\n  ingress {"));
    let analysis = stridegate::limits::AnalysisLimits { block_instances: 50, ..Default::default() };
    let report = library_scan(dir.path(), &ScanOptions { analysis, ..options(8 * MIB) });
    let hits = limit_hits(&report, "block-instances");
    assert_eq!(hits.len(), 1, "{:#?}", report.not_analyzed);
    assert_eq!(hits[0].line, 1);
    assert!(hits[0].reason.contains("500 instances; only the first 50"), "{}", hits[0].reason);
    assert!(report.is_incomplete());
    assert_eq!(report.findings.iter().filter(|f| f.rule_id.as_ref() == "TF-0001").count(), 50);
}

/// `file()` and `templatefile()` on a FIFO inside the scan root used to block forever.
#[cfg(unix)]
#[test]
fn file_functions_never_open_a_fifo() {
    let dir = tempfile::tempdir().expect("tempdir");
    match Command::new("mkfifo").arg(dir.path().join("pipe")).status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("note: cannot create a FIFO ({other:?}): skipping");
            return;
        }
    }
    write(
        dir.path(),
        "main.tf",
        format!(
            "locals {{\n  a = file(\"${{path.module}}/pipe\")\n  b = templatefile(\"pipe\", {{}})\n  c = fileexists(\"pipe\")\n}}\n{OPEN_SSH_SG}"
        ),
    );
    let root = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(library_scan(&root, &options(8 * MIB)));
    });
    let report = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the scan finished instead of blocking on the FIFO");
    assert!(report.findings.iter().any(|f| f.rule_id.as_ref() == "TF-0001"), "{:#?}", report.findings);
}

/// A syntax error in one file of a module that another module calls used to drop the whole
/// module silently ("skipped: called-module", exit 0). The broken file is a failed file with
/// its position, and the module's healthy files are still analyzed through the call.
#[test]
fn a_broken_file_in_a_called_module_fails_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", "module \"m\" {\n  source = \"./modules/m\"\n}\n");
    write(dir.path(), "modules/m/good.tf", OPEN_SSH_SG);
    write(dir.path(), "modules/m/bad.tf", "resource \"x\" \"y\" {\n  a = \n}\n");
    let report = library_scan(dir.path(), &options(8 * MIB));
    let finding = report.findings.iter().find(|f| f.rule_id.as_ref() == "TF-0001").expect("the healthy file's finding");
    assert_eq!((&*finding.location.file, finding.location.start.line), ("modules/m/good.tf", 6));
    let Outcome::Failed { location: Some(location), .. } = &record(&report, "modules/m/bad.tf").outcome else {
        panic!("bad.tf must fail with a position: {:#?}", report.files);
    };
    assert_eq!(location.start.line, 2);
    assert!(matches!(record(&report, "modules/m/good.tf").outcome, Outcome::Skipped { reason: SkipReason::CalledModule { .. } }));
    assert!(report.is_incomplete());
    assert!(report.not_analyzed.iter().any(|n| n.reason.contains("modules/m/bad.tf")), "{:#?}", report.not_analyzed);
}

/// An installed module whose file is a symlink out of the root used to be analyzed as empty,
/// with no note. It is listed as not followed.
#[cfg(unix)]
#[test]
fn a_symlinked_file_of_an_installed_module_is_reported() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "main.tf", OPEN_SSH_SG);
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", "module \"vpc\" {\n  source = \"acme/vpc/aws\"\n}\n");
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        "{\"Modules\":[{\"Key\":\"vpc\",\"Source\":\"registry.terraform.io/acme/vpc/aws\",\"Dir\":\".terraform/modules/vpc\"}]}",
    );
    std::fs::create_dir_all(dir.path().join(".terraform/modules/vpc")).expect("mkdir");
    symlink(&format!("{}/main.tf", outside.path().display()), &dir.path().join(".terraform/modules/vpc/main.tf"));
    let report = library_scan(dir.path(), &options(8 * MIB));
    assert!(report.findings.is_empty(), "a file outside the root was read: {:#?}", report.findings);
    assert!(report.not_analyzed.iter().any(|n| n.unit == "module.vpc" && n.reason.contains("symbolic link")), "{:#?}", report.not_analyzed);
}

/// Whether a path outside the root exists must not show in the report: a module source that
/// leaves the root (by `../` or through a symlink) gets the same answer either way.
#[cfg(unix)]
#[test]
fn module_sources_outside_the_root_reveal_nothing() {
    let outside = tempfile::tempdir().expect("tempdir");
    let outside = std::fs::canonicalize(outside.path()).expect("canonical");
    std::fs::create_dir_all(outside.join("exists")).expect("mkdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let up = pathdiff(&root, &outside);
    write(
        &root,
        "main.tf",
        format!(
            "module \"a\" {{\n  source = \"{up}/exists\"\n}}\nmodule \"b\" {{\n  source = \"{up}/missing\"\n}}\nmodule \"c\" {{\n  source = \"./link-exists\"\n}}\nmodule \"d\" {{\n  source = \"./link-missing\"\n}}\n"
        ),
    );
    symlink(&format!("{}/exists", outside.display()), &root.join("link-exists"));
    symlink(&format!("{}/missing", outside.display()), &root.join("link-missing"));
    let report = library_scan(&root, &options(8 * MIB));
    let reason = |unit: &str, source: &str| {
        let n = report.not_analyzed.iter().find(|n| n.unit == unit).unwrap_or_else(|| panic!("{unit}: {:#?}", report.not_analyzed));
        n.reason.replace(source, "SOURCE")
    };
    assert_eq!(reason("module.a", &format!("{up}/exists")), reason("module.b", &format!("{up}/missing")));
    assert_eq!(reason("module.c", "./link-exists"), reason("module.d", "./link-missing"));
    assert!(reason("module.c", "./link-exists").contains("outside the scanned directory"));
}

/// The scan's `--timeout` and the per-unit time budget end the work that is left and say so:
/// the files are failed with the limit's name, never silently passed.
#[test]
fn time_budgets_are_reported_not_silent() {
    let (dir, _) = mixed_dir();
    let opts = ScanOptions { timeout: Some(std::time::Duration::ZERO), ..options(8 * MIB) };
    let report = library_scan(dir.path(), &opts);
    assert!(report.findings.is_empty());
    assert!(report.is_incomplete());
    let timed_out =
        report.files.iter().filter(|f| matches!(&f.outcome, Outcome::Failed { message, .. } if message.contains("--timeout"))).count();
    assert!(timed_out > 0, "{:#?}", report.files);

    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", OPEN_SSH_SG);
    write(dir.path(), "k8s/web.yaml", PRIVILEGED_DEPLOYMENT);
    let mut opts = options(8 * MIB);
    opts.analysis.unit_time = std::time::Duration::ZERO;
    let report = library_scan(dir.path(), &opts);
    for path in ["main.tf", "k8s/web.yaml"] {
        let Outcome::Failed { message, .. } = &record(&report, path).outcome else { panic!("{path}: {:#?}", report.files) };
        assert!(message.contains("limit unit-time"), "{message}");
    }
}

/// `--threads 1000` used to panic ("failed to spawn thread"); it is capped. Bad limits are
/// usage errors that name the limits.
#[test]
fn thread_counts_are_capped_and_limits_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "web.yaml", PRIVILEGED_DEPLOYMENT);
    let out = stridegate(&["scan", path_str(dir.path()), "--threads", "1000", "--no-progress"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 4 per core"));
    let out = stridegate(&["scan", path_str(dir.path()), "--limit", "depth=3"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("eval-depth"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = stridegate(&["scan", path_str(dir.path()), "--timeout", "soon"]);
    assert_eq!(code(&out), 2);
    let out = stridegate(&["scan", path_str(dir.path()), "--timeout", "5m", "--limit", "eval-depth=50", "--no-progress"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
}
