//! Threat-model check reports: JSON (a stable contract, see `docs/threat-models.md`) and the
//! terminal. Every string from the model or the scanned code is escaped for the terminal.

use std::fmt::Write as _;

use super::check::{CheckReport, DriftKind, Outcome, Status};
use super::model::ModelError;
use crate::report::escape::terminal_safe as safe;

/// Version of the JSON contract.
pub const JSON_VERSION: u32 = 1;

/// The check as JSON.
pub fn json(report: &CheckReport) -> String {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("version".to_string(), JSON_VERSION.into());
        map.insert("tool".to_string(), serde_json::json!({"name": "stridegate", "version": crate::VERSION}));
    }
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// Model errors as JSON (the same contract, with only `errors`).
pub fn errors_json(model: &str, errors: &[ModelError]) -> String {
    let value = serde_json::json!({
        "version": JSON_VERSION,
        "tool": {"name": "stridegate", "version": crate::VERSION},
        "model": model,
        "errors": errors,
        "mitigations": [],
        "drift": [],
        "gaps": [],
    });
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// Model errors for the terminal, one per line (`file:line:column: message`).
pub fn errors_text(errors: &[ModelError]) -> String {
    let mut out = String::new();
    for e in errors {
        let _ =
            writeln!(out, "{}:{}:{}: error: {}", safe(&e.location.file), e.location.start.line, e.location.start.column, safe(&e.message));
    }
    out
}

/// The check for the terminal.
pub fn text(report: &CheckReport, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "threat model: {} ({})", safe(&report.system), safe(&report.model));
    let _ = writeln!(out, "checked against: {}", safe(&report.scanned));
    let _ = writeln!(out);
    let mut current = String::new();
    for m in &report.mitigations {
        if m.threat != current {
            current = m.threat.clone();
            let _ = writeln!(out, "{} [{}] {}", safe(&m.threat), m.category.as_str(), safe(&m.threat_title));
        }
        let mark = match m.status {
            Status::Verified => "verified    ",
            Status::Violated => "VIOLATED    ",
            Status::Unverifiable => "unverifiable",
            Status::Attested => "attested    ",
        };
        let _ = writeln!(out, "  {mark} {} {}", safe(&m.id), safe(&m.text));
        let _ = writeln!(out, "               {}", safe(&m.reason));
        for e in &m.evidence {
            let show = match e.result {
                Outcome::Fail | Outcome::Unknown => true,
                Outcome::Pass => verbose,
            };
            if show {
                let what = match e.result {
                    Outcome::Fail => "fail",
                    Outcome::Unknown => "unknown",
                    Outcome::Pass => "pass",
                };
                let message = e.message.as_deref().map(|m| format!(": {}", safe(m))).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "               {what} {} {}:{} {}{message}",
                    e.rule,
                    safe(&e.location.file),
                    e.location.start.line,
                    safe(&e.resource)
                );
            }
        }
    }
    if !report.drift.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "drift: {}", report.drift.len());
        for d in &report.drift {
            let kind = match d.kind {
                DriftKind::UnboundResource => "unbound resource",
                DriftKind::UndeclaredExposure => "undeclared exposure",
                DriftKind::FindingInMitigatedCategory => "finding in a mitigated category",
                DriftKind::EmptyBinding => "binding matches nothing",
            };
            let _ =
                writeln!(out, "  {}:{}: {kind}: {}: {}", safe(&d.location.file), d.location.start.line, safe(&d.resource), safe(&d.detail));
        }
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "STRIDE-per-element gaps: {}", report.gaps.len());
        for g in &report.gaps {
            let _ = writeln!(
                out,
                "  {}:{}: {} `{}` has no {} threat",
                safe(&g.location.file),
                g.location.start.line,
                g.element_kind,
                safe(&g.element),
                g.missing.as_str()
            );
        }
    }
    let _ = writeln!(out);
    let count = |s: Status| report.mitigations.iter().filter(|m| m.status == s).count();
    let _ = writeln!(
        out,
        "{} mitigations: {} verified, {} violated, {} unverifiable, {} attested; {} drift, {} gaps",
        report.mitigations.len(),
        count(Status::Verified),
        count(Status::Violated),
        count(Status::Unverifiable),
        count(Status::Attested),
        report.drift.len(),
        report.gaps.len()
    );
    let _ = writeln!(out, "by STRIDE-LM category:");
    for (category, c) in &report.summary {
        let _ = writeln!(
            out,
            "  {category:<24} {} verified, {} violated, {} unverifiable, {} attested",
            c.verified, c.violated, c.unverifiable, c.attested
        );
    }
    if report.scan_incomplete {
        let _ = writeln!(out, "the scan behind this check is incomplete: some input could not be analyzed (`stridegate scan` shows what)");
    }
    out
}
