//! IAM semantics shared by the Rego rules (`rules/lib/iam.rego`): Deny statements, condition
//! reachability, ARNs covering every resource of their kind; and the action tables of IAM-0024
//! and IAM-0025 checked against the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

mod common;
use common::rego_query as eval;

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
        (json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}), true), // no s3:Get action is an iam: action
        (json!({"Effect": "Deny", "NotAction": "s3:GetObject*", "Resource": "*"}), false), // keeps some s3:Get actions
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

/// The native condition classifier (`stridegate::iam::conditions`, used by IAM-0004 and
/// IAM-0021) and the Rego library's `guard_deny` give the same answers on one table of
/// statements; the holder's reach and `iam:PassedToService`, native only since issue 12 (they
/// agreed with IAM-0004's former Rego on this table), are pinned by a snapshot.
#[test]
fn native_and_rego_condition_classifiers_agree() {
    use stridegate::iam::conditions::{self, DenyEffect};
    let mut engine = engine_with(&["IAM-0004"]);
    with_input(&mut engine, &json!({}));
    let conditions = [
        json!(null),
        json!({}),
        json!([1]),
        json!("StringEquals"),
        json!({"$unknown": "var.c"}),
        json!({"StringEquals": {"aws:SourceVpce": {"$unknown": "var.x"}}}),
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"StringNotEqualsIfExists": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}),
        json!({"ForAnyValue:StringNotEquals": {"aws:SourceVpce": "vpce-1"}}),
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}),
        json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
        json!({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}),
        json!({"NotIpAddress": {"aws:SourceIp": "::/0"}}),
        json!({"StringNotLike": {"aws:SourceArn": "*"}}),
        json!({"StringLike": {"aws:SourceVpce": "*"}}),
        json!({"ForAllValues:StringEquals": {"aws:SourceVpc": "vpc-1"}}),
        json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs"}, "Bool": {"aws:SecureTransport": true}}),
        json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        json!({"Bool": {"aws:MultiFactorAuthPresent": true}}),
        json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": false}}),
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        json!({"StringEquals": {"aws:ResourceTag/team": "x"}}),
        json!({"StringEquals": {"s3:x-amz-acl": "private"}}),
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}),
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"aws:PrincipalTag/x": "y"}}),
        json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}),
        json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        json!({"StringLike": {"iam:PassedToService": ["lambda.*", "glue.amazonaws.com"]}}),
        json!({"StringEquals": {"iam:PassedToService": "ec2*"}}),
        json!({"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        json!({"ArnLike": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        json!({"StringEquals": {"iam:PassedToService": {"$unknown": "var.svc"}}}),
        json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com", "aws:SourceIp": "1.2.3.4"}}),
        json!({"StringEquals": {"": ""}}),
        json!({"StringEquals": "aws:SourceIp"}),
    ];
    let services = ["ec2.amazonaws.com", "lambda.amazonaws.com", "glue.amazonaws.com", ""];
    let mut table = String::new();
    for condition in conditions {
        let allow = json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": condition});
        let deny = json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition});
        let (a, d) = (allow.as_object().unwrap(), deny.as_object().unwrap());
        let passes: Vec<&str> = services.iter().copied().filter(|s| conditions::may_pass_to(a, s)).collect();
        table.push_str(&format!("{condition}: {}, passes role to {passes:?}\n", conditions::holder_reach(a).as_str()));
        let rego_guard = eval(&mut engine, &format!("data.stridegate.lib.iam.guard_deny({deny})")) == json!(true);
        let rego_cancels = eval(&mut engine, &format!("data.stridegate.lib.iam.has_condition_field({deny})")) != json!(true);
        let native = conditions::deny_effect(d);
        assert_eq!(rego_guard, native == DenyEffect::Restricts, "guard_deny of {condition}");
        assert_eq!(rego_cancels, native == DenyEffect::Cancels, "unconditional deny of {condition}");
    }
    insta::assert_snapshot!("holder_reach_and_passed_to_service", table);
    // The key lists are the library's.
    let keys = |q: &str, engine: &mut regorus::Engine| {
        let mut v: Vec<String> = eval(engine, q).as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    let sorted = |k: &[&str]| {
        let mut v: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(keys("data.stridegate.lib.iam.pinning_keys", &mut engine), sorted(conditions::PINNING_KEYS));
    assert_eq!(keys("data.stridegate.lib.iam.caller_keys", &mut engine), sorted(conditions::CALLER_KEYS));
}

/// A Deny with NotAction removes what its patterns cannot match, patterns included.
#[test]
fn a_not_action_deny_removes_every_action_it_cannot_match() {
    let mut engine = engine_with(&[]);
    let cases = [
        // (allowed pattern or name, NotAction of the Deny, denied)
        ("s3:Put*", json!("iam:*"), true),
        ("s3:Put*", json!(["s3:Get*", "s3:List*"]), true),
        ("s3:Put*", json!("s3:PutObject*"), false),
        ("s3:*Object", json!("s3:Get*"), false),
        ("s3:*Object", json!("s3:*Acl"), true),
        ("s3:PutObject", json!("s3:Put*"), false),
        ("s3:PutObject", json!("s3:Get*"), true),
        ("S3:PUT*", json!("s3:put?bject"), false),
        ("iam:Pass?ole", json!("iam:PassRole"), false),
        ("iam:Pass?ole", json!("iam:Get*"), true),
        ("*", json!("s3:*"), false),
        ("s3:Put*", json!("*"), false),
        ("s3:Put*", json!(["s3:Get*", {"$unknown": "var.x"}]), false),
        ("s3:Put*", json!({"$unknown": "var.x"}), false),
    ];
    for (action, not_action, expected) in cases {
        let allow = json!({"Effect": "Allow", "Action": action, "Resource": "*"});
        let deny = json!({"Effect": "Deny", "NotAction": not_action, "Resource": "*"});
        with_input(&mut engine, &json!({"Statement": [allow, deny]}));
        let got = eval(&mut engine, &format!("data.stridegate.lib.iam.denied({allow}, {action:?})")) == json!(true);
        assert_eq!(got, expected, "{action} under NotAction {not_action}");
    }
}

/// One grant, one finding: `tests/data/iam-overlap/policies.tf`, scanned with every IAM rule,
/// gives exactly the findings of IAM-0002, IAM-0004, IAM-0024 and IAM-0025 its `# expect:`
/// markers declare (IAM-0004 owns the actions of the escalations it reports, IAM-0024 and
/// IAM-0025 the exact names of their lists); with IAM-0004 or IAM-0024 disabled, the next rule
/// reports the grant.
#[test]
fn overlapping_iam_rules_report_a_grant_once() {
    use stridegate::engine::Engine;
    use stridegate::rules::RuleSet;
    use stridegate::scan::{ScanOptions, scan};
    const RULES: [&str; 4] = ["IAM-0002", "IAM-0004", "IAM-0024", "IAM-0025"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iam-overlap");
    let text = std::fs::read_to_string(root.join("policies.tf")).unwrap();
    let mut expected: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, marks)) = line.split_once("# expect:") {
            expected.extend(marks.split(',').map(|m| (i + 1, m.trim().to_string())));
        }
    }
    expected.sort();
    assert!(expected.len() >= 10, "{expected:?}");
    let set = RuleSet::builtin().unwrap();
    let run = |skip: &[&str]| {
        let engine = Engine::new(&set, |m| m.id.starts_with("IAM-") && !skip.contains(&m.id.as_str())).unwrap();
        let report = scan(&root, &engine, &ScanOptions { root: Some(root.clone()), ..ScanOptions::default() }).unwrap();
        assert!(report.rule_failures.is_empty(), "{:?}", report.rule_failures);
        let mut found: Vec<(usize, String)> = report
            .findings
            .iter()
            .filter(|f| RULES.contains(&&*f.rule_id))
            .map(|f| (f.location.start.line, f.rule_id.to_string()))
            .collect();
        found.sort();
        found
    };
    let all = run(&[]);
    assert_eq!(all, expected);
    // Without IAM-0004, its actions go back to IAM-0024 and IAM-0025 (lines 9 and 13).
    let without_0004 = run(&["IAM-0004"]);
    assert!(without_0004.contains(&(9, "IAM-0024".to_string())), "{without_0004:?}");
    assert!(without_0004.contains(&(13, "IAM-0025".to_string())), "{without_0004:?}");
    // Without IAM-0024 and IAM-0025, IAM-0002 reports their exact names (lines 23 and 29).
    let without_specific = run(&["IAM-0024", "IAM-0025"]);
    assert!(without_specific.contains(&(23, "IAM-0002".to_string())), "{without_specific:?}");
    assert!(without_specific.contains(&(29, "IAM-0002".to_string())), "{without_specific:?}");
}

