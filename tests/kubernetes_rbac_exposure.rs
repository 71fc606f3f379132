//! The RBAC and exposure rules (K8S-0023..0038) on half-written objects: rules, subjects,
//! role references, Service specs, Ingress rules and TLS entries of the wrong type, and unknown
//! values, must neither fail a rule nor produce a finding (nothing can be known from them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use serde_json::{Value, json};
use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};

fn is_new_rule(id: &str) -> bool {
    id.strip_prefix("K8S-").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| (23..=39).contains(&n))
}

fn scan_docs(docs: &[Value]) -> stridegate::scan::ScanReport {
    let dir = tempfile::tempdir().unwrap();
    let text: Vec<String> = docs.iter().map(|d| serde_json::to_string(d).unwrap()).collect();
    std::fs::write(dir.path().join("objects.yaml"), text.join("\n---\n")).unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| is_new_rule(&m.id)).unwrap();
    scan(dir.path(), &engine, &ScanOptions::default()).unwrap()
}

fn bad_values() -> Vec<Value> {
    vec![Value::Null, json!("x"), json!(42), json!(true), json!([1, "x", [2]]), json!({"a": 1}), json!({"$unknown": "var.x"})]
}

#[test]
fn malformed_rbac_objects_never_fail_or_report() {
    let mut docs = Vec::new();
    for (i, bad) in bad_values().into_iter().enumerate() {
        for kind in ["Role", "ClusterRole"] {
            let meta = json!({"name": format!("r{i}"), "namespace": "shop"});
            docs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": bad}));
            docs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": [bad]}));
            for field in ["verbs", "resources", "apiGroups", "resourceNames"] {
                let mut rule = json!({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["get"]});
                rule[field] = bad.clone();
                docs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": [rule]}));
            }
            docs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": bad,
                "aggregationRule": {"clusterRoleSelectors": bad}, "rules": []}));
        }
        for kind in ["RoleBinding", "ClusterRoleBinding"] {
            let meta = json!({"name": format!("b{i}"), "namespace": "shop"});
            docs.push(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "roleRef": bad, "subjects": bad}),
            );
            docs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta,
                "roleRef": {"kind": "ClusterRole", "name": bad}, "subjects": [bad, {"kind": bad, "name": "default"}, {"kind": "ServiceAccount", "name": bad}]}));
        }
        docs.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("s{i}")}, "spec": bad}));
        docs.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("t{i}")},
            "spec": {"type": bad, "externalIPs": bad, "loadBalancerSourceRanges": bad}}));
        docs.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": format!("i{i}")}, "spec": bad}));
        docs.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": format!("j{i}")},
            "spec": {"rules": [{"host": "a.example.com"}], "tls": bad}}));
        docs.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": format!("k{i}")},
            "spec": {"rules": [{"host": "a.example.com"}], "tls": [{"hosts": bad}]}}));
        docs.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": format!("l{i}")},
            "spec": {"rules": [bad], "tls": [{"hosts": ["a.example.com"]}]}}));
    }
    let report = scan_docs(&docs);
    assert!(report.rule_failures.is_empty(), "rules failed: {:#?}", report.rule_failures);
    assert!(!report.is_incomplete(), "{:#?}", report.files);
    // Nothing can be known from a value of the wrong type. Null is absent, though: an Ingress
    // whose `tls` is null has no TLS, so its host is rightly reported (and nothing else is).
    let findings: Vec<String> = report.findings.iter().map(|f| format!("{} {} {}", f.rule_id, f.resource, f.attribute)).collect();
    assert_eq!(findings, ["K8S-0035 Ingress/default/j0 spec.rules[0].host"], "{:#?}", report.findings);
}

#[test]
fn unknown_load_balancer_annotations_are_not_taken_for_public() {
    let service = |annotations: Value| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "annotations": annotations},
            "spec": {"type": "LoadBalancer"}})
    };
    let report = scan_docs(&[service(json!({"$unknown": "var.annotations"}))]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // The control: the same Service without annotations is reported, at `type`.
    let report = scan_docs(&[service(json!({}))]);
    let got: Vec<(&str, String)> = report.findings.iter().map(|f| (&*f.rule_id, f.attribute.to_string())).collect();
    assert_eq!(got, [("K8S-0032", "spec.type".to_string())]);
}

/// The exposure rules and the threat model's internet-exposure classification agree: every
/// Service a rule reports as reachable is an entry point, and internal load balancers are not.
#[test]
fn exposure_rules_agree_with_the_exposure_classification() {
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| ["K8S-0032", "K8S-0033", "K8S-0034", "K8S-0035"].contains(&m.id.as_str())).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/kubernetes");
    let options = ScanOptions { inventory: true, ..ScanOptions::default() };
    let mut reported = 0;
    for rule in [
        "K8S-0032-load-balancer-open-to-internet",
        "K8S-0033-node-port-service",
        "K8S-0034-service-external-ips",
        "K8S-0035-ingress-without-tls",
    ] {
        for fixture in ["fail.yaml", "pass.yaml"] {
            let report = scan(&root.join(rule).join(fixture), &engine, &options).unwrap();
            for f in &report.findings {
                let summary = report.inventory.iter().find(|r| r.address == *f.resource).unwrap();
                assert!(summary.exposure.is_some(), "{rule}/{fixture}: {} is reported by {} but not exposed", f.resource, f.rule_id);
                reported += 1;
            }
            if rule.starts_with("K8S-0032") && fixture == "pass.yaml" {
                let exposed: Vec<(&str, Option<&str>)> =
                    report.inventory.iter().map(|r| (r.address.as_str(), r.exposure.as_deref())).collect();
                assert_eq!(
                    exposed,
                    [
                        ("Service/shop/api", Some("Service of type LoadBalancer")),
                        ("Service/shop/billing", None),
                        ("Service/shop/reports", None),
                        ("Service/shop/search", None),
                        ("Service/shop/web", None),
                    ]
                );
            }
        }
    }
    assert_eq!(reported, 10, "fixture findings checked");
}
