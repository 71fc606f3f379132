//! Analysis limits: every evaluation a scanned file can drive is bounded, each bound has a
//! name, a default and a command-line override (`--limit NAME=VALUE`), and reaching one is
//! reported (the unit is listed as not analyzed with the limit's name and the scan is
//! incomplete), never a crash, a hang or a silent truncation.
//!
//! Parser limits (nesting depth, alias expansion) live in [`crate::parse::Limits`]; the file
//! size limit is `--max-file-size`; the whole scan's wall time is `--timeout`.

use std::time::Duration;

/// Bounds on what one analysis unit (a Terraform root module with everything it calls, or a
/// file) may cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisLimits {
    /// Deepest expression evaluation (nesting, traversal steps, splats, function calls).
    pub eval_depth: usize,
    /// Value elements (list items, object entries, scalars) one root module evaluation may
    /// build or copy, in total.
    pub value_elements: u64,
    /// Bytes of strings one root module evaluation may build or copy, in total.
    pub value_bytes: u64,
    /// Instances one `count`, `for_each` or `dynamic` block may create.
    pub block_instances: usize,
    /// Block instances one root module evaluation may create, in total (every pass counts).
    pub instances: usize,
    /// Module evaluations under one root module (every instance of every call, at any depth).
    pub module_evaluations: usize,
    /// Deepest chain of module calls followed.
    pub module_depth: usize,
    /// Instances of one module call evaluated.
    pub module_instances: usize,
    /// Wall time of one rule query on one resource.
    pub rule_time: Duration,
    /// Wall time of one analysis unit (parse, evaluation and rules).
    pub unit_time: Duration,
}

impl Default for AnalysisLimits {
    fn default() -> Self {
        Self {
            eval_depth: 200,
            value_elements: 10_000_000,
            value_bytes: 256 * 1024 * 1024,
            block_instances: 1_000,
            instances: 200_000,
            module_evaluations: 2_000,
            module_depth: 10,
            module_instances: 64,
            rule_time: Duration::from_secs(10),
            unit_time: Duration::from_secs(300),
        }
    }
}

/// One limit's name and meaning, for `--limit NAME=VALUE`, errors and documentation.
#[derive(Debug, Clone, Copy)]
pub struct LimitSpec {
    /// Name on the command line and in reports (`eval-depth`).
    pub name: &'static str,
    /// What it bounds.
    pub help: &'static str,
    /// Unit of the value (`count`, `bytes`, `seconds`).
    pub unit: &'static str,
}

/// Every limit, in documentation order.
pub const LIMITS: &[LimitSpec] = &[
    LimitSpec { name: "eval-depth", help: "deepest Terraform expression evaluation (nesting, splats, calls)", unit: "levels" },
    LimitSpec { name: "value-elements", help: "values one Terraform root module evaluation may build or copy", unit: "elements" },
    LimitSpec { name: "value-bytes", help: "string bytes one Terraform root module evaluation may build or copy", unit: "bytes" },
    LimitSpec { name: "block-instances", help: "instances one count, for_each or dynamic block may create", unit: "instances" },
    LimitSpec { name: "instances", help: "block instances one Terraform root module evaluation may create", unit: "instances" },
    LimitSpec { name: "module-evaluations", help: "module evaluations under one root module", unit: "evaluations" },
    LimitSpec { name: "module-depth", help: "deepest chain of Terraform module calls followed", unit: "levels" },
    LimitSpec { name: "module-instances", help: "instances of one module call evaluated", unit: "instances" },
    LimitSpec { name: "rule-time", help: "wall time of one rule on one resource", unit: "seconds" },
    LimitSpec { name: "unit-time", help: "wall time of one analysis unit (a file, or a root module with its calls)", unit: "seconds" },
];

impl AnalysisLimits {
    /// The value of limit `name`, as shown in reports.
    pub fn value(&self, name: &str) -> Option<String> {
        Some(match name {
            "eval-depth" => self.eval_depth.to_string(),
            "value-elements" => self.value_elements.to_string(),
            "value-bytes" => self.value_bytes.to_string(),
            "block-instances" => self.block_instances.to_string(),
            "instances" => self.instances.to_string(),
            "module-evaluations" => self.module_evaluations.to_string(),
            "module-depth" => self.module_depth.to_string(),
            "module-instances" => self.module_instances.to_string(),
            "rule-time" => format!("{}s", self.rule_time.as_secs_f64()),
            "unit-time" => format!("{}s", self.unit_time.as_secs_f64()),
            _ => return None,
        })
    }

