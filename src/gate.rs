//! The CI gate: how a scan's result becomes an exit status.
//!
//! In order: a new finding (not in the baseline) at or above the `--fail-on` threshold → 1;
//! else an incomplete scan (a file failed, a rule failed, a limit was reached) → 3; else an
//! analysis coverage below `--min-coverage` → 3; else 0. Findings come first because they are
//! what the user must act on; coverage shares the "incomplete" code because it is the same
//! problem measured (analysis that silently dropped input), not a finding.

use crate::rules::meta::Severity;
use crate::scan::{ExitStatus, Outcome, ScanReport};

/// Analysis coverage in percent: analyzed files / (analyzed files + failed files + parts of
/// analyzed files that were not analyzed, such as a module that could not be loaded). Skipped
/// files (not infrastructure, inputs of a chart or overlay analyzed as a unit) do not count.
/// `None` when there was nothing to analyze.
pub fn coverage_percent(report: &ScanReport) -> Option<f64> {
    let analyzed = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Analyzed { .. })).count();
    let failed = report.files.iter().filter(|f| matches!(f.outcome, Outcome::Failed { .. })).count();
    let units = analyzed + failed + report.not_analyzed.len();
    // Counts of files stay far below 2^52: the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    (units > 0).then(|| 100.0 * analyzed as f64 / units as f64)
}

/// Parses a `--min-coverage` value: a percentage from 0 to 100 (an optional `%` allowed).
pub fn parse_percent(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().trim_end_matches('%').parse().map_err(|_| format!("`{s}` is not a percentage"))?;
    if (0.0..=100.0).contains(&v) { Ok(v) } else { Err(format!("`{s}` is not between 0 and 100")) }
}

/// The gate's decision for `report`; `threshold` `None` means findings never fail
/// (`--fail-on none`). The coverage measured is returned when it is below `min_coverage`.
pub fn decide(report: &ScanReport, threshold: Option<Severity>, min_coverage: Option<f64>) -> (ExitStatus, Option<f64>) {
    let status = match threshold {
        Some(t) => report.exit_status(t),
        None if report.is_incomplete() => ExitStatus::Incomplete,
        None => ExitStatus::Clean,
    };
    let low = match (min_coverage, coverage_percent(report)) {
        (Some(min), Some(c)) if c < min => Some(c),
        _ => None,
    };
    match (status, low) {
        (ExitStatus::Clean, Some(c)) => (ExitStatus::Incomplete, Some(c)),
        (s, low) => (s, low),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("90"), Ok(90.0));
        assert_eq!(parse_percent("99.5%"), Ok(99.5));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("x").is_err());
    }
}
