//! End-to-end tests of governed suppressions with the binary on temporary directories: every
//! inline syntax and placement, annotations, missing reasons, expiry, unused suppressions,
//! `--no-suppressions`, the `suppressions` command, JSON and SARIF (validated).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{assert_valid_sarif, write_files as write};

const TODAY: &str = "2026-06-01";

fn run(dir: &Path, args: &[&str]) -> Output {
    common::run_in(dir, args, TODAY)
}

fn json(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["scan", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(dir, &args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn lines_of(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["location"]["start"]["line"].as_u64().unwrap()))
        .collect()
}

/// A pod with two privileged containers (K8S-0002 on lines 8 and 12).
fn pod(comment_above_doc: &str, first_trailing: &str, above_second: &str) -> String {
    format!(
        "{comment_above_doc}apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: a
      securityContext: {{privileged: true}}{first_trailing}
      image: a
    - name: b
      securityContext:
{above_second}        privileged: true
      image: b
"
    )
}

const SELECT: &[&str] = &["--select", "K8S-0002"];

#[test]
fn baseline_pod_has_two_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("", "", ""))]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(1));
    assert_eq!(lines_of(&v["findings"]), [("K8S-0002".into(), 8), ("K8S-0002".into(), 12)]);
    assert_eq!(v["suppressed"], Value::Array(vec![]));
}

#[test]
fn trailing_comment_and_line_above_suppress_with_reason_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = pod(
        "",
        // Ids match in any case, like --select.
        " # stridegate:ignore k8s-0002 reason=\"init needs it\"",
        "        # stridegate:ignore privileged-container reason='vendor image' until=2026-06-01\n",
    );
    write(dir.path(), &[("pod.yaml", &text)]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["findings"], Value::Array(vec![]));
    assert_eq!(v["summary"]["suppressed"], 2);
    assert_eq!(lines_of(&v["suppressed"]), [("K8S-0002".into(), 8), ("K8S-0002".into(), 13)]);
    assert_eq!(v["suppressed"][0]["suppression"]["justification"], "init needs it");
    assert_eq!(v["suppressed"][0]["suppression"]["kind"], "comment");
    assert_eq!(v["suppressed"][0]["suppression"]["origin"], "pod.yaml:8");
    // The expiry day itself still suppresses.
    assert_eq!(v["suppressed"][1]["suppression"]["until"], "2026-06-01");
    let statuses: Vec<&str> = v["suppressions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["used", "used"]);
}

#[test]
fn comment_above_the_document_covers_the_whole_object() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("---\n{}", pod("# stridegate:ignore K8S-0002 reason=\"sandboxed node pool\"\n", "", ""));
    write(dir.path(), &[("pod.yaml", &text)]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 2);
    // A blank line between the comment and the document breaks the link.
    let text = pod("# stridegate:ignore K8S-0002 reason=\"sandboxed node pool\"\n\n", "", "");
    write(dir.path(), &[("pod.yaml", &text)]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(1));
    assert_eq!(v["suppressions"][0]["status"], "unused");
}

#[test]
fn missing_reason_does_not_suppress_and_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("", " # stridegate:ignore K8S-0002", ""))]);
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let t = all_output(&out);
    assert!(t.contains("note: suppression at pod.yaml:8 (K8S-0002) is missing reason"), "{t}");
    assert!(t.contains("2 findings"), "{t}");
}

#[test]
fn expired_suppression_reactivates_the_finding_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("", " # stridegate:ignore K8S-0002 reason=\"temporary\" until=2026-05-31", ""))]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(1));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.ends_with("(suppression at pod.yaml:8 expired on 2026-05-31)"), "{msg}");
    assert_eq!(v["suppressions"][0]["status"], "expired");
    // The SARIF result message carries the note too.
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(sarif["runs"][0]["results"][0]["message"]["text"].as_str().unwrap().contains("expired on 2026-05-31"));
    assert!(sarif["runs"][0]["results"][0].get("suppressions").is_none());
}

#[test]
fn unused_suppression_is_a_note_in_scan_and_fails_the_suppressions_command() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        pod("", "", "") + "---\n# stridegate:ignore K8S-0002 reason=\"old\"\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    write(dir.path(), &[("pod.yaml", &text)]);
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let t = all_output(&out);
    assert!(t.contains("note: suppression at pod.yaml:15 (K8S-0002) is unused: matches no finding"), "{t}");

    let out = run(dir.path(), &["suppressions", ".", "--select", "K8S-0002"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("pod.yaml:15: comment K8S-0002 — unused: matches no finding; reason: old"), "{t}");
    assert!(t.contains("1 suppression, 1 needing attention"), "{t}");

    let out = run(dir.path(), &["suppressions", ".", "--format", "json", "--select", "K8S-0002"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["status"], "unused");
    assert_eq!(v[0]["line"], 15);

    // SARIF: a warning notification at the suppression's line, still schema-valid.
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    let unused: Vec<&Value> = notes.iter().filter(|n| n["message"]["text"].as_str().unwrap().contains("is unused")).collect();
    assert_eq!(unused.len(), 1, "{notes:?}");
    assert_eq!(unused[0]["level"], "warning");
    assert_eq!(unused[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 15);
}

#[test]
fn suppressions_command_exits_0_when_all_are_used() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("# stridegate:ignore K8S-0002 reason=\"ok\"\n", "", ""))]);
    let out = run(dir.path(), &["suppressions", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("pod.yaml:1: comment K8S-0002 — used (2 findings); reason: ok"), "{t}");
}

