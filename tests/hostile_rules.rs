//! Hostile input for the rules and the reports: half-written manifests whose pod specs,
//! containers and security contexts have the wrong type, IAM patterns full of glob syntax, YAML
//! streams with thousands of documents using anchors, minified one-line files with findings far
//! to the right, and names, paths and source lines carrying terminal escape sequences. Rules must
//! neither fail nor report what they cannot know, and every output format must stay intact.

// Test code: a broken fixture or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use stridegate::engine::Engine;
use stridegate::kubernetes::{pod_metadata_path, pod_spec_path};
use stridegate::model::{AttributePath, PathSegment};
use stridegate::rules::RuleSet;
use stridegate::rules::meta::WORKLOAD_KINDS;
use stridegate::scan::{FileRecord, Outcome, ScanOptions, ScanReport, scan};

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

fn library_scan(root: &Path) -> ScanReport {
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(&set, |_| true).expect("rules compile");
    scan(root, &engine, &ScanOptions::default()).expect("scan runs")
}

fn record<'r>(report: &'r ScanReport, path: &str) -> &'r FileRecord {
    report.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} not accounted for: {:#?}", report.files))
}

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate")).args(args).output().expect("run stridegate")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Sets `value` at `path` inside `root`, creating mappings on the way (replacing whatever is
/// not a mapping).
fn set(root: &mut Value, path: &AttributePath, value: Value) {
    let mut cur = root;
    for seg in &path.0 {
        cur = match seg {
            PathSegment::Key(k) => {
                if !cur.is_object() {
                    *cur = json!({});
                }
                cur.as_object_mut().unwrap().entry(k.clone()).or_insert(Value::Null)
            }
            PathSegment::Index(i) => &mut cur[*i],
        };
    }
    *cur = value;
}

fn keys(path: &[&str]) -> AttributePath {
    AttributePath(path.iter().map(|k| PathSegment::Key((*k).to_string())).collect())
}

/// A container that every Kubernetes rule accepts.
fn hardened_container(name: &str) -> Value {
    json!({
        "name": name,
        "image": "registry.example.com/app:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "securityContext": {
            "runAsNonRoot": true,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": false,
            "privileged": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}
        },
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
        "ports": [{"containerPort": 8080}],
        "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}]
    })
}

/// A workload of `kind` that every Kubernetes rule accepts (in a namespace with default-deny
/// policies, see [`NETWORK_POLICIES`]).
fn hardened(kind: &str, name: &str) -> Value {
    let api = if kind == "Pod" || kind == "PodTemplate" || kind == "ReplicationController" { "v1" } else { "apps/v1" };
    let mut object = json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "hostile"}});
    let spec = json!({
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [hardened_container("init")],
        "containers": [hardened_container("app")],
        "volumes": [{"name": "cache", "emptyDir": {}}]
    });
    set(&mut object, &pod_spec_path(kind).unwrap(), spec);
    set(&mut object, &pod_metadata_path(kind).unwrap().key("labels"), json!({"app": name}));
    if kind == "Pod" {
        // A Pod's metadata is its own: keep its name and namespace.
        set(&mut object, &keys(&["metadata", "name"]), json!(name));
        set(&mut object, &keys(&["metadata", "namespace"]), json!("hostile"));
    }
    object
}

/// Default-deny policies (both directions) for the namespaces the hostile workloads use, so that
/// the namespace-level rules have nothing to say.
const NETWORK_POLICIES: &str = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: hostile}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: default}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
";

/// Values of every type but a mapping (null means absent, which rules may rightly report).
fn not_mappings() -> Vec<Value> {
    vec![json!([1, "x"]), json!("half-written"), json!(42), json!(true)]
}

/// [`not_mappings`] and null, for the levels whose absence means there is no pod to judge.
fn not_mappings_or_null() -> Vec<Value> {
    let mut v = not_mappings();
    v.push(Value::Null);
    v
}

