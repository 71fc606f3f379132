//! The element lists of `$context` (src/iam/elements.rs) and the per-document tables of
//! `rules/lib/iam.rego` give the rules what the Rego walks they replace gave: the same elements,
//! the same resource scopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

mod common;
use common::rego_query as eval;

use std::path::Path;

use serde_json::{Value, json};
use stridegate::iam::policy::{CONTEXT_KEY, PolicyType, context};

fn engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    stridegate::engine::add_extensions(&mut engine).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    engine.add_policy_from_file(root.join("lib/iam.rego")).unwrap();
    engine
}

/// Sets `doc`, with its `$context`, as the input.
fn with_document(engine: &mut regorus::Engine, doc: &Value) {
    let mut doc = doc.clone();
    let ctx = context(&doc, PolicyType::Identity, "test");
    doc.as_object_mut().unwrap().insert(CONTEXT_KEY.to_string(), ctx);
    engine.set_input(regorus::Value::from_json_str(&doc.to_string()).unwrap());
}

fn documents() -> Vec<Value> {
    vec![
        json!({"Statement": [
            {"Effect": "Allow", "Action": ["*", "*:*", "s3:*", "S3:*", "s3:Get*", "iam:PassRole", "x?:*", "ec2-instance-connect:*", 3, null, {"$unknown": "a"}, "nosuch:Thing", "noservice"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::*:role/x"},
            {"Effect": "Deny", "Action": ["s3:*", "*"], "Resource": "*"},
            "not a statement",
            {"Effect": "allow", "Action": "*"},
            {"Action": "*"},
            {"Effect": "Allow", "NotAction": ["iam:*", "bad"], "Resource": ["arn:aws:s3:::*", "arn:aws:sqs:*:*:*"]},
            {"Effect": "Allow", "Action": {"$unknown": "var.actions"}, "Resource": "*"},
        ]}),
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}}),
        json!({"Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::*", "arn:aws:s3:::*/*"]}}),
        json!({"Statement": []}),
        json!({"Statement": "nonsense"}),
    ]
}

#[test]
fn element_lists_hold_the_elements_the_rego_walk_finds() {
    let mut engine = engine();
    let policy = r#"package check
import rego.v1
import data.stridegate.lib.iam

walk := {[path, a, base] |
	some [base, s] in iam.allow_statements
	not iam.is_unknown(s.Action)
	some [path, a] in iam.values(s, "Action", base)
}

listed := {e | some e in array.concat(array.concat(iam.allow_all_wildcards, iam.allow_service_wildcards), iam.allow_actions)}

all_ok if {[p, a, b] | some [p, a, b] in walk; a in {"*", "*:*"}} == {e | some e in iam.allow_all_wildcards}

service_ok if {[p, a, b] | some [p, a, b] in walk; regex.match(`^[A-Za-z0-9-]+:\*$`, a)} == {e | some e in iam.allow_service_wildcards}

scoped_ok if {[p, a, b] |
	some [p, a, b] in iam.allow_actions
	scoped := object.get(iam.action_info(a), "scoped_levels", [])
	some l in ["Write", "Permissions management"]
	l in scoped
} == {e | some e in iam.allow_scoped_writes}

# Every element IAM-0007's test can flag is listed as unmatched.
flaggable := {[path, p, base, field] |
	some [base, s] in iam.statements
	some field in ["Action", "NotAction"]
	not iam.is_unknown(s[field])
	some [path, p] in iam.values(s, field, base)
	not contains(p, ":")
} | {[path, p, base, field] |
	some [base, s] in iam.statements
	some field in ["Action", "NotAction"]
	not iam.is_unknown(s[field])
	some [path, p] in iam.values(s, field, base)
	object.get(iam.action_info(p), "count", 0) == 0
}

unmatched_ok if flaggable == {e | some e in iam.unmatched_actions}

statements_ok if {base | some base, _ in iam.statement_at} == {base | some [base, _] in iam.statements}
"#;
    engine.add_policy("check.rego".to_string(), policy.to_string()).unwrap();
    for doc in documents() {
        with_document(&mut engine, &doc);
        assert_eq!(eval(&mut engine, "data.check.walk"), eval(&mut engine, "data.check.listed"), "{doc}");
        for check in ["all_ok", "service_ok", "scoped_ok", "unmatched_ok", "statements_ok"] {
            assert_eq!(eval(&mut engine, &format!("data.check.{check}")), json!(true), "{check} on {doc}");
        }
    }
    // The first document exercises every list.
    with_document(&mut engine, &documents()[0]);
    for list in ["allow_all_wildcards", "allow_service_wildcards", "allow_actions", "allow_scoped_writes", "unmatched_actions"] {
        let got = eval(&mut engine, &format!("data.stridegate.lib.iam.{list}"));
        assert!(!got.as_array().unwrap().is_empty(), "{list}: {got}");
    }
}

#[test]
fn resource_scope_at_agrees_with_resource_scope() {
    let mut engine = engine();
    let statements = [
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*", "Resource": "arn:aws:s3:::*"}),
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:s3:::b/*"]}),
        json!({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": ["arn:aws:sqs:*:*:*", "arn:aws:sqs:us-east-1:*:*"]}),
        json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ["arn:aws:iam::*:role/*", "arn:*:iam::*:role/*", "arn:aws:*:*:*:*"]}),
        json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:*"}),
        json!({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:123456789012:*", "arn:aws"]}),
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"$unknown": "var.arns"}}),
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::*", {"$unknown": "var.arn"}, 7]}),
        json!({"Effect": "Allow", "Action": "s3:GetObject"}),
    ];
    let actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "S3:Get*",
        "sqs:SendMessage",
        "iam:PassRole",
        "lambda:InvokeFunction",
        "ec2:RunInstances",
        "ec2:DescribeInstances",
        "*",
    ];
    let mut defined = 0;
    for s in &statements {
        let doc = json!({"Statement": [{"Effect": "Deny", "Action": "x:y", "Resource": "*"}, s]});
        with_document(&mut engine, &doc);
        for action in actions {
            let old = eval(&mut engine, &format!("data.stridegate.lib.iam.resource_scope({s}, {action:?})"));
            let new = eval(&mut engine, &format!("data.stridegate.lib.iam.resource_scope_at([\"Statement\", 1], {s}, {action:?})"));
            assert_eq!(old, new, "{action} on {s}");
            defined += usize::from(!old.is_null());
        }
    }
    // Both answers and non-answers were compared.
    assert!(defined > 10 && defined < statements.len() * actions.len(), "{defined}");
}
