//! Terminal output: findings grouped by file (files in path order; in a file the most severe
//! first, then by line), one miette diagnostic each with the source snippet; then the help of
//! every rule that has findings, once per rule; then the files that could not be analyzed and
//! the coverage summary with a STRIDE-LM line. A source line is shown once per report: a later
//! finding on the same line names its position instead. `compact` writes one line per finding
//! (`path:line:col: SEVERITY RULE-ID message [resource]`); `quiet` writes only errors and the
//! summary, and nothing at all for a clean, complete scan. Findings a baseline holds are not
//! shown, only counted in the summary.
//!
//! Everything that comes from the scanned repository (paths, names, messages, source lines) goes
//! through [`terminal_safe`] first. Snippets are a window of at most three lines around the
//! finding, with very long lines (minified JSON, one-line YAML) cut around the highlighted span,
//! so a report stays readable and costs the same for a finding at column 10 or 10 million.

use std::fmt::Write as _;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError, MietteSpanContents, Report, SourceCode, SourceSpan,
    SpanContents,
};

use super::Sources;
use super::escape::{terminal_safe, terminal_safe_text};
use crate::finding::Finding;
use crate::model::Location;
use crate::rules::meta::{RuleMeta, Severity};
use crate::scan::{Outcome, ScanReport};
use crate::source::LineIndex;

/// Rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalOptions {
    /// ANSI colours.
    pub color: bool,
    /// Also list skipped files with their reasons.
    pub verbose: bool,
    /// Width to wrap at.
    pub width: usize,
    /// One line per finding, no snippets.
    pub compact: bool,
    /// Only errors and the summary; nothing for a clean, complete scan.
    pub quiet: bool,
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Low => miette::Severity::Advice,
        Severity::Medium => miette::Severity::Warning,
        Severity::High | Severity::Critical => miette::Severity::Error,
    }
}

/// Renders the whole report (what [`write`] writes, as a string).
pub fn render(report: &ScanReport, sources: &mut Sources, options: TerminalOptions) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail, and every piece written is a `str`.
    let _ = write(report, sources, options, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the whole report to `out` as it goes, finding by finding (give a buffered writer):
/// the report never exists whole in memory.
pub fn write(report: &ScanReport, sources: &mut Sources, options: TerminalOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false).with_context_lines(1);
    if options.quiet {
        if super::new_findings(report).next().is_none() && !report.is_incomplete() {
            return Ok(());
        }
        write_errors(report, out)?;
        return write_summary(report, out);
    }
    let mut shown: Vec<&Finding> = super::new_findings(report).collect();
    // By file, then the most severe first, then by position.
    shown.sort_by(|a, b| {
        a.location.file.cmp(&b.location.file).then_with(|| b.severity.cmp(&a.severity)).then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    if options.compact {
        for f in &shown {
            writeln!(
                out,
                "{}:{}:{}: {} {} {} [{}]",
                terminal_safe(&f.location.file),
                f.location.start.line,
                f.location.start.column,
                f.severity.to_string().to_uppercase(),
                terminal_safe(&f.rule_id),
                terminal_safe(&f.message),
                terminal_safe(&f.resource)
            )?;
        }
        if !shown.is_empty() {
            out.write_all(b"\n")?;
        }
    } else {
        let mut file: Option<&str> = None;
        let mut snippet_lines: std::collections::HashSet<(&str, usize)> = std::collections::HashSet::new();
        // One finding's diagnostic at a time, reusing the buffer.
        let mut buffer = String::new();
        for (i, finding) in shown.iter().enumerate() {
            if file != Some(&finding.location.file) {
                file = Some(&finding.location.file);
                // `shown` is sorted by file: this file's findings follow this one.
                let n = shown[i..].iter().take_while(|f| f.location.file == finding.location.file).count();
                writeln!(out, "── {} ({n} finding{})\n", terminal_safe(&finding.location.file), if n == 1 { "" } else { "s" })?;
            }
            // A line's snippet is shown once: later findings on it refer to it by position.
            let first_on_line = snippet_lines.insert((&*finding.location.file, finding.location.start.line));
            buffer.clear();
            render_finding(&handler, finding, sources, first_on_line, &mut buffer);
            out.write_all(buffer.as_bytes())?;
        }
        // Each rule's help once, in rule order.
        let mut rules: Vec<&str> = shown.iter().map(|f| &*f.rule_id).collect();
        rules.sort_unstable();
        rules.dedup();
        let helps: Vec<&RuleMeta> = rules.iter().filter_map(|id| report.rules.iter().find(|r| *r.id == **id).map(AsRef::as_ref)).collect();
        if !helps.is_empty() {
            writeln!(out, "how to fix:")?;
            for m in helps {
                writeln!(out, "  {} {}: {}", terminal_safe(&m.id), terminal_safe(&m.name), terminal_safe(&m.title))?;
                for line in wrap(&terminal_safe_text(m.fix.trim()), options.width.saturating_sub(4).max(40)) {
                    writeln!(out, "    {line}")?;
                }
            }
            out.write_all(b"\n")?;
        }
    }
    write_errors(report, out)?;
    if options.verbose {
        out.write_all(crate::suppress::suppressed_list(&report.suppressed).as_bytes())?;
        let mut skipped = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Skipped { .. })).peekable();
        if skipped.peek().is_some() {
            writeln!(out, "skipped files:")?;
            for f in skipped {
                if let Outcome::Skipped { reason } = &f.outcome {
                    writeln!(out, "  {}: {}", terminal_safe(&f.path), terminal_safe(&reason.to_string()))?;
                }
            }
            out.write_all(b"\n")?;
        }
    }
    write_summary(report, out)
}

