//! Threat models checked against infrastructure code: the seed models decide each mitigation
//! as expected, at the expected lines; model errors are located; drift and exposure are found;
//! the JSON contract and the schema hold.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use stridegate::engine::Engine;
use stridegate::model::SourceFile;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};
use stridegate::threat::check::{CheckReport, DriftKind, Status, check_as_of};
use stridegate::threat::model::{ModelError, load};

/// The date the tests judge attestation ages at.
const AS_OF: &str = "2026-12-02";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn set() -> RuleSet {
    RuleSet::builtin().expect("rules load")
}

fn families(set: &RuleSet) -> std::collections::BTreeSet<String> {
    set.rules.iter().filter_map(|r| r.meta.id.split('-').next().map(str::to_string)).collect()
}

fn load_text(name: &str, text: &str) -> Result<stridegate::threat::model::LoadedModel, Vec<ModelError>> {
    let set = set();
    let file = Arc::new(SourceFile::new(name, text.to_string()));
    load(file, &|id| set.rules.iter().any(|r| r.meta.id == id), &families(&set))
}

/// Checks `model_text` against the directory `code`.
fn check_dir(model_text: &str, code: &Path) -> CheckReport {
    let set = set();
    let engine = Engine::new(&set, |_| true).unwrap();
    let model = load_text("model.yaml", model_text).unwrap_or_else(|e| panic!("model errors: {e:#?}"));
    let report = scan(code, &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).unwrap();
    // Attestation ages are judged as of a fixed date, so the expectations never expire.
    let as_of = stridegate::threat::model::parse_date(AS_OF).unwrap();
    check_as_of(&model, &report, &engine, &code.display().to_string(), as_of)
}

fn statuses(report: &CheckReport) -> BTreeMap<String, Status> {
    report.mitigations.iter().map(|m| (m.id.clone(), m.status)).collect()
}

fn stridegate(args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    if args.first() == Some(&"threat-model") && matches!(args.get(1), Some(&"check" | &"report")) {
        all.extend(["--as-of", AS_OF]);
    }
    Command::new(env!("CARGO_BIN_EXE_stridegate")).current_dir(root()).args(all).output().expect("run stridegate")
}

