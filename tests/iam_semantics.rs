//! IAM semantics shared by the Rego rules (`rules/lib/iam.rego`): Deny statements, condition
//! reachability, ARNs covering every resource of their kind; and the action tables of IAM-0024
//! and IAM-0025 checked against the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;

use serde_json::{Value, json};
use stridegate::iam::catalogue::Catalogue;

fn engine_with(policies: &[&str]) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    stridegate::engine::add_extensions(&mut engine).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    engine.add_policy_from_file(root.join("lib/iam.rego")).unwrap();
    for prefix in policies {
        let dir =
            std::fs::read_dir(root.join("iam")).unwrap().flatten().find(|e| e.file_name().to_string_lossy().starts_with(prefix)).unwrap();
        engine.add_policy_from_file(dir.path().join("policy.rego")).unwrap();
    }
    engine
}

/// The value of `query`, as JSON (`null` when undefined).
fn eval(engine: &mut regorus::Engine, query: &str) -> Value {
    let results = engine.eval_query(query.to_string(), false).unwrap();
    results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .map_or(Value::Null, |e| serde_json::from_str(&e.value.to_json_str().unwrap()).unwrap())
}

fn with_input(engine: &mut regorus::Engine, doc: &Value) {
    engine.set_input(regorus::Value::from_json_str(&doc.to_string()).unwrap());
}

