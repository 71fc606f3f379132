//! Native Terraform rules that join resources or read how a value was written: TF-0045 matches
//! a flow log's `vpc_id` that reached it through a module variable or a module output (whose
//! unknown value names the VPC in the scope that created it) and never guesses between several
//! candidates; TF-0048 follows listener policies and survives values of the wrong type;
//! TF-0055 tells literals from interpolations in JSON syntax too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, ScanReport, scan};

fn scan_files(rule: &str, files: &[(&str, &str)]) -> ScanReport {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(&set, |m| *m.id == *rule).expect("rules compile");
    scan(dir.path(), &engine, &ScanOptions::default()).expect("scan runs")
}

/// (resource, message) of the findings and of the unverifiable entries.
fn outcome(report: &ScanReport) -> (Vec<String>, Vec<String>) {
    assert!(report.rule_failures.is_empty(), "{:#?}", report.rule_failures);
    let mut findings: Vec<String> = report.findings.iter().map(|f| f.resource.clone()).collect();
    let mut undecided: Vec<String> = report.unverifiable.iter().map(|f| f.resource.clone()).collect();
    findings.sort();
    undecided.sort();
    (findings, undecided)
}

const NET_MODULE: &str = r#"
resource "aws_vpc" "this" {
  cidr_block = "10.1.0.0/16"
}
output "vpc_id" {
  value = aws_vpc.this.id
}
"#;

#[test]
fn flow_log_in_a_module_covers_the_callers_vpc() {
    let report = scan_files(
        "TF-0045",
        &[
            (
                "main.tf",
                r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "unlogged" {
  cidr_block = "10.9.0.0/16"
}
module "flow_logs" {
  source = "./modules/flow-logs"
  vpc_id = aws_vpc.main.id
}
"#,
            ),
            (
                "modules/flow-logs/main.tf",
                r#"
variable "vpc_id" {
  type = string
}
resource "aws_flow_log" "this" {
  vpc_id       = var.vpc_id
  traffic_type = "ALL"
}
"#,
            ),
        ],
    );
    assert_eq!(outcome(&report), (vec!["aws_vpc.unlogged".to_string()], vec![]));
}

#[test]
fn flow_log_of_a_module_output_covers_the_modules_vpc() {
    let report = scan_files(
        "TF-0045",
        &[
            (
                "main.tf",
                r#"
module "net" {
  source = "./modules/net"
}
resource "aws_flow_log" "net" {
  vpc_id       = module.net.vpc_id
  traffic_type = "ALL"
}
"#,
            ),
            ("modules/net/main.tf", NET_MODULE),
        ],
    );
    assert_eq!(outcome(&report), (vec![], vec![]));
}

#[test]
fn a_reference_matching_several_modules_vpcs_is_unverifiable() {
    let report = scan_files(
        "TF-0045",
        &[
            (
                "main.tf",
                r#"
module "a" {
  source = "./modules/net"
}
module "b" {
  source = "./modules/net"
}
resource "aws_flow_log" "a" {
  vpc_id       = module.a.vpc_id
  traffic_type = "ALL"
}
"#,
            ),
            ("modules/net/main.tf", NET_MODULE),
        ],
    );
    assert_eq!(outcome(&report), (vec![], vec!["module.a.aws_vpc.this".to_string(), "module.b.aws_vpc.this".to_string()]));
}

#[test]
fn root_modules_are_judged_apart() {
    // An unresolvable flow log in one root module says nothing about another's VPCs.
    let report = scan_files(
        "TF-0045",
        &[
            (
                "one/main.tf",
                r#"
variable "vpc_id" {
  type = string
}
resource "aws_vpc" "one" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_flow_log" "somewhere" {
  vpc_id       = var.vpc_id
  traffic_type = "ALL"
}
"#,
            ),
            (
                "two/main.tf",
                r#"
resource "aws_vpc" "two" {
  cidr_block = "10.1.0.0/16"
}
"#,
            ),
        ],
    );
    assert_eq!(outcome(&report), (vec!["aws_vpc.two".to_string()], vec!["aws_vpc.one".to_string()]));
}

#[test]
fn classic_listener_policies_of_the_wrong_type_are_neither_failures_nor_findings() {
    let report = scan_files(
        "TF-0048",
        &[(
            "main.tf",
            r#"
resource "aws_elb" "strings" {
  name     = "strings"
  listener = "https"
}
resource "aws_elb" "numbers" {
  listener {
    lb_port     = "not a port"
    lb_protocol = 443
  }
}
resource "aws_load_balancer_policy" "odd" {
  load_balancer_name = ["strings"]
  policy_name        = 7
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute   = "Protocol-TLSv1"
}
resource "aws_load_balancer_listener_policy" "odd" {
  load_balancer_name = "strings"
  load_balancer_port = "https"
  policy_names       = "odd"
}
"#,
        )],
    );
    assert_eq!(outcome(&report), (vec![], vec![]));
}

#[test]
fn a_port_written_as_a_string_still_joins() {
    let report = scan_files(
        "TF-0048",
        &[(
            "main.tf",
            r#"
resource "aws_elb" "web" {
  name = "web"
  listener {
    lb_port            = "443"
    lb_protocol        = "HTTPS"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
  }
}
resource "aws_load_balancer_policy" "old" {
  load_balancer_name = "web"
  policy_name        = "old"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Protocol-SSLv3"
    value = true
  }
}
resource "aws_load_balancer_listener_policy" "web" {
  load_balancer_name = aws_elb.web.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.old.policy_name]
}
"#,
        )],
    );
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "classic load balancer listener on port 443 uses SSL negotiation policy old: it enables SSLv3",
            "SSL negotiation policy enables SSLv3 (Protocol-SSLv3 = true)"
        ],
        "{:#?}",
        report.findings
    );
    // The listener's finding names the policy and the attachment.
    let related: Vec<&str> = report.findings[0].related.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(related, ["policy aws_load_balancer_policy.old", "attached by aws_load_balancer_listener_policy.web"]);
}

#[test]
fn literal_passwords_in_json_syntax() {
    let report = scan_files(
        "TF-0055",
        &[(
            "main.tf.json",
            r#"{
  "resource": {
    "aws_db_instance": {
      "literal": {"password": "Zq81vLm3Rt7Kp2Xw"},
      "templated": {"password": "${var.db_password}"}
    }
  }
}
"#,
        )],
    );
    assert_eq!(outcome(&report), (vec!["aws_db_instance.literal".to_string()], vec![]));
}