/// Words of `text` in lines of at most `width` characters (longer words stand alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

fn render_finding(handler: &GraphicalReportHandler, f: &Finding, sources: &mut Sources, with_snippet: bool, out: &mut String) {
    let file = terminal_safe(&f.location.file).into_owned();
    let stride = f.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let snippet = if with_snippet {
        sources.get_indexed(&f.location.file).and_then(|(text, lines)| Snippet::new(&file, text, lines, &f.location))
    } else {
        None
    };
    let message = if snippet.is_some() {
        format!("{} [{}]", terminal_safe(&f.message), terminal_safe(&f.resource))
    } else {
        format!(
            "{}:{}:{}: {} [{}]",
            file,
            f.location.start.line,
            f.location.start.column,
            terminal_safe(&f.message),
            terminal_safe(&f.resource)
        )
    };
    let diag = MietteDiagnostic::new(message)
        .with_code(terminal_safe(&format!("{} {} · {} · {}", f.rule_id, f.rule_name, f.severity, stride)).into_owned())
        .with_severity(miette_severity(f.severity));
    let rendered = match snippet {
        Some(snippet) => {
            let label = if f.attribute_present { "here".to_string() } else { format!("missing `{}`", terminal_safe(&last_segment(f))) };
            let diag = diag.with_labels(vec![LabeledSpan::new_primary_with_span(Some(label), snippet.span)]);
            let report = Report::new(diag).with_source_code(snippet);
            let mut s = String::new();
            handler.render_report(&mut s, report.as_ref()).map(|()| s)
        }
        None => {
            let mut s = String::new();
            handler.render_report(&mut s, &diag).map(|()| s)
        }
    };
    match rendered {
        Ok(s) => out.push_str(&s),
        Err(_) => {
            let _ = writeln!(out, "  {}", terminal_safe(&f.message));
        }
    }
    out.push('\n');
}

/// Longest line (in bytes) shown whole in a snippet.
const MAX_LINE: usize = 160;
/// Characters kept on each side of the highlighted span when its line is cut.
const AROUND_SPAN: usize = 40;
/// Longest highlight (in characters) on a cut line.
const MAX_SPAN: usize = 80;

/// The source shown with one finding: the line of the finding and one line of context on each
/// side, escaped, long lines cut (marked `…`). It reports the real line numbers, and the real
/// line and column of the finding, to miette.
#[derive(Debug)]
struct Snippet {
    name: String,
    text: String,
    /// 0-based line number of the window's first line.
    first_line: usize,
    /// The highlighted span, in `text`.
    span: SourceSpan,
    /// 0-based line and column of the finding in the file.
    line: usize,
    column: usize,
}

