//! Reproducers found by fuzzing (`fuzz/`, see fuzz/README.md), minimised and kept under
//! `tests/data/fuzz/<target>/`. Each one is replayed through the API its fuzz target drives
//! (the parser, the Terraform evaluator, the IAM normalisation) and through a whole scan, under
//! a deadline: it must finish without a panic, every file must be accounted for (analyzed,
//! skipped or failed with a message, never "internal error"), no rule may fail, and the three
//! report formats must render.
//!
//! Every reproducer runs in every test run: the bugs they found are fixed.

// Test code: a broken reproducer or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use stridegate::engine::{Engine, Output};
use stridegate::model::{Resource, SourceFile, SpanChildren, SpanNode};
use stridegate::parse::{Limits, json, yaml};
use stridegate::report::terminal::{self, TerminalOptions};
use stridegate::report::{Sources, sarif};
use stridegate::rules::RuleSet;
use stridegate::scan::{Outcome, ScanOptions, ScanReport, scan};
use stridegate::source::ByteSpan;
use stridegate::terraform::functions::FuncContext;
use stridegate::terraform::{self, ModuleInput};
use stridegate::{iam, kubernetes};

/// How long one reproducer may take (debug build): the fuzzers' per-input timeout is 10 s in
/// a release build.
const DEADLINE: Duration = Duration::from_secs(60);

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&RuleSet::builtin().expect("built-in rules load"), |_| true).expect("rules compile"))
}

fn reproducer(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `f` on a thread of its own (8 MiB of stack, like a main thread) and fails the test if
/// it panics or has not finished by the deadline (a hang must fail, not stall the suite).
fn within_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish within {DEADLINE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => panic!("{what}: worker ended without a result"),
        },
    }
}

fn check_span(span: ByteSpan, text: &str, what: &str) {
    assert!(span.start <= span.end && span.end <= text.len(), "{what}: span {span:?} outside 0..{}", text.len());
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{what}: span {span:?} splits a character");
}

fn check_spans(node: &SpanNode, text: &str) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        check_span(n.span, text, "value");
        if let Some(k) = n.key {
            check_span(k, text, "key");
        }
        match &n.children {
            SpanChildren::Leaf => {}
            SpanChildren::Seq(items) => stack.extend(items),
            SpanChildren::Map(entries) => stack.extend(entries.iter().map(|(_, n)| n)),
        }
    }
}

/// Every rule on `resources`: none may fail.
fn evaluate(resources: &[Resource]) -> Output {
    let engine = engine();
    let mut worker = engine.worker();
    let mut out = Output::default();
    for r in resources {
        check_spans(&r.spans, &r.file.text);
        engine.evaluate(&mut worker, r, &mut out);
    }
    let (findings, _) = engine.finish(std::mem::take(&mut out.observations));
    out.findings.extend(findings);
    let errors: Vec<String> = out.errors.iter().map(|e| format!("{}: {}", e.rule, e.message)).collect();
    assert!(errors.is_empty(), "rules failed:\n{}", errors.join("\n"));
    out
}

// --- the fuzz targets' APIs -----------------------------------------------------------------

fn yaml_api(bytes: Vec<u8>) {
    let file = Arc::new(SourceFile::new("repro.yaml", String::from_utf8(bytes).expect("UTF-8 reproducer")));
    let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
    let mut resources = Vec::new();
    for doc in parsed.documents {
        check_spans(&doc.spans, &file.text);
        if kubernetes::is_object(&doc.value) {
            resources.extend(kubernetes::resources_from_document(doc, &file));
        }
    }
    evaluate(&resources);
}

