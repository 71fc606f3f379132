//! A pull-request comment in GitHub-flavoured Markdown: counts by severity (new versus baseline
//! when a baseline was given) and by STRIDE-LM category, then the most severe new findings with
//! links to their lines.
//!
//! Scanned text (messages, resource names, paths) goes through [`md_escape`]: Markdown
//! punctuation is backslash-escaped, HTML specials become entities, line breaks and control
//! characters cannot break the table or the comment.

use std::io::{self, Write};

use super::RepoPaths;
use crate::finding::Finding;
use crate::rules::meta::Severity;
use crate::scan::ScanReport;

/// New findings listed in the table (the most severe first).
pub const TOP: usize = 20;

/// Escapes `s` for inline Markdown (a table cell or a link text).
pub fn md_escape(s: &str) -> String {
    let s = super::escape::terminal_safe(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            // Emphasis, code, links and images, strikethrough, math, and GitHub's autolinks
            // (`#12` issues, `@team` mentions, `https:` URLs). Cells never start a line, so
            // block markers (`-`, `+`, `1.`) need nothing.
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' | '$' | '@' | ':' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path for a link target (everything but unreserved characters and `/`).
fn link_path(path: &str) -> String {
    path.split('/').map(super::sarif::percent_encode).collect::<Vec<_>>().join("/")
}

fn link(f: &Finding, paths: &RepoPaths) -> String {
    let path = paths.path(&f.location.file);
    let target = format!("{}{}#L{}", paths.link_base.as_deref().unwrap_or(""), link_path(&path), f.location.start.line);
    format!("[{}:{}]({target})", md_escape(&path), f.location.start.line)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Renders the comment (what [`write`] writes, as a string).
pub fn render(report: &ScanReport, paths: &RepoPaths) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail, and every piece written is a `str`.
    let _ = write(report, paths, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the comment to `out`. Whether a baseline was given (findings carry a baseline state)
/// adds the "Baseline" column.
pub fn write(report: &ScanReport, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let baseline_given = report.findings.iter().any(|f| f.baseline.is_some());
    let new: Vec<&Finding> = super::new_findings(report).collect();
    let in_baseline = report.findings.len() - new.len();
    let icon = if new.is_empty() { "✅" } else { "⚠️" };
    write!(out, "## {icon} stridegate: ")?;
    if baseline_given {
        writeln!(out, "{}, {in_baseline} in the baseline", plural(new.len(), "new finding"))?;
    } else {
        writeln!(out, "{}", plural(new.len(), "finding"))?;
    }
    out.write_all(b"\n")?;
    if baseline_given {
        out.write_all("| Severity | New | Baseline |\n| --- | ---: | ---: |\n".as_bytes())?;
    } else {
        out.write_all("| Severity | Findings |\n| --- | ---: |\n".as_bytes())?;
    }
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low] {
        let n = new.iter().filter(|f| f.severity == s).count();
        if baseline_given {
            let b = report.findings.iter().filter(|f| f.severity == s && f.in_baseline()).count();
            writeln!(out, "| {s} | {n} | {b} |")?;
        } else {
            writeln!(out, "| {s} | {n} |")?;
        }
    }
    let stride: Vec<(&str, usize)> = crate::rules::meta::Stride::ALL
        .into_iter()
        .map(|s| (s.as_str(), new.iter().filter(|f| f.stride.contains(&s)).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    if !stride.is_empty() {
        out.write_all("\n| STRIDE-LM category | New findings |\n| --- | ---: |\n".as_bytes())?;
        for (s, n) in stride {
            writeln!(out, "| {s} | {n} |")?;
        }
    }
    if !new.is_empty() {
        let mut top = new.clone();
        top.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.sort_key().cmp(&b.sort_key())));
        writeln!(out, "\n### {}\n", if top.len() > TOP { format!("Top {TOP} new findings") } else { "New findings".to_string() })?;
        out.write_all("| Severity | Rule | Location | Finding |\n| --- | --- | --- | --- |\n".as_bytes())?;
        for f in top.iter().take(TOP) {
            writeln!(
                out,
                "| {} | {} {} | {} | {} \\[{}\\] |",
                f.severity,
                md_escape(&f.rule_id),
                md_escape(&f.rule_name),
                link(f, paths),
                md_escape(&f.message),
                md_escape(&f.resource)
            )?;
        }
        if top.len() > TOP {
            writeln!(out, "\n… and {} more.", top.len() - TOP)?;
        }
    }
    if report.is_incomplete() {
        writeln!(out, "\n> [!WARNING]\n> The scan is incomplete: {}.", super::terminal::incomplete_reasons(report).join(", "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_html() {
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert\\(1\\)&gt;");
        assert_eq!(md_escape("[click](http://x)"), "\\[click\\]\\(http\\://x\\)");
        assert_eq!(md_escape("**bold** _i_ `c`"), "\\*\\*bold\\*\\* \\_i\\_ \\`c\\`");
        assert_eq!(md_escape("line\nbreak"), "line\\\\nbreak");
        assert_eq!(md_escape("@team #1"), "\\@team \\#1");
    }
}
