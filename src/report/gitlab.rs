//! GitLab SAST report (`gl-sast-report.json`, schema 15.x): one vulnerability per new finding
//! with a stable id (the finding's fingerprint), the rule as identifier, severity and location.
//! Findings in the baseline are left out: GitLab compares reports between pipelines itself.
//!
//! Severity mapping: stridegate's critical, high, medium and low are GitLab's `Critical`,
//! `High`, `Medium` and `Low`.

use serde::Serialize;
use serde_json::{Value, json};

use super::RepoPaths;
use crate::finding::Finding;
use crate::rules::meta::Severity;
use crate::scan::ScanReport;

/// The schema version the report declares.
pub const SCHEMA_VERSION: &str = "15.0.7";

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

fn vulnerability(f: &Finding, occurrence: usize, report: &ScanReport, paths: &RepoPaths) -> Value {
    let meta = report.rules.iter().find(|m| *m.id == *f.rule_id);
    let mut description = format!("{} ({}).", f.message, f.resource);
    if let Some(m) = meta {
        description.push_str("\n\n");
        description.push_str(m.what.trim());
        description.push_str("\n\nFix: ");
        description.push_str(m.fix.trim());
    }
    // GitLab requires a UUID-shaped id, unique in the report: the 64-bit fingerprint (of the
    // identity and, from the second finding with the same identity on, its occurrence) and the
    // rule's, spread over its groups, are stable across runs.
    let fp = if occurrence == 0 {
        f.fingerprint()
    } else {
        format!("{:016x}", crate::finding::fnv1a64(format!("{}#{occurrence}", f.identity()).as_bytes()))
    };
    let rule_fp = format!("{:016x}", crate::finding::fnv1a64(f.rule_id.as_bytes()));
    let id = format!("{}-{}-{}-{}-{}", &fp[0..8], &fp[8..12], &fp[12..16], &rule_fp[0..4], &rule_fp[4..16]);
    // Schema 15 removed `category`, `scanner` and `cve` from vulnerabilities: none is written.
    let mut v = json!({
        "id": id,
        "name": meta.map_or_else(|| f.rule_name.to_string(), |m| m.title.clone()),
        "description": description,
        "severity": severity(f.severity),
        "location": {
            "file": paths.path(&f.location.file),
            "start_line": f.location.start.line,
            "end_line": f.location.end.line.max(f.location.start.line),
        },
        "identifiers": [{
            "type": "stridegate_rule_id",
            "name": format!("{} {}", f.rule_id, f.rule_name),
            "value": f.rule_id.to_string(),
            "url": format!("{}/{}.md", crate::RULE_DOCS_BASE, f.rule_id),
        }],
    });
    if let (Some(m), Some(obj)) = (meta, v.as_object_mut()) {
        obj.insert("solution".into(), Value::String(m.fix.trim().to_string()));
    }
    v
}

/// `t` as GitLab's `YYYY-MM-DDTHH:MM:SS` (UTC).
pub fn timestamp(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Renders the report (what [`write`] writes, as a string). `start` and `end` are the scan's
/// times (`YYYY-MM-DDTHH:MM:SS`).
pub fn render(report: &ScanReport, paths: &RepoPaths, start: &str, end: &str) -> String {
    let mut out = Vec::new();
    match write(report, paths, start, end, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => "\n".to_string(),
    }
}

/// The report document: the same fields, in the same order, as the `json!` object it was first
/// written as, with the vulnerabilities converted one at a time as they are written.
#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    scan: Value,
    vulnerabilities: Vulnerabilities<'a>,
}

struct Vulnerabilities<'a> {
    report: &'a ScanReport,
    paths: &'a RepoPaths,
}

impl Serialize for Vulnerabilities<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The n-th finding with the same identity gets occurrence n (a distinct id).
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        serializer.collect_seq(super::new_findings(self.report).map(|f| {
            let n = seen.entry(f.identity()).or_default();
            let v = vulnerability(f, *n, self.report, self.paths);
            *n += 1;
            v
        }))
    }
}

/// Writes the report as pretty-printed JSON to `out`, vulnerability by vulnerability (give a
/// buffered writer). `start` and `end` are the scan's times (`YYYY-MM-DDTHH:MM:SS`).
pub fn write(report: &ScanReport, paths: &RepoPaths, start: &str, end: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Document {
        version: SCHEMA_VERSION,
        scan: json!({
            "type": "sast",
            "status": if report.is_incomplete() { "failure" } else { "success" },
            "start_time": start,
            "end_time": end,
            "analyzer": {"id": "stridegate", "name": "stridegate", "version": crate::VERSION, "vendor": {"name": "stridegate"}},
            "scanner": {"id": "stridegate", "name": "stridegate", "version": crate::VERSION, "vendor": {"name": "stridegate"}},
        }),
        vulnerabilities: Vulnerabilities { report, paths },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let at = |s: u64| timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00");
        assert_eq!(at(951_782_400 + 3_723), "2000-02-29T01:02:03");
        assert_eq!(at(1_796_083_200), "2026-12-01T00:00:00");
    }
}
