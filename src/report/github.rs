//! GitHub Actions workflow commands: one annotation per new finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`).
//!
//! Severity mapping: critical and high → `error`, medium → `warning`, low → `notice`. Files that
//! could not be analyzed and failed rules are `error`s too.
//!
//! GitHub shows at most 10 annotations of each level per step and drops the rest, so at most
//! [`PER_LEVEL`] are written per level (the most severe first, then by file and line); when some
//! are left out, the last notice slot holds a `::notice` that counts them, so nothing is dropped
//! silently. Findings in the baseline are not annotated (the summary notice counts them).
//!
//! Escaping follows the runner's rules: in the message, `%`, `\r` and `\n` become `%25`, `%0D`
//! and `%0A`; in property values also `:` and `,` (`%3A`, `%2C`). Other control characters and
//! bidi controls are shown visibly, as in the terminal report.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::RepoPaths;
use super::escape::terminal_safe;
use crate::finding::Finding;
use crate::rules::meta::Severity;
use crate::scan::{Outcome, ScanReport};

/// Annotations GitHub shows per level and step.
pub const PER_LEVEL: usize = 10;

/// The workflow command level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// Escapes a command's message (data).
pub fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    terminal_safe(&s).into_owned()
}

/// Escapes a command property's value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

struct Annotation {
    level: &'static str,
    properties: Vec<(&'static str, String)>,
    message: String,
}

impl Annotation {
    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let props: Vec<String> = self.properties.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
        writeln!(out, "::{} {}::{}", self.level, props.join(","), escape_data(&self.message))
    }
}

fn finding_annotation(f: &Finding, paths: &RepoPaths) -> Annotation {
    let l = &f.location;
    let mut properties = vec![("file", paths.path(&l.file)), ("line", l.start.line.to_string()), ("col", l.start.column.to_string())];
    if l.end.line >= l.start.line {
        properties.push(("endLine", l.end.line.to_string()));
        if l.end.line == l.start.line {
            properties.push(("endColumn", l.end.column.to_string()));
        }
    }
    properties.push(("title", format!("{} {} ({})", f.rule_id, f.rule_name, f.severity)));
    Annotation { level: level(f.severity), properties, message: format!("{} [{}]", f.message, f.resource) }
}

/// Renders the report as workflow commands (what [`write`] writes, as a string).
pub fn render(report: &ScanReport, paths: &RepoPaths) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail, and every piece written is a `str`.
    let _ = write(report, paths, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report as workflow commands to `out`. Only the annotations that are written are
/// built: the others are counted.
pub fn write(report: &ScanReport, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let slot = |level: &str| match level {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let failed_files = || {
        report.files.iter().filter_map(|f| match &f.outcome {
            Outcome::Failed { message, location, .. } => Some((f, message, location)),
            _ => None,
        })
    };
    let mut findings: Vec<&Finding> = super::new_findings(report).collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.sort_key().cmp(&b.sort_key())));
    // Failed files and failed rules are errors, written first; then the findings.
    let mut total_by_level = [0usize; 3];
    total_by_level[0] = failed_files().count() + report.rule_failures.len();
    for f in &findings {
        total_by_level[slot(level(f.severity))] += 1;
    }
    let baseline = report.findings.len() - findings.len();
    let overflow = total_by_level.iter().any(|n| *n > PER_LEVEL) || baseline > 0;
    // The summary notice takes the last notice slot.
    let caps = [PER_LEVEL, PER_LEVEL, if overflow { PER_LEVEL - 1 } else { PER_LEVEL }];
    let mut shown = [0usize; 3];
    let mut take = |level: &str| {
        let i = slot(level);
        let free = shown[i] < caps[i];
        if free {
            shown[i] += 1;
        }
        free
    };
    for (f, message, location) in failed_files() {
        if !take("error") {
            break;
        }
        let mut properties = vec![("file", paths.path(&f.path))];
        if let Some(l) = location {
            properties.push(("line", l.start.line.to_string()));
            properties.push(("col", l.start.column.to_string()));
        }
        properties.push(("title", "stridegate: file not analyzed".to_string()));
        Annotation { level: "error", properties, message: message.clone() }.write(out)?;
    }
    for e in &report.rule_failures {
        if !take("error") {
            break;
        }
        Annotation {
            level: "error",
            properties: vec![("title", format!("stridegate: rule {} failed", e.rule))],
            message: e.message.clone(),
        }
        .write(out)?;
    }
    for f in &findings {
        if take(level(f.severity)) {
            finding_annotation(f, paths).write(out)?;
        }
    }
    if overflow {
        let names = ["error", "warning", "notice"];
        let left: Vec<String> = (0..3)
            .filter(|&i| total_by_level[i] > shown[i])
            .map(|i| {
                format!("{} more {}{}", total_by_level[i] - shown[i], names[i], if total_by_level[i] - shown[i] == 1 { "" } else { "s" })
            })
            .collect();
        let mut message = String::new();
        if !left.is_empty() {
            let _ = write!(message, "{} not annotated (GitHub shows {PER_LEVEL} per level and step)", left.join(", "));
        }
        if baseline > 0 {
            if !message.is_empty() {
                message.push_str("; ");
            }
            let _ = write!(message, "{baseline} finding{} in the baseline not annotated", if baseline == 1 { "" } else { "s" });
        }
        message.push_str(": the full list is in the job log or --format sarif/json");
        Annotation { level: "notice", properties: vec![("title", "stridegate".to_string())], message }.write(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\nd"), "a%3Ab%2Cc%25%0Ad");
        // A forged second command cannot start on its own line.
        assert_eq!(escape_data("x\n::error::forged"), "x%0A::error::forged");
        // Terminal control characters are made visible before escaping.
        assert_eq!(escape_data("\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(escape_property("\u{202e}x"), "\\u{202e}x");
    }

    #[test]
    fn severity_levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "notice");
    }
}
