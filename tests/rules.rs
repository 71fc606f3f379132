//! The generic rule harness: for every rule, each `fail*` fixture must produce exactly the
//! findings its `# expect: ID` markers declare (rule id and line), and each `pass*` fixture none.
//! Only the rule under test runs, so a fixture may freely violate other rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{Outcome, ScanOptions, scan};

#[test]
fn every_fixture_produces_exactly_the_expected_findings() {
    let set = RuleSet::builtin().expect("built-in rules load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut failures = Vec::new();
    let mut checked = 0;
    // Every fixture runs twice: with only its rule, and with every rule at once (which takes
    // the engine's batched evaluation path); both must give exactly the expected findings.
    let all_rules = Engine::new(&set, |_| true).expect("rules compile");
    for rule in &set.rules {
        let single = Engine::new(&set, |m| m.id == rule.meta.id).expect("rules compile");
        for (fixture, engine) in rule.fixtures.iter().flat_map(|f| [(f, &single), (f, &all_rules)]) {
            let path = root.join(&rule.dir).join(&fixture.name);
            let mut report = scan(&path, engine, &ScanOptions::default()).expect("fixture scans");
            report.findings.retain(|f| *f.rule_id == *rule.meta.id);
            for e in &report.rule_failures {
                failures.push(format!("{}/{}: rule {} failed: {}", rule.dir, fixture.name, e.rule, e.message));
            }
            for f in &report.files {
                if !matches!(f.outcome, Outcome::Analyzed { .. }) {
                    failures.push(format!("{}/{}: fixture not analyzed: {:?}", rule.dir, fixture.name, f.outcome));
                }
            }
            let mut actual: Vec<(usize, String)> = report.findings.iter().map(|f| (f.location.start.line, f.rule_id.to_string())).collect();
            actual.sort();
            let expectations = fixture.expectations();
            let expected: Vec<(usize, String)> = expectations.iter().map(|e| (e.line, e.rule.clone())).collect();
            // Severity, where the marker states it (`# expect: K8S-0001=medium`).
            for e in expectations.iter().filter(|e| e.severity.is_some()) {
                let matching = report
                    .findings
                    .iter()
                    .any(|f| f.location.start.line == e.line && *f.rule_id == *e.rule && Some(f.severity) == e.severity);
                if !matching {
                    failures.push(format!(
                        "{}/{}: line {}: no {} finding with severity {:?}",
                        rule.dir, fixture.name, e.line, e.rule, e.severity
                    ));
                }
            }
            if fixture.is_fail() && expected.is_empty() {
                failures.push(format!("{}/{}: fail fixture declares no `# expect:` marker", rule.dir, fixture.name));
            }
            if !fixture.is_fail() && !expected.is_empty() {
                failures.push(format!("{}/{}: pass fixture must not declare findings", rule.dir, fixture.name));
            }
            // Controls the rule could not decide (unknown values), marked `# unverifiable: ID`.
            let mut undecided: Vec<(usize, String)> = report
                .unverifiable
                .iter()
                .filter(|f| *f.rule_id == *rule.meta.id)
                .map(|f| (f.location.start.line, f.rule_id.to_string()))
                .collect();
            undecided.sort();
            let declared: Vec<(usize, String)> = fixture.unverifiable().iter().map(|e| (e.line, e.rule.clone())).collect();
            if undecided != declared {
                failures
                    .push(format!("{}/{}: unverifiable\n  expected {:?}\n  actual   {:?}", rule.dir, fixture.name, declared, undecided));
            }
            if actual != expected {
                let detail: Vec<String> = report
                    .findings
                    .iter()
                    .map(|f| format!("    line {}: {} {} ({})", f.location.start.line, f.rule_id, f.message, f.attribute))
                    .collect();
                failures.push(format!(
                    "{}/{}:\n  expected {:?}\n  actual   {:?}\n{}",
                    rule.dir,
                    fixture.name,
                    expected,
                    actual,
                    detail.join("\n")
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(failures.is_empty(), "{} fixture problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    let set = RuleSet::builtin().expect("built-in rules load");
    for rule in &set.rules {
        assert!(rule.fixtures.iter().any(|f| f.is_fail()), "{} has no fail* fixture", rule.meta.id);
        assert!(rule.fixtures.iter().any(|f| !f.is_fail()), "{} has no pass* fixture", rule.meta.id);
    }
}