fn terraform_api(bytes: Vec<u8>) {
    let file = Arc::new(SourceFile::new("main.tf", String::from_utf8(bytes).expect("UTF-8 reproducer")));
    let parsed = match terraform::parse_file(&file) {
        Ok(p) => p,
        Err(e) => {
            if let Some(span) = e.span {
                check_span(span, &file.text, "parse error");
            }
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let input = ModuleInput {
        files: vec![parsed],
        funcs: FuncContext { module_dir: Some(root.clone()), root: Some(root), budget: None },
        module_path: ".".into(),
        ..ModuleInput::default()
    };
    let result = terraform::evaluate_module(&input);
    let mut resources: Vec<Resource> = result.resources.iter().flat_map(iam::extract::from_terraform).collect();
    resources.extend(result.resources);
    evaluate(&resources);
}

fn iam_api(bytes: Vec<u8>) {
    let file = Arc::new(SourceFile::new("policy.json", String::from_utf8(bytes).expect("UTF-8 reproducer")));
    let parsed = json::parse(&file.text, &Limits::default());
    let mut resources = Vec::new();
    for doc in parsed.documents {
        check_spans(&doc.spans, &file.text);
        let source = iam::policy::DocumentSource {
            file: &file,
            address: "PolicyDocument/policy.json".into(),
            name: None,
            policy_type: None,
            call_chain: Vec::new(),
        };
        resources.push(iam::policy::document_resource(source, doc.value, doc.spans, None));
    }
    evaluate(&resources);
}

// --- whole scans ----------------------------------------------------------------------------

/// The files of a `scan` reproducer: up to 4 `path\ncontent` records separated by NUL bytes
/// (the format of fuzz/fuzz_targets/scan.rs).
fn unpack(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    bytes
        .split(|b| *b == 0)
        .take(4)
        .filter_map(|record| {
            let i = record.iter().position(|b| *b == b'\n')?;
            Some((String::from_utf8_lossy(&record[..i]).into_owned(), record[i + 1..].to_vec()))
        })
        .collect()
}

/// Scans a directory holding `files` and checks that the scan accounts for every one of them
/// and that every report format renders.
fn scan_files(files: Vec<(String, Vec<u8>)>) -> ScanReport {
    within_deadline("scan", move || {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in &files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let report = scan(dir.path(), engine(), &ScanOptions::default()).expect("scan runs");
        for (name, _) in &files {
            let record = report.files.iter().find(|f| f.path == *name);
            let record = record.unwrap_or_else(|| panic!("{name} is not accounted for: {:#?}", report.files));
            if let Outcome::Failed { message, .. } = &record.outcome {
                assert!(!message.contains("internal error"), "{name}: analysis panicked: {message}");
            }
        }
        assert!(report.rule_failures.is_empty(), "rules failed: {:#?}", report.rule_failures);
        let _: serde_json::Value = serde_json::from_str(&stridegate::report::json::render(&report)).expect("JSON report");
        let _: serde_json::Value = serde_json::from_str(&sarif::render(&report)).expect("SARIF report");
        let mut sources = Sources::new(dir.path());
        let text = terminal::render(
            &report,
            &mut sources,
            TerminalOptions { color: false, verbose: true, width: 100, ..TerminalOptions::default() },
        );
        assert!(text.contains("files"), "terminal report without its coverage summary:\n{text}");
        report
    })
}

/// Replays a reproducer of `target` through its API and through a scan of a file of the kind
/// the target reads.
fn replay(target: &str, name: &str) -> ScanReport {
    replay_bytes(target, name, reproducer(target, name))
}

fn replay_bytes(target: &str, name: &str, bytes: Vec<u8>) -> ScanReport {
    let file = match target {
        "yaml" => "repro.yaml",
        "terraform" => "main.tf",
        "iam" => "policy.json",
        "scan" => return scan_files(unpack(&bytes)),
        other => panic!("unknown target {other}"),
    };
    let api = bytes.clone();
    let target_name = target.to_string();
    within_deadline(&format!("{target} API on {name}"), move || match target_name.as_str() {
        "yaml" => yaml_api(api),
        "terraform" => terraform_api(api),
        _ => iam_api(api),
    });
    scan_files(vec![(file.to_string(), bytes)])
}

/// The record of `path` in `report`.
fn outcome<'r>(report: &'r ScanReport, path: &str) -> &'r Outcome {
    &report.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} not accounted for")).outcome
}

