//! Terminal output: one miette diagnostic per finding with the source snippet, then the files
//! that could not be analyzed, then the coverage summary.

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report, SourceSpan};

use super::{Sources, severity_counts};
use crate::finding::Finding;
use crate::rules::meta::{RuleMeta, Severity};
use crate::scan::{Outcome, ScanReport};

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct TerminalOptions {
    /// ANSI colours.
    pub color: bool,
    /// Also list skipped files with their reasons.
    pub verbose: bool,
    /// Width to wrap at.
    pub width: usize,
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Low => miette::Severity::Advice,
        Severity::Medium => miette::Severity::Warning,
        Severity::High | Severity::Critical => miette::Severity::Error,
    }
}

/// Renders the whole report.
pub fn render(report: &ScanReport, sources: &mut Sources, options: TerminalOptions) -> String {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false).with_context_lines(1);
    let mut out = String::new();
    for finding in &report.findings {
        let meta = report.rules.iter().find(|r| *r.id == *finding.rule_id);
        render_finding(&handler, finding, meta.map(AsRef::as_ref), sources, &mut out);
    }
    let failures: Vec<_> = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "files that could not be analyzed:");
        for f in failures {
            if let Outcome::Failed { message, location, .. } = &f.outcome {
                match location {
                    Some(l) => {
                        let _ = writeln!(out, "  error: {}:{}:{}: {message}", f.path, l.start.line, l.start.column);
                    }
                    None => {
                        let _ = writeln!(out, "  error: {}: {message}", f.path);
                    }
                }
            }
        }
        out.push('\n');
    }
    for e in &report.rule_failures {
        let _ = writeln!(out, "  error: rule {} failed: {}", e.rule, e.message);
    }
    if options.verbose {
        let skipped: Vec<_> = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Skipped { .. })).collect();
        if !skipped.is_empty() {
            let _ = writeln!(out, "skipped files:");
            for f in skipped {
                if let Outcome::Skipped { reason } = &f.outcome {
                    let _ = writeln!(out, "  {}: {reason}", f.path);
                }
            }
            out.push('\n');
        }
    }
    out.push_str(&summary(report));
    out
}

fn render_finding(handler: &GraphicalReportHandler, f: &Finding, meta: Option<&RuleMeta>, sources: &mut Sources, out: &mut String) {
    let file = f.location.file.to_string();
    let stride = f.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let text = sources.get(&file).map(str::to_string);
    let has_source = text.as_ref().is_some_and(|t| f.location.span.end <= t.len());
    let message = if has_source {
        format!("{} [{}]", f.message, f.resource)
    } else {
        format!("{}:{}:{}: {} [{}]", file, f.location.start.line, f.location.start.column, f.message, f.resource)
    };
    let mut diag = MietteDiagnostic::new(message)
        .with_code(format!("{} {} · {} · {}", f.rule_id, f.rule_name, f.severity, stride))
        .with_severity(miette_severity(f.severity));
    if let Some(m) = meta {
        diag = diag.with_help(m.fix.trim().to_string());
    }
    let rendered = match text {
        Some(text) if f.location.span.end <= text.len() => {
            let label = if f.attribute_present { "here".to_string() } else { format!("missing `{}`", last_segment(f)) };
            let span = SourceSpan::from((f.location.span.start, f.location.span.len()));
            let diag = diag.with_labels(vec![LabeledSpan::new_primary_with_span(Some(label), span)]);
            let report = Report::new(diag).with_source_code(NamedSource::new(&file, text));
            let mut s = String::new();
            handler.render_report(&mut s, report.as_ref()).map(|()| s)
        }
        _ => {
            let mut s = String::new();
            handler.render_report(&mut s, &diag).map(|()| s)
        }
    };
    match rendered {
        Ok(s) => out.push_str(&s),
        Err(_) => {
            let _ = writeln!(out, "  {}", f.message);
        }
    }
    out.push('\n');
}

fn last_segment(f: &Finding) -> String {
    match f.attribute.0.last() {
        Some(crate::model::PathSegment::Key(k)) => k.clone(),
        Some(crate::model::PathSegment::Index(i)) => format!("[{i}]"),
        None => String::new(),
    }
}

/// The one-paragraph summary printed after every scan.
pub fn summary(report: &ScanReport) -> String {
    let c = report.coverage();
    let mut out = String::new();
    let counts: Vec<String> = severity_counts(report).into_iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{n} {s}")).collect();
    let n = report.findings.len();
    let _ = write!(out, "{n} finding{}", if n == 1 { "" } else { "s" });
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    let _ = writeln!(out);
    let skipped: usize = c.skipped.iter().map(|(_, n)| n).sum();
    let _ = writeln!(
        out,
        "coverage: {} files found, {} analyzed ({} resources), {} skipped, {} failed; {} rules",
        c.found,
        c.analyzed,
        c.resources,
        skipped,
        c.failed,
        report.rules.len()
    );
    for (reason, n) in &c.skipped {
        let _ = writeln!(out, "  skipped {n}: {reason}");
    }
    if !report.not_analyzed.is_empty() {
        let _ = writeln!(out, "not analyzed inside analyzed files: {}", report.not_analyzed.len());
        for n in &report.not_analyzed {
            let _ = writeln!(out, "  {}:{}: {}: {}", n.file, n.line, n.unit, n.reason);
        }
    }
    if !report.unverifiable.is_empty() {
        let _ = writeln!(out, "unverifiable: {} (a control depends on a value that cannot be known here)", report.unverifiable.len());
        const SHOWN: usize = 20;
        for u in report.unverifiable.iter().take(SHOWN) {
            let _ = writeln!(out, "  {}:{}: {}: {}", u.location.file, u.location.start.line, u.rule_id, u.message);
        }
        if report.unverifiable.len() > SHOWN {
            let _ = writeln!(out, "  … and {} more (all of them are in --format json)", report.unverifiable.len() - SHOWN);
        }
    }
    if report.is_incomplete() {
        let _ = writeln!(out, "scan incomplete: some input could not be analyzed (see the errors above)");
    }
    out
}
