//! Baselines: the logical identities of accepted findings, so that only new ones fail a gate.
//!
//! A baseline file is JSON lines, sorted and diff-friendly: a version header, then one entry per
//! identity (rule, file, resource, attribute path — no line number, see
//! [`Finding::identity`]) with its fingerprint and how many findings share it. Files are
//! relative to the repository root (the `prefix` of the scan root in it), so a baseline written
//! by a scan of the whole repository also serves a scan of a subdirectory or of changed files:
//!
//! ```text
//! {"stridegate-baseline":1}
//! {"rule":"K8S-0002","file":"k8s/web.yaml","resource":"Deployment/shop/web","attribute":"spec.template.spec.containers[0].securityContext.privileged","fingerprint":"0b6e5bd6a3f4c2e1","count":1}
//! ```
//!
//! A finding whose identity the baseline holds is [`BaselineState::Unchanged`]; when an identity
//! occurs more often than the baseline's `count`, the extra occurrences (the last ones in report
//! order) are [`BaselineState::New`]. A file that does not parse is an error naming the line:
//! a gate must never silently accept everything because its baseline is corrupt.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::finding::{BaselineState, Finding, fnv1a64};

/// The format version written in the header.
pub const VERSION: u64 = 1;

/// Key of the header object.
const HEADER_KEY: &str = "stridegate-baseline";

/// Largest baseline file read (bytes).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// One line of a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Rule id.
    pub rule: String,
    /// File, relative to the scan root.
    pub file: String,
    /// Resource address.
    pub resource: String,
    /// Attribute path.
    pub attribute: String,
    /// [`Finding::fingerprint`] of the identity (checked when read).
    pub fingerprint: String,
    /// How many findings share this identity.
    pub count: usize,
}

impl Entry {
    fn identity(&self) -> String {
        format!("{}|{}|{}|{}", self.rule, self.file, self.resource, self.attribute)
    }
}

/// A parsed baseline: identity → accepted occurrences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: BTreeMap<String, usize>,
}

/// Why a baseline file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, lowercase.
    pub message: String,
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for BaselineError {}

/// `file` (relative to the scan root) under `prefix` (the scan root in the repository).
fn repo_file(prefix: &str, file: &str) -> String {
    if prefix.is_empty() { file.to_string() } else { format!("{prefix}/{file}") }
}

/// The identity of `f` with its file relative to the repository root.
fn identity(f: &Finding, prefix: &str) -> String {
    format!("{}|{}|{}|{}", f.rule_id, repo_file(prefix, &f.location.file), f.resource, f.attribute)
}

