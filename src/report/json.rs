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
    findings: Findings<'a>,
    /// Findings a suppression accepts, each with its `suppression`.
    suppressed: Findings<'a>,
    /// Every suppression and its status (used, unused, expired, missing-reason...).
    suppressions: &'a [crate::suppress::SuppressionRecord],
    /// Controls that could not be decided because a value is unknown (not violations).
    unverifiable: Findings<'a>,
    errors: Errors<'a>,
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

/// Findings serialized one at a time as they are written (never all converted at once).
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(finding))
    }
}

/// The failed files, as errors, serialized as they are written.
struct Errors<'a>(&'a [FileRecord]);

impl Serialize for Errors<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().filter_map(|f| match &f.outcome {
            Outcome::Failed { message, location, .. } => Some(JsonError { file: &f.path, message, location: location.as_ref() }),
            _ => None,
        }))
    }
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
        suppression: f.suppression.as_deref(),
        baseline: f.baseline,
    }
}

/// Renders the report as pretty-printed JSON (what [`write`] writes, as a string).
pub fn render(report: &ScanReport) -> String {
    let mut out = Vec::new();
    match write(report, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"cannot serialize the report: {e}\"}}\n"),
    }
}

/// Writes the report as pretty-printed JSON to `out`, finding by finding: memory does not
/// grow with the size of the output (give a buffered writer).
pub fn write(report: &ScanReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
        findings: Findings(&report.findings),
        suppressed: Findings(&report.suppressed),
        suppressions: &report.suppressions,
        unverifiable: Findings(&report.unverifiable),
        errors: Errors(&report.files),
        rule_failures: &report.rule_failures,
        not_analyzed: &report.not_analyzed,
        files: &report.files,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
