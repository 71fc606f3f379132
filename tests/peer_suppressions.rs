//! Peer suppression comments (`checkov:skip=`, `trivy:ignore:`) with the binary: ignored by
//! default, honoured with `honour-peer-comments = true` for the rules that mirror the peer
//! check, with Checkov's reason required and Trivy's absence of one noted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::write_files as write;

const TODAY: &str = "2026-06-01";
const OPT_IN: &str = "honour-peer-comments = true\n";

fn run(dir: &Path, args: &[&str]) -> Output {
    common::run_in(dir, args, TODAY)
}

/// `scan --format json` of `files` (with `stridegate.toml` when `config` is set).
fn scan(files: &[(&str, &str)], config: Option<&str>, select: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    if let Some(c) = config {
        write(dir.path(), &[("stridegate.toml", c)]);
    }
    let out = run(dir.path(), &["scan", ".", "--format", "json", "--no-cache", "--select", select, "--fail-on", "none"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn lines(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|f| f["location"]["start"]["line"].as_u64().unwrap()).collect()
}

/// (line, status, rules, detail) of every suppression record.
fn records(v: &Value) -> Vec<(u64, String, String, String)> {
    v["suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["status"].as_str().unwrap().to_string(),
                r["rules"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect::<Vec<_>>().join(","),
                r["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Three KMS keys without rotation (TF-0039 mirrors `checkov:CKV_AWS_7` and
/// `trivy:AVD-AWS-0065`): Checkov inside the block (reason), Checkov without a reason, Trivy
/// above the block.
const KEYS: &str = r#"resource "aws_kms_key" "a" {
  # checkov:skip=CKV_AWS_7: keys of the archive are never rotated
  description = "a"
}

resource "aws_kms_key" "b" {
  description = "b"
  #checkov:skip=CKV_AWS_7
}

#trivy:ignore:AVD-AWS-0065
resource "aws_kms_key" "c" {
  description = "c"
}

resource "aws_kms_key" "d" {
  description = "d" # checkov:skip=CKV_AWS_999: not a check stridegate mirrors
}
"#;

#[test]
fn peer_comments_are_ignored_without_the_opt_in() {
    let v = scan(&[("main.tf", KEYS)], None, "TF-0039");
    assert_eq!(lines(&v["findings"]), [1, 6, 12, 16]);
    assert!(v["suppressions"].as_array().is_none_or(Vec::is_empty), "{}", v["suppressions"]);
    let v = scan(&[("main.tf", KEYS)], Some("honour-peer-comments = false\n"), "TF-0039");
    assert_eq!(lines(&v["findings"]), [1, 6, 12, 16]);
}

#[test]
fn checkov_with_reason_and_trivy_suppress_with_the_opt_in() {
    let v = scan(&[("main.tf", KEYS)], Some(OPT_IN), "TF-0039");
    // `b` has no reason (still reported), `d`'s check is mirrored by no rule.
    assert_eq!(lines(&v["findings"]), [6, 16]);
    assert_eq!(lines(&v["suppressed"]), [1, 12]);
    let by_line: Vec<&Value> = v["suppressed"].as_array().unwrap().iter().map(|f| &f["suppression"]).collect();
    assert_eq!(by_line[0]["justification"], "keys of the archive are never rotated");
    assert_eq!(by_line[0]["origin"], "main.tf:2");
    assert_eq!(by_line[1]["justification"], "trivy:AVD-AWS-0065 comment (no reason given)");
    let r = records(&v);
    assert_eq!(r.len(), 4, "{r:?}");
    assert_eq!((r[0].0, r[0].1.as_str(), r[0].2.as_str()), (2, "used", "checkov:CKV_AWS_7"));
    assert_eq!((r[1].0, r[1].1.as_str()), (8, "missing-reason"));
    assert_eq!((r[2].0, r[2].1.as_str(), r[2].2.as_str()), (11, "used", "trivy:AVD-AWS-0065"));
    assert!(r[2].3.contains("no reason"), "{r:?}");
    assert_eq!((r[3].0, r[3].1.as_str()), (17, "not-run"));
    assert!(r[3].3.contains("no stridegate rule mirrors checkov:CKV_AWS_999"), "{r:?}");
}

#[test]
fn checkov_comment_covers_its_whole_kubernetes_document_and_only_it() {
    let pod = "apiVersion: v1
kind: Pod
metadata:
  name: a
  # checkov:skip=CKV_K8S_16: the CNI agent needs it
spec:
  containers:
    - name: a
      image: a
      securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: b
spec:
  containers:
    - name: b
      image: b
      securityContext: {privileged: true} # trivy:ignore:KSV017
";
    let v = scan(&[("pods.yaml", pod)], Some(OPT_IN), "K8S-0002");
    assert_eq!(lines(&v["findings"]), Vec::<u64>::new());
    assert_eq!(lines(&v["suppressed"]), [10, 20]);
    // Without the opt-in, both stay.
    let v = scan(&[("pods.yaml", pod)], None, "K8S-0002");
    assert_eq!(lines(&v["findings"]), [10, 20]);
    // A Checkov comment names one check: another rule's finding stays.
    let other = pod.replace("CKV_K8S_16", "CKV_K8S_20");
    let v = scan(&[("pods.yaml", &other)], Some(OPT_IN), "K8S-0002");
    assert_eq!(lines(&v["findings"]), [10]);
}

#[test]
fn malformed_and_refused_peer_comments_are_invalid_only_with_the_opt_in() {
    let tf = r#"#trivy:ignore:*
resource "aws_kms_key" "a" {
  description = "a"
}

#trivy:ignore:AVD-AWS-0065:exp:2026-05-31
resource "aws_kms_key" "b" {
  description = "b"
}

#checkov:skip=
resource "aws_kms_key" "c" {
  description = "c"
}
"#;
    let v = scan(&[("main.tf", tf)], Some(OPT_IN), "TF-0039");
    assert_eq!(lines(&v["findings"]), [2, 7, 12]);
    let r = records(&v);
    let statuses: Vec<&str> = r.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(statuses, ["invalid", "expired", "invalid"], "{r:?}");
    assert!(r[0].3.contains("ignores every check"), "{r:?}");
    let v = scan(&[("main.tf", tf)], None, "TF-0039");
    assert!(v["suppressions"].as_array().is_none_or(Vec::is_empty), "{}", v["suppressions"]);
}

#[test]
fn suppressions_command_lists_peer_comments_with_their_notes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("main.tf", KEYS), ("stridegate.toml", OPT_IN)]);
    let out = run(dir.path(), &["suppressions", ".", "--no-cache", "--select", "TF-0039"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("main.tf:11: comment trivy:AVD-AWS-0065 — used (1 finding): no reason"), "{text}");
    assert!(text.contains("main.tf:8: comment checkov:CKV_AWS_7 — missing reason"), "{text}");
    assert_eq!(out.status.code(), Some(1), "a missing reason needs attention: {text}");
}

#[test]
fn peer_suppressions_survive_the_incremental_cache() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("main.tf", KEYS), ("stridegate.toml", OPT_IN)]);
    let cache = dir.path().join(".cache");
    let args = ["scan", ".", "--format", "json", "--select", "TF-0039", "--fail-on", "none", "--cache-dir", cache.to_str().unwrap(), "-v"];
    let mut results = Vec::new();
    for _ in 0..2 {
        let out = run(dir.path(), &args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        results.push((lines(&v["findings"]), lines(&v["suppressed"]), records(&v), String::from_utf8_lossy(&out.stderr).to_string()));
    }
    assert!(results[0].3.contains("cache: 0 units restored"), "first run analyzes: {}", results[0].3);
    assert!(results[1].3.contains("cache: 1 units restored, 0 analyzed"), "second run restores from the cache: {}", results[1].3);
    assert_eq!((&results[0].0, &results[0].1), (&vec![6, 16], &vec![1, 12]));
    assert_eq!((&results[1].0, &results[1].1, &results[1].2), (&results[0].0, &results[0].1, &results[0].2));
}

#[test]
fn checkov_kubernetes_annotations_suppress_the_object_with_the_opt_in() {
    let pods = "apiVersion: v1
kind: Pod
metadata:
  name: a
  annotations:
    checkov.io/skip1: CKV_K8S_16=the CNI agent needs it
    checkov.io/skip2: CKV_K8S_20
spec:
  containers:
    - {name: a, image: a, securityContext: {privileged: true}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  template:
    metadata:
      annotations:
        checkov.io/skip1: CKV_K8S_16
        checkov.io/skip2: not an id=x
    spec:
      containers:
        - {name: b, image: b, securityContext: {privileged: true}}
";
    let v = scan(&[("pods.yaml", pods)], Some(OPT_IN), "K8S-0002");
    assert_eq!(lines(&v["suppressed"]), [10]);
    assert_eq!(v["suppressed"][0]["suppression"]["justification"], "the CNI agent needs it");
    assert_eq!(v["suppressed"][0]["suppression"]["kind"], "annotation");
    assert_eq!(lines(&v["findings"]), [24]);
    let r = records(&v);
    let shown: Vec<(u64, &str, &str)> = r.iter().map(|r| (r.0, r.1.as_str(), r.2.as_str())).collect();
    assert_eq!(
        shown,
        [
            (6, "used", "checkov:CKV_K8S_16"),
            (7, "missing-reason", "checkov:CKV_K8S_20"),
            (20, "missing-reason", "checkov:CKV_K8S_16"),
            (21, "invalid", ""),
        ],
        "{r:?}"
    );
    assert!(r[2].3.contains("checkov.io/skip1: ID=reason"), "{r:?}");
    let v = scan(&[("pods.yaml", pods)], None, "K8S-0002");
    assert_eq!(lines(&v["findings"]), [10, 24]);
    assert!(v["suppressions"].as_array().is_none_or(Vec::is_empty), "{}", v["suppressions"]);
}