/// Seed 003 (SE09): the model's mitigations against the fixture, which keeps a weak
/// certificate service: violated exactly where the fixture marks its findings.
#[test]
fn se09_model_is_decided_against_its_fixture() {
    let text = std::fs::read_to_string(root().join("threat-models/se09-iot.threat-model.yaml")).unwrap();
    let report = check_dir(&text, &root().join("fixtures/seed-003-se09"));
    let expected: BTreeMap<String, Status> = [
        ("EP-1.1", Status::Violated),
        ("EP-1.2", Status::Violated),
        ("LM-1.1", Status::Verified),
        ("ID-1.1", Status::Verified),
        ("ID-2.1", Status::Violated),
        ("S-1.1", Status::Verified),
        ("S-2.1", Status::Attested),
        ("T-1.1", Status::Verified),
        ("T-1.2", Status::Verified),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(statuses(&report), expected);
    let violated = |id: &str| -> Vec<(String, String, usize)> {
        let m = report.mitigations.iter().find(|m| m.id == id).unwrap();
        m.evidence
            .iter()
            .filter(|e| e.result == stridegate::threat::check::Outcome::Fail)
            .map(|e| (e.rule.clone(), e.location.file.to_string(), e.location.start.line))
            .collect()
    };
    assert_eq!(violated("EP-1.1"), vec![("K8S-0001".to_string(), "L3_Services/cert-service.tf".to_string(), 23)]);
    assert_eq!(violated("ID-2.1"), vec![("K8S-0018".to_string(), "L3_Services/cert-service.tf".to_string(), 29)]);
    // Every mitigation points at its line in the model.
    let lm = report.mitigations.iter().find(|m| m.id == "LM-1.1").unwrap();
    assert_eq!(lm.model_location.start.line, 122);
    // Every resource of the fixture is bound; nothing is exposed without an entry point.
    assert!(report.drift.iter().all(|d| d.kind == DriftKind::FindingInMitigatedCategory), "{:#?}", report.drift);
    assert!(report.drift.iter().any(|d| d.detail.starts_with("K8S-0016")), "{:#?}", report.drift);
    assert!(!report.scan_incomplete);
}

/// The command line: exit 1 on a violated mitigation, the JSON contract's fields.
#[test]
fn check_command_exit_codes_and_json_contract() {
    let out = stridegate(&["threat-model", "check", "threat-models/se09-iot.threat-model.yaml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["system"], "SE09 IoT platform");
    let m = &json["mitigations"][0];
    for key in ["threat", "category", "text", "status", "reason", "evidence", "model_location", "rules"] {
        assert!(m.get(key).is_some(), "mitigation lacks `{key}`: {m}");
    }
    let e = &m["evidence"][0];
    for key in ["rule", "result", "resource", "location"] {
        assert!(e.get(key).is_some(), "evidence lacks `{key}`: {e}");
    }
    assert_eq!(json["summary"]["elevation-of-privilege"]["violated"], 2);
    assert!(json["drift"].as_array().is_some_and(|d| !d.is_empty()));
    assert!(json["gaps"].as_array().is_some());
}

/// Errors in a model are located like parse errors, and nothing is checked (exit 2).
#[test]
fn model_errors_have_file_and_line() {
    let text = "version: 1\nsystem: x\ncomponents:\n  - id: web\n    kind: process\n  - id: db\n    kind: datastore\n";
    let errors = load_text("m.yaml", text).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location.start.line, 7, "{errors:#?}");
    assert!(errors[0].message.contains("unknown variant"), "{}", errors[0].message);

    let text = "version: 1\nsystem: x\ncomponents:\n  - id: web\n    kind: process\n    colour: red\n";
    let errors = load_text("m.yaml", text).unwrap_err();
    assert_eq!(errors[0].location.start.line, 6, "{errors:#?}");

    let text = "version: 1
system: x
trust_levels:
  - id: user
components:
  - id: web
    kind: process
    trust_level: admin
    bindings:
      - {}
data_flows:
  - id: f
    from: web
    to: nowhere
threats:
  - id: T1
    category: spoofing
    title: t
    targets: [web, ghost]
    mitigations:
      - text: m
        evidence: {rules: [K8S-9999], families: [XYZ]}
      - text: n
        attested: {by: me, date: yesterday}
";
    let errors = load_text("m.yaml", text).unwrap_err();
    let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.location.start.line, e.message.as_str())).collect();
    let expect = [
        (8, "unknown trust level `admin`"),
        (10, "a binding needs at least one"),
        (14, "unknown component or point `nowhere`"),
        (19, "unknown target `ghost`"),
        (22, "unknown rule `K8S-9999`"),
        (22, "unknown rule family `XYZ`"),
        (24, "`yesterday` is not a date"),
    ];
    assert_eq!(got.len(), expect.len(), "{got:#?}");
    for ((line, text), (eline, etext)) in got.iter().zip(expect) {
        assert_eq!(*line, eline, "{text}");
        assert!(text.starts_with(etext), "{text} does not start with {etext}");
    }

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.threat-model.yaml");
    std::fs::write(&model, "version: 2\nsystem: x\n").unwrap();
    let out = stridegate(&["threat-model", "check", model.to_str().unwrap(), dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.threat-model.yaml:1:"), "{}", String::from_utf8_lossy(&out.stderr));
}

const EXPOSED: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata:
  name: internal
  namespace: shop
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

/// Internet exposure no entry point declares, resources no component binds and bindings
/// that match nothing are drift; declaring the entry point removes it.
#[test]
fn drift_exposure_and_unbound_resources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.yaml"), EXPOSED).unwrap();
    let base = "version: 1\nsystem: shop\ncomponents:\n  - id: web\n    kind: process\n    bindings:\n      - {type: Service, name: web}\n      - {type: Deployment, name: web}\n";
    let report = check_dir(base, dir.path());
    let kinds: Vec<(DriftKind, &str)> = report.drift.iter().map(|d| (d.kind, d.resource.as_str())).collect();
    assert!(kinds.contains(&(DriftKind::UndeclaredExposure, "Service/shop/web")), "{kinds:#?}");
    assert!(kinds.contains(&(DriftKind::UnboundResource, "Service/shop/internal")), "{kinds:#?}");
    assert!(kinds.contains(&(DriftKind::EmptyBinding, "web")), "{kinds:#?}");
    let exposure = report.drift.iter().find(|d| d.kind == DriftKind::UndeclaredExposure).unwrap();
    assert_eq!((exposure.location.file.as_ref(), exposure.location.start.line), ("svc.yaml", 1));

    let declared = format!("{base}entry_points:\n  - id: https\n    component: web\n");
    let report = check_dir(&declared, dir.path());
    assert!(report.drift.iter().all(|d| d.kind != DriftKind::UndeclaredExposure), "{:#?}", report.drift);
}

/// A value that cannot be known makes the mitigation unverifiable (never verified, never
/// violated); a stale attestation is not proof; a mitigation bound to nothing says so.
#[test]
fn unknown_values_stale_attestations_and_missing_bindings_are_unverifiable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"admin_cidr\" {}\nresource \"aws_security_group\" \"bastion\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [var.admin_cidr]\n  }\n}\n",
    )
    .unwrap();
    let model = "version: 1