impl Snippet {
    /// `None` when the file no longer matches the finding (changed since the scan).
    fn new(name: &str, text: &str, lines: &LineIndex, location: &Location) -> Option<Self> {
        let (start, end) = (location.span.start, location.span.end);
        if start > end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return None;
        }
        let line = location.start.line;
        let line_span = lines.line_span(text, line);
        if start < line_span.start || start > line_span.end {
            return None;
        }
        // The highlight stays on the finding's first line.
        let end = end.min(line_span.end);
        let mut window = String::new();
        if line > 1 {
            push_context_line(&mut window, text, lines.line_span(text, line - 1));
            window.push('\n');
        }
        let line_text = &text[line_span.start..line_span.end];
        let (rel_start, rel_end) = (start - line_span.start, end - line_span.start);
        let (from, to, end) = if line_text.len() <= MAX_LINE {
            (0, line_text.len(), rel_end)
        } else {
            let end = advance_chars(line_text, rel_start, MAX_SPAN).min(rel_end);
            (back_chars(line_text, rel_start, AROUND_SPAN), advance_chars(line_text, end, AROUND_SPAN), end)
        };
        if from > 0 {
            window.push('…');
        }
        window.push_str(&terminal_safe(&line_text[from..rel_start]));
        let span_start = window.len();
        window.push_str(&terminal_safe(&line_text[rel_start..end]));
        let span = SourceSpan::from((span_start, window.len() - span_start));
        window.push_str(&terminal_safe(&line_text[end..to]));
        if to < line_text.len() {
            window.push('…');
        }
        let next = lines.line_span(text, line + 1);
        // (The empty "line" after a final newline is not shown.)
        if line < lines.line_count() && !(line + 1 == lines.line_count() && next.is_empty()) {
            window.push('\n');
            push_context_line(&mut window, text, next);
        }
        Some(Snippet {
            name: name.to_string(),
            text: window,
            first_line: line.saturating_sub(2),
            span,
            line: line - 1,
            column: location.start.column.saturating_sub(1),
        })
    }
}

/// A context line, escaped, cut after [`MAX_LINE`] bytes' worth of characters.
fn push_context_line(window: &mut String, text: &str, span: crate::source::ByteSpan) {
    let line = text.get(span.start..span.end).unwrap_or_default();
    if line.len() <= MAX_LINE {
        window.push_str(&terminal_safe(line));
    } else {
        window.push_str(&terminal_safe(&line[..advance_chars(line, 0, MAX_LINE - AROUND_SPAN)]));
        window.push('…');
    }
}

/// The byte offset `n` characters after `from` in `s` (or its end).
fn advance_chars(s: &str, from: usize, n: usize) -> usize {
    s.get(from..).and_then(|rest| rest.char_indices().nth(n)).map_or(s.len(), |(i, _)| from + i)
}

/// The byte offset `n` characters before `from` in `s` (or 0).
fn back_chars(s: &str, from: usize, n: usize) -> usize {
    s.get(..from).and_then(|head| head.char_indices().rev().nth(n.saturating_sub(1))).map_or(0, |(i, _)| i)
}

impl SourceCode for Snippet {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        // The header names the finding's own position; other reads only need the line numbers.
        let (line, column) = if before == 0 && after == 0 && span.offset() == self.span.offset() {
            (self.line, self.column)
        } else {
            (inner.line() + self.first_line, inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(self.name.clone(), inner.data(), *inner.span(), line, column, inner.line_count())))
    }
}

fn last_segment(f: &Finding) -> String {
    match f.attribute.0.last() {
        Some(crate::model::PathSegment::Key(k)) => k.clone(),
        Some(crate::model::PathSegment::Index(i)) => format!("[{i}]"),
        None => String::new(),
    }
}

/// The files that could not be analyzed and the rules that failed, one line each (what the
/// summary's "scan incomplete" line refers to); empty when there are none.
pub fn errors(report: &ScanReport) -> String {
    let mut out = Vec::new();
    let _ = write_errors(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`errors`] to `out`.
pub fn write_errors(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let failures: Vec<_> = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).collect();
    if !failures.is_empty() {
        writeln!(out, "files that could not be analyzed:")?;
        for f in failures {
            if let Outcome::Failed { message, location, .. } = &f.outcome {
                match location {
                    Some(l) => {
                        writeln!(
                            out,
                            "  error: {}:{}:{}: {}",
                            terminal_safe(&f.path),
                            l.start.line,
                            l.start.column,
                            terminal_safe(message)
                        )?;
                    }
                    None => {
                        writeln!(out, "  error: {}: {}", terminal_safe(&f.path), terminal_safe(message))?;
                    }
                }
            }
        }
        out.write_all(b"\n")?;
    }
    for e in &report.rule_failures {
        writeln!(out, "  error: rule {} failed: {}", terminal_safe(&e.rule), terminal_safe(&e.message))?;
    }
    Ok(())
}

