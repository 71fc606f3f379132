//! End-to-end fixtures reproducing the seed documents' layouts (`fixtures/seed-*`): a whole
//! directory is scanned with every rule, and the findings must be exactly those marked with
//! `# expect: ID` comments across its files (file, line, rule; severity where pinned).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;

use stridegate::engine::Engine;
use stridegate::rules::{Fixture, RuleSet};
use stridegate::scan::{Outcome, ScanOptions, scan};

/// Every file of a fixture directory (README files aside), as fixtures named by their path.
fn fixture_files(dir: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).hidden(false).build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) || entry.path().extension().is_some_and(|e| e == "md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let name = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        out.push(Fixture { name, text });
    }
    out
}

/// `# unverifiable: ID` markers across the directory: (file, line, rule).
fn unverifiable_markers(dir: &Path) -> Vec<(String, usize, String)> {
    let mut out: Vec<_> =
        fixture_files(dir).iter().flat_map(|f| f.unverifiable().into_iter().map(|e| (f.name.clone(), e.line, e.rule))).collect();
    out.sort();
    out
}

/// `# expect: ID[=severity]` markers across the directory: (file, line, rule, severity).
fn expectations(dir: &Path) -> Vec<(String, usize, String, Option<stridegate::rules::meta::Severity>)> {
    let mut out: Vec<_> = fixture_files(dir)
        .iter()
        .flat_map(|f| f.expectations().into_iter().map(|e| (f.name.clone(), e.line, e.rule, e.severity)))
        .collect();
    out.sort();
    out
}

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    for f in &report.files {
        assert!(!matches!(f.outcome, Outcome::Failed { .. }), "{name}/{}: {:?}", f.path, f.outcome);
    }
    let expected = expectations(&dir);
    let mut actual: Vec<(String, usize, String)> =
        report.findings.iter().map(|f| (f.location.file.to_string(), f.location.start.line, f.rule_id.to_string())).collect();
    actual.sort();
    let expected_keys: Vec<(String, usize, String)> = expected.iter().map(|(f, l, r, _)| (f.clone(), *l, r.clone())).collect();
    let listing: Vec<String> =
        report.findings.iter().map(|f| format!("  {}:{} {} {}", f.location.file, f.location.start.line, f.rule_id, f.message)).collect();
    assert_eq!(actual, expected_keys, "{name}: findings differ from the `# expect:` markers\n{}", listing.join("\n"));
    let mut undecided: Vec<(String, usize, String)> =
        report.unverifiable.iter().map(|f| (f.location.file.to_string(), f.location.start.line, f.rule_id.to_string())).collect();
    undecided.sort();
    assert_eq!(undecided, unverifiable_markers(&dir), "{name}: unverifiable controls differ from the `# unverifiable:` markers");
    for (file, line, rule, severity) in expected.iter().filter(|e| e.3.is_some()) {
        assert!(
            report.findings.iter().any(|f| *f.location.file == **file
                && f.location.start.line == *line
                && *f.rule_id == **rule
                && Some(f.severity) == *severity),
            "{name}/{file}:{line}: {rule} should have severity {severity:?}"
        );
    }
}

/// Seed 003: DigitalOcean + Kubernetes through Terraform, NetworkPolicies, VPN-only database.
#[test]
fn seed_003_se09_layout() {
    check("seed-003-se09");
}

/// Seed 004: per-team Terraform state, data subnets with and without NAT, service-account tokens.
#[test]
fn seed_004_mercury_layout() {
    check("seed-004-mercury");
}

/// Seed 002: JazzHands, SAML federation, cross-account trust, long-lived service credentials.
#[test]
fn seed_002_jazzhands_layout() {
    check("seed-002-jazzhands");
}

/// Seeds 000/001: Integrates on EKS behind an ELB and Cloudflare, with its data assets.
#[test]
fn seed_001_integrates_layout() {
    check("seed-001-integrates");
}

/// Terraform evaluation end to end: tfvars override, for_each module call two levels deep with
/// a dynamic block, count from a module argument, an installed registry module, JSON syntax,
/// unknown values that must not fire.
#[test]
fn terraform_modules_layout() {
    check("terraform-modules");
}