#[test]
fn no_suppressions_audits_everything() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("# stridegate:ignore K8S-0002 reason=\"ok\"\n", "", ""))]);
    let (code, v) = json(dir.path(), &["--select", "K8S-0002", "--no-suppressions"]);
    assert_eq!(code, Some(1));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    assert_eq!(v["suppressed"], Value::Array(vec![]));
}

#[test]
fn terminal_shows_the_count_and_lists_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("", " # stridegate:ignore K8S-0002 reason=\"init \u{1b}[31mneeds it\"", ""))]);
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--color", "never"]);
    let t = all_output(&out);
    assert!(t.contains("1 finding suppressed (--no-suppressions shows them"), "{t}");
    assert!(!t.contains("suppressed findings:"), "{t}");
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--color", "never", "-v"]);
    let t = all_output(&out);
    assert!(t.contains("suppressed findings:\n  pod.yaml:8: K8S-0002 "), "{t}");
    // The reason comes from the scanned file: escaped in the terminal.
    assert!(t.contains("suppressed at pod.yaml:8: init \\x1b[31mneeds it"), "{t}");
    assert!(!t.contains('\u{1b}'), "raw escape in terminal output: {t}");
}

#[test]
fn annotations_on_the_object_and_on_the_pod_template() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = |object: &str, template: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
{object}spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
{template}    spec:
      containers:
        - name: a
          image: a
          securityContext: {{privileged: true, allowPrivilegeEscalation: true}}
"
        )
    };
    let on_object = "  annotations:\n    stridegate.dev/ignore: \"K8S-0002 reason=\\\"gpu driver\\\"; K8S-0003 reason=\\\"same; really\\\" until=2027-01-01\"\n";
    write(dir.path(), &[("d.yaml", &deploy(on_object, ""))]);
    let (code, v) = json(dir.path(), &["--select", "K8S-0002,K8S-0003"]);
    assert_eq!(code, Some(0), "{v}");
    let kinds: Vec<(&str, &str)> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["suppression"]["kind"].as_str().unwrap(), f["suppression"]["justification"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("annotation", "gpu driver"), ("annotation", "same; really")]);
    assert_eq!(v["suppressions"][0]["origin"], "d.yaml:6");

    let on_template = "      annotations:\n        stridegate.dev/ignore: |\n          K8S-0002 reason=\"gpu\"\n          K8S-0003\n";
    write(dir.path(), &[("d.yaml", &deploy("", on_template))]);
    let (code, v) = json(dir.path(), &["--select", "K8S-0002,K8S-0003"]);
    // K8S-0003's entry has no reason: it suppresses nothing and is reported.
    assert_eq!(code, Some(1));
    assert_eq!(lines_of(&v["findings"]).into_iter().map(|(r, _)| r).collect::<Vec<_>>(), ["K8S-0003"]);
    assert_eq!(v["suppressed"][0]["rule_id"], "K8S-0002");
    let statuses: Vec<&str> = v["suppressions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["used", "missing-reason"]);
}

#[test]
fn terraform_hash_slash_and_block_comments() {
    let dir = tempfile::tempdir().unwrap();
    let sg = |name: &str, above: &str, trailing: &str| {
        format!(
            "{above}resource \"aws_security_group\" \"{name}\" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = [\"0.0.0.0/0\"]{trailing}
  }}
}}
"
        )
    };
    let base = sg("a", "", "");
    write(dir.path(), &[("main.tf", &base)]);
    let (code, v) = json(dir.path(), &["--select", "TF-0001"]);
    assert_eq!(code, Some(1), "{v}");
    let n = v["findings"].as_array().unwrap().len();
    assert!(n >= 1);

    for (above, trailing) in [
        ("# stridegate:ignore TF-0001 reason=\"bastion\"\n", ""),
        ("// stridegate:ignore TF-0001 reason=\"bastion\"\n", ""),
        ("/* stridegate:ignore TF-0001 reason=\"bastion\" */\n", ""),
        ("", " # stridegate:ignore TF-0001 reason=\"bastion\""),
    ] {
        write(dir.path(), &[("main.tf", &sg("a", above, trailing))]);
        let (code, v) = json(dir.path(), &["--select", "TF-0001"]);
        assert_eq!(code, Some(0), "{above}{trailing}: {v}");
        assert_eq!(v["suppressed"].as_array().unwrap().len(), n);
        assert_eq!(v["suppressed"][0]["suppression"]["justification"], "bastion");
    }
}

