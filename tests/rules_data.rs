//! Data tables that rules spell out as literals for speed (a value computed inside a policy is
//! recomputed for every resource) must agree with the tables they are derived from.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;

fn engine_with(policy: &str) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for lib in ["lib/iam.rego", "lib/terraform.rego"] {
        engine.add_policy_from_file(root.join(lib)).unwrap();
    }
    let dir = std::fs::read_dir(root.join("iam")).unwrap().flatten().find(|e| e.file_name().to_string_lossy().starts_with(policy)).unwrap();
    engine.add_policy_from_file(dir.path().join("policy.rego")).unwrap();
    engine
}

fn query_bool(engine: &mut regorus::Engine, query: &str) -> bool {
    let results = engine.eval_query(query.to_string(), false).unwrap();
    let value = results.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.clone()).unwrap();
    value == regorus::Value::from(true)
}

#[test]
fn privilege_escalation_action_tables_match_its_methods() {
    let mut engine = engine_with("IAM-0004");
    let check = r#"package check
import rego.v1

p := data.stridegate.rules.iam_0004

computed := {lower(a) | some m in p.methods; some a in m.actions}

by_service := {svc: {a | some a in computed; startswith(a, concat("", [svc, ":"]))} |
	some action in computed
	svc := split(action, ":")[0]
}

actions_ok if computed == p.method_actions

by_service_ok if by_service == p.actions_by_service
"#;
    engine.add_policy("check.rego".to_string(), check.to_string()).unwrap();
    assert!(query_bool(&mut engine, "data.check.actions_ok"), "IAM-0004 method_actions is out of date");
    assert!(query_bool(&mut engine, "data.check.by_service_ok"), "IAM-0004 actions_by_service is out of date");
}

#[test]
fn internal_load_balancer_annotations_match_the_exposure_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/kubernetes");
    let dir = std::fs::read_dir(&root).unwrap().flatten().find(|e| e.file_name().to_string_lossy().starts_with("K8S-0032")).unwrap();
    let mut engine = regorus::Engine::new();
    engine.add_policy_from_file(dir.path().join("policy.rego")).unwrap();
    let results = engine.eval_query("data.stridegate.rules.k8s_0032.internal_annotations".to_string(), false).unwrap();
    let value = results.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.clone()).unwrap();
    let rego: serde_json::Value = serde_json::from_str(&value.to_json_str().unwrap()).unwrap();
    let mut from_rego: Vec<(String, Vec<String>)> = rego
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let mut values: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
            values.sort();
            (k.clone(), values)
        })
        .collect();
    from_rego.sort();
    let mut from_rust: Vec<(String, Vec<String>)> = stridegate::threat::exposure::INTERNAL_LOAD_BALANCER_ANNOTATIONS
        .iter()
        .map(|(k, v)| {
            let mut values: Vec<String> = v.iter().map(|x| (*x).to_string()).collect();
            values.sort();
            ((*k).to_string(), values)
        })
        .collect();
    from_rust.sort();
    assert_eq!(from_rego, from_rust, "K8S-0032 internal_annotations and threat::exposure disagree");
}
