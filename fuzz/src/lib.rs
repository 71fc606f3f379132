//! Shared checks of the fuzz targets: the prepared rule engine, and the invariants every target
//! asserts on what the library returns (spans inside the text and on character boundaries,
//! locations inside their file, no rule failing on any input).
//!
//! A violated invariant panics; libFuzzer's panic hook turns that into a crash with the input
//! saved, exactly like a panic inside the library (which, in a real scan, would have been
//! caught and reported as "internal error": still a bug).

use std::sync::{Arc, OnceLock};

use stridegate::engine::{Engine, Output};
use stridegate::finding::Finding;
use stridegate::kubernetes;
use stridegate::model::{Location, Resource, SourceFile, SpanChildren, SpanNode};
use stridegate::rules::RuleSet;
use stridegate::source::ByteSpan;

/// Every built-in rule, compiled once per process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let rules = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules do not load: {e:?}"));
        Engine::new(&rules, |_| true).unwrap_or_else(|e| panic!("built-in rules do not compile: {e}"))
    })
}

/// Rule failures count as crashes unless `STRIDEGATE_FUZZ_ALLOW_RULE_FAILURES` is set (to get
/// past a known, not yet fixed rule failure and let the fuzzer explore further).
pub fn rule_failures_are_crashes() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("STRIDEGATE_FUZZ_ALLOW_RULE_FAILURES").is_none())
}

/// With `STRIDEGATE_FUZZ_SKIP_KNOWN` set, bugs already filed under issue 8 (and being fixed
/// elsewhere) are not reported again, so that a run explores past them instead of finding them
/// over and over: rule failures on a pod spec that is not an object, IAM action patterns that
/// are not valid globs or hold a NUL character (regorus' `glob.match` uses NUL internally).
/// Unset it once those fixes land.
pub fn skip_known() -> bool {
    static SKIP: OnceLock<bool> = OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("STRIDEGATE_FUZZ_SKIP_KNOWN").is_some())
}

/// A rule failure of a known, already filed bug (see [`skip_known`]).
pub fn is_known_rule_failure(resource: Option<&Resource>, message: &str) -> bool {
    if message.contains("invalid glob") || message.contains("internal glob placeholder") {
        return true;
    }
    let Some(r) = resource else { return false };
    kubernetes::pod_spec_path(&r.kind).and_then(|p| r.get(&p).cloned()).is_some_and(|spec| !spec.is_object())
}

/// Text handed to a target: inputs that are not UTF-8 are rejected by the scanner before any
/// parser sees them (tested in tests/hostile.rs), so the parser targets only take UTF-8.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A span lies inside `text` and starts and ends on character boundaries.
pub fn check_span(span: ByteSpan, text: &str, what: &str) {
    assert!(span.start <= span.end, "{what}: span {span:?} ends before it starts");
    assert!(span.end <= text.len(), "{what}: span {span:?} past the end of the text ({} bytes)", text.len());
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{what}: span {span:?} splits a character");
}

/// Every span of a span tree (values and keys) lies inside `text`.
pub fn check_span_tree(node: &SpanNode, text: &str, what: &str) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        check_span(n.span, text, what);
        if let Some(key) = n.key {
            check_span(key, text, what);
        }
        match &n.children {
            SpanChildren::Leaf => {}
            SpanChildren::Seq(items) => stack.extend(items),
            SpanChildren::Map(entries) => stack.extend(entries.iter().map(|(_, n)| n)),
        }
    }
}

/// A location lies inside `file`: its span, and 1-based positions with start <= end.
pub fn check_location(location: &Location, file: &SourceFile, what: &str) {
    assert_eq!(&*location.file, &*file.path, "{what}: location in another file");
    check_span(location.span, &file.text, what);
    let lines = file.lines.line_count();
    for p in [location.start, location.end] {
        assert!(p.line >= 1 && p.line <= lines, "{what}: line {} outside 1..={lines}", p.line);
        assert!(p.column >= 1, "{what}: column {} is not 1-based", p.column);
    }
    assert!(location.start <= location.end, "{what}: location starts after it ends: {location:?}");
}

/// Evaluates every rule on `resources` (whole-scan rules included) and checks what they say.
pub fn evaluate(resources: &[Resource], file: &Arc<SourceFile>) -> Output {
    let engine = engine();
    let mut worker = engine.worker();
    let mut out = Output::default();
    for r in resources {
        check_span_tree(&r.spans, &r.file.text, &r.address);
        let before = out.errors.len();
        engine.evaluate(&mut worker, r, &mut out);
        if skip_known() {
            let mut i = before;
            while i < out.errors.len() {
                if is_known_rule_failure(Some(r), &out.errors[i].message) {
                    out.errors.remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }
    let (findings, unverifiable) = engine.finish(std::mem::take(&mut out.observations));
    out.findings.extend(findings);
    out.unverifiable.extend(unverifiable);
    check_findings(out.findings.iter().chain(&out.unverifiable), file);
    if rule_failures_are_crashes() {
        assert!(out.errors.is_empty(), "rule failed: {:?}", out.errors);
    }
    out
}

/// Findings of a single-file target all point into that file.
pub fn check_findings<'f>(findings: impl Iterator<Item = &'f Finding>, file: &SourceFile) {
    for f in findings {
        check_location(&f.location, file, &f.rule_id);
        for related in &f.related {
            check_location(&related.location, file, &f.rule_id);
        }
    }
}
