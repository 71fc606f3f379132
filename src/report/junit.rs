//! JUnit XML for CI test-report viewers (GitLab, Jenkins, Azure DevOps...).
//!
//! One `<testsuite>` per rule, one `<testcase>` per rule × resource: a `<failure>` lists that
//! resource's new findings of the rule; a test case whose findings are all in the baseline is
//! `<skipped>`; a resource the rule checked without finding anything (given as [`Checked`]
//! pairs, from the scan's inventory) is a passing test case. Files that could not be analyzed and failed rules are test
//! cases with an `<error>` in a `stridegate` suite, so an incomplete scan is visible as such.
//!
//! Every attribute and text goes through [`xml_escape`]: the five XML specials become entities
//! and characters XML 1.0 cannot carry (control characters but tab and newline) are written
//! visibly as `\x1b`, as in the terminal report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::RepoPaths;
use crate::finding::Finding;
use crate::scan::{Outcome, ScanReport};

/// Escapes `s` for an XML attribute value or text node.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if super::escape::needs_escape(c) || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A rule that was evaluated on a resource (a passing test case unless it has findings).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Checked {
    /// Rule id.
    pub rule_id: String,
    /// Rule name.
    pub rule_name: String,
    /// File of the resource, relative to the scan root.
    pub file: String,
    /// Resource address.
    pub resource: String,
}

/// Renders the report as a JUnit XML document; `checked` adds passing test cases (what
/// [`write`] writes, as a string).
pub fn render(report: &ScanReport, paths: &RepoPaths, checked: &[Checked]) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail, and every piece written is a `str`.
    let _ = write(report, paths, checked, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report as a JUnit XML document to `out` test case by test case (give a buffered
/// writer); `checked` adds passing test cases. The counts every suite's header carries are
/// computed first, so nothing is held back while writing.
pub fn write(report: &ScanReport, paths: &RepoPaths, checked: &[Checked], out: &mut dyn Write) -> io::Result<()> {
    // rule → (name, resource → findings)
    type Cases<'a> = BTreeMap<(&'a str, &'a str), Vec<&'a Finding>>;
    let mut by_rule: BTreeMap<&str, (&str, Cases<'_>)> = BTreeMap::new();
    for c in checked {
        by_rule.entry(&c.rule_id).or_insert_with(|| (&c.rule_name, BTreeMap::new())).1.entry((&c.file, &c.resource)).or_default();
    }
    for f in &report.findings {
        by_rule
            .entry(&f.rule_id)
            .or_insert_with(|| (&f.rule_name, BTreeMap::new()))
            .1
            .entry((&f.location.file, &f.resource))
            .or_default()
            .push(f);
    }
    let failed_files: Vec<_> = report
        .files
        .iter()
        .filter_map(|f| match &f.outcome {
            Outcome::Failed { message, location, .. } => Some((f, message, location)),
            _ => None,
        })
        .collect();
    let errors = failed_files.len() + report.rule_failures.len();
    // A case with findings fails when one is new, and is skipped when all are in the baseline.
    let suite_counts = |cases: &Cases<'_>| {
        let failures = cases.values().filter(|findings| findings.iter().any(|f| !f.in_baseline())).count();
        let with_findings = cases.values().filter(|findings| !findings.is_empty()).count();
        (failures, with_findings - failures)
    };
    let (mut tests, mut failures, mut skipped) = (errors, 0, 0);
    for (_, cases) in by_rule.values() {
        let (suite_failures, suite_skipped) = suite_counts(cases);
        tests += cases.len();
        failures += suite_failures;
        skipped += suite_skipped;
    }
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(out, "<testsuites name=\"stridegate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">")?;
    for (rule, (name, cases)) in &by_rule {
        let (suite_failures, suite_skipped) = suite_counts(cases);
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" errors=\"0\" skipped=\"{suite_skipped}\">",
            xml_escape(&format!("{rule} {name}")),
            cases.len()
        )?;
        for ((file, resource), findings) in cases {
            let new: Vec<&&Finding> = findings.iter().filter(|f| !f.in_baseline()).collect();
            write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                xml_escape(&format!("{rule} {name}")),
                xml_escape(resource),
                xml_escape(&paths.path(file))
            )?;
            if findings.is_empty() {
                out.write_all(b"/>\n")?;
                continue;
            }
            let Some(first) = new.first() else {
                writeln!(out, ">\n      <skipped message=\"in the baseline\"/>\n    </testcase>")?;
                continue;
            };
            let text: Vec<String> = new
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}:{}: {} {}: {} [{}]",
                        paths.path(&f.location.file),
                        f.location.start.line,
                        f.location.start.column,
                        f.severity,
                        f.attribute,
                        f.message,
                        f.resource
                    )
                })
                .collect();
            writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                first.severity,
                xml_escape(&first.message),
                xml_escape(&text.join("\n"))
            )?;
        }
        out.write_all(b"  </testsuite>\n")?;
    }
    if errors > 0 {
        writeln!(out, "  <testsuite name=\"stridegate\" tests=\"{errors}\" failures=\"0\" errors=\"{errors}\" skipped=\"0\">")?;
        for (f, message, location) in failed_files {
            let at = location.as_ref().map_or_else(String::new, |l| format!(":{}:{}", l.start.line, l.start.column));
            writeln!(
                out,
                "    <testcase classname=\"stridegate\" name=\"analyze {}\" file=\"{}\">\n      <error type=\"not-analyzed\" message=\"{}\">{}</error>\n    </testcase>",
                xml_escape(&paths.path(&f.path)),
                xml_escape(&paths.path(&f.path)),
                xml_escape(message),
                xml_escape(&format!("{}{at}: {message}", paths.path(&f.path)))
            )?;
        }
        for e in &report.rule_failures {
            writeln!(
                out,
                "    <testcase classname=\"stridegate\" name=\"rule {}\">\n      <error type=\"rule-failed\" message=\"{}\"/>\n    </testcase>",
                xml_escape(&e.rule),
                xml_escape(&e.message)
            )?;
        }
        out.write_all(b"  </testsuite>\n")?;
    }
    out.write_all(b"</testsuites>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_specials_and_controls() {
        assert_eq!(xml_escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
        assert_eq!(xml_escape("a\x1b[2J\u{0}b"), "a\\u{1b}[2J\\u{0}b");
        assert_eq!(xml_escape("l1\nl2\tx"), "l1&#10;l2&#9;x");
        assert_eq!(xml_escape("\u{202e}dorp café"), "\\u{202e}dorp café");
        assert_eq!(xml_escape("]]>"), "]]&gt;");
    }
}