// --- the reproducers ------------------------------------------------------------------------

/// Control: the replay passes on inputs without the bugs below (each reproducer with its bug
/// taken out), so a reproducer that fails again fails for its bug and nothing else. A scan
/// reproducer with module calls between its directories is replayed too.
#[test]
fn replay_passes_without_the_bugs() {
    let pod = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a, image: nginx}]\n";
    let report = replay_bytes("yaml", "control", pod.to_vec());
    assert_eq!(outcome(&report, "repro.yaml"), &Outcome::Analyzed { resources: 1 });
    assert!(report.findings.iter().any(|f| &*f.rule_id == "K8S-0001"), "{:#?}", report.findings);

    let tf = b"data \"aws_iam_policy_document\" \"p\" {\n  statement {\n    actions   = [\"ec2:DescribeInstances\", \"iam:*\"]\n    resources = [\"*\"]\n  }\n}\n";
    let report = replay_bytes("terraform", "control", tf.to_vec());
    assert!(matches!(outcome(&report, "main.tf"), Outcome::Analyzed { .. }));
    assert!(report.findings.iter().any(|f| f.rule_id.starts_with("IAM-")), "{:#?}", report.findings);

    let json = br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}"#;
    let report = replay_bytes("iam", "control", json.to_vec());
    assert_eq!(outcome(&report, "policy.json"), &Outcome::Analyzed { resources: 1 });

    let scan = b"a/main.tf\nmodule \"b\" {\n  source = \"../b\"\n}\n\0b/main.tf\nresource \"aws_s3_bucket_acl\" \"x\" {\n  acl = \"public-read\"\n}\n";
    let report = replay_bytes("scan", "control", scan.to_vec());
    assert!(matches!(outcome(&report, "b/main.tf"), Outcome::Skipped { .. }), "{:#?}", report.files);
    assert!(report.findings.iter().any(|f| &*f.rule_id == "TF-0013"), "{:#?}", report.findings);
}

/// A pod whose `spec` is a scalar (the same bug as `spec: null`): the shared Rego library's
/// `object.get(pod_spec, ...)` fails, and so does every workload rule on it.
#[test]
fn yaml_pod_spec_scalar() {
    let report = replay("yaml", "pod-spec-scalar.yaml");
    assert!(matches!(outcome(&report, "repro.yaml"), Outcome::Analyzed { resources: 1 }));
}

/// A NUL character in an action (`"\u0000"` in HCL) of an `aws_iam_policy_document`: regorus'
/// `glob.match` uses NUL as an internal placeholder and fails, so IAM-0004 and IAM-0005 fail on
/// the document (found by the `terraform` target; principals and condition values with a NUL
/// make IAM-0010/0011 fail the same way).
#[test]
fn terraform_nul_in_policy_action() {
    let report = replay("terraform", "nul-in-action.tf");
    assert!(matches!(outcome(&report, "main.tf"), Outcome::Analyzed { .. }));
}

/// The same NUL character in a JSON policy (`"s3:Get\u0000Object"`): IAM-0005 fails.
#[test]
fn iam_nul_in_action() {
    let report = replay("iam", "nul-in-action.json");
    assert!(matches!(outcome(&report, "policy.json"), Outcome::Analyzed { resources: 1 }));
}

/// An action pattern that is not a valid glob (`s3:Get[`; the fuzzer's was an unclosed `{`):
/// IAM-0005's `glob.match` fails with "invalid glob" (found by the `iam` target).
#[test]
fn iam_invalid_glob_action() {
    let report = replay("iam", "invalid-glob-action.json");
    assert!(matches!(outcome(&report, "policy.json"), Outcome::Analyzed { resources: 1 }));
}
