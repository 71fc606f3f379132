//! A whole scan of a small fuzzed directory: discovery, every parser, Terraform module units
//! (and module calls between the fuzzed directories), whole-scan rules, and the three report
//! formats.
//!
//! Input: up to 4 files separated by NUL bytes, each `relative/path\ncontent` (see
//! `scripts/fuzz-seeds.py` for how the seeds are written).
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use stridegate::report::terminal::{self, TerminalOptions};
use stridegate::report::{Sources, json, sarif};
use stridegate::scan::{Outcome, ScanOptions, scan};
use stridegate_fuzz::{check_location, engine, is_known_rule_failure, rule_failures_are_crashes, skip_known};

const MAX_FILES: usize = 4;

/// A safe relative path from the fuzzer's name: `[A-Za-z0-9._-]` components, at most 3 of them,
/// no `.`/`..` components; `None` when nothing usable is left.
fn sanitize(raw: &[u8]) -> Option<String> {
    let name = String::from_utf8_lossy(raw);
    let parts: Vec<String> = name
        .split('/')
        .map(|p| p.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).take(40).collect::<String>())
        .filter(|p| !p.is_empty() && p != "." && p != "..")
        .collect();
    if parts.is_empty() || parts.len() > 3 { None } else { Some(parts.join("/")) }
}

/// Would discovery consider this file (so it must be accounted for)?
fn is_candidate(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".tf", ".tf.json", ".tfvars", ".tfvars.json", ".yaml", ".yml", ".json"].iter().any(|e| lower.ends_with(e))
}

/// Paths whose accounting depends on ignore files or pruned directories.
fn is_special(path: &str) -> bool {
    path.split('/').any(|p| p.starts_with('.') || p == "node_modules")
}

/// Known (issue 8): a rule failure on a pod spec that is not an object. The report keeps only
/// the message, which quotes the failing `object.get(pod_spec, ...)` line of the library.
fn pod_spec_not_an_object(message: &str) -> bool {
    message.contains("object.get(pod_spec") || message.contains("expects object argument")
}

fuzz_target!(|data: &[u8]| {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for record in data.split(|b| *b == 0).take(MAX_FILES) {
        let (name, content) = match record.iter().position(|b| *b == b'\n') {
            Some(i) => (&record[..i], &record[i + 1..]),
            None => (record, &[][..]),
        };
        if let Some(name) = sanitize(name) {
            files.insert(name, content.to_vec());
        }
    }
    let Ok(dir) = tempfile::Builder::new().prefix("stridegate-fuzz-scan").tempdir() else { return };
    let root = dir.path();
    // A name that is also another's directory cannot be written: leave it out.
    files.retain(|name, content| {
        let path = root.join(name);
        path.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok()) && std::fs::write(&path, content).is_ok()
    });
    let options = ScanOptions { threads: 1, ..ScanOptions::default() };
    let report = match scan(root, engine(), &options) {
        Ok(r) => r,
        Err(e) => panic!("scan of an existing directory failed: {e}"),
    };

    let accounted: BTreeMap<&str, &Outcome> = report.files.iter().map(|f| (f.path.as_str(), &f.outcome)).collect();
    let ignores = files.keys().any(|p| is_special(p));
    for path in files.keys().filter(|p| is_candidate(p)) {
        if !ignores {
            assert!(accounted.contains_key(path.as_str()), "{path} is not accounted for: {:?}", report.files);
        }
    }
    for f in &report.files {
        if let Outcome::Failed { message, .. } = &f.outcome {
            assert!(!message.contains("internal error"), "{}: analysis panicked: {message}", f.path);
        }
    }
    if rule_failures_are_crashes() {
        // Whole-scan: the resource is gone, only the message says what failed.
        let failures: Vec<_> = report
            .rule_failures
            .iter()
            .filter(|f| !(skip_known() && (is_known_rule_failure(None, &f.message) || pod_spec_not_an_object(&f.message))))
            .collect();
        assert!(failures.is_empty(), "rule failed: {failures:?}");
    }
    for finding in report.findings.iter().chain(&report.unverifiable) {
        let locations = std::iter::once(&finding.location).chain(finding.related.iter().map(|r| &r.location));
        for location in locations {
            let Some(bytes) = files.get(&*location.file) else {
                panic!("{}: location in a file that was not scanned: {location:?}", finding.rule_id);
            };
            let Ok(text) = String::from_utf8(bytes.clone()) else {
                panic!("{}: finding in a file that is not UTF-8", finding.rule_id);
            };
            let file = stridegate::model::SourceFile::new(&*location.file, text);
            check_location(location, &file, &finding.rule_id);
        }
    }

    let json_text = json::render(&report);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&json_text) {
        panic!("JSON report is not JSON: {e}");
    }
    let sarif_text = sarif::render(&report);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&sarif_text) {
        panic!("SARIF report is not JSON: {e}");
    }
    // Known (issue 8): the terminal renderer panics on a finding past column 65,535.
    if skip_known() && files.values().any(|b| b.split(|c| *c == b'\n').any(|l| l.len() > 65_000)) {
        return;
    }
    let mut sources = Sources::new(Path::new(root));
    let _ = terminal::render(&report, &mut sources, TerminalOptions { color: false, verbose: true, width: 100 });
});
