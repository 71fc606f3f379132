//! stridegate's JSON report: findings with their logical identity and fingerprint, errors,
//! and the per-file accounting.

use serde::Serialize;

use crate::finding::{Finding, RelatedLocation};
use crate::model::Location;
use crate::rules::meta::{Severity, Stride};
use crate::scan::{Coverage, FileRecord, Outcome, RuleFailure, ScanReport};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    /// Findings a suppression accepts, each with its `suppression`.
    suppressed: Vec<JsonFinding<'a>>,
    /// Every suppression and its status (used, unused, expired, missing-reason...).
    suppressions: &'a [crate::suppress::SuppressionRecord],
    /// Controls that could not be decided because a value is unknown (not violations).
    unverifiable: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    rule_failures: &'a [RuleFailure],
    not_analyzed: &'a [crate::terraform::NotAnalyzed],
    files: &'a [FileRecord],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    suppressed: usize,
    unverifiable: usize,
    by_severity: Vec<(Severity, usize)>,
    /// Findings per STRIDE-LM category (a finding counts in each of its categories).
    by_stride: Vec<(&'static str, usize)>,
    coverage: Coverage,
    incomplete: bool,
    rules: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: Severity,
    stride: &'a [Stride],
    message: &'a str,
    location: &'a Location,
    resource: &'a str,
    attribute: String,
    attribute_present: bool,
    fingerprint: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    related: &'a [RelatedLocation],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a crate::suppress::Suppression>,
    /// `unchanged` or `new` when a baseline was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<crate::finding::BaselineState>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule_id: &f.rule_id,
        rule_name: &f.rule_name,
        severity: f.severity,
        stride: &f.stride,
        message: &f.message,
        location: &f.location,
        resource: &f.resource,
        attribute: f.attribute.to_string(),
        attribute_present: f.attribute_present,
        fingerprint: f.fingerprint(),
        related: &f.related,
        suppression: f.suppression.as_ref(),
        baseline: f.baseline,
    }
}

/// Renders the report as pretty-printed JSON.
pub fn render(report: &ScanReport) -> String {
    let errors = report
        .files
        .iter()
        .filter_map(|f| match &f.outcome {
            Outcome::Failed { message, location, .. } => Some(JsonError { file: &f.path, message, location: location.as_ref() }),
            _ => None,
        })
        .collect();
    let doc = JsonReport {
        tool: Tool { name: "stridegate", version: crate::VERSION },
        summary: Summary {
            findings: report.findings.len(),
            suppressed: report.suppressed.len(),
            unverifiable: report.unverifiable.len(),
            by_severity: super::severity_counts(report),
            by_stride: super::stride_counts(report),
            coverage: report.coverage(),
            incomplete: report.is_incomplete(),
            rules: report.rules.len(),
        },
        findings: report.findings.iter().map(finding).collect(),
        suppressed: report.suppressed.iter().map(finding).collect(),
        suppressions: &report.suppressions,
        unverifiable: report.unverifiable.iter().map(finding).collect(),
        errors,
        rule_failures: &report.rule_failures,
        not_analyzed: &report.not_analyzed,
        files: &report.files,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the report: {e}\"}}"));
    s.push('\n');
    s
}