/// Values of every type but a list.
fn not_lists() -> Vec<Value> {
    vec![json!("x"), json!(42), json!({"a": 1}), json!(true)]
}

/// Every way the test breaks a workload of `kind`: (description, path, value).
fn breakages(kind: &str) -> Vec<(String, AttributePath, Value)> {
    let spec = pod_spec_path(kind).unwrap();
    let metadata = pod_metadata_path(kind).unwrap();
    let mut out = Vec::new();
    let mut add = |path: AttributePath, values: Vec<Value>| {
        for v in values {
            out.push((format!("{path} = {v}"), path.clone(), v));
        }
    };
    // The pod spec, and every level above it (the template, the job template...).
    for n in 1..=spec.len() {
        add(AttributePath(spec.0[..n].to_vec()), not_mappings_or_null());
    }
    // The pod template's metadata, its labels and annotations.
    for n in 1..=metadata.len() {
        add(AttributePath(metadata.0[..n].to_vec()), not_mappings_or_null());
    }
    add(metadata.key("annotations"), not_mappings_or_null());
    add(metadata.key("labels"), not_mappings_or_null());
    // Container lists, container entries and their mappings.
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        add(spec.key(list), not_lists());
    }
    for item in [json!("x"), json!(42), json!([1]), Value::Null, json!(true)] {
        add(spec.key("containers").index(0), vec![item]);
    }
    let container = spec.key("containers").index(0);
    for field in ["securityContext", "resources"] {
        add(container.key(field), not_mappings());
    }
    for field in ["capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions"] {
        add(container.key("securityContext").key(field), not_mappings());
    }
    add(container.key("resources").key("limits"), not_mappings());
    for list in ["env", "ports", "volumeMounts"] {
        add(container.key(list), not_lists());
        add(container.key(list).index(0), vec![json!("x"), json!(42), json!([1])]);
    }
    // Pod-level fields.
    add(spec.key("securityContext"), not_mappings_or_null());
    for field in ["seccompProfile", "appArmorProfile", "seLinuxOptions"] {
        add(spec.key("securityContext").key(field), not_mappings());
    }
    add(spec.key("securityContext").key("sysctls"), not_lists());
    add(spec.key("securityContext").key("sysctls"), vec![json!(["x", 42, [1]])]);
    add(spec.key("volumes"), not_lists());
    add(spec.key("volumes").index(0), vec![json!("x"), json!(42), json!([1])]);
    add(spec.key("volumes").index(0).key("hostPath"), vec![json!("x"), json!(42), json!([1]), json!(true)]);
    add(spec.key("os"), vec![json!("windows"), json!([1])]);
    out
}

