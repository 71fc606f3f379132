//! Rule metadata: the contract every rule (Rego or native) declares next to its code.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Platform;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hardening advice.
    Low,
    /// A weakness that helps an attacker.
    Medium,
    /// A direct path to compromise or exposure.
    High,
    /// Immediate compromise of the workload, node or account.
    Critical,
}

impl Severity {
    /// GitHub code scanning's `security-severity` score (its bands: low < 4.0 ≤ medium < 7.0 ≤
    /// high < 9.0 ≤ critical).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }

    /// SARIF `level`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Low => "note",
            Severity::Medium => "warning",
            Severity::High | Severity::Critical => "error",
        }
    }

    /// Parses `low`/`medium`/`high`/`critical` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// A STRIDE threat category (plus lateral movement, which the seed threat models use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stride {
    /// Pretending to be someone or something else.
    Spoofing,
    /// Modifying data or code.
    Tampering,
    /// Acting without a trace.
    Repudiation,
    /// Exposing information.
    InformationDisclosure,
    /// Degrading or denying service.
    DenialOfService,
    /// Gaining capabilities without authorization.
    ElevationOfPrivilege,
    /// Moving from one compromised component to others.
    LateralMovement,
}

impl Stride {
    /// Every category, in STRIDE order, lateral movement last.
    pub const ALL: [Stride; 7] = [
        Stride::Spoofing,
        Stride::Tampering,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
        Stride::LateralMovement,
    ];

    /// The short letter(s) used in threat ids (`S`, `T`... `LM`).
    pub fn letter(self) -> &'static str {
        match self {
            Stride::Spoofing => "S",
            Stride::Tampering => "T",
            Stride::Repudiation => "R",
            Stride::InformationDisclosure => "I",
            Stride::DenialOfService => "D",
            Stride::ElevationOfPrivilege => "E",
            Stride::LateralMovement => "LM",
        }
    }

    /// The kebab-case name used in metadata, SARIF tags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stride::Spoofing => "spoofing",
            Stride::Tampering => "tampering",
            Stride::Repudiation => "repudiation",
            Stride::InformationDisclosure => "information-disclosure",
            Stride::DenialOfService => "denial-of-service",
            Stride::ElevationOfPrivilege => "elevation-of-privilege",
            Stride::LateralMovement => "lateral-movement",
        }
    }
}

impl fmt::Display for Stride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule looks at one resource at a time or at the whole scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Evaluated on each matching resource on its own (in parallel).
    #[default]
    Resource,
    /// Sees every matching resource of the scan (NetworkPolicy coverage, NAT routes, IAM scoping).
    Scan,
}

/// Which resources a rule is evaluated on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    /// Platform of the resources.
    pub platform: Platform,
    /// Resource kinds/types. `@workloads` stands for every pod-bearing Kubernetes kind.
    pub kinds: Vec<String>,
    /// IAM only: the types of policy document (`identity`, `resource`, `trust`, as
    /// `$context.type` names them) the rule can report on; absent, every type. The engine does
    /// not evaluate the rule on documents of other types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_types: Option<Vec<String>>,
}

/// The IAM policy document types ([`AppliesTo::policy_types`]).
pub const POLICY_TYPES: [&str; 3] = ["identity", "resource", "trust"];

/// A rule's life-cycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Runs by default.
    #[default]
    Stable,
    /// New: its behaviour may still change; shown in the docs as such.
    Preview,
    /// Kept so configurations that name it still load; `explain` says so.
    Deprecated,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
            Status::Deprecated => "deprecated",
        })
    }
}

/// The tools whose check ids `mirrors` may name (`<tool>:<id>`).
pub const PEER_TOOLS: &[&str] = &["checkov", "kics", "trivy", "tfsec", "kube-linter", "kubescape", "parliament", "cloudsplaining"];

/// One peer check a rule mirrors, parsed from a `mirrors` entry (`checkov:CKV_AWS_19`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias<'a> {
    /// The tool (`checkov`, `trivy`, `kube-linter`...).
    pub tool: &'a str,
    /// The tool's check id (`CKV_AWS_19`, `AVD-AWS-0088`, `privileged-container`).
    pub id: &'a str,
}

/// The metadata of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    /// Stable identifier, `<FAMILY>-<NNNN>`; never reused.
    pub id: String,
    /// Kebab-case name of the bad pattern (reads as "allow <name>").
    pub name: String,
    /// One-line title, sentence case, no final period.
    pub title: String,
    /// Default severity of its findings.
    pub severity: Severity,
    /// Life-cycle stage (`stable` when omitted).
    #[serde(default)]
    pub status: Status,
    /// The stridegate version that introduced the rule (`0.1.0`; the crate version when omitted).
    #[serde(default = "current_version")]
    pub since: String,
    /// STRIDE categories the weakness enables.
    pub stride: Vec<Stride>,
    /// Resources the rule is evaluated on.
    pub applies_to: AppliesTo,
    /// Resource or whole-scan rule.
    #[serde(default)]
    pub scope: Scope,
    /// What the rule detects.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// Authoritative references (URLs).
    pub references: Vec<String>,
    /// The documented control from the seed documents it enforces, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Equivalent checks in other tools (`checkov:CKV_K8S_16`, `trivy:KSV-0017`...). The id after
    /// the tool is also an alias of the rule: `explain CKV_K8S_16` finds it (see [`RuleMeta::aliases`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<String>,
    /// The control vocabulary: lowercase phrases a threat model's mitigation uses for what this
    /// rule proves ("encrypted at rest", "backups", "least privilege"). `threat-model import`
    /// binds a mitigation to the rules whose phrases its text contains, as whole words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
}

