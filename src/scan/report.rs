//! What a scan produced: every file's outcome, findings, coverage and the exit status. These
//! types are the contract between the scan and the reporters.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::finding::Finding;
use crate::model::Location;
use crate::rules::meta::{RuleMeta, Severity};
use crate::terraform::NotAnalyzed;

/// Why a file was not analyzed although nothing went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// YAML or JSON that holds no Kubernetes object or IAM policy (CI workflows, compose files,
    /// package manifests...).
    NotInfrastructure,
    /// A file of a Helm chart that is not a template (values, helpers, `Chart.yaml`): read
    /// while rendering the chart, which is the unit analyzed; never read as plain YAML.
    HelmChart {
        /// Chart directory.
        chart: String,
    },
    /// A file a Kustomize build uses (a base's resources, a patch, a generator input): analyzed
    /// in the build's output, never as standalone objects.
    KustomizeInput {
        /// The root kustomization whose build accounts for it.
        kustomization: String,
    },
    /// A `.tfvars` file Terraform does not load by itself (use `--var-file`).
    TfvarsNotAutoLoaded,
    /// The file is empty.
    Empty,
    /// A symlink that is not followed (to a directory, a special file or out of the scanned
    /// tree), or a special file (FIFO, socket, device) that is never opened.
    NotFollowed {
        /// Details.
        detail: String,
    },
    /// A Terraform module directory that another module of the scan calls (`source =
    /// "./modules/x"`): its resources are analyzed through those calls, with the arguments
    /// they pass, not a second time with the variables' defaults.
    CalledModule {
        /// Directories of the calling modules.
        callers: Vec<String>,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NotInfrastructure => f.write_str("no Kubernetes object or IAM policy in it"),
            SkipReason::HelmChart { chart } => write!(f, "input of Helm chart `{chart}`: read while rendering the chart"),
            SkipReason::KustomizeInput { kustomization } => {
                write!(f, "used by kustomization `{kustomization}`: analyzed in its build output")
            }
            SkipReason::TfvarsNotAutoLoaded => f.write_str("variables file Terraform does not load by itself (pass it with --var-file)"),
            SkipReason::Empty => f.write_str("empty file"),
            SkipReason::NotFollowed { detail } => f.write_str(detail),
            SkipReason::CalledModule { callers } => {
                write!(f, "Terraform module called from {}: analyzed through the call with its arguments", callers.join(", "))
            }
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// Parsed and checked.
    Analyzed {
        /// Resources found.
        resources: usize,
    },
    /// Deliberately not analyzed.
    Skipped {
        /// Why.
        #[serde(flatten)]
        reason: SkipReason,
    },
    /// Could not be analyzed (completely): the scan is incomplete.
    Failed {
        /// What went wrong, lowercase.
        message: String,
        /// Where, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<Location>,
        /// Resources that were still analyzed (documents before a YAML error).
        resources: usize,
    },
}

/// The record of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    /// Path relative to the scan root.
    pub path: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A rule that failed at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleFailure {
    /// Rule id.
    pub rule: String,
    /// Details (resource address and message).
    pub message: String,
}

/// Counts of the coverage summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Candidate files found.
    pub found: usize,
    /// Files analyzed.
    pub analyzed: usize,
    /// Files skipped, by reason.
    pub skipped: Vec<(String, usize)>,
    /// Files that failed.
    pub failed: usize,
    /// Resources analyzed.
    pub resources: usize,
}

/// Everything a scan produced.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Findings, sorted by file, line, column, rule (suppressed ones are in `suppressed`).
    pub findings: Vec<Finding>,
    /// Findings a suppression accepts, each with its [`Finding::suppression`], sorted like
    /// findings. They never change the exit status.
    pub suppressed: Vec<Finding>,
    /// Every suppression written in the scanned files or given in the configuration, with its
    /// status (used, unused, expired...), sorted by place.
    pub suppressions: Vec<crate::suppress::SuppressionRecord>,
    /// Controls a rule could not decide because a value cannot be known (a variable without a
    /// value, a computed attribute), sorted like findings. Not violations: they never change
    /// the exit status, and they tell a reviewer what to verify another way.
    pub unverifiable: Vec<Finding>,
    /// Every file accounted for, sorted by path.
    pub files: Vec<FileRecord>,
    /// Rule failures.
    pub rule_failures: Vec<RuleFailure>,
    /// Parts of analyzed files that were not analyzed (Terraform module calls...).
    pub not_analyzed: Vec<NotAnalyzed>,
    /// Metadata of the rules that ran.
    #[serde(skip)]
    pub rules: Vec<Arc<RuleMeta>>,
    /// Wall time.
    #[serde(skip)]
    pub elapsed: Duration,
    /// Bytes read.
    pub bytes: u64,
    /// Every resource analyzed, when [`super::ScanOptions::inventory`] asked for it, sorted by file
    /// and address.
    #[serde(skip)]
    pub inventory: Vec<crate::model::ResourceSummary>,
    /// What the incremental cache did, when it was on.
    #[serde(skip)]
    pub cache: Option<crate::cache::CacheStats>,
}

/// How a scan should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding at or above the threshold, every file analyzed.
    Clean = 0,
    /// Findings at or above the threshold.
    Findings = 1,
    /// Usage or configuration error.
    UsageError = 2,
    /// No finding at or above the threshold, but some input could not be analyzed.
    Incomplete = 3,
}

impl ScanReport {
    /// The coverage summary.
    pub fn coverage(&self) -> Coverage {
        let mut c = Coverage { found: self.files.len(), ..Coverage::default() };
        let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for f in &self.files {
            match &f.outcome {
                Outcome::Analyzed { resources } => {
                    c.analyzed += 1;
                    c.resources += resources;
                }
                Outcome::Skipped { reason } => {
                    let key = match reason {
                        SkipReason::HelmChart { .. } => "Helm chart input (values, helpers, Chart.yaml) used in rendering".to_string(),
                        SkipReason::NotFollowed { .. } => "symlink or special file not followed".to_string(),
                        SkipReason::CalledModule { .. } => "Terraform module analyzed through its callers".to_string(),
                        SkipReason::KustomizeInput { .. } => "Kustomize input analyzed in its build output".to_string(),
                        other => other.to_string(),
                    };
                    *skipped.entry(key).or_default() += 1;
                }
                Outcome::Failed { resources, .. } => {
                    c.failed += 1;
                    c.resources += resources;
                }
            }
        }
        c.skipped = skipped.into_iter().collect();
        c
    }

    /// True when a file failed, a rule failed or an analysis limit was reached.
    pub fn is_incomplete(&self) -> bool {
        !self.rule_failures.is_empty()
            || self.files.iter().any(|f| matches!(f.outcome, Outcome::Failed { .. }))
            || self.not_analyzed.iter().any(|n| n.limit.is_some())
    }

    /// Exit status for `--fail-on threshold` (findings a baseline holds never fail): findings win over incompleteness, since both fail
    /// a CI gate and findings are what the user must act on first.
    pub fn exit_status(&self, threshold: Severity) -> ExitStatus {
        if self.findings.iter().any(|f| f.severity >= threshold && !f.in_baseline()) {
            ExitStatus::Findings
        } else if self.is_incomplete() {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Clean
        }
    }
}