/// Why the scan is incomplete, as counts ("1 file could not be analyzed").
pub fn incomplete_reasons(report: &ScanReport) -> Vec<String> {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let failed = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).count();
    let limits = report.not_analyzed.iter().filter(|n| n.limit.is_some()).count();
    let mut reasons = Vec::new();
    if failed > 0 {
        reasons.push(plural(failed, "file could not be analyzed", "files could not be analyzed"));
    }
    if !report.rule_failures.is_empty() {
        reasons.push(plural(report.rule_failures.len(), "rule failed", "rules failed"));
    }
    if limits > 0 {
        reasons.push(plural(limits, "analysis limit was reached", "analysis limits were reached"));
    }
    reasons
}

/// The one-paragraph summary printed after every scan.
pub fn summary(report: &ScanReport) -> String {
    let mut out = Vec::new();
    let _ = write_summary(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`summary`] to `out`.
pub fn write_summary(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let c = report.coverage();
    let new: Vec<&Finding> = super::new_findings(report).collect();
    let baseline_given = report.findings.iter().any(|f| f.baseline.is_some());
    let counts: Vec<String> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| (s, new.iter().filter(|f| f.severity == s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let n = new.len();
    write!(out, "{n}{} finding{}", if baseline_given { " new" } else { "" }, if n == 1 { "" } else { "s" })?;
    if !counts.is_empty() {
        write!(out, " ({})", counts.join(", "))?;
    }
    if baseline_given {
        write!(out, "; {} in the baseline (not shown)", report.findings.len() - n)?;
    }
    writeln!(out)?;
    let stride: Vec<String> = crate::rules::meta::Stride::ALL
        .into_iter()
        .map(|s| (s.as_str(), new.iter().filter(|f| f.stride.contains(&s)).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    if !stride.is_empty() {
        writeln!(out, "by STRIDE-LM category: {}", stride.join(", "))?;
    }
    let skipped: usize = c.skipped.iter().map(|(_, n)| n).sum();
    writeln!(
        out,
        "coverage: {} files found, {} analyzed ({} resources), {} skipped, {} failed; {} rules",
        c.found,
        c.analyzed,
        c.resources,
        skipped,
        c.failed,
        report.rules.len()
    )?;
    for (reason, n) in &c.skipped {
        writeln!(out, "  skipped {n}: {}", terminal_safe(reason))?;
    }
    if !report.not_analyzed.is_empty() {
        writeln!(out, "not analyzed inside analyzed files: {}", report.not_analyzed.len())?;
        for n in &report.not_analyzed {
            writeln!(out, "  {}:{}: {}: {}", terminal_safe(&n.file), n.line, terminal_safe(&n.unit), terminal_safe(&n.reason))?;
        }
    }
    out.write_all(crate::suppress::summary_lines(report.suppressed.len(), &report.suppressions).as_bytes())?;
    if !report.unverifiable.is_empty() {
        writeln!(out, "unverifiable: {} (a control depends on a value that cannot be known here)", report.unverifiable.len())?;
        const SHOWN: usize = 20;
        for u in report.unverifiable.iter().take(SHOWN) {
            writeln!(
                out,
                "  {}:{}: {}: {}",
                terminal_safe(&u.location.file),
                u.location.start.line,
                terminal_safe(&u.rule_id),
                terminal_safe(&u.message)
            )?;
        }
        if report.unverifiable.len() > SHOWN {
            writeln!(out, "  … and {} more (all of them are in --format json)", report.unverifiable.len() - SHOWN)?;
        }
    }
    if report.is_incomplete() {
        writeln!(out, "scan incomplete: {}", incomplete_reasons(report).join(", "))?;
    }
    Ok(())
}
