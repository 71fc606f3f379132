//! Rendering a [`ScanReport`]: terminal text with source snippets, JSON, SARIF 2.1.0.

pub mod json;
pub mod sarif;
pub mod terminal;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::rules::meta::Severity;
use crate::scan::ScanReport;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text with source snippets.
    Terminal,
    /// stridegate's JSON document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

/// Reads scanned files back for snippets (only files that have findings are read).
#[derive(Debug)]
pub struct Sources {
    root: PathBuf,
    cache: HashMap<String, Option<String>>,
}

impl Sources {
    /// Sources relative to the scan root (a file root means its directory).
    pub fn new(root: &Path) -> Self {
        let root = if root.is_file() { root.parent().unwrap_or(Path::new("")).to_path_buf() } else { root.to_path_buf() };
        Self { root, cache: HashMap::new() }
    }

    /// Text of `relative`, if readable.
    pub fn get(&mut self, relative: &str) -> Option<&str> {
        let root = &self.root;
        self.cache.entry(relative.to_string()).or_insert_with(|| std::fs::read_to_string(root.join(relative)).ok()).as_deref()
    }
}

/// Counts findings per severity, highest first.
pub fn severity_counts(report: &ScanReport) -> Vec<(Severity, usize)> {
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| (s, report.findings.iter().filter(|f| f.severity == s).count()))
        .collect()
}
