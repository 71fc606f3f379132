//! Terraform secrets rules (TF-0050..0053, TF-0055) and the VPC peering rule (TF-0054): values of the
//! wrong type or undecodable base64 never make a rule fail or report, and no message quotes a
//! secret of the rules' own fail fixtures.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, ScanReport, scan};

const RULES: [&str; 6] = ["TF-0050", "TF-0051", "TF-0052", "TF-0053", "TF-0054", "TF-0055"];

fn scan_text(files: &[(&str, &str)]) -> ScanReport {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(&set, |m| RULES.contains(&&*m.id)).expect("rules compile");
    scan(dir.path(), &engine, &ScanOptions::default()).expect("scan runs")
}

#[test]
fn wrong_types_and_binary_user_data_are_neither_failures_nor_findings() {
    let report = scan_text(&[(
        "main.tf",
        r#"
resource "aws_instance" "binary" {
  user_data_base64 = "c2VjcmV0//4AdG9rZW49YWJj"
}
resource "aws_instance" "number" {
  user_data = 42
}
resource "aws_lambda_function" "string_env" {
  environment = "x"
}
resource "aws_lambda_function" "list_vars" {
  environment {
    variables = ["API_KEY", 3]
  }
}
variable "password" { default = null }
variable "token" { default = ["a", 1, true] }
provider "aws" {
  assume_role { role_arn = "x" }
  token = ["a"]
}
resource "aws_route" "bad_cidr" {
  destination_cidr_block    = "0.0.0.0/x"
  vpc_peering_connection_id = "pcx-1"
}
resource "aws_route_table" "string_route" {
  route = "nope"
}
resource "aws_db_instance" "number_password" {
  password = 42
}
resource "aws_mq_broker" "string_user" {
  user = "admin"
}
resource "aws_opensearch_domain" "list_options" {
  advanced_security_options = ["x"]
}
resource "kubernetes_secret" "list_data" {
  data = ["password", "Zq81vLm3Rt7Kp2Xw"]
}
resource "kubernetes_secret_v1" "empty" {
  data = { password = "  " }
}
"#,
    )]);
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn messages_mask_the_secrets_of_the_fail_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/terraform");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&root).expect("rules dir") {
        let dir = entry.expect("entry").path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if ["TF-0050", "TF-0051", "TF-0052", "TF-0053", "TF-0055"].iter().any(|id| name.starts_with(id)) {
            files.push((format!("{name}.tf"), std::fs::read_to_string(dir.join("fail.tf")).expect("fail fixture")));
        }
    }
    assert_eq!(files.len(), 5);
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let report = scan_text(&refs);
    assert_eq!(report.findings.len(), 26, "{:#?}", report.findings);
    for f in &report.findings {
        // Every word of 12 characters or more with a digit in the fixtures' quoted literals is
        // a secret (or an id that is never quoted either): beyond its first 4 characters, no
        // message may show it.
        for (_, text) in &files {
            for literal in text.split('"').skip(1).step_by(2) {
                // Resource type labels (`kubernetes_secret_v1`) are quoted too: not secrets.
                let type_label = |w: &str| w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                for word in literal
                    .split([' ', '=', ',', '\\'])
                    .filter(|w| w.len() >= 12 && w.chars().any(|c| c.is_ascii_digit()) && !type_label(w))
                {
                    let Some(secret_part) = word.get(4..) else { continue };
                    assert!(!f.message.contains(secret_part), "{} quotes {word:?}: {}", f.rule_id, f.message);
                }
            }
        }
    }
}

/// Defaults nested deeper than TF-0053 looks (32 levels) are not judged, and deep nesting
/// neither fails the rule nor hangs it; a secret at the deepest judged level is reported.
#[test]
fn deeply_nested_defaults_are_bounded() {
    let nest = |depth: usize| format!("{}\"Zq81vLm3Rt7Kp2Xw\"{}", "{ password = ".repeat(depth), " }".repeat(depth));
    let text = format!("variable \"at_limit\" {{\n  default = {}\n}}\nvariable \"too_deep\" {{\n  default = {}\n}}\n", nest(32), nest(33));
    let report = scan_text(&[("main.tf", &text)]);
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    let found: Vec<&str> = report.findings.iter().map(|f| f.resource.as_str()).collect();
    assert_eq!(found, ["var.at_limit"], "{:#?}", report.findings);
}
