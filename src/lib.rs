//! stridegate: an infrastructure-as-code policy linter and threat-model checker.
//!
//! The pipeline has one-way dependencies, one module per stage:
//!
//! ```text
//! discover ─► frontend (one module per input: claims files, plans units, builds resources
//!      │        with parse (yaml, json; spans) into model (Resource: value tree + span tree))
//!      └──────────────► scan ─► engine (Rego via regorus + native checks) ─► Finding ─► report
//! ```
//!
//! `rules` loads rule metadata and policies (built in, or from `--rules DIR`); `report` renders
//! a [`scan::ScanReport`] as terminal text, JSON or SARIF 2.1.0. The binary (`src/main.rs`) is a
//! thin command-line shell over this library.

pub mod baseline;
pub mod cache;
pub mod checks;
pub mod config;
pub mod discover;
pub mod encode;
pub mod engine;
pub mod finding;
pub mod frontend;
pub mod gate;
pub mod helm;
pub mod iam;
pub mod kubernetes;
pub mod kustomize;
pub mod limits;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod scan;
pub mod sort;
pub mod source;
pub mod suppress;
pub mod terraform;
pub mod threat;
pub mod timings;

/// The tool's version, as shown in reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where rule documentation is published (`<base>/<ID>`), used for SARIF `helpUri`.
pub const RULE_DOCS_BASE: &str = "https://github.com/stridegate/stridegate/blob/main/docs/rules";
