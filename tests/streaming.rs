//! Streamed outputs: every format (terminal, JSON, SARIF, JUnit, GitHub, Markdown, GitLab) is
//! written as it is produced into a buffered writer (file or stdout) instead of being built as
//! one string. What is written must be the same document wherever it goes and whatever the
//! writer accepts per call, well formed, a write error must reach the caller, and a reader that
//! stops early must not turn the scan into an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use stridegate::engine::Engine;
use stridegate::report::terminal::TerminalOptions;
use stridegate::report::{RepoPaths, Sources, github, gitlab, json, junit, markdown, sarif, terminal};
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, ScanReport, scan};

/// Every format the binary writes.
const FORMATS: [&str; 7] = ["terminal", "json", "sarif", "junit", "github", "markdown", "gitlab"];

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
    for format in FORMATS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stridegate"))
            .args(["scan", dir.path().to_str().unwrap(), "--no-cache", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut head = [0u8; 16];
        stdout.read_exact(&mut head).unwrap();
        let first = match format {
            "terminal" => "─".as_bytes()[0],
            "junit" => b'<',
            "github" => b':',
            "markdown" => b'#',
            _ => b'{',
        };
        assert_eq!(head[0], first, "{format}: {}", String::from_utf8_lossy(&head));
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: a closed pipe must not change the status; stderr: {stderr}");
        assert!(!stderr.contains("cannot write"), "{format}: {stderr}");
    }
}

/// `text` without GitLab's scan times (two runs may start in different seconds).
fn without_times(format: &str, text: &str) -> String {
    if format != "gitlab" {
        return text.to_string();
    }
    text.lines().filter(|l| !l.contains("\"start_time\"") && !l.contains("\"end_time\"")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn every_format_writes_the_same_document_to_stdout_and_files() {
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 60);
    let root = dir.path().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let json: Value = serde_json::from_slice(&stridegate(&["scan", root, "--no-cache", "-f", "json"]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.len() >= 180, "expected several findings per Deployment, got {}", findings.len());
    for format in FORMATS {
        let file = out_dir.path().join(format!("report.{format}"));
        let to_stdout = stridegate(&["scan", root, "--no-cache", "--format", format]);
        assert_eq!(to_stdout.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&to_stdout.stderr));
        let spec = format!("{format}={}", file.display());
        // (`--quiet` would apply to the terminal report in the file too.)
        let mut args = vec!["scan", root, "--no-cache", "--format", &spec];
        if format != "terminal" {
            args.push("--quiet");
        }
        let to_file = stridegate(&args);
        assert_eq!(to_file.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&to_file.stderr));
        let written = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
        let printed = String::from_utf8(to_stdout.stdout).unwrap();
        assert!(without_times(format, &written) == without_times(format, &printed), "{format}: the file and stdout differ");
        // Each document holds every finding, once.
        match format {
            "terminal" => {
                // One header per file, each counting that file's findings.
                let headers: Vec<&str> = printed.lines().filter(|l| l.starts_with("── ")).collect();
                assert_eq!(headers.len(), 60, "{format}: one header per file");
                let counted: usize =
                    headers.iter().map(|h| h.rsplit_once(" (").unwrap().1.split(' ').next().unwrap().parse::<usize>().unwrap()).sum();
                assert_eq!(counted, findings.len(), "{format}: headers count every finding once");
                assert!(
                    printed.ends_with(&format!(
                        "coverage: 60 files found, 60 analyzed (60 resources), 0 skipped, 0 failed; {} rules\n",
                        json["summary"]["rules"]
                    )),
                    "{format}: the summary ends the report"
                );
            }
            "junit" => {
                let failures = printed.matches("<failure ").count();
                let cases = printed.matches("<testcase ").count();
                assert!(printed.starts_with("<?xml") && printed.ends_with("</testsuites>\n"), "{format}: not one document");
                assert!(printed.contains(&format!("failures=\"{failures}\"")), "{format}: the root counts {failures} failures");
                assert!(printed.contains(&format!("tests=\"{cases}\"")), "{format}: the root counts {cases} test cases");
                let listed: usize =
                    printed.split("<failure ").skip(1).map(|f| f.split("</failure>").next().unwrap().matches("&#10;").count() + 1).sum();
                assert_eq!(listed, findings.len(), "{format}: every finding is listed in a failure");
            }
            "gitlab" => {
                let parsed: Value = serde_json::from_str(&printed).unwrap();
                assert_eq!(serde_json::to_string_pretty(&parsed).unwrap() + "\n", printed, "{format}: not canonical pretty JSON");
                let vulnerabilities = parsed["vulnerabilities"].as_array().unwrap();
                assert_eq!(vulnerabilities.len(), findings.len());
                let ids: std::collections::BTreeSet<&str> = vulnerabilities.iter().map(|v| v["id"].as_str().unwrap()).collect();
                assert_eq!(ids.len(), findings.len(), "{format}: ids are unique");
            }
            "github" => {
                // At most ten per level, and the notice that counts the rest.
                assert!(printed.lines().all(|l| l.starts_with("::")), "{format}: {printed}");
                assert!(printed.lines().count() <= 30, "{format}: {printed}");
                assert!(printed.lines().last().unwrap().contains("not annotated"), "{format}: {printed}");
            }
            "markdown" => {
                assert!(printed.starts_with(&format!("## ⚠️ stridegate: {} findings\n", findings.len())), "{format}: {printed}");
                assert!(printed.contains(&format!("… and {} more.", findings.len() - markdown::TOP)), "{format}: {printed}");
            }
            _ => {}
        }
    }
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&RuleSet::builtin().expect("built-in rules load"), |_| true).expect("rules compile"))
}

