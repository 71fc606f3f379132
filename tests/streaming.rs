//! Streamed outputs: JSON and SARIF are written finding by finding into a buffered writer
//! (file or stdout) instead of being built as one string. What is written must be the same
//! document wherever it goes, well formed, and a reader that stops early must not turn the
//! scan into an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// A tree of `count` Deployments that break several rules each (privileged, host network,
/// no limits...), so the reports are large.
fn many_findings(dir: &Path, count: usize) {
    for i in 0..count {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: web-{i}\n  template:\n    metadata:\n      labels:\n        app: web-{i}\n    spec:\n      hostNetwork: true\n      containers:\n        - name: web\n          image: nginx:latest\n          securityContext:\n            privileged: true\n"
        );
        std::fs::write(dir.join(format!("web-{i:04}.yaml")), text).unwrap();
    }
}

fn stridegate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

#[test]
fn stdout_and_files_get_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 40);
    let root = dir.path().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    for format in ["json", "sarif"] {
        let file = out_dir.path().join(format!("report.{format}"));
        let to_stdout = stridegate(&["scan", root, "--no-cache", "--format", format]);
        assert_eq!(to_stdout.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&to_stdout.stderr));
        let spec = format!("{format}={}", file.display());
        let to_file = stridegate(&["scan", root, "--no-cache", "--format", &spec, "--quiet"]);
        assert_eq!(to_file.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&to_file.stderr));
        let written = std::fs::read(&file).unwrap();
        assert_eq!(written, to_stdout.stdout, "{format}: the file and stdout differ");
        // Standard pretty-printed JSON with a final newline: re-printing the parsed document
        // gives the same text (no missing comma, bracket or indentation at a seam).
        let text = String::from_utf8(written).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string_pretty(&parsed).unwrap() + "\n", text, "{format}: not canonical pretty JSON");
    }
}

#[test]
fn sarif_results_follow_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 12);
    let root = dir.path().to_str().unwrap();
    let json: Value = serde_json::from_slice(&stridegate(&["scan", root, "--no-cache", "-f", "json"]).stdout).unwrap();
    let sarif: Value = serde_json::from_slice(&stridegate(&["scan", root, "--no-cache", "-f", "sarif"]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(findings.len() >= 36, "expected several findings per Deployment, got {}", findings.len());
    assert_eq!(results.len(), findings.len());
    for (f, r) in findings.iter().zip(results) {
        assert_eq!(r["partialFingerprints"]["stridegate/v1"], f["fingerprint"]);
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex must point at the result's descriptor");
        assert!(r["ruleId"].as_str().unwrap().starts_with(f["rule_id"].as_str().unwrap()));
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // More output than a pipe holds (64 KiB on Linux): the writer meets a closed pipe.
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 150);
    for format in ["json", "sarif"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stridegate"))
            .args(["scan", dir.path().to_str().unwrap(), "--no-cache", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut head = [0u8; 16];
        stdout.read_exact(&mut head).unwrap();
        assert_eq!(head[0], b'{');
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: a closed pipe must not change the status; stderr: {stderr}");
        assert!(!stderr.contains("cannot write"), "{format}: {stderr}");
    }
}
