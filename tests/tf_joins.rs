//! Cross-resource Terraform rules across module boundaries: TF-0045 matches a flow log's
//! `vpc_id` that reached it through a module variable or a module output (whose unknown value
//! names the VPC in the scope that created it), and never guesses between several candidates.
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