fn current_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Kubernetes kinds whose objects carry a pod template.
pub const WORKLOAD_KINDS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"];

impl RuleMeta {
    /// Checks the metadata's internal consistency; returns every problem found.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let id_ok = self.id.split_once('-').is_some_and(|(family, num)| {
            !family.is_empty()
                && family.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && num.len() == 4
                && num.chars().all(|c| c.is_ascii_digit())
        });
        if !id_ok {
            problems.push(format!("id `{}` is not of the form FAMILY-NNNN (e.g. K8S-0001)", self.id));
        }
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            problems.push(format!("name `{}` is not kebab-case", self.name));
        }
        if self.title.trim().is_empty() || self.title.ends_with('.') {
            problems.push("title must be non-empty and must not end with a period".to_string());
        }
        if self.stride.is_empty() {
            problems.push("stride must name at least one category".to_string());
        }
        if let Some(types) = &self.applies_to.policy_types {
            if self.applies_to.platform != Platform::Iam {
                problems.push("applies_to.policy_types is only for IAM rules".to_string());
            }
            if types.is_empty() {
                problems.push("applies_to.policy_types must name at least one type (or be left out)".to_string());
            }
            for t in types {
                if !POLICY_TYPES.contains(&t.as_str()) {
                    problems.push(format!("applies_to.policy_types: `{t}` is not one of {}", POLICY_TYPES.join(", ")));
                }
            }
        }
        for c in &self.controls {
            if c.trim().is_empty() || c.chars().any(|ch| ch.is_uppercase()) {
                problems.push(format!("control phrase `{c}` must be lowercase and non-empty"));
            }
        }
        if self.stride.iter().all(|s| *s == Stride::LateralMovement) {
            problems.push("lateral-movement is only allowed next to a STRIDE category".to_string());
        }
        for (field, text) in [("what", &self.what), ("why", &self.why), ("fix", &self.fix)] {
            if text.trim().len() < 20 {
                problems.push(format!("`{field}` is missing or too short to explain anything"));
            }
        }
        if self.references.is_empty() || self.references.iter().any(|r| !r.starts_with("https://")) {
            problems.push("references must list at least one https:// URL".to_string());
        }
        if self.applies_to.kinds.is_empty() {
            problems.push("applies_to.kinds must not be empty".to_string());
        }
        let version_ok = {
            let parts: Vec<&str> = self.since.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        if !version_ok {
            problems.push(format!("since `{}` is not a version of the form X.Y.Z", self.since));
        }
        for m in &self.mirrors {
            match m.split_once(':') {
                Some((tool, id)) if PEER_TOOLS.contains(&tool) && !id.trim().is_empty() && id.trim() == id => {}
                _ => problems.push(format!("mirrors entry `{m}` is not `<tool>:<id>` with a tool among {}", PEER_TOOLS.join(", "))),
            }
        }
        problems
    }

    /// The peer check ids this rule answers to, parsed from `mirrors` (malformed entries, which
    /// [`RuleMeta::validate`] refuses, are left out).
    pub fn aliases(&self) -> Vec<Alias<'_>> {
        self.mirrors.iter().filter_map(|m| m.split_once(':')).map(|(tool, id)| Alias { tool, id }).collect()
    }

    /// True when `key` (case-insensitive) is one of the rule's aliases, with or without its tool
    /// prefix (`CKV_AWS_19`, `checkov:ckv_aws_19`).
    pub fn has_alias(&self, key: &str) -> bool {
        let key = key.trim();
        self.aliases().iter().any(|a| {
            a.id.eq_ignore_ascii_case(key)
                || key.split_once(':').is_some_and(|(t, i)| t.eq_ignore_ascii_case(a.tool) && i.eq_ignore_ascii_case(a.id))
        })
    }

    /// The kinds this rule applies to, with `@workloads` expanded.
    pub fn expanded_kinds(&self) -> Vec<String> {
        let mut out = Vec::new();
        for k in &self.applies_to.kinds {
            if k == "@workloads" {
                out.extend(WORKLOAD_KINDS.iter().map(|s| (*s).to_string()));
                out.push(crate::kubernetes::POD_TEMPLATE_KIND.to_string());
            } else {
                out.push(k.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The (platform, kind) pairs this rule is evaluated on. A kind may name another platform
    /// than `applies_to.platform` with a prefix (`terraform:backend.s3`), for whole-scan rules
    /// that join resources of several platforms.
    pub fn targets(&self) -> Vec<(Platform, String)> {
        self.expanded_kinds()
            .into_iter()
            .map(|k| match k.split_once(':') {
                Some(("kubernetes", rest)) => (Platform::Kubernetes, rest.to_string()),
                Some(("terraform", rest)) => (Platform::Terraform, rest.to_string()),
                Some(("iam", rest)) => (Platform::Iam, rest.to_string()),
                _ => (self.applies_to.platform, k),
            })
            .collect()
    }

    /// The Rego package a policy with this id must declare: `stridegate.rules.k8s_0001`.
    pub fn rego_package(&self) -> String {
        format!("stridegate.rules.{}", self.id.to_ascii_lowercase().replace('-', "_"))
    }
}