/// What each format writes for `report`, through `out`.
fn write_format(format: &str, report: &ScanReport, root: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    let paths = RepoPaths::default();
    let options = TerminalOptions { width: 100, verbose: true, ..TerminalOptions::default() };
    match format {
        "terminal" => terminal::write(report, &mut Sources::new(root), options, out),
        "json" => json::write(report, out),
        "sarif" => sarif::write_with(report, &sarif::SarifOptions::default(), out),
        "junit" => junit::write(report, &paths, &[], out),
        "github" => github::write(report, &paths, out),
        "markdown" => markdown::write(report, &paths, out),
        "gitlab" => gitlab::write(report, &paths, "2026-01-01T00:00:00", "2026-01-01T00:00:01", out),
        other => panic!("unknown format {other}"),
    }
}

/// The string form of each format.
fn render_format(format: &str, report: &ScanReport, root: &Path) -> String {
    let paths = RepoPaths::default();
    let options = TerminalOptions { width: 100, verbose: true, ..TerminalOptions::default() };
    match format {
        "terminal" => terminal::render(report, &mut Sources::new(root), options),
        "json" => json::render(report),
        "sarif" => sarif::render(report),
        "junit" => junit::render(report, &paths, &[]),
        "github" => github::render(report, &paths),
        "markdown" => markdown::render(report, &paths),
        "gitlab" => gitlab::render(report, &paths, "2026-01-01T00:00:00", "2026-01-01T00:00:01"),
        other => panic!("unknown format {other}"),
    }
}

/// A writer that takes at most `per_call` bytes per call and fails (as a closed pipe does)
/// once it holds `capacity` bytes.
struct Narrow {
    written: Vec<u8>,
    per_call: usize,
    capacity: usize,
}

impl Write for Narrow {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.capacity - self.written.len();
        if room == 0 && !buf.is_empty() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        let n = buf.len().min(self.per_call).min(room);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streamed_bytes_are_the_string_form_and_write_errors_reach_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 40);
    let report = scan(dir.path(), engine(), &ScanOptions::default()).expect("scan runs");
    assert!(report.findings.len() >= 120, "expected several findings per Deployment, got {}", report.findings.len());
    for format in FORMATS {
        let expected = render_format(format, &report, dir.path());
        assert!(expected.len() > 1000, "{format}: a report this large cannot be {} bytes", expected.len());
        // Partial writes (a pipe, a socket) give the same bytes as the string form.
        for per_call in [1, 7, 4096] {
            let mut out = Narrow { written: Vec::new(), per_call, capacity: usize::MAX };
            write_format(format, &report, dir.path(), &mut out).unwrap();
            assert!(
                out.written == expected.as_bytes(),
                "{format}: {per_call} bytes per call: the streamed bytes differ from the string form"
            );
        }
        // A writer that fails (a closed pipe, a full disk) stops the report with its error,
        // wherever it happens.
        for capacity in [0, 1, expected.len() / 2, expected.len() - 1] {
            let mut out = Narrow { written: Vec::new(), per_call: usize::MAX, capacity };
            let result = write_format(format, &report, dir.path(), &mut out);
            let error = result.expect_err(&format!("{format}: a write that fails after {capacity} bytes must be an error"));
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{format}");
            assert_eq!(out.written, expected.as_bytes()[..capacity], "{format}: what was written before the error");
        }
    }
}
