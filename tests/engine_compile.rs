//! Rego compilation: the built-in policies are compiled per platform on first use (not at
//! start-up), so this test is what catches a broken built-in policy; user policies
//! (`--rules DIR`) are still checked before the scan starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use stridegate::engine::{Engine, Output};
use stridegate::model::Platform;
use stridegate::rules::{Origin, RuleSet};

/// Every built-in policy compiles and every `deny`/`unverifiable` query of every rule
/// evaluates on an empty input (unresolved references, unknown functions, type errors in the
/// generated batch rules...).
#[test]
fn every_builtin_policy_compiles_and_every_query_resolves() {
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    assert!(engine.compiled_platforms().is_empty(), "nothing is compiled before it is needed");
    engine.check_policies().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.compiled_platforms(), [Platform::Kubernetes, Platform::Terraform, Platform::Iam]);
}

/// A Kubernetes rule named ACME-0001 whose `deny` body is `body`.
fn acme_rule(body: &str) -> Vec<(String, String)> {
    let policy = format!(
        "# METADATA\n# id: ACME-0001\n# name: latest-image-tag\n# title: Image uses the latest tag\n# severity: low\n# stride: [tampering]\n\
# applies_to:\n#   platform: kubernetes\n#   kinds: [\"@workloads\"]\n# what: Finds container images pinned to the mutable latest tag.\n\
# why: A mutable tag lets a registry push change what runs without a code review.\n# fix: Pin images to a version tag or, better, a digest.\n\
# references: [\"https://kubernetes.io/docs/concepts/containers/images/\"]\npackage stridegate.rules.acme_0001\n\n\
import data.stridegate.lib.kubernetes as k8s\nimport rego.v1\n\n\
deny contains {{\"msg\": \"image uses the latest tag\", \"path\": array.concat(c.path, [\"image\"])}} if {{\n  some c in k8s.containers\n  {body}\n}}\n"
    );
    vec![
        ("acme/ACME-0001-latest-image-tag/policy.rego".to_string(), policy),
        (
            "acme/ACME-0001-latest-image-tag/fail.yaml".to_string(),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:latest # expect: ACME-0001\n"
                .to_string(),
        ),
    ]
}

/// A body using a variable that is never bound: the policy parses, but cannot be compiled.
const BROKEN: &str = "endswith(no_such_variable, \":latest\")";

fn with_rule(body: &str, origin: &Origin) -> RuleSet {
    let mut set = RuleSet::builtin().unwrap();
    set.extend(RuleSet::from_files(acme_rule(body), origin).unwrap()).unwrap();
    set
}

fn pod() -> stridegate::model::Resource {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:latest\n";
    let file = std::sync::Arc::new(stridegate::model::SourceFile::new("pod.yaml", text.to_string()));
    let parsed = stridegate::parse::yaml::parse(&file.text, &file.lines, &Default::default());
    let doc = parsed.documents.into_iter().next().unwrap();
    stridegate::kubernetes::resources_from_document(doc, &file).pop().unwrap()
}

/// The check that `cargo test` runs catches a broken built-in policy and names its rule.
#[test]
fn check_policies_names_a_broken_builtin_rule() {
    let set = with_rule(BROKEN, &Origin::Builtin);
    let engine = Engine::new(&set, |m| m.id == "ACME-0001" || m.id == "K8S-0002").expect("built-in policies are compiled lazily");
    let err = engine.check_policies().expect_err("the broken policy must be caught");
    assert!(err.to_string().contains("ACME-0001"), "{err}");
}

/// A user policy that cannot run is still a configuration error before the scan.
#[test]
fn a_broken_user_policy_is_refused_before_the_scan() {
    let set = with_rule(BROKEN, &Origin::User("acme".into()));
    let err = Engine::new(&set, |m| m.id == "ACME-0001").err().expect("a broken user policy is refused");
    assert!(err.to_string().contains("ACME-0001"), "{err}");
    // A healthy user rule compiles its platform's program at once (and only that one).
    let set = with_rule("endswith(c.obj.image, \":latest\")", &Origin::User("acme".into()));
    let engine = Engine::new(&set, |_| true).unwrap();
    assert_eq!(engine.compiled_platforms(), [Platform::Kubernetes]);
}

/// Resources compile only their own platform's policies; a broken built-in policy that slips
/// through is a rule failure on the resources it applies to, never a crash.
#[test]
fn policies_compile_per_platform_on_first_use() {
    let resource = pod();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let mut worker = engine.worker();
    let mut out = Output::default();
    engine.evaluate(&mut worker, &resource, &mut out);
    assert_eq!(engine.compiled_platforms(), [Platform::Kubernetes]);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(!out.findings.is_empty());

    let set = with_rule(BROKEN, &Origin::Builtin);
    let engine = Engine::new(&set, |m| m.id == "ACME-0001" || m.id == "K8S-0002").unwrap();
    let mut worker = engine.worker();
    let mut out = Output::default();
    engine.evaluate(&mut worker, &resource, &mut out);
    assert!(out.errors.iter().any(|e| e.rule == "ACME-0001"), "{:?}", out.errors);
}