system: s
components:
  - id: bastion
    kind: process
    bindings: [{address: aws_security_group.bastion}]
  - id: empty
    kind: data-store
threats:
  - id: T
    category: spoofing
    title: t
    targets: [bastion]
    mitigations:
      - id: unknown
        text: SSH only from the admin network
        evidence: {rules: [TF-0001]}
      - id: stale
        text: reviewed
        attested: {by: me, date: 2020-01-01}
      - id: nothing-applies
        text: pods run as non-root
        evidence: {rules: [K8S-0001]}
  - id: U
    category: tampering
    title: u
    targets: [empty]
    mitigations:
      - id: unbound
        text: backups
        evidence: {rules: [TF-0016]}
";
    let report = check_dir(model, dir.path());
    let reason = |id: &str| {
        let m = report.mitigations.iter().find(|m| m.id == id).unwrap();
        assert_eq!(m.status, Status::Unverifiable, "{id}: {m:#?}");
        m.reason.clone()
    };
    assert!(reason("unknown").contains("cannot be known"));
    assert!(reason("stale").contains("older than 365 days"));
    assert!(reason("nothing-applies").contains("applies to the bound resources"));
    assert!(reason("unbound").contains("no resource is bound"));
}

/// The schema ships in the binary, is valid JSON Schema, and the repository's models follow it.
#[test]
fn schema_validates_the_seed_models() {
    let out = stridegate(&["threat-model", "schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    for entry in std::fs::read_dir(root().join("threat-models")).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".threat-model.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = stridegate::source::LineIndex::new(&text);
        let parsed = stridegate::parse::yaml::parse(&text, &lines, &Default::default());
        let doc = &parsed.documents[0].value;
        let errors: Vec<String> = validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    // And it rejects what the loader rejects.
    let bad = serde_json::json!({"version": 1, "system": "x", "components": [{"id": "a", "kind": "datastore"}]});
    assert!(!validator.is_valid(&bad));
}

/// Names from a model never reach the terminal raw.
#[test]
fn terminal_output_escapes_model_text() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.threat-model.yaml");
    std::fs::write(&model, "version: 1\nsystem: \"evil\\e[2J\\e]0;pwned\\a\"\nthreats:\n  - id: \"T\\e[31m\"\n    category: spoofing\n    title: t\n    mitigations:\n      - text: \"\\u202e reversed\"\n").unwrap();
    let out = stridegate(&["threat-model", "check", model.to_str().unwrap(), dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\u{202e}'), "{stdout}");
    assert!(stdout.contains("evil"), "{stdout}");
}

/// Seeds 002 (JazzHands) and 004 (multi-team Terraform): each mitigation decided as the
/// fixtures' weaknesses say, at their lines.
#[test]
fn jazzhands_and_terraform_state_models_are_decided() {
    /// (model, code, status per mitigation, failures as rule, file, line)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, Status)], &'a [(&'a str, &'a str, usize)]);
    let cases: [Case<'_>; 2] = [
        (
            "threat-models/jazzhands.threat-model.yaml",
            "fixtures/seed-002-jazzhands",
            &[
                ("S-1.1", Status::Violated),
                ("S-1.2", Status::Violated),
                ("S-2.1", Status::Violated),
                ("ID-1.1", Status::Violated),
                ("EP-1.1", Status::Violated),
                ("R-1.1", Status::Unverifiable),
                ("S-3.1", Status::Attested),
            ],
            &[
                ("IAM-0012", "terraform/roles.tf", 37),
                ("IAM-0015", "terraform/roles.tf", 26),
                ("IAM-0010", "terraform/roles.tf", 69),
                ("IAM-0010", "terraform/roles.tf", 82),
                ("IAM-0013", "terraform/roles.tf", 92),
                ("IAM-0014", "terraform/roles.tf", 44),
                ("IAM-0016", "terraform/roles.tf", 97),
            ],
        ),
        (
            "threat-models/terraform-state.threat-model.yaml",
            "fixtures/seed-004-mercury",
            &[
                ("ID-1.1", Status::Violated),
                ("ID-2.1", Status::Violated),
                ("T-1.1", Status::Violated),
                ("LM-1.1", Status::Violated),
                ("EP-1.1", Status::Violated),
                ("EP-1.2", Status::Violated),
                ("EP-1.3", Status::Attested),
            ],
            &[
                ("IAM-0020", "iam/crm-widened.tf", 9),
                ("IAM-0020", "iam/crm-widened.tf", 16),
                ("TF-0032", "services/crm/prod/network/backend.tf", 2),
                ("TF-0032", "services/fraud-detection/dev/network/backend.tf", 2),
                ("TF-0024", "services/fraud-detection/dev/network/backend.tf", 2),
                ("TF-0026", "services/fraud-detection/dev/network/main.tf", 24),
                ("K8S-0016", "k8s/crm-api.yaml", 28),
                ("K8S-0012", "k8s/crm-api.yaml", 35),
            ],
        ),
    ];
    for (model, code, expected, failures) in cases {
        let text = std::fs::read_to_string(root().join(model)).unwrap();
        let report = check_dir(&text, &root().join(code));
        let expected: BTreeMap<String, Status> = expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(statuses(&report), expected, "{model}");
        let mut got: Vec<(String, String, usize)> = report
            .mitigations
            .iter()
            .flat_map(|m| m.evidence.iter())
            .filter(|e| e.result == stridegate::threat::check::Outcome::Fail)
            .map(|e| (e.rule.clone(), e.location.file.to_string(), e.location.start.line))
            .collect();
        got.sort();
        got.dedup();
        let mut want: Vec<(String, String, usize)> = failures.iter().map(|(r, f, l)| (r.to_string(), f.to_string(), *l)).collect();
        want.sort();
        assert_eq!(got, want, "{model}");
        // The LM-1.1 evidence of seed 004 also passes where the data subnets are private.
        if model.contains("terraform-state") {
            let lm = report.mitigations.iter().find(|m| m.id == "LM-1.1").unwrap();
            assert!(
                lm.evidence
                    .iter()
                    .any(|e| e.result == stridegate::threat::check::Outcome::Pass && e.location.file.starts_with("services/crm/")),
                "{lm:#?}"
            );
        }
    }
}

/// The Markdown report renders on GitHub: summary table, Mermaid diagram with boundaries as
/// subgraphs, evidence at path:line. Snapshot of seed 003.
#[test]
fn markdown_report_snapshot() {
    let out = stridegate(&["threat-model", "report", "threat-models/se09-iot.threat-model.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("```mermaid\nflowchart LR\n  subgraph n_kubernetes[\"Cluster network\"]"), "{md}");
    assert!(md.contains("fail K8S-0001 at `L3_Services/cert-service.tf:23`"), "{md}");
    insta::assert_snapshot!("se09_markdown", md);
}

/// The SARIF report validates against the 2.1.0 schema; a violated mitigation is a result in
/// the code with the model's line as related location.
#[test]
fn sarif_report_validates_and_points_at_code_and_model() {
    let out = stridegate(&["threat-model", "check", "threat-models/se09-iot.threat-model.yaml", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let violated = results
        .iter()
        .find(|r| r["ruleId"] == "threat-model/violated-mitigation" && r["message"]["text"].as_str().unwrap().contains("K8S-0001"))
        .unwrap();
    let loc = &violated["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "fixtures/seed-003-se09/L3_Services/cert-service.tf");
    assert_eq!(loc["region"]["startLine"], 23);
    let related = &violated["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "threat-models/se09-iot.threat-model.yaml");
    assert_eq!(related["region"]["startLine"], 111);
}

/// Untrusted names cannot inject Markdown or HTML into the report.
#[test]
fn markdown_report_escapes_untrusted_text() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.threat-model.yaml");
    std::fs::write(
        &model,
        "version: 1\nsystem: \"<script>alert(1)</script> | [x](javascript:y)\"\ncomponents:\n  - id: a\n    name: 'x\"] --> evil[\"'\n    kind: process\nthreats:\n  - id: T\n    category: spoofing\n    title: \"**bold** `code`\"\n    targets: [a]\n    mitigations:\n      - text: \"\\e[2J <img src=x>\"\n",
    )
    .unwrap();
    let out = stridegate(&["threat-model", "report", model.to_str().unwrap(), dir.path().to_str().unwrap()]);
    let md = String::from_utf8(out.stdout).unwrap();
    // Every `<` is escaped (GitHub renders `\\<` as text, never as a tag), and so is the link.
    assert!(md.match_indices('<').all(|(i, _)| i > 0 && md.as_bytes()[i - 1] == b'\\'), "{md}");
    assert!(!md.contains("[x](javascript"), "{md}");
    assert!(md.contains("\\[x\\](javascript:y)"), "{md}");
    assert!(!md.contains('\u{1b}'), "{md}");
    assert!(md.contains("n_a(\"x#quot;] --#gt; evil[#quot;\")"), "{md}");
}

/// `init` drafts a model from the code alone that passes `check`: no model error, every
/// resource bound, every internet exposure declared as an entry point, mitigations decided.
#[test]
fn init_drafts_a_model_that_passes_check() {
    let set = set();
    let engine = Engine::new(&set, |_| true).unwrap();
    for fixture in [
        "fixtures/seed-002-jazzhands",
        "fixtures/seed-003-se09",
        "fixtures/seed-004-mercury",
        "fixtures/shop",
        "fixtures/terraform-modules",
    ] {
        let code = root().join(fixture);
        let scan_report = scan(&code, &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).unwrap();
        let text = stridegate::threat::init::draft(&scan_report.inventory, &engine, "draft", ".");
        let model = load_text("draft.yaml", &text).unwrap_or_else(|e| panic!("{fixture}: the draft has errors {e:#?}\n{text}"));
        let report = check_as_of(&model, &scan_report, &engine, fixture, stridegate::threat::model::parse_date(AS_OF).unwrap());
        assert!(report.drift.iter().all(|d| d.kind == DriftKind::FindingInMitigatedCategory), "{fixture}: {:#?}", report.drift);
        assert!(report.mitigations.iter().any(|m| m.status == Status::Verified), "{fixture}");
        assert!(report.mitigations.iter().all(|m| m.status != Status::Unverifiable || m.reason.contains("cannot be known")), "{fixture}");
        // Every violation of the check is a finding of the scan: init binds what the scan saw.
        let violations: usize = report.mitigations.iter().filter(|m| m.status == Status::Violated).count();
        assert!(violations > 0 || scan_report.findings.is_empty(), "{fixture}");
    }
    // A LoadBalancer Service is internet exposure: an entry point of the draft, bound to it,
    // with a flow into the Service's component.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.yaml"), EXPOSED).unwrap();
    let exposed = scan(dir.path(), &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).unwrap();
    let text = stridegate::threat::init::draft(&exposed.inventory, &engine, "shop", ".");
    assert!(text.contains("entry_points:\n  - id: \"internet-service-shop-web\""), "{text}");
    assert!(text.contains("bindings:\n      - {address: \"Service/shop/web\", path: \"svc.yaml\"}"), "{text}");
    assert!(text.contains("data_flows:\n  - id: \"internet-service-shop-web-in\""), "{text}");
    // Flows from references and selectors, and a VPC as a trust boundary.
    let draft = |fixture: &str| {
        let r = scan(&root().join(fixture), &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).unwrap();
        stridegate::threat::init::draft(&r.inventory, &engine, "draft", ".")
    };
    let shop = draft("fixtures/shop");
    assert!(shop.contains("from: \"kubernetes-edge-shop\"\n    to: \"deployment-web-shop\"\n    description: \"selects\""), "{shop}");
    let integrates = draft("fixtures/seed-001-integrates");
    assert!(
        integrates.contains("from: \"aws-lb-listener-edge\"\n    to: \"aws-lb-edge\"\n    description: \"references\""),
        "{integrates}"
    );
    assert!(
        integrates.contains(
            "name: \"Network aws_vpc.main\"\n    trust_level: internal\n    components: [\"aws-eks-cluster-compute\", \"aws-lb-edge\"]"
        ),
        "{integrates}"
    );
    insta::assert_snapshot!("se09_init", {
        let se09 =
            scan(&root().join("fixtures/seed-003-se09"), &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).unwrap();
        stridegate::threat::init::draft(&se09.inventory, &engine, "SE09", "../fixtures/seed-003-se09")
    });
}

/// The command writes the draft with `scope` relative to the output file, and never
/// overwrites an existing model.
#[test]
fn init_command_writes_a_checkable_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("models/draft.threat-model.yaml");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let code = root().join("fixtures/seed-004-mercury");
    let run = stridegate(&["threat-model", "init", code.to_str().unwrap(), "--output", out.to_str().unwrap(), "--system", "Mercury"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let check_run = stridegate(&["threat-model", "check", out.to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&check_run.stdout).unwrap();
    assert_eq!(json["errors"].as_array().unwrap().len(), 0);
    assert!(json["mitigations"].as_array().unwrap().len() > 10);
    let again = stridegate(&["threat-model", "init", code.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}

/// Markdown threat models in the seeds' style import into models that load; mitigations are
/// bound to rules by their control vocabulary, the rest left for attestation.
#[test]
fn seed_markdown_models_import() {
    let set = set();
    let metas: Vec<&stridegate::rules::meta::RuleMeta> = set.rules.iter().map(|r| r.meta.as_ref()).collect();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if !seeds.exists() {
        eprintln!("note: ../shared/seeds is absent: skipping");
        return;
    }
    // (seed, components, mitigations, bound to rules)
    let expect =
        [("000_71339edf66a0bdff.txt", 13, 0, 0), ("001_8a0716b9d2afbe4c.txt", 13, 33, 6), ("002_9cad794a934d85dc.txt", 17, 56, 18)];
    for (file, components, mitigations, bound) in expect {
        let text = std::fs::read_to_string(seeds.join(file)).unwrap();
        let imported = stridegate::threat::import::import(&text, "Integrates", None, &metas, None);
        assert_eq!(
            (imported.components, imported.mitigations, imported.bound),
            (components, mitigations, bound),
            "{file}:\n{}",
            imported.yaml
        );
        load_text("imported.yaml", &imported.yaml).unwrap_or_else(|e| panic!("{file}: {e:#?}\n{}", imported.yaml));
    }
    let text = std::fs::read_to_string(seeds.join("001_8a0716b9d2afbe4c.txt")).unwrap();
    let imported = stridegate::threat::import::import(&text, "Integrates", None, &metas, None);
    for (mitigation, rules) in [
        ("Information is encrypted at rest.", "[TF-0015, TF-0019, TF-0020, TF-0025]"),
        ("We have backups for the most important tables in the Database.", "[TF-0016, TF-0018]"),
        ("Secrets are rotated every two weeks.", "[TF-0030]"),
        ("Logs are sent to AWS Cloudwatch identifying who did what and when.", "[TF-0021, TF-0022]"),
    ] {
        let at = imported.yaml.find(mitigation).unwrap_or_else(|| panic!("{mitigation} not imported"));
        let evidence =
            imported.yaml[at..].lines().find(|l| l.trim_start().starts_with("evidence:") || l.trim_start().starts_with("- id:")).unwrap();
        assert!(evidence.contains(rules), "{mitigation}: {evidence}");
    }
    // Unbound mitigations are kept for attestation, never dropped.
    assert!(imported.yaml.contains("The Strict-Transport-Security response header is set."));
    assert!(imported.yaml.contains("# unbound: no rule's control vocabulary matches"));
}

/// `check FILE.md PATH` imports in memory: a team gates CI on the document it keeps.
#[test]
fn check_accepts_a_markdown_model() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("security.md");
    std::fs::write(
        &md,
        "## Threat Model\n\n### Components\n\n| Identifier | Description |\n| :-: | :-: |\n| _AWS RDS_ | Main database |\n\n### Threat Categorization\n\n#### Information disclosure\n\n1. An attacker may use data from a breach.\n\n   Mitigation:\n\n   - Information is encrypted at rest.\n   - Backups are kept.\n",
    )
    .unwrap();
    let code = dir.path().join("infra");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("db.tf"),
        "resource \"aws_db_instance\" \"main\" {\n  storage_encrypted       = false\n  backup_retention_period = 7\n}\n",
    )
    .unwrap();
    let out = stridegate(&["threat-model", "check", md.to_str().unwrap(), code.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = &json["mitigations"];
    assert_eq!(m[0]["text"], "Information is encrypted at rest.");
    assert_eq!(m[0]["status"], "violated");
    assert_eq!(m[0]["evidence"][0]["location"]["start"]["line"], 2);
    assert_eq!(m[1]["status"], "verified", "{}", m[1]);
}

/// Seeds 000 and 001 are two editions of one threat model: imported, the 2024 edition adds two
/// entry points and the STRIDE threats; checked against the Integrates fixture, its bound
/// mitigations are decided at the fixture's lines.
#[test]
fn integrates_editions_import_compare_and_check() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if !seeds.exists() {
        eprintln!("note: ../shared/seeds is absent: skipping");
        return;
    }
    let set = set();
    let metas: Vec<&stridegate::rules::meta::RuleMeta> = set.rules.iter().map(|r| r.meta.as_ref()).collect();
    let load = |file: &str| {
        let text = std::fs::read_to_string(seeds.join(file)).unwrap();
        let imported = stridegate::threat::import::import(&text, "Integrates", None, &metas, None);
        load_text(file, &imported.yaml).unwrap().model
    };
    let (old, new) = (load("000_71339edf66a0bdff.txt"), load("001_8a0716b9d2afbe4c.txt"));
    let ids = |points: &[stridegate::threat::model::Point]| points.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&old.entry_points), ["api", "front"]);
    assert_eq!(ids(&new.entry_points), ["api", "front", "retrieves", "forces"]);
    let components = |m: &stridegate::threat::model::ThreatModel| m.components.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(components(&old).len(), 13);
    assert_eq!(components(&old)[..12], components(&new)[..12]);
    assert_eq!((old.threats.len(), new.threats.len()), (0, 16));

    // The 2024 edition, as its Markdown, against the Integrates code.
    let md = seeds.join("001_8a0716b9d2afbe4c.txt");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("security.md");
    std::fs::copy(&md, &copy).unwrap();
    let out = stridegate(&["threat-model", "check", copy.to_str().unwrap(), "fixtures/seed-001-integrates", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let decided: Vec<(String, String, Vec<String>)> = json["mitigations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["rules"].as_array().unwrap().is_empty())
        .map(|m| {
            let fails = m["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["result"] == "fail")
                .map(|e| {
                    format!(
                        "{} {}:{}",
                        e["rule"].as_str().unwrap(),
                        e["location"]["file"].as_str().unwrap(),
                        e["location"]["start"]["line"]
                    )
                })
                .collect();
            (m["id"].as_str().unwrap().to_string(), m["status"].as_str().unwrap().to_string(), fails)
        })
        .collect();
    let expected = [
        ("T-3.1", "verified", vec![]),
        // HSTS is bound to K8S-0041, which finds no NGINX controller ConfigMap in this code.
        ("T-3.2", "unverifiable", vec![]),
        ("T-4.1", "verified", vec![]),
        ("R-2.1", "violated", vec!["TF-0021 infra/data.tf:50".to_string()]),
        ("I-1.1", "violated", vec!["TF-0030 infra/data.tf:74".to_string()]),
        ("I-1.2", "verified", vec![]),
    ];
    let expected: Vec<(String, String, Vec<String>)> = expected.into_iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c)).collect();
    assert_eq!(decided, expected);
}

/// The HTML report is one self-contained page: inline SVG diagram with trust boundaries,
/// STRIDE × element matrix coloured by status, evidence; no script and nothing fetched.
#[test]
fn html_report_is_self_contained_and_escaped() {
    let out = stridegate(&["threat-model", "report", "threat-models/se09-iot.threat-model.yaml", "--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 1, "one inline diagram");
    // The boundary `kubernetes` holds vernemq and cert-service: a box around each.
    assert_eq!(html.matches("<rect class=\"boundary\"").count(), 2, "{html}");
    assert!(html.contains("<table class=\"matrix\">"));
    assert!(html.contains("<th>vernemq <small>process</small></th><td class=\"attested\">attested</td>"), "{html}");
    assert!(html.contains("fail K8S-0001 at <code>L3_Services/cert-service.tf:23</code>"));
    for external in ["<script", "src=\"http", "href=\"http", "@import", "url(http", "url(//"] {
        assert!(!html.contains(external), "{external} in the report");
    }
    assert!(html.contains("Content-Security-Policy"));

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.threat-model.yaml");
    std::fs::write(
        &model,
        "version: 1\nsystem: \"<script>alert(1)</script>\"\ncomponents:\n  - id: a\n    name: \"<img src=x onerror=alert(1)>\"\n    kind: process\nboundaries:\n  - id: b\n    name: \"</svg><script>x</script>\"\n    components: [a]\nthreats:\n  - id: T\n    category: spoofing\n    title: \"\\\"><b>x</b>\"\n    targets: [a]\n    mitigations:\n      - text: \"\\e[2J\"\n",
    )
    .unwrap();
    let out = stridegate(&["threat-model", "report", model.to_str().unwrap(), dir.path().to_str().unwrap(), "--format", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>x") && !html.contains('\u{1b}'), "{html}");
    assert_eq!(html.matches("</svg>").count(), 1, "{html}");
}

/// The HTML report as a browser renders it: headless Chromium (Debian's package, installed by
/// .ci/run) loads the file, the rendered DOM holds the diagram and the matrix, and a screenshot
/// is kept in target/threat-model-report.png.
#[test]
fn html_report_renders_in_a_browser() {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(browser) = browser else {
        eprintln!("note: no Chromium on this machine (apt-get install chromium): the browser test is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = stridegate(&[
        "threat-model",
        "report",
        "threat-models/se09-iot.threat-model.yaml",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let url = format!("file://{}", page.display());
    let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600"];
    let dom = Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg") && dom.contains("VerneMQ MQTT broker"), "the diagram is not in the rendered page: {dom}");
    assert!(dom.contains("class=\"matrix\"") && dom.contains("<td class=\"violated\">violated</td>"), "{dom}");
    let shot = root().join("target/threat-model-report.png");
    let _ = std::fs::create_dir_all(root().join("target"));
    let run = Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", dir.path().join("profile2").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.exists() && std::fs::metadata(&shot).unwrap().len() > 10_000, "no screenshot: {}", String::from_utf8_lossy(&run.stderr));
}

/// Seed 002 is a design document (element lists, "security control:" bullets, Mermaid
/// diagrams): imported, checked as Markdown against the JazzHands fixture, its SAML and MFA
/// controls are violated at the fixture's lines.
#[test]
fn design_document_imports_and_checks() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds/002_9cad794a934d85dc.txt");
    if !seed.exists() {
        eprintln!("note: ../shared/seeds is absent: skipping");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let md = tmp.path().join("jazzhands.md");
    std::fs::copy(&seed, &md).unwrap();
    let out = stridegate(&["threat-model", "import", md.to_str().unwrap()]);
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("from: \"internet\"\n    to: \"application-load-balancer\""), "{yaml}");
    assert!(yaml.contains("from: \"jazzhands\"\n    to: \"identity-provider-okta\""), "{yaml}");
    assert!(yaml.contains("text: \"Database (Configuration & Audit): encryption at rest\""), "{yaml}");
    let out = stridegate(&["threat-model", "check", md.to_str().unwrap(), "fixtures/seed-002-jazzhands", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut fails: Vec<String> = json["mitigations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["evidence"].as_array().unwrap().iter())
        .filter(|e| e["result"] == "fail")
        .map(|e| format!("{} {}:{}", e["rule"].as_str().unwrap(), e["location"]["file"].as_str().unwrap(), e["location"]["start"]["line"]))
        .collect();
    fails.sort();
    fails.dedup();
    assert_eq!(fails, ["IAM-0010 terraform/roles.tf:69", "IAM-0010 terraform/roles.tf:82", "IAM-0012 terraform/roles.tf:37"]);
}