/// The baseline text for `findings` (unverifiable controls are not findings and are never
/// written): the header, then entries sorted by file, rule, resource and attribute. `prefix`
/// is the scan root relative to the repository root (`""` when they are the same).
pub fn write(findings: &[Finding], prefix: &str) -> String {
    let mut entries: BTreeMap<(String, String, String, String), usize> = BTreeMap::new();
    for f in findings {
        let key = (repo_file(prefix, &f.location.file), f.rule_id.to_string(), f.resource.clone(), f.attribute.to_string());
        *entries.entry(key).or_default() += 1;
    }
    let mut out = String::new();
    let _ = writeln!(out, "{{\"{HEADER_KEY}\":{VERSION}}}");
    for ((file, rule, resource, attribute), count) in entries {
        let mut entry = Entry { rule, file, resource, attribute, fingerprint: String::new(), count };
        entry.fingerprint = format!("{:016x}", fnv1a64(entry.identity().as_bytes()));
        // Serializing plain strings and an integer cannot fail; a failure would leave the line out.
        if let Ok(line) = serde_json::to_string(&entry) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

impl Baseline {
    /// Parses a baseline file. Blank lines are allowed; anything else that is not the header
    /// (first line) or a valid entry is an error with its line.
    pub fn parse(text: &str) -> Result<Self, BaselineError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
        let err = |line: usize, message: String| BaselineError { line, message };
        let Some((n, header)) = lines.next() else {
            return Err(err(1, format!("empty file: a baseline starts with {{\"{HEADER_KEY}\":{VERSION}}}")));
        };
        let header: serde_json::Value = serde_json::from_str(header)
            .map_err(|e| err(n, format!("the header is not JSON ({e}); expected {{\"{HEADER_KEY}\":{VERSION}}}")))?;
        match header.get(HEADER_KEY).and_then(serde_json::Value::as_u64) {
            Some(VERSION) if header.as_object().is_some_and(|o| o.len() == 1) => {}
            Some(v) if v != VERSION => {
                return Err(err(n, format!("baseline version {v} is not supported (this stridegate reads {VERSION})")));
            }
            _ => return Err(err(n, format!("not a stridegate baseline: expected the header {{\"{HEADER_KEY}\":{VERSION}}}"))),
        }
        let mut counts = BTreeMap::new();
        let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
        for (n, line) in lines {
            let entry: Entry = serde_json::from_str(line).map_err(|e| err(n, format!("invalid entry: {e}")))?;
            if entry.count == 0 {
                return Err(err(n, "`count` must be at least 1".into()));
            }
            let identity = entry.identity();
            let expected = format!("{:016x}", fnv1a64(identity.as_bytes()));
            if entry.fingerprint != expected {
                return Err(err(n, format!("fingerprint `{}` does not match the entry (expected `{expected}`)", entry.fingerprint)));
            }
            if let Some(first) = first_line.get(&identity) {
                return Err(err(n, format!("duplicate entry (first on line {first})")));
            }
            first_line.insert(identity.clone(), n);
            counts.insert(identity, entry.count);
        }
        Ok(Baseline { counts })
    }

    /// Number of identities.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when the baseline holds no identity.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Marks each finding `Unchanged` or `New`. Findings are taken in order, so with the report's
    /// order (file, line...) the extra occurrences of an identity are the last ones. `prefix` as
    /// for [`write`].
    pub fn apply(&self, findings: &mut [Finding], prefix: &str) {
        let mut used: BTreeMap<String, usize> = BTreeMap::new();
        for f in findings {
            let identity = identity(f, prefix);
            let allowed = self.counts.get(&identity).copied().unwrap_or(0);
            let seen = used.entry(identity).or_default();
            f.baseline = Some(if *seen < allowed { BaselineState::Unchanged } else { BaselineState::New });
            *seen += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::sync::Arc;

    use super::*;
    use crate::model::{AttributePath, Location, PathSegment};
    use crate::rules::meta::Severity;
    use crate::source::{ByteSpan, Position};

    fn finding(rule: &str, file: &str, line: usize) -> Finding {
        let position = Position { line, column: 1 };
        let location = Location { file: file.into(), span: ByteSpan::default(), start: position, end: position };
        Finding {
            rule_id: Arc::from(rule),
            rule_name: Arc::from("name"),
            severity: Severity::High,
            stride: Arc::from(Vec::new()),
            message: "m".into(),
            location,
            resource: "Deployment/shop/web".into(),
            attribute: AttributePath(vec![PathSegment::Key("spec".into())]),
            attribute_present: true,
            related: Vec::new(),
            resource_location: None,
            call_sites: Vec::new(),
            suppression: None,
            baseline: None,
        }
    }

    #[test]
    fn round_trip_counts_and_extra_occurrences() {
        let a = finding("K8S-0002", "a.yaml", 3);
        let b = finding("K8S-0001", "a.yaml", 9);
        let text = write(&[a.clone(), b.clone(), a.clone()], "");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "{\"stridegate-baseline\":1}");
        assert!(lines[1].contains("K8S-0001") && lines[2].contains("K8S-0002") && lines[2].contains("\"count\":2"), "{text}");
        let base = Baseline::parse(&text).unwrap();
        assert_eq!(base.len(), 2);
        let mut now = vec![finding("K8S-0002", "a.yaml", 30), b, finding("K8S-0002", "a.yaml", 31), finding("K8S-0002", "a.yaml", 32)];
        base.apply(&mut now, "");
        let states: Vec<_> = now.iter().map(|f| f.baseline).collect();
        use BaselineState::*;
        assert_eq!(states, vec![Some(Unchanged), Some(Unchanged), Some(Unchanged), Some(New)]);
        // Written from the repository root, applied to a scan of its `deploy` directory.
        let from_root = write(&[finding("K8S-0002", "deploy/a.yaml", 3)], "");
        let mut sub = vec![finding("K8S-0002", "a.yaml", 3)];
        Baseline::parse(&from_root).unwrap().apply(&mut sub, "deploy");
        assert_eq!(sub[0].baseline, Some(Unchanged));
        Baseline::parse(&from_root).unwrap().apply(&mut sub, "");
        assert_eq!(sub[0].baseline, Some(New));
        assert_eq!(write(&sub, "deploy"), from_root);
    }

    #[test]
    fn corrupt_files_name_the_line() {
        let good = write(&[finding("K8S-0002", "a.yaml", 3)], "");
        assert_eq!(Baseline::parse("").unwrap_err().line, 1);
        assert_eq!(Baseline::parse("{\"stridegate-baseline\":2}\n").unwrap_err().line, 1);
        assert!(Baseline::parse("[]\n").unwrap_err().message.contains("not a stridegate baseline"));
        let truncated = format!("{}\n\n{{\"rule\":", good.trim_end());
        assert_eq!(Baseline::parse(&truncated).unwrap_err().line, 4);
        let tampered = good.replace("a.yaml", "b.yaml");
        let e = Baseline::parse(&tampered).unwrap_err();
        assert!(e.line == 2 && e.message.contains("fingerprint"), "{e}");
        let doubled = format!("{good}{}", good.lines().nth(1).unwrap());
        assert!(Baseline::parse(&doubled).unwrap_err().message.contains("duplicate entry (first on line 2)"));
        let zero = good.replace("\"count\":1", "\"count\":0");
        assert!(Baseline::parse(&zero).is_err());
        let extra = good.replace("\"count\":1", "\"count\":1,\"x\":1");
        assert!(Baseline::parse(&extra).unwrap_err().message.contains("unknown field"));
    }
}
