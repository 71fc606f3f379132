//! Findings and their logical identity.

use std::sync::Arc;

use serde::Serialize;

use crate::model::{AttributePath, Location};
use crate::rules::meta::{Severity, Stride};

/// One violation of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id (`K8S-0003`).
    pub rule_id: Arc<str>,
    /// Rule name (`privileged-container`).
    pub rule_name: Arc<str>,
    /// Severity (the rule's default unless the rule raised or lowered it for this case).
    pub severity: Severity,
    /// STRIDE categories of the rule.
    pub stride: Arc<[Stride]>,
    /// What is wrong here, in lowercase without a final period.
    pub message: String,
    /// Where: the offending attribute, or the object that should carry a missing one.
    pub location: Location,
    /// Logical address of the resource (`Deployment/prod/web`).
    pub resource: String,
    /// Path of the offending attribute inside the resource.
    pub attribute: AttributePath,
    /// False when the attribute is missing and the location is its nearest existing ancestor.
    pub attribute_present: bool,
    /// Other places that explain the finding (module call sites, the policy that should select
    /// a workload...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
    /// Where the resource itself starts (its block or object), so a suppression written
    /// above the block or document applies to every finding in it.
    #[serde(skip)]
    pub resource_location: Option<Location>,
    /// The blocks that produced the resource, innermost first (Terraform `module` calls, a
    /// `helm_release`, a Kustomize build): a suppression above one of them applies too.
    #[serde(skip)]
    pub call_sites: Vec<Location>,
    /// Set on a suppressed finding ([`crate::scan::ScanReport::suppressed`]). Boxed: few
    /// findings are suppressed, and every finding would otherwise carry its size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<crate::suppress::Suppression>>,
    /// Whether a `--baseline` holds this finding (`None`: no baseline was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// A finding compared with a baseline (SARIF `baselineState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineState {
    /// The baseline holds this finding: it does not fail the gate.
    Unchanged,
    /// Absent from the baseline (or one more occurrence of an identity than it holds).
    New,
}

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedLocation {
    /// Where.
    pub location: Location,
    /// Why it is relevant.
    pub message: String,
}

impl Finding {
    /// The logical identity: rule, file, resource address and attribute path. It does not
    /// contain a line number, so it survives edits that shift lines.
    pub fn identity(&self) -> String {
        format!("{}|{}|{}|{}", self.rule_id, self.location.file, self.resource, self.attribute)
    }

    /// A stable fingerprint of [`Finding::identity`] (64-bit FNV-1a, hex). Stable across runs,
    /// platforms and versions, unlike `std`'s randomly seeded hasher.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", fnv1a64(self.identity().as_bytes()))
    }

    /// True when a baseline holds this finding (it is reported but does not fail the gate).
    pub fn in_baseline(&self) -> bool {
        self.baseline == Some(BaselineState::Unchanged)
    }

    /// The order used in every output: file, line, column, rule, message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str, &AttributePath) {
        (&self.location.file, self.location.start.line, self.location.start.column, &self.rule_id, &self.message, &self.attribute)
    }
}

/// 64-bit FNV-1a.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings are most of a large scan's memory: keep the struct compact (a suppression,
    /// rare, is boxed). Raise the bound only for a field every finding needs.
    #[test]
    fn finding_is_compact() {
        assert!(std::mem::size_of::<Finding>() <= 320, "Finding is {} bytes", std::mem::size_of::<Finding>());
        assert_eq!(std::mem::size_of::<Option<Box<crate::suppress::Suppression>>>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