/// IAM-0021 reads conditions and Deny statements of any shape without failing, and a principal
/// whose policies hold them is still judged.
#[test]
fn iam_0021_survives_malformed_conditions_and_denies() {
    use stridegate::engine::Engine;
    use stridegate::rules::RuleSet;
    use stridegate::scan::{ScanOptions, scan};
    let odd = [
        "[1]",
        "\"StringEquals\"",
        "{ StringEquals = \"aws:SourceIp\" }",
        "{ StringEquals = { \"iam:PassedToService\" = { nested = [1, { x = true }] } } }",
        "{ \"ForAllValues:StringNotEquals\" = { \"aws:PrincipalOrgID\" = [null, 3, true] } }",
        "{ BoolIfExists = { \"aws:MultiFactorAuthPresent\" = [false, \"false\", 0] } }",
        "{ \"\" = { \"\" = \"\" } }",
        "var.condition",
    ];
    let mut text = String::from("variable \"condition\" {}\n");
    for (i, condition) in odd.iter().enumerate() {
        text.push_str(&format!(
            r#"
resource "aws_iam_role" "r{i}" {{
  name               = "r{i}"
  assume_role_policy = "{{}}"
}}

resource "aws_iam_role_policy" "pass{i}" {{
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["iam:PassRole", 7], Resource = "*", Condition = {condition} }},
      {{ Effect = "Deny", NotAction = {{ a = 1 }}, Resource = "*", Condition = {condition} }},
      {{ Effect = "Deny", Action = "s3:*", Resource = ["*", null], Principal = ["*"], Condition = {condition} }},
    ]
  }})
}}