    /// Applies `NAME=VALUE` (sizes take K/M/G suffixes, times s/m/h or ms).
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let names = || LIMITS.iter().map(|l| l.name).collect::<Vec<_>>().join(", ");
        let (name, value) = spec.split_once('=').ok_or_else(|| format!("`{spec}` is not of the form NAME=VALUE (limits: {})", names()))?;
        let (name, value) = (name.trim(), value.trim());
        let count = || parse_count(value).ok_or_else(|| format!("limit {name}: `{value}` is not a positive number"));
        let time = || parse_duration(value).ok_or_else(|| format!("limit {name}: `{value}` is not a duration like 30s or 5m"));
        let usize_count = || count().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        match name {
            "eval-depth" => self.eval_depth = usize_count()?,
            "value-elements" => self.value_elements = count()?,
            "value-bytes" => self.value_bytes = count()?,
            "block-instances" => self.block_instances = usize_count()?,
            "instances" => self.instances = usize_count()?,
            "module-evaluations" => self.module_evaluations = usize_count()?,
            "module-depth" => self.module_depth = usize_count()?,
            "module-instances" => self.module_instances = usize_count()?,
            "rule-time" => self.rule_time = time()?,
            "unit-time" => self.unit_time = time()?,
            _ => return Err(format!("unknown limit `{name}` (limits: {})", names())),
        }
        Ok(())
    }

    /// `limit NAME (VALUE) reached`, with how to raise it.
    pub fn reached(&self, name: &str) -> String {
        let value = self.value(name).unwrap_or_default();
        format!("limit {name} ({value}) reached; raise it with --limit {name}=N")
    }
}

/// The limits as a Markdown table (name, default, what it bounds), as README.md shows it.
pub fn markdown_table() -> String {
    let defaults = AnalysisLimits::default();
    let mut out = String::from("| limit | default | what it bounds |\n| --- | --- | --- |\n");
    for spec in LIMITS {
        let value = defaults.value(spec.name).unwrap_or_default();
        let shown = if spec.unit == "seconds" { value } else { format!("{value} {}", spec.unit) };
        out.push_str(&format!("| `{}` | {shown} | {} |\n", spec.name, spec.help));
    }
    out
}

/// A positive whole number, with an optional K, M or G (powers of 1024) suffix.
pub fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (s.get(..s.len() - 1)?, 1024),
        Some('M') => (s.get(..s.len() - 1)?, 1024 * 1024),
        Some('G') => (s.get(..s.len() - 1)?, 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok().filter(|n| *n > 0).map(|n| n.saturating_mul(mult))
}

/// A duration: `500ms`, `30s`, `5m`, `1h`, or a number of seconds (fractions allowed).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    let secs = num.trim().parse::<f64>().ok()? * scale;
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_limit_can_be_set_and_shown() {
        for spec in LIMITS {
            let mut limits = AnalysisLimits::default();
            let value = if spec.unit == "seconds" { "7s" } else { "7" };
            limits.set(&format!("{}={value}", spec.name)).unwrap();
            assert_ne!(limits, AnalysisLimits::default(), "{} did not change anything", spec.name);
            assert!(limits.value(spec.name).unwrap().starts_with('7'), "{}", spec.name);
        }
    }

    /// README.md shows the table between markers; regenerate it from [`markdown_table`].
    #[test]
    fn readme_lists_every_limit_with_its_default() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme.find("<!-- limits:start -->\n").unwrap() + "<!-- limits:start -->\n".len();
        let end = readme.find("<!-- limits:end -->").unwrap();
        let table = markdown_table();
        assert_eq!(&readme[start..end], table, "README.md's limits table is stale; it should read:\n{table}");
    }

    #[test]
    fn bad_limits_are_errors_that_name_the_limits() {
        let mut limits = AnalysisLimits::default();
        assert!(limits.set("eval-depth").unwrap_err().contains("eval-depth, value-elements"));
        assert!(limits.set("nope=3").unwrap_err().contains("unknown limit `nope`"));
        assert!(limits.set("eval-depth=0").is_err());
        assert!(limits.set("eval-depth=-1").is_err());
        assert!(limits.set("rule-time=fast").is_err());
        limits.set("value-bytes=64M").unwrap();
        assert_eq!(limits.value_bytes, 64 * 1024 * 1024);
        limits.set("unit-time=2m").unwrap();
        assert_eq!(limits.unit_time, Duration::from_secs(120));
        limits.set("rule-time=250ms").unwrap();
        assert_eq!(limits.rule_time, Duration::from_millis(250));
    }
}
