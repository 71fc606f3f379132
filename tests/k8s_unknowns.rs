//! The Kubernetes workload rules on values they cannot judge: tests/data/k8s-unknowns holds a
//! Deployment (`d0`) with findings from most workload rules, then copies of it where one value
//! (a container's securityContext, runAsUser, capabilities.drop, resources.limits, image, the
//! pod securityContext, the template annotations...) is replaced by null, a value of the wrong
//! type or an unknown marker (`{"$unknown": ...}`, what the Terraform evaluator gives for a
//! value it cannot know). The snapshot lists, per copy, the findings it gains (+) and loses (-)
//! against `d0`: an unknown value must silence the rules that depend on it and never fail a rule,
//! and the rules' Rego (written for cost, with tests inline) must keep these verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};

#[test]
fn workload_rules_on_null_wrong_typed_and_unknown_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/k8s-unknowns");
    let set = RuleSet::builtin().unwrap();
    // The per-object rules (not the namespace-level and whole-scan ones, whose messages name
    // the document or are given once per namespace).
    let engine =
        Engine::new(&set, |m| m.id.starts_with("K8S-") && !["K8S-0016", "K8S-0019", "K8S-0020", "K8S-0021"].contains(&m.id.as_str()))
            .unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    assert!(report.rule_failures.is_empty(), "rule failures: {:#?}", report.rule_failures);
    assert!(report.unverifiable.is_empty(), "{:#?}", report.unverifiable);
    // Findings per document, as "rule attribute: message".
    let mut by_doc: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for f in &report.findings {
        let name = f.resource.rsplit('/').next().unwrap();
        let n: u32 = name.trim_start_matches('d').parse().unwrap_or_else(|_| panic!("unexpected resource {}", f.resource));
        by_doc.entry(n).or_default().insert(format!("{} {}: {}", f.rule_id, f.attribute, f.message));
    }
    let base = by_doc.get(&0).cloned().unwrap_or_default();
    assert!(base.len() > 15, "the base document should be reported by most workload rules: {base:#?}");
    let last = *by_doc.keys().max().unwrap();
    let mut lines = vec![format!("d0: {} findings", base.len())];
    lines.extend(base.iter().map(|f| format!("  {f}")));
    for n in 1..=last {
        let found = by_doc.get(&n).cloned().unwrap_or_default();
        lines.push(format!("d{n}:"));
        lines.extend(found.difference(&base).map(|f| format!("  + {f}")));
        lines.extend(base.difference(&found).map(|f| format!("  - {f}")));
    }
    insta::assert_snapshot!(lines.join("\n"));
}