resource "aws_iam_role_policy" "run{i}" {{
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", NotAction = [null, "s3:*", "iam:*"], NotResource = "x", Condition = {condition} }}]
  }})
}}
"#
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| m.id == "IAM-0021").unwrap();
    let root = dir.path().to_path_buf();
    let report = scan(&root, &engine, &ScanOptions { root: Some(root.clone()), ..ScanOptions::default() }).unwrap();
    assert!(report.rule_failures.is_empty(), "{:?}", report.rule_failures);
    // Every role is either reported or unverifiable: none of the odd conditions pins the holder
    // for sure. The last role's policies are unknown as a whole (jsonencode of an unknown
    // value): it is unverifiable, never passed.
    let judged: std::collections::BTreeSet<&str> =
        report.findings.iter().chain(&report.unverifiable).filter(|f| &*f.rule_id == "IAM-0021").map(|f| f.resource.as_str()).collect();
    let expected: std::collections::BTreeSet<String> = (0..odd.len()).map(|i| format!("aws_iam_role.r{i}")).collect();
    assert_eq!(judged, expected.iter().map(String::as_str).collect(), "{judged:?}");
}

/// `applies_to.policy_types` only saves work: the IAM fixtures (identity, resource and trust
/// documents, in JSON and Terraform) scanned with the IAM rules as declared and with every
/// declaration removed (each rule then evaluated on every document) give the same findings and
/// unverifiable controls.
#[test]
fn declared_policy_types_change_no_finding() {
    use std::sync::Arc;
    use stridegate::engine::Engine;
    use stridegate::rules::RuleSet;
    use stridegate::scan::{ScanOptions, scan};
    let declared = RuleSet::builtin().unwrap();
    let narrowed = declared.rules.iter().filter(|r| r.meta.applies_to.policy_types.is_some()).count();
    assert!(narrowed >= 10, "{narrowed} rules declare policy types");
    let mut open = RuleSet::builtin().unwrap();
    for r in &mut open.rules {
        let mut meta = (*r.meta).clone();
        meta.applies_to.policy_types = None;
        r.meta = Arc::new(meta);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/iam");
    let run = |set: &RuleSet| {
        let engine = Engine::new(set, |m| m.id.starts_with("IAM-")).unwrap();
        let report = scan(&root, &engine, &ScanOptions { root: Some(root.clone()), ..ScanOptions::default() }).unwrap();
        assert!(report.rule_failures.is_empty(), "{:?}", report.rule_failures);
        let list = |fs: &[stridegate::finding::Finding]| -> Vec<String> {
            fs.iter().map(|f| format!("{} {}:{} {} {}", f.rule_id, f.location.file, f.location.start.line, f.severity, f.message)).collect()
        };
        (list(&report.findings), list(&report.unverifiable))
    };
    let (with, without) = (run(&declared), run(&open));
    assert!(with.0.len() > 100, "{} findings on the IAM fixtures", with.0.len());
    for id in ["IAM-0002", "IAM-0010", "IAM-0011", "IAM-0012", "IAM-0017"] {
        assert!(with.0.iter().any(|f| f.starts_with(id)), "no {id} finding on the fixtures");
    }
    assert_eq!(with, without);
}