/// A module directory that another module of the scan calls is analyzed through the call (with
/// the caller's arguments), not again as a root with its variables' defaults.
#[test]
fn called_modules_are_analyzed_through_their_callers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform-modules");
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    let outcome = |path: &str| report.files.iter().find(|f| f.path == path).map(|f| f.outcome.clone()).unwrap();
    match outcome("modules/network-rules/main.tf") {
        Outcome::Skipped { reason: stridegate::scan::SkipReason::CalledModule { callers } } => assert_eq!(callers, ["modules/service"]),
        other => panic!("{other:?}"),
    }
    match outcome("modules/service/main.tf") {
        Outcome::Skipped { reason: stridegate::scan::SkipReason::CalledModule { callers } } => assert_eq!(callers, ["."]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(outcome("main.tf"), Outcome::Analyzed { .. }));
}

/// Kustomize: each root overlay's build output is checked, findings point at the patch line
/// that set the value (with the build and the patch as related locations), and bases and patch
/// files are accounted for as inputs of the build, never analyzed alone.
#[test]
fn kustomize_overlays_layout() {
    check("kustomize-overlays");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kustomize-overlays");
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    let outcome = |path: &str| report.files.iter().find(|f| f.path == path).map(|f| f.outcome.clone()).unwrap();
    for input in ["overlays/prod/debug.yaml", "overlays/dev/host-network.yaml", "base/deployment.yaml", "base/kustomization.yaml"] {
        assert!(
            matches!(outcome(input), Outcome::Skipped { reason: stridegate::scan::SkipReason::KustomizeInput { .. } }),
            "{input}: {:?}",
            outcome(input)
        );
    }
    assert_eq!(outcome("overlays/prod/kustomization.yaml"), Outcome::Analyzed { resources: 2 });
    let privileged = report.findings.iter().find(|f| &*f.rule_id == "K8S-0002").unwrap();
    assert_eq!(privileged.resource, "Deployment/prod/web");
    let related: Vec<&str> = privileged.related.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        related,
        [
            "as built by kustomization overlays/prod/kustomization.yaml",
            "patched by overlays/prod/debug.yaml (listed in overlays/prod/kustomization.yaml)"
        ]
    );
}

/// Helm: a chart with helpers, a library subchart, an application subchart configured from the
/// parent's values and `global`, and `.Files` is rendered in-process; findings point at the
/// template line that emitted the key, with the `values.yaml` key as a related location.
#[test]
fn helm_chart_layout() {
    check("helm-chart");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm-chart");
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    let outcome = |path: &str| report.files.iter().find(|f| f.path == path).map(|f| f.outcome.clone()).unwrap();
    assert_eq!(outcome("templates/deployment.yaml"), Outcome::Analyzed { resources: 1 });
    assert_eq!(outcome("charts/metrics/templates/daemonset.yaml"), Outcome::Analyzed { resources: 1 });
    assert!(matches!(outcome("templates/_helpers.tpl"), Outcome::Skipped { .. }));
    let related = |rule: &str| {
        let f = report.findings.iter().find(|f| &*f.rule_id == rule).unwrap();
        f.related.iter().map(|r| (r.location.file.to_string(), r.location.start.line)).collect::<Vec<_>>()
    };
    // `securityContext.privileged: true` in values.yaml, emitted by `toYaml` in the template.
    assert_eq!(related("K8S-0002"), [("values.yaml".to_string(), 16)]);
    // The subchart's `hostNetwork`, set by the parent under `metrics:`.
    assert_eq!(related("K8S-0004"), [("values.yaml".to_string(), 22)]);
}

