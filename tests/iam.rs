//! IAM policies give the same findings whichever syntax they are written in, each at its own
//! lines: a standalone JSON document, a Terraform heredoc, `jsonencode({...})` and a
//! `data "aws_iam_policy_document"`. Unknown ARNs never fire.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::BTreeMap;

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};

const POLICY_JSON: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["iam:PassRole", "ec2:RunInstances"],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "*"
    }
  ]
}
"#;

const MAIN_TF: &str = r#"resource "aws_iam_policy" "heredoc" {
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["iam:PassRole", "ec2:RunInstances"],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "*"
    }
  ]
}
POLICY
}

resource "aws_iam_policy" "encoded" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["iam:PassRole", "ec2:RunInstances"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = "*"
      },
    ]
  })
}

data "aws_iam_policy_document" "document" {
  statement {
    actions   = ["iam:PassRole", "ec2:RunInstances"]
    resources = ["*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
  }
}

variable "secret_arn" {}

# The same grant on an ARN that cannot be known: nothing to report.
data "aws_iam_policy_document" "unknown_arn" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.secret_arn]
  }
}
"#;

/// Findings by policy (resource address): sorted (rule, line) pairs.
fn findings_by_policy() -> BTreeMap<String, Vec<(String, usize)>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.json"), POLICY_JSON).unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN_TF).unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| m.id.starts_with("IAM-")).unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let report = scan(&root, &engine, &ScanOptions { root: Some(root.clone()), ..ScanOptions::default() }).unwrap();
    let mut out: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for f in &report.findings {
        out.entry(f.resource.clone()).or_default().push((f.rule_id.to_string(), f.location.start.line));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

#[test]
fn four_syntaxes_same_findings_at_their_own_lines() {
    let by_policy = findings_by_policy();
    let rules = |address: &str| -> Vec<String> {
        let mut r: Vec<String> = by_policy
            .get(address)
            .unwrap_or_else(|| panic!("no findings for {address}: {by_policy:#?}"))
            .iter()
            .map(|x| x.0.clone())
            .collect();
        r.dedup();
        r
    };
    let json = rules("PolicyDocument/policy.json");
    assert!(json.contains(&"IAM-0004".to_string()), "PassRole + RunInstances on *: {json:?}");
    assert!(json.contains(&"IAM-0005".to_string()), "GetSecretValue on *: {json:?}");
    for address in ["aws_iam_policy.heredoc.policy", "aws_iam_policy.encoded.policy", "data.aws_iam_policy_document.document"] {
        assert_eq!(rules(address), json, "{address} differs from the JSON file");
    }
    // Each at its own line: the secret read is on the GetSecretValue action element.
    let line_of = |address: &str, rule: &str| by_policy[address].iter().find(|x| x.0 == rule).map(|x| x.1).unwrap();
    assert_eq!(line_of("PolicyDocument/policy.json", "IAM-0005"), 11);
    assert_eq!(line_of("aws_iam_policy.heredoc.policy", "IAM-0005"), 13);
    assert_eq!(line_of("aws_iam_policy.encoded.policy", "IAM-0005"), 32);
    assert_eq!(line_of("data.aws_iam_policy_document.document", "IAM-0005"), 45);
    assert!(!by_policy.contains_key("data.aws_iam_policy_document.unknown_arn"), "{by_policy:#?}");
}

/// Policies inside a Terraform plan (`terraform show -json`) are analyzed too, at the line of
/// the attribute holding them.
#[test]
fn policies_in_plan_json() {
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_iam_role.open",
          "mode": "managed",
          "type": "aws_iam_role",
          "name": "open",
          "values": {
            "name": "open",
            "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"
          }
        }
      ]
    }
  }
}
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), plan).unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set, |m| m.id.starts_with("IAM-")).unwrap();
    let report = scan(dir.path(), &engine, &ScanOptions::default()).unwrap();
    let found: Vec<(String, usize, String)> =
        report.findings.iter().map(|f| (f.rule_id.to_string(), f.location.start.line, f.resource.clone())).collect();
    assert!(found.contains(&("IAM-0009".to_string(), 13, "aws_iam_role.open.assume_role_policy".to_string())), "{found:#?}");
}
