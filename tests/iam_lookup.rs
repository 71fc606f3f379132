//! The native action lookup of the IAM rules (`stridegate.iam_matching`, `iam.matching`,
//! `iam.granted_names` in `rules/lib/iam.rego`): its Rego side agrees with the per-name
//! wildcard matcher it replaced, and every action name a rule watches is a catalogue action (a
//! misspelt watched action would silently never match).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

mod common;
use common::rego_query as eval;

use std::path::Path;

use serde_json::{Value, json};
use stridegate::iam::catalogue::Catalogue;
use stridegate::iam::wildcard::action_matches;

fn engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    stridegate::engine::add_extensions(&mut engine).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for lib in ["lib/iam.rego", "lib/terraform.rego"] {
        engine.add_policy_from_file(root.join(lib)).unwrap();
    }
    for dir in std::fs::read_dir(root.join("iam")).unwrap().flatten() {
        let policy = dir.path().join("policy.rego");
        if policy.exists() {
            engine.add_policy_from_file(policy).unwrap();
        }
    }
    engine.set_input(regorus::Value::new_object());
    engine
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
    out.sort();
    out
}

/// Action names (`service:action`) of a watched table: a set of names, or an object of such sets
/// by lowercased service, at least one of which is a catalogue action (so that a set of condition
/// operators such as `forallvalues:stringequals` or of condition keys is not taken for one; the
/// tables the rules match against are listed in the test, so none goes unchecked). `None` when
/// the value is not such a table.
fn table_names(v: &Value) -> Option<Vec<(Option<String>, String)>> {
    let names = all_names(v)?;
    let catalogue = Catalogue::get();
    names.iter().any(|(_, n)| catalogue.action(n).is_some()).then_some(names)
}

fn all_names(v: &Value) -> Option<Vec<(Option<String>, String)>> {
    let name = |x: &Value| x.as_str().filter(|s| s.contains(':') && !s.contains(' ')).map(str::to_string);
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(|x| name(x).map(|n| (None, n))).collect(),
        Value::Object(map) if !map.is_empty() => {
            let mut out = Vec::new();
            for (service, group) in map {
                for x in group.as_array()? {
                    out.push((Some(service.clone()), name(x)?));
                }
            }
            Some(out)
        }
        _ => None,
    }
}

#[test]
fn every_watched_action_is_in_the_catalogue() {
    let mut engine = engine();
    let catalogue = Catalogue::get();
    let mut tables = Vec::new();
    for dir in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/iam")).unwrap().flatten() {
        let id = dir.file_name().to_string_lossy()[..8].to_lowercase().replace('-', "_");
        let package = eval(&mut engine, &format!("data.stridegate.rules.{id}"));
        let Some(values) = package.as_object() else { continue };
        for (name, value) in values {
            let Some(names) = table_names(value) else { continue };
            for (service, action) in names {
                let found = catalogue.action(&action);
                assert!(found.is_some(), "{id}.{name}: {action} is not a catalogue action");
                if let Some(service) = service {
                    assert_eq!(action.split(':').next().unwrap(), service, "{id}.{name}: {action} is filed under service {service}");
                    assert_eq!(action, action.to_lowercase(), "{id}.{name}: by-service tables hold lowercased names");
                }
            }
            tables.push(format!("{id}.{name}"));
        }
    }
    tables.sort();
    // The test must see the tables the rules match against, or it proves nothing.
    for expected in [
        "iam_0004.actions_by_service",
        "iam_0004.method_actions",
        "iam_0005.sensitive_actions",
        "iam_0024.credential_actions",
        "iam_0025.policy_actions",
    ] {
        assert!(tables.iter().any(|t| t == expected), "{expected} not checked; found {tables:?}");
    }
}

#[test]
fn a_misspelt_watched_action_is_caught() {
    // The check above relies on table_names recognising tables; a name absent from the catalogue
    // must be reported by Catalogue::action.
    assert!(Catalogue::get().action("iam:PassRoles").is_none());
    assert!(Catalogue::get().action("iam:passrole").is_some());
    assert_eq!(table_names(&json!(["iam:passrole", "s3:getobject"])).unwrap().len(), 2);
    assert_eq!(table_names(&json!({"iam": ["iam:passrole"]})).unwrap(), [(Some("iam".to_string()), "iam:passrole".to_string())]);
    assert!(table_names(&json!(["Permissions management"])).is_none());
    assert!(table_names(&json!(["forallvalues:stringequals"])).is_none());
    assert!(table_names(&json!(["aws:multifactorauthage", "sts:externalid"])).is_none());
    // One catalogue action makes it a table: then a misspelt name beside it is reported.
    assert_eq!(table_names(&json!(["iam:passrole", "iam:passroles"])).unwrap().len(), 2);
}

#[test]
fn matching_agrees_with_the_wildcard_matcher() {
    let mut engine = engine();
    let names: Vec<&str> = vec![
        "iam:PassRole",
        "iam:passrole",
        "iam:CreatePolicyVersion",
        "s3:GetObject",
        "ec2:RunInstances",
        "ec2-instance-connect:SendSSHPublicKey",
        "lambda:InvokeFunction",
    ];
    let patterns = [
        "*",
        "*:*",
        "iam:*",
        "IAM:Pass*",
        "iam:pass?ole",
        "iam:{Pass,Create}*",
        "iam:[P]assRole",
        "ec2*",
        "ec2:*",
        "*:Get*",
        "*Function",
        "s3:GetObject",
        "s3:GetObjects",
        "",
        "é*",
    ];
    for pattern in patterns {
        let expected: Vec<String> = {
            let mut v: Vec<String> = names.iter().filter(|n| action_matches(pattern, n)).map(|n| (*n).to_string()).collect();
            v.sort();
            v
        };
        let query = format!("data.stridegate.lib.iam.matching({}, {})", json!(pattern), json!(names));
        assert_eq!(sorted(&eval(&mut engine, &query)), expected, "pattern {pattern:?}");
    }
}

#[test]
fn granted_names_agrees_with_grants_for_each_name() {
    let mut engine = engine();
    let names = json!(["iam:passrole", "iam:createpolicyversion", "s3:getobject", "ec2:runinstances", "kms:decrypt"]);
    let statements = [
        json!({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": ["s3:Get*", "KMS:Decrypt"], "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Action": "iam:PassRole", "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": [], "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": null, "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": {"$unknown": "var.excluded"}, "Resource": "*"}),
        json!({"Effect": "Allow", "Action": {"$unknown": "var.actions"}, "Resource": "*"}),
        json!({"Effect": "Allow", "Action": ["iam:PassRole", {"$unknown": "var.more"}], "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": ["ec2:*", {"$unknown": "var.more"}], "Resource": "*"}),
        json!({"Effect": "Allow", "Resource": "*"}),
    ];
    for s in statements {
        let got = sorted(&eval(&mut engine, &format!("data.stridegate.lib.iam.granted_names({s}, {{x | some x in {names}}})")));
        let expected = sorted(&eval(&mut engine, &format!("[x | some x in {names}; data.stridegate.lib.iam.grants({s}, x)]")));
        assert_eq!(got, expected, "statement {s}");
    }
    // Not vacuous: NotAction grants what it does not exclude.
    let s = json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"});
    let got = sorted(&eval(&mut engine, &format!("data.stridegate.lib.iam.granted_names({s}, {{x | some x in {names}}})")));
    assert_eq!(got, ["ec2:runinstances", "kms:decrypt", "s3:getobject"]);
}
