//! Rendering a [`ScanReport`]: terminal text with source snippets, JSON, SARIF 2.1.0, JUnit
//! XML, GitHub workflow commands, Markdown (pull-request comments) and GitLab SAST JSON.
//!
//! This module knows nothing of the command line: the binary maps its flags to these functions.

pub mod escape;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod sarif;
pub mod terminal;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::rules::meta::Severity;
use crate::scan::ScanReport;
use crate::source::LineIndex;

/// Reads scanned files back for snippets (only files that have findings are read, once each,
/// with a line index so that each snippet costs a lookup, not a pass over the file).
#[derive(Debug)]
pub struct Sources {
    root: PathBuf,
    cache: HashMap<String, Option<(String, LineIndex)>>,
}

impl Sources {
    /// Sources relative to the scan root (a file root means its directory).
    pub fn new(root: &Path) -> Self {
        let root = if root.is_file() { root.parent().unwrap_or(Path::new("")).to_path_buf() } else { root.to_path_buf() };
        Self { root, cache: HashMap::new() }
    }

    /// Text of `relative`, if readable.
    pub fn get(&mut self, relative: &str) -> Option<&str> {
        self.get_indexed(relative).map(|(text, _)| text)
    }

    /// Text of `relative` and its line index, if readable.
    pub fn get_indexed(&mut self, relative: &str) -> Option<(&str, &LineIndex)> {
        let root = &self.root;
        self.cache
            .entry(relative.to_string())
            .or_insert_with(|| {
                std::fs::read_to_string(root.join(relative)).ok().map(|text| {
                    let lines = LineIndex::new(&text);
                    (text, lines)
                })
            })
            .as_ref()
            .map(|(text, lines)| (text.as_str(), lines))
    }
}

/// Where the scanned paths sit in the repository, for formats whose paths must be relative to
/// the repository root (SARIF for GitHub, workflow annotations, pull-request links).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoPaths {
    /// The scan root relative to the repository root, `/`-separated, without leading or
    /// trailing `/` (empty when the scan root is the repository root).
    pub prefix: String,
    /// Base URL for links to files (`https://github.com/o/r/blob/SHA/`), ending with `/`;
    /// `None` for links relative to the repository root.
    pub link_base: Option<String>,
}

impl RepoPaths {
    /// `file` (relative to the scan root) relative to the repository root.
    pub fn path(&self, file: &str) -> String {
        if self.prefix.is_empty() { file.to_string() } else { format!("{}/{file}", self.prefix) }
    }
}

/// Findings that are not in the baseline (all of them when no baseline was given).
pub fn new_findings(report: &ScanReport) -> impl Iterator<Item = &crate::finding::Finding> {
    report.findings.iter().filter(|f| !f.in_baseline())
}

/// Counts findings per STRIDE-LM category (a finding counts once in each of its rule's
/// categories), in the categories' order; categories without findings are left out.
pub fn stride_counts(report: &ScanReport) -> Vec<(&'static str, usize)> {
    crate::rules::meta::Stride::ALL
        .into_iter()
        .map(|s| (s.as_str(), report.findings.iter().filter(|f| f.stride.contains(&s)).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Counts findings per severity, highest first.
pub fn severity_counts(report: &ScanReport) -> Vec<(Severity, usize)> {
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| (s, report.findings.iter().filter(|f| f.severity == s).count()))
        .collect()
}