/// Workloads of every pod-bearing kind with each part of the pod spec of the wrong type: no rule
/// may fail (the scan stays complete), and no rule may report anything, since everything that
/// can be read is hardened and nothing can be known from the broken part.
#[test]
fn pod_specs_of_the_wrong_type_never_fail_rules_or_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "policies.yaml", NETWORK_POLICIES);
    let mut described = Vec::new();
    // K8S-0053 reports values of the wrong type in the pod spec: (kind, name, broken path) of
    // the variants it must report, and only those.
    let mut mistyped = Vec::new();
    for kind in WORKLOAD_KINDS {
        let mut docs = vec![serde_json::to_string(&hardened(kind, "baseline")).unwrap()];
        described.push(format!("{kind} baseline"));
        for (i, (what, path, value)) in breakages(kind).into_iter().enumerate() {
            if path.0.starts_with(&pod_spec_path(kind).unwrap().0) && !value.is_null() {
                mistyped.push((kind.to_string(), format!("v{i}"), path.clone()));
            }
            let mut object = hardened(kind, &format!("v{i}"));
            set(&mut object, &path, value);
            docs.push(serde_json::to_string(&object).unwrap());
            described.push(format!("{kind} v{i}: {what}"));
        }
        write(dir.path(), &format!("{}.yaml", kind.to_lowercase()), docs.join("\n---\n"));
    }
    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "rules failed: {:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
    let by_resource = |f: &stridegate::finding::Finding| {
        let name = f.resource.rsplit('/').next().unwrap_or_default();
        let kind = f.resource.split('/').next().unwrap_or_default();
        described.iter().find(|d| d.starts_with(&format!("{kind} {name}:")) || **d == format!("{kind} {name}")).cloned()
    };
    let (schema, others): (Vec<_>, Vec<_>) = report.findings.iter().partition(|f| &*f.rule_id == "K8S-0053");
    let unexpected: Vec<String> =
        others.iter().map(|f| format!("{} {} on {:?}: {}", f.rule_id, f.resource, by_resource(f), f.message)).collect();
    assert!(unexpected.is_empty(), "false findings:\n{}", unexpected.join("\n"));
    let mut judged = std::collections::BTreeSet::new();
    for f in &schema {
        let name = f.resource.rsplit('/').next().unwrap_or_default();
        let kind = f.resource.split('/').next().unwrap_or_default();
        let variant = mistyped.iter().find(|(k, n, _)| k == kind && n == name);
        assert!(
            variant.is_some_and(|(_, _, path)| f.attribute.0.starts_with(&path.0)),
            "K8S-0053 {} on {:?} at {}: {}",
            f.resource,
            by_resource(f),
            f.attribute,
            f.message
        );
        judged.insert((kind.to_string(), name.to_string()));
    }
    let missed: Vec<_> = mistyped.iter().filter(|(k, n, _)| !judged.contains(&(k.clone(), n.clone()))).collect();
    assert!(missed.is_empty(), "K8S-0053 missed: {missed:#?}");
    for kind in WORKLOAD_KINDS {
        let path = format!("{}.yaml", kind.to_lowercase());
        assert!(matches!(record(&report, &path).outcome, Outcome::Analyzed { .. }), "{path}: {:?}", record(&report, &path).outcome);
    }
    // The baselines are really checked: breaking a field the other way round is reported.
    let mut privileged = hardened("Deployment", "control");
    let mut unreadable = hardened_container("x");
    unreadable["securityContext"] = json!("x");
    let mut loud = hardened_container("y");
    loud["securityContext"]["privileged"] = json!(true);
    set(&mut privileged, &keys(&["spec", "template", "spec", "containers"]), json!([unreadable, loud]));
    let control = tempfile::tempdir().expect("tempdir");
    write(control.path(), "policies.yaml", NETWORK_POLICIES);
    write(control.path(), "control.yaml", serde_json::to_string(&privileged).unwrap());
    let report = library_scan(control.path());
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(report.findings.iter().any(|f| &*f.rule_id == "K8S-0002" && f.message.contains("\"y\"")), "{:#?}", report.findings);
    assert!(
        report.findings.iter().all(|f| !f.message.contains("\"x\"") || &*f.rule_id == "K8S-0053"),
        "container x has an unreadable securityContext (which only K8S-0053 reports): {:#?}",
        report.findings
    );
}

/// Null where a mapping belongs means absent: rules may report what is missing, but never fail.
#[test]
fn nulls_in_pod_specs_never_fail_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut docs = Vec::new();
    for kind in WORKLOAD_KINDS {
        let spec = pod_spec_path(kind).unwrap();
        let container = spec.key("containers").index(0);
        let mut paths = vec![container.key("securityContext"), container.key("resources"), spec.key("securityContext")];
        for field in ["capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions"] {
            paths.push(container.key("securityContext").key(field));
            paths.push(spec.key("securityContext").key(field));
        }
        paths.push(container.key("resources").key("limits"));
        for (i, path) in paths.into_iter().enumerate() {
            let mut object = hardened(kind, &format!("n{i}"));
            set(&mut object, &path, Value::Null);
            docs.push(serde_json::to_string(&object).unwrap());
        }
    }
    write(dir.path(), "nulls.yaml", docs.join("\n---\n"));
    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
    assert!(report.findings.iter().any(|f| &*f.rule_id == "K8S-0003"), "a null securityContext sets nothing: {:#?}", report.findings);
}