#[test]
fn helm_template_comment() {
    let dir = tempfile::tempdir().unwrap();
    let template = "apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}
spec:
  containers:
    - name: a
      image: a
      securityContext:
        {{- /* stridegate:ignore K8S-0002 reason=\"chart needs it\" */}}
        privileged: {{ .Values.privileged }}
";
    write(
        dir.path(),
        &[
            ("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
            ("chart/values.yaml", "privileged: true\n"),
            ("chart/templates/pod.yaml", template),
        ],
    );
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 1);
    assert_eq!(v["suppressed"][0]["location"]["file"], "chart/templates/pod.yaml");
    assert_eq!(v["suppressed"][0]["suppression"]["origin"], "chart/templates/pod.yaml:10");
    // Without the comment, the finding is there.
    write(dir.path(), &[("chart/templates/pod.yaml", &template.replace("stridegate:ignore", "note"))]);
    let (code, _) = json(dir.path(), SELECT);
    assert_eq!(code, Some(1));
}

#[test]
fn sarif_carries_suppressions_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", &pod("", " # stridegate:ignore K8S-0002 reason=\"init needs it\"", ""))]);
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "suppressed findings stay in SARIF");
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!((s["kind"].as_str(), s["status"].as_str()), (Some("inSource"), Some("accepted")));
    assert_eq!(s["justification"], "init needs it");
    assert_eq!(suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
}

#[test]
fn comment_above_a_module_call_covers_the_module_resources() {
    let dir = tempfile::tempdir().unwrap();
    let module = "variable \"cidr\" {}
resource \"aws_security_group\" \"ssh\" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = [var.cidr]
  }
}
";
    let root = |comment: &str| format!("{comment}module \"open\" {{\n  source = \"./modules/sg\"\n  cidr   = \"0.0.0.0/0\"\n}}\n");
    write(dir.path(), &[("modules/sg/main.tf", module), ("main.tf", &root(""))]);
    let (code, v) = json(dir.path(), &["--select", "TF-0001"]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["findings"][0]["location"]["file"], "modules/sg/main.tf");
    write(dir.path(), &[("main.tf", &root("# stridegate:ignore TF-0001 reason=\"lab account\"\n"))]);
    let (code, v) = json(dir.path(), &["--select", "TF-0001"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["suppressed"][0]["suppression"]["origin"], "main.tf:1");
}

#[test]
fn helm_template_hash_comment() {
    let dir = tempfile::tempdir().unwrap();
    let template = "# stridegate:ignore K8S-0002 reason=\"chart needs it\"
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}
spec:
  containers:
    - name: a
      image: a
      securityContext: {privileged: true}
";
    write(dir.path(), &[("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"), ("chart/templates/pod.yaml", template)]);
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["suppressed"][0]["suppression"]["origin"], "chart/templates/pod.yaml:1");
    // Exactly one record: the rendered text's copy of the comment is not collected again.
    assert_eq!(v["suppressions"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn comment_in_a_kustomize_base_applies_to_the_built_object() {
    let dir = tempfile::tempdir().unwrap();
    let base = "apiVersion: v1
kind: Pod
metadata:
  name: w
spec:
  containers:
    - name: a
      image: a
      securityContext:
        # stridegate:ignore K8S-0002 reason=\"base\"
        privileged: true
";
    write(
        dir.path(),
        &[
            ("base/kustomization.yaml", "resources:\n  - pod.yaml\n"),
            ("base/pod.yaml", base),
            ("overlay/kustomization.yaml", "resources:\n  - ../base\nnamePrefix: p-\n"),
        ],
    );
    let (code, v) = json(dir.path(), SELECT);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["suppressed"][0]["resource"], "Pod/default/p-w");
    assert_eq!(v["suppressions"].as_array().unwrap().len(), 1, "one record although the base is read by its build: {v}");
}

#[test]
fn many_problem_suppressions_are_summarized_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..25)
        .map(|i| format!("---\n# stridegate:ignore K8S-0002 reason=x\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"))
        .collect();
    write(dir.path(), &[("pod.yaml", &pod("", "", "")), ("cm.yaml", &text)]);
    let out = run(dir.path(), &["scan", ".", "--select", "K8S-0002", "--color", "never"]);
    let t = all_output(&out);
    assert_eq!(t.matches("is unused").count(), 20, "{t}");
    assert!(t.contains("… and 5 more suppressions needing attention"), "{t}");
}
