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

/// `rules/lib/secrets.rego` screens values with one cheap pattern before its credential
/// patterns: every credential pattern must pass the screen, or it silently never matches. Each
/// pattern has a sample here (a new pattern without one fails the test), which must be
/// recognised as exactly its kind.
#[test]
fn every_credential_pattern_passes_the_secrets_screen() {
    let mut engine = regorus::Engine::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    engine.add_policy_from_file(root.join("lib/secrets.rego")).unwrap();
    let samples = [
        ("a PEM private key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----"),
        ("an AWS access key id", "aws_access_key_id = AKIA4QH8DD3MWQ7ZUVRX"),
        ("a GitHub token", "ghs_Zq8XkR2mW9pLt4Vn7Yc1Bd5Fg3Hj6Ks0Na2e"),
        ("a GitLab token", "glpat-Xq7mZ2vL9kR4tN8wB3cD"),
        ("a Slack token", "xoxb-2048615937-Zq8XkR2mW9pL"),
        ("a Slack webhook URL", "https://hooks.slack.com/services/T0A1B2C3D/B0E1F2G3H/x8Wq2ErT6yUi9oPa4sDf"),
        ("a JSON Web Token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3QifQ.3q2fA8sVn1Kk0pXyZt7RwE4uJmLb"),
        ("a Google API key", "AIzaSyD4Kq8Zm2Lx9Vt7Rw3Nb6Hc1Pj5Fg0Sd2e"),
        ("a Stripe live secret key", "sk_live_4eC39HqLyjWDarjtT1zdp7dcQ"),
        ("a password in a URL", "amqp://orders:Wq7rT2vLk9@rabbitmq.shop.svc:5672"),
        ("a secret-looking assignment", "--client-secret=Zk4mQ9xv2LpR7tNa"),
    ];
    let kinds = engine.eval_query("object.keys(data.stridegate.lib.secrets.credential_patterns)".to_string(), false).unwrap();
    let kinds = kinds.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.to_json_str().unwrap()).unwrap();
    let mut kinds: Vec<String> = serde_json::from_str(&kinds).unwrap();
    kinds.push("a secret-looking assignment".to_string());
    kinds.sort();
    let mut sampled: Vec<String> = samples.iter().map(|(k, _)| (*k).to_string()).collect();
    sampled.sort();
    assert_eq!(kinds, sampled, "every credential pattern needs a sample in this test");
    for (kind, sample) in samples {
        let literal = serde_json::to_string(sample).unwrap();
        assert!(
            query_bool(&mut engine, &format!("data.stridegate.lib.secrets.may_hold_credential({literal})")),
            "the screen misses {kind}: {sample}"
        );
        let got = engine.eval_query(format!("data.stridegate.lib.secrets.credential_kind({literal})"), false).unwrap();
        let got = got.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.clone());
        assert_eq!(got, Some(regorus::Value::from(kind)), "{sample}");
    }
}