/// A NetworkPolicy whose spec or rules have the wrong type does not make K8S-0022 fail.
#[test]
fn network_policies_of_the_wrong_type_never_fail_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut docs = Vec::new();
    for (i, spec) in [
        json!(null),
        json!("x"),
        json!([1]),
        json!(5),
        json!({"ingress": "x"}),
        json!({"ingress": ["x", 5, [1]]}),
        json!({"policyTypes": "Ingress", "egress": [{"to": "x", "ports": "x"}, {"ports": ["x", 5]}]}),
    ]
    .into_iter()
    .enumerate()
    {
        docs.push(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": format!("p{i}")}, "spec": spec})
                .to_string(),
        );
    }
    write(dir.path(), "policies.yaml", docs.join("\n---\n"));
    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
}

// --- IAM patterns ------------------------------------------------------------------------------

fn policy(statements: Value) -> String {
    serde_json::to_string_pretty(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
}

fn rule_findings<'r>(report: &'r ScanReport, rule: &str, file: &str) -> Vec<&'r stridegate::finding::Finding> {
    report.findings.iter().filter(|f| &*f.rule_id == rule && &*f.location.file == file).collect()
}

/// Action patterns match as AWS matches them: `*` and `?` only, case-insensitively, everything
/// else literal. Glob syntax neither fails a rule nor widens a pattern.
#[test]
fn iam_action_patterns_have_aws_semantics() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `[` would be an unclosed glob character class.
    write(dir.path(), "bracket.json", policy(json!([{"Effect": "Allow", "Action": ["s3:Get[", "s3:Get[*"], "Resource": "*"}])));
    // Glob braces would expand to iam:Create* and iam:Put* (privilege escalation).
    write(
        dir.path(),
        "braces.json",
        policy(json!([{"Effect": "Allow", "Action": ["iam:{Create,Put}*", "iam:{AttachRolePolicy,PassRole}"], "Resource": "*"}])),
    );
    // `?` is one character; names are case-insensitive.
    write(
        dir.path(),
        "question.json",
        policy(json!([{"Effect": "Allow", "Action": ["iam:Pass?ole", "ec2:RunInstance?"], "Resource": "*"}])),
    );
    write(dir.path(), "case.json", policy(json!([{"Effect": "Allow", "Action": ["IAM:passrole", "EC2:runinstances"], "Resource": "*"}])));
    // A trust policy: `sts:AssumeRol?` grants sts:AssumeRole to everyone; `sts:[A]ssumeRole` nothing.
    write(
        dir.path(),
        "trust.json",
        policy(json!([
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRol?", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:[A]ssumeRole", "Resource": "*"}
        ])),
    );
    // Data reads: `s3:GetObjec?` is s3:GetObject; `s3:GetObjec[t]` is nothing.
    write(dir.path(), "read.json", policy(json!([{"Effect": "Allow", "Action": ["s3:GetObjec?", "s3:GetObjec[t]"], "Resource": "*"}])));
    // NotAction with glob syntax excludes nothing it does not literally name.
    write(dir.path(), "not-action.json", policy(json!([{"Effect": "Allow", "NotAction": ["iam:{Create,Put}*"], "Resource": "*"}])));

    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "rules failed: {:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);

    // `s3:Get[` is no action at all.
    let unknown = rule_findings(&report, "IAM-0007", "bracket.json");
    assert!(unknown.iter().any(|f| f.message.contains("\"s3:Get[\"")), "{unknown:#?}");
    assert!(rule_findings(&report, "IAM-0004", "braces.json").is_empty(), "{:#?}", report.findings);
    assert!(rule_findings(&report, "IAM-0002", "braces.json").is_empty(), "{:#?}", report.findings);
    let escalation = rule_findings(&report, "IAM-0004", "question.json");
    assert_eq!(escalation.len(), 1, "{:#?}", report.findings);
    assert!(escalation[0].message.contains("iam:PassRole + ec2:RunInstances"), "{}", escalation[0].message);
    assert_eq!(rule_findings(&report, "IAM-0004", "case.json").len(), 1, "{:#?}", report.findings);
    // Only `sts:AssumeRol?` makes the first statement a trust statement ("can assume this role");
    // the second one names no action and stays a public resource-policy statement.
    let public: Vec<_> =
        rule_findings(&report, "IAM-0009", "trust.json").into_iter().filter(|f| f.message.contains("assume this role")).collect();
    assert_eq!(public.len(), 1, "{:#?}", report.findings);
    assert!(public[0].message.contains("sts:AssumeRol?"), "{}", public[0].message);
    let reads = rule_findings(&report, "IAM-0005", "read.json");
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert!(reads[0].message.contains("s3:GetObjec?"), "{}", reads[0].message);
    // NotAction [iam:{Create,Put}*] excludes nothing: every escalation action is granted.
    assert!(!rule_findings(&report, "IAM-0004", "not-action.json").is_empty(), "{:#?}", report.findings);
}