/// The built-in renderer against real Helm: `tests/data/helm-reference/*.json` were written by
/// `scripts/helm-reference.py` (Helm 4.2.3 through helm-python-sdk, offline; see
/// docs/helm-oracle.md) for the fixture charts; every template must render to the same
/// documents (parsed YAML equality).
#[test]
fn helm_rendering_matches_real_helm_on_fixture_charts() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (reference, chart) in [("helm-chart.json", "fixtures/helm-chart"), ("shop-api.json", "fixtures/shop/charts/api")] {
        let text = std::fs::read_to_string(base.join("tests/data/helm-reference").join(reference)).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
        let dir = base.join(chart);
        let ours = stridegate::frontend::helm::render_chart(dir.parent().unwrap(), &dir, &ScanOptions::default()).unwrap();
        let ours: serde_json::Map<String, serde_json::Value> =
            ours.into_iter().filter(|(_, docs)| !docs.is_empty()).map(|(name, docs)| (name, serde_json::Value::Array(docs))).collect();
        let helm: serde_json::Map<String, serde_json::Value> = expected["templates"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, docs)| docs.as_array().is_some_and(|d| !d.is_empty()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(ours, helm, "{chart}: rendering differs from real Helm's");
    }
}

/// Terraform `helm_release` with a chart in the repository: rendered with the release's values
/// and `set` blocks, in the release's namespace; the finding names the release. A release whose
/// chart comes from a repository is reported as not analyzed.
#[test]
fn terraform_helm_release_layout() {
    check("terraform-helm-release");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform-helm-release");
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(&dir, &engine, &ScanOptions::default()).unwrap();
    let host = report.findings.iter().find(|f| &*f.rule_id == "K8S-0004").unwrap();
    assert_eq!(host.resource, "Deployment/apps/web-web");
    assert_eq!(host.related[0].message, "rendered by helm_release.web (chart ./charts/web)");
    assert_eq!((&*host.related[0].location.file, host.related[0].location.start.line), ("main.tf", 1));
    let notes: Vec<(&str, &str)> = report.not_analyzed.iter().map(|n| (n.unit.as_str(), n.reason.as_str())).collect();
    assert_eq!(notes, [("helm_release.ingress", "chart `ingress-nginx` comes from a repository: not fetched, not rendered")]);
}

/// A chart whose dependency cannot be found offline is rendered without it, and its Chart.yaml
/// fails (the scan is incomplete) — also when the chart is the scan root; a missing dependency
/// its condition disables is not needed.
#[test]
fn helm_missing_dependencies_make_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("app");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    let write = |enabled: bool| {
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: db\n    version: 1.x\n    repository: https://charts.example.com\n    condition: db.enabled\n",
        )
        .unwrap();
        std::fs::write(chart.join("values.yaml"), format!("db:\n  enabled: {enabled}\n")).unwrap();
    };
    std::fs::write(chart.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    for root in [dir.path(), chart.as_path()] {
        write(true);
        let report = scan(root, &engine, &ScanOptions::default()).unwrap();
        let failed: Vec<&str> =
            report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).map(|f| f.path.as_str()).collect();
        let expected = if root == dir.path() { "app/Chart.yaml" } else { "Chart.yaml" };
        assert_eq!(failed, [expected], "{}", root.display());
        assert!(report.is_incomplete());
        write(false);
        let report = scan(root, &engine, &ScanOptions::default()).unwrap();
        assert!(!report.is_incomplete(), "{:?}", report.files);
    }
}

/// A template that fails to render (`required` with no value) is a failed record at the
/// template's line with Helm's message; the chart's other templates are still analyzed and the
/// scan is incomplete.
#[test]
fn helm_template_that_fails_to_render_is_a_failed_record_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("app");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: app\nversion: 1.0.0\n").unwrap();
    std::fs::write(chart.join("values.yaml"), "password: null\n").unwrap();
    std::fs::write(
        chart.join("templates/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{ required \"password is required\" .Values.password }}\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n",
    )
    .unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |_| true).unwrap();
    let report = scan(dir.path(), &engine, &ScanOptions::default()).unwrap();
    let record = report.files.iter().find(|f| f.path == "app/templates/secret.yaml").unwrap();
    match &record.outcome {
        Outcome::Failed { message, location, .. } => {
            assert!(message.contains("password is required"), "{message}");
            let location = location.as_ref().unwrap();
            assert_eq!((&*location.file, location.start.line), ("app/templates/secret.yaml", 6));
        }
        other => panic!("{other:?}"),
    }
    assert!(report.is_incomplete());
    assert!(report.findings.iter().any(|f| &*f.rule_id == "K8S-0002" && &*f.location.file == "app/templates/pod.yaml"));
}