#[test]
fn public_reach_judges_conditions_for_an_outside_caller() {
    let mut engine = engine_with(&[]);
    with_input(&mut engine, &json!({}));
    let cases = [
        (json!({"Effect": "Allow"}), "none"),
        (json!({"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}), "restricted"),
        (json!({"Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}), "restricted"),
        (json!({"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs"}, "Bool": {"aws:SecureTransport": true}}}), "restricted"),
        // Keys the caller chooses, or values letting everyone in, leave the statement open.
        (json!({"Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}), "open"),
        (json!({"Condition": {"StringLike": {"aws:UserAgent": "*"}}}), "open"),
        (json!({"Condition": {"StringLike": {"aws:SourceVpce": "*"}}}), "open"),
        (json!({"Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}), "open"),
        (json!({"Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}), "open"),
        (json!({"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}), "open"),
        // Service keys, tags and unknown values cannot be judged.
        (json!({"Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}), "undecided"),
        (json!({"Condition": {"StringEquals": {"aws:SourceVpce": {"$unknown": "var.vpce"}}}}), "undecided"),
        (json!({"Condition": {}}), "undecided"),
        (json!({"Condition": {"$unknown": "var.conditions"}}), "undecided"),
    ];
    for (statement, expected) in cases {
        let got = eval(&mut engine, &format!("data.stridegate.lib.iam.public_reach({statement})"));
        assert_eq!(got, json!(expected), "{statement}");
    }
}

#[test]
fn a_deny_cancels_an_allow_only_when_it_covers_action_and_resources_unconditionally() {
    let mut engine = engine_with(&[]);
    let allow = json!({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::logs/*"});
    let cases = [
        (json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}), true),
        (json!({"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::*"}), true),
        (json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}), false), // patterns are not expanded
        (json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}), false), // narrower pattern
        (json!({"Effect": "Deny", "Action": "s3:Get?bject*", "Resource": "*"}), false), // `?` may only match the `*`
        (json!({"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::audit/*"}), false),
        (json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}), false),
        (json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": {"AWS": "arn:aws:iam::111122223333:role/x"}}), false),
        (json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": "*"}), true),
    ];
    for (deny, expected) in cases {
        with_input(&mut engine, &json!({"Statement": [allow, deny]}));
        let got = eval(&mut engine, &format!("data.stridegate.lib.iam.denied({allow}, \"s3:Get*\")"));
        assert_eq!(got == json!(true), expected, "{deny}");
    }
    // An action name is denied by a NotAction Deny that does not list it.
    with_input(&mut engine, &json!({"Statement": [allow, {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]}));
    assert_eq!(eval(&mut engine, &format!("data.stridegate.lib.iam.denied({allow}, \"s3:GetObject\")")), json!(true));
}

#[test]
fn wide_arns_cover_every_resource_of_their_kind() {
    let mut engine = engine_with(&[]);
    with_input(&mut engine, &json!({}));
    let cases = [
        ("arn:aws:s3:::*", "s3:PutBucketPolicy", true),
        ("arn:aws:s3:::*/*", "s3:PutObject", true),
        ("arn:*:cloudtrail:*:*:trail/*", "cloudtrail:StopLogging", true),
        ("arn:aws:sqs:*:*:*", "sqs:AddPermission", true),
        ("arn:aws:s3:::logs/*", "s3:PutObject", false),
        ("arn:aws:lambda:eu-west-1:111122223333:function:*", "lambda:AddPermission", false),
        ("arn:aws:sqs:*:*:*", "sns:AddPermission", false),
    ];
    for (arn, action, expected) in cases {
        let got = eval(&mut engine, &format!("data.stridegate.lib.iam.wide_arn({arn:?}, {action:?})"));
        assert_eq!(got == json!(true), expected, "{arn} for {action}");
    }
}

/// Every action of a rule's `{service: {actions}}` table, checked against the catalogue.
fn check_table(rule: &str, query: &str, need_arns: bool) {
    let mut engine = engine_with(&[rule]);
    let table = eval(&mut engine, query);
    let table = table.as_object().unwrap_or_else(|| panic!("{rule}: {query} is not an object"));
    assert!(table.len() > 5, "{rule}: table too small");
    let catalogue = Catalogue::get();
    for (service, actions) in table {
        for action in actions.as_array().unwrap() {
            let action = action.as_str().unwrap();
            assert_eq!(action, action.to_ascii_lowercase(), "{rule}: {action} must be lowercase");
            assert!(action.starts_with(&format!("{service}:")), "{rule}: {action} filed under {service}");
            let found = catalogue.action(action).unwrap_or_else(|| panic!("{rule}: {action} is not in the catalogue"));
            if need_arns {
                assert!(!found.resource_types.is_empty(), "{rule}: {action} accepts no resource ARN");
            }
        }
    }
}

#[test]
fn credential_actions_are_catalogue_actions() {
    check_table("IAM-0024", "data.stridegate.rules.iam_0024.credential_actions", false);
}

#[test]
fn resource_policy_actions_are_catalogue_actions_that_accept_arns() {
    check_table("IAM-0025", "data.stridegate.rules.iam_0025.policy_actions", true);
}

/// Conditions, Deny statements and principals of the wrong shape never make an IAM rule fail.
#[test]
fn malformed_conditions_and_denies_never_fail_a_rule() {
    use stridegate::engine::Engine;
    use stridegate::rules::RuleSet;
    use stridegate::scan::{ScanOptions, scan};
    let odd = [
        json!([1]),
        json!("StringEquals"),
        json!({"StringEquals": "aws:SourceIp"}),
        json!({"StringEquals": {"aws:SourceVpce": {"nested": [1, {"x": true}]}}}),
        json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": [null, 3, true]}}),
        json!({"Bool": {"aws:MultiFactorAuthPresent": [false, "false", 0]}}),
        json!({"": {"": ""}}),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, condition) in odd.iter().enumerate() {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances", "redshift:Get*", "s3:Put*"], "Resource": "*", "Condition": condition},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::*", 7], "Condition": condition},
            {"Effect": "Allow", "NotPrincipal": {"AWS": [1]}, "NotAction": [null, "iam:*"], "Resource": "*", "Condition": condition},
            {"Effect": "Deny", "Principal": ["*"], "Action": [1, "s3:*"], "Resource": {"x": 1}, "Condition": condition},
            {"Effect": "Deny", "NotAction": {"a": 1}, "Resource": "*"},
        ]});
        std::fs::write(dir.path().join(format!("policy{i}.json")), doc.to_string()).unwrap();
    }
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| m.id.starts_with("IAM-")).unwrap();
    let root = dir.path().to_path_buf();
    let report = scan(&root, &engine, &ScanOptions { root: Some(root.clone()), ..ScanOptions::default() }).unwrap();
    assert!(report.rule_failures.is_empty(), "{:?}", report.rule_failures);
    // The public principal with a pinning-key condition of the wrong shape is not silently passed.
    assert!(report.findings.iter().chain(&report.unverifiable).any(|f| &*f.rule_id == "IAM-0009"));
}