/// Resource patterns with glob syntax match literally: a grant on `acme-tf-[s]tate` or on
/// `{payments,crm}` prefixes does not name the state bucket's objects.
#[test]
fn iam_resource_patterns_with_brackets_are_literal() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        r#"terraform {
  backend "s3" {
    bucket         = "acme-tf-state"
    key            = "services/payments/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "acme-tf-locks"
  }
}

data "aws_iam_policy_document" "literal" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-tf-[s]tate/*", "arn:aws:s3:::acme-tf-state/services/{payments,crm}/*"]
  }
}

data "aws_iam_policy_document" "wild" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-tf-?tate/*"]
  }
}
"#,
    );
    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    let state: Vec<_> = report.findings.iter().filter(|f| &*f.rule_id == "IAM-0020").collect();
    assert_eq!(state.len(), 1, "only the `?` pattern names the state objects: {state:#?}");
    assert!(state[0].resource.contains("wild"), "{state:#?}");
}

// --- YAML anchors --------------------------------------------------------------------------------

/// A long multi-document stream with anchors in every document is legitimate: the alias budget
/// is per document. A single document with an alias bomb still fails, with its position.
#[test]
fn alias_budget_is_per_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Each document expands about 14 aliased nodes for every node it writes (more than the
    // factor of 10 the budget allows beyond its floor) but only ~450 in all: legitimate, even
    // though the 5,000 together expand 2.2 million.
    let aliases = vec!["*b"; 40].join(", ");
    let mut docs = Vec::new();
    for i in 0..5000 {
        docs.push(format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n  labels: &labels {{app: web, tier: front}}\ndata:\n  base: &b [a, b, c, d, e, f, g, h, i, j]\n  more: [{}]\n  labels: *labels\n",
            aliases
        ));
    }
    write(dir.path(), "many.yaml", docs.join("---\n"));
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n",
    );
    bomb.push_str("  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    write(dir.path(), "bomb.yaml", bomb);
    let report = library_scan(dir.path());
    assert_eq!(record(&report, "many.yaml").outcome, Outcome::Analyzed { resources: 5000 });
    let Outcome::Failed { message, location, resources } = &record(&report, "bomb.yaml").outcome else {
        panic!("bomb.yaml must fail: {:?}", record(&report, "bomb.yaml").outcome)
    };
    assert!(message.contains("alias expansion exceeds"), "{message}");
    // The tenth alias of `a3` (10 × 11,111 nodes) crosses the budget of 100,000, on line 14.
    assert_eq!(location.as_ref().map(|l| l.start.line), Some(14), "{message}");
    assert_eq!(*resources, 1, "the document before the bomb is still analyzed");
}

// --- terminal report -----------------------------------------------------------------------------

/// A finding far to the right of a one-line (minified) file is shown with a cut line around it:
/// no panic, the right line and column, and short output lines.
#[test]
fn terminal_report_of_a_finding_at_a_huge_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut statements: Vec<Value> = (0..2600)
        .map(|i| json!({"Sid": format!("Read{i}"), "Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::bucket-{i}")}))
        .collect();
    statements.push(json!({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}));
    let text = serde_json::to_string(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
    assert!(text.len() > 200_000 && !text.contains('\n'));
    write(dir.path(), "policy.json", &text);
    // The finding highlights `"Action":"*"`.
    let column = text.rfind("\"Action\":\"*\"").unwrap() + 1;
    assert!(column > 65_536);

    let out = stridegate(&["scan", path_str(dir.path()), "--color", "never", "--select", "IAM-0001"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "stderr: {}\nstdout: {stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("statement allows every action of every service"), "{stdout}");
    assert!(stdout.contains(&format!("[policy.json:1:{column}]")), "{stdout}");
    assert!(stdout.contains(" 1 │ …") && stdout.contains("{\"Sid\":\"Admin\""), "the line is cut around the span: {stdout}");
    let longest = stdout.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 300, "a line of {longest} characters:\n{stdout}");
}

/// Names, namespaces, paths, messages and source lines from the scanned repository carry escape
/// sequences, carriage returns, backspaces, C1 controls and bidi overrides. The terminal report
/// shows them visibly and never writes them raw; JSON and SARIF keep the exact strings.
#[test]
fn hostile_text_is_escaped_in_the_terminal_and_exact_in_json_and_sarif() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // A file name with ESC, a C1 CSI, a bidi override and a backspace.
    let evil_dir = "k8s\u{1b}[2J";
    let evil_file = "de\u{202e}ploy\u{9b}31m\u{8}.yaml";
    let evil_path = format!("{evil_dir}/{evil_file}");
    // YAML escapes put the controls in the values; the comment carries raw bidi controls.
    let manifest = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: \"web\\e]0;pwned\\a\\r\\bfake\"
  namespace: \"shop\\u202Eprod\\u2066x\\u2069\"
spec:
  template:
    spec:
      containers:
        - name: \"app\\e[31m\\x9b1m\\nINFO: all good\"
          image: nginx
          securityContext:
            privileged: true # \u{202e}eurt :degelivirp\u{2067}
";
    write(root, &evil_path, manifest);
    // A file that fails, named with an ESC: it is listed among the errors.
    write(root, "broken\u{1b}[1A.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b: c\n");
    // A skipped file (not infrastructure), listed with --verbose.
    write(root, "ci\u{7}\u{202e}.yml", "name: ci\non: push\n");

    let out = stridegate(&["scan", path_str(root), "--color", "never", "--verbose", "--select", "K8S-0002", "--select", "K8S-0016"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let raw: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c) || ('\u{2066}'..='\u{2069}').contains(c))
        .collect();
    assert!(raw.is_empty(), "raw control or bidi characters {raw:?} in:\n{text}");
    for visible in [
        "k8s\\x1b[2J/de\\u{202e}ploy\\x9b31m\\x08.yaml",
        "web\\x1b]0;pwned\\x07\\r\\x08fake",
        "shop\\u{202e}",
        "app\\x1b[31m\\u009b1m\\nINFO: all good",
        "pods of Deployment web\\x1b]0;pwned\\x07\\r\\x08fake mount",
        "broken\\x1b[1A.yaml",
        "ci\\x07\\u{202e}.yml",
        "\\u{202e}eurt :degelivirp\\u{2067}",
    ] {
        assert!(text.contains(visible), "{visible:?} not shown in:\n{text}");
    }

    // JSON and SARIF: the exact strings the scan produced (messages quote names as Rego's %q
    // does; resources and paths are raw).
    let report = library_scan(root);
    let f = report.findings.iter().find(|f| &*f.rule_id == "K8S-0002").expect("finding");
    assert_eq!(&*f.location.file, evil_path);
    assert_eq!(f.resource, "Deployment/shop\u{202e}prod\u{2066}x\u{2069}/web\u{1b}]0;pwned\u{7}\r\u{8}fake");
    let token = report.findings.iter().find(|f| &*f.rule_id == "K8S-0016").expect("K8S-0016 finding");
    assert!(token.message.contains("Deployment web\u{1b}]0;pwned\u{7}\r\u{8}fake"), "{}", token.message);
    let out = stridegate(&["scan", path_str(root), "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), report.findings.len());
    for (j, f) in findings.iter().zip(&report.findings) {
        assert_eq!(j["location"]["file"], json!(*f.location.file));
        assert_eq!(j["resource"], json!(f.resource));
        assert_eq!(j["message"], json!(f.message));
    }
    assert!(findings.iter().any(|j| j["location"]["file"] == json!(evil_path)));
    assert!(json["errors"].as_array().unwrap().iter().any(|e| e["file"] == json!("broken\u{1b}[1A.yaml")), "{json:#}");

    let out = stridegate(&["scan", path_str(root), "--format", "sarif", "--select", "K8S-0002"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF report");
    let result = &sarif["runs"][0]["results"][0];
    assert!(result["message"]["text"].as_str().unwrap().contains(&f.message), "{result}");
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert_eq!(percent_decode(uri), evil_path);
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notifications.iter().any(|n| n["message"]["text"].as_str().unwrap().starts_with("broken\u{1b}[1A.yaml: ")),
        "{notifications:#?}"
    );
}

fn percent_decode(s: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' && tail.len() >= 2 {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&tail[..2]).unwrap(), 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

// --- TLS, mesh, secrets and admission objects ------------------------------------------------

/// Half-written ingress, Ambassador, Istio, Secret, ConfigMap and Namespace objects: values of
/// the wrong type where the K8S-0040..K8S-0052 rules read mappings, lists or strings (null is
/// left out: it means absent, which rules may rightly report). The API server would reject
/// them, so nothing can be known from them: the rules neither fail nor report.
#[test]
fn tls_mesh_secret_and_admission_objects_of_the_wrong_type_never_fail_rules_or_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    // For mapping slots (a list stands for the wrong type of list slots too), for string slots,
    // and as list elements where strings belong.
    let not_containers = [json!("x"), json!(5), json!(true), json!([1, 2])];
    let not_strings = [json!([1, "y"]), json!({"a": "b"})];
    let elements = json!([1, true, [2], {"a": "b"}]);
    let mut docs = Vec::new();
    let mut push = |api: &str, kind: &str, body: Value| {
        let mut doc = json!({"apiVersion": api, "kind": kind});
        if let (Some(d), Value::Object(b)) = (doc.as_object_mut(), body) {
            d.extend(b);
        }
        docs.push(doc.to_string());
    };
    let meta = || json!({"name": "odd", "namespace": "shop"});
    for v in &not_containers {
        push("v1", "ConfigMap", json!({"metadata": {"name": "ingress-nginx-controller"}, "data": v}));
        push("v1", "ConfigMap", json!({"metadata": v, "data": {"ssl-ciphers": "ECDHE-RSA-AES128-GCM-SHA256"}}));
        push("networking.k8s.io/v1", "Ingress", json!({"metadata": {"name": "odd", "annotations": v}, "spec": {"tls": v}}));
        push("getambassador.io/v3alpha1", "TLSContext", json!({"metadata": meta(), "spec": v}));
        push("getambassador.io/v3alpha1", "Host", json!({"metadata": meta(), "spec": {"tls": v}}));
        push("getambassador.io/v2", "Module", json!({"metadata": meta(), "spec": {"config": v}}));
        push("getambassador.io/v2", "Module", json!({"metadata": meta(), "spec": v}));
        push("networking.istio.io/v1", "Gateway", json!({"metadata": meta(), "spec": {"servers": v}}));
        push("networking.istio.io/v1", "Gateway", json!({"metadata": meta(), "spec": {"servers": [v, {"port": v, "tls": v}]}}));
        push("security.istio.io/v1", "PeerAuthentication", json!({"metadata": meta(), "spec": v}));
        push(
            "security.istio.io/v1",
            "PeerAuthentication",
            json!({"metadata": meta(), "spec": {"mtls": v, "portLevelMtls": v, "selector": v}}),
        );
        push("networking.istio.io/v1", "DestinationRule", json!({"metadata": meta(), "spec": {"trafficPolicy": v, "subsets": v}}));
        push(
            "networking.istio.io/v1",
            "DestinationRule",
            json!({"metadata": meta(), "spec": {"trafficPolicy": {"tls": v, "portLevelSettings": v}, "subsets": [v, {"trafficPolicy": v}]}}),
        );
        push("v1", "Secret", json!({"metadata": meta(), "data": v, "stringData": v}));
        push("v1", "Namespace", json!({"metadata": {"name": "odd", "labels": v}}));
        push("v1", "Namespace", json!({"metadata": v}));
        push(
            "apps/v1",
            "Deployment",
            json!({"metadata": meta(), "spec": {"template": {"spec": {"containers": [{"name": "a", "args": v, "command": v, "env": v}]}}}}),
        );
    }
    for v in &not_strings {
        push(
            "v1",
            "ConfigMap",
            json!({"metadata": {"name": "ingress-nginx-controller"}, "data": {"ssl-protocols": v, "ssl-ciphers": v, "hsts": v, "hsts-max-age": v, "ssl-redirect": v, "password": v}}),
        );
        push(
            "networking.k8s.io/v1",
            "Ingress",
            json!({"metadata": {"name": "odd", "annotations": {"nginx.ingress.kubernetes.io/ssl-ciphers": v, "nginx.ingress.kubernetes.io/ssl-protocols": v, "nginx.ingress.kubernetes.io/ssl-redirect": v}}, "spec": {"tls": [{"hosts": ["a"]}]}}),
        );
        push(
            "getambassador.io/v2",
            "TLSContext",
            json!({"metadata": meta(), "spec": {"min_tls_version": v, "max_tls_version": v, "cipher_suites": elements, "ecdh_curves": elements}}),
        );
        push(
            "networking.istio.io/v1",
            "Gateway",
            json!({"metadata": meta(), "spec": {"servers": [{"port": {"number": 443, "protocol": "HTTPS"}, "tls": {"mode": v, "cipherSuites": elements, "minProtocolVersion": v, "maxProtocolVersion": v}}]}}),
        );
        push(
            "security.istio.io/v1",
            "PeerAuthentication",
            json!({"metadata": meta(), "spec": {"mtls": {"mode": v}, "portLevelMtls": {"8080": {"mode": v}}}}),
        );
        push("networking.istio.io/v1", "DestinationRule", json!({"metadata": meta(), "spec": {"trafficPolicy": {"tls": {"mode": v}}}}));
        push("v1", "Secret", json!({"metadata": meta(), "data": {"a": v, "b": "not base64!"}, "stringData": {"c": v}}));
        push(
            "v1",
            "Namespace",
            json!({"metadata": {"name": "odd", "labels": {"pod-security.kubernetes.io/enforce": "restricted", "x": v}}}),
        );
        push(
            "apps/v1",
            "Deployment",
            json!({"metadata": meta(), "spec": {"template": {"spec": {"containers": [{"name": "a", "args": elements, "command": elements, "env": [{"name": v, "value": v}]}]}}}}),
        );
    }
    write(dir.path(), "odd.yaml", docs.join("\n---\n"));
    let report = library_scan(dir.path());
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
    let ours: Vec<String> = report
        .findings
        .iter()
        .filter(|f| ("K8S-0040".."K8S-0053").contains(&&*f.rule_id))
        .map(|f| format!("{} line {}: {}", f.rule_id, f.location.start.line, f.message))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}
