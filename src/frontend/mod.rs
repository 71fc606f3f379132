//! The input layer: one module per kind of input. Each says which discovered files it claims,
//! how it groups them into analysis units, and how a unit becomes [`Resource`]s with spans.
//! [`crate::scan`] only orchestrates: it plans the units, builds them in parallel, runs the
//! rules on what they built and collects the records.
//!
//! | input | claims | unit |
//! | --- | --- | --- |
//! | [`document`] (with [`kubernetes`], [`iam`] and Terraform plans) | `.yaml`, `.yml`, `.json` | one file |
//! | [`terraform`] | `.tf`, `.tf.json`, `.tfvars`, `.tfvars.json` | one module directory |
//! | [`kustomize`] | `kustomization.yaml` and every file a build uses | one root kustomization (its build output) |
//! | [`helm`] | every file under a `Chart.yaml` | one chart with its subcharts, rendered in-process |

pub mod document;
pub mod helm;
pub mod iam;
pub mod kubernetes;
pub mod kustomize;
pub mod read;
pub mod terraform;

use std::time::Instant;

use crate::discover::Candidate;
use crate::model::Resource;
use crate::scan::ScanOptions;
use crate::scan::report::FileRecord;
use crate::terraform::NotAnalyzed;

/// What a unit is built with.
pub struct Context<'a> {
    /// The scan's options (root, limits, variables).
    pub options: &'a ScanOptions,
    /// When the unit must be done.
    pub deadline: Instant,
}

/// What building a unit produced: a record per file it owns, and the resources to check.
#[derive(Default)]
pub struct Built {
    /// One record per file. An `Analyzed` record turns into a failure when the rules run out
    /// of time on the unit's resources.
    pub records: Vec<FileRecord>,
    /// Resources for the rules.
    pub resources: Vec<Resource>,
    /// Bytes read.
    pub bytes: u64,
    /// Parts of the unit that were not analyzed.
    pub not_analyzed: Vec<NotAnalyzed>,
}

/// One unit of parallel work.
pub enum Unit {
    /// A YAML or JSON file: Kubernetes objects, IAM policy documents, a Terraform plan.
    Document(Candidate),
    /// A Terraform module directory (or one analyzed through its callers).
    Terraform(terraform::ModuleUnit),
    /// A root kustomization, already built.
    Kustomize(kustomize::KustomizeUnit),
    /// A Helm chart (with its subcharts).
    Helm(helm::ChartUnit),
}

impl Unit {
    /// Which units a scan starts first (lower first): those that usually cost the most (a Helm
    /// chart renders every template, a Terraform module evaluates all its files), so that the
    /// last unit to finish is a small one and no thread waits idle on a chart at the end.
    pub fn schedule_rank(&self) -> u8 {
        match self {
            Unit::Helm(_) => 0,
            Unit::Terraform(_) => 1,
            Unit::Kustomize(_) => 2,
            Unit::Document(_) => 3,
        }
    }

    /// Display paths of the files the unit owns (for records when it cannot be built).
    pub fn files(&self) -> Vec<String> {
        match self {
            Unit::Document(c) => vec![c.display.clone()],
            Unit::Terraform(m) => m.files(),
            Unit::Kustomize(k) => k.files(),
            Unit::Helm(h) => h.files(),
        }
    }

    /// The unit's stable key: its kind and the display path that names it (`document:k8s/web.yaml`,
    /// `terraform:infra/network`, `kustomize:overlays/prod/kustomization.yaml`, `helm:charts/web`).
    /// The same repository gives the same keys on every machine, so shards agree on them.
    pub fn key(&self) -> String {
        match self {
            Unit::Document(c) => format!("document:{}", c.display),
            Unit::Terraform(m) => format!("terraform:{}", m.display()),
            Unit::Kustomize(k) => format!("kustomize:{}", k.kustomization()),
            Unit::Helm(h) => format!("helm:{}", h.chart()),
        }
    }

    /// Display paths of every file whose content the unit's analysis depends on: the files it
    /// owns and, for a kustomization, every file its build read. (A Terraform module's called
    /// modules are units of their own that name their callers: see [`crate::scan::units`].)
    pub fn inputs(&self) -> Vec<String> {
        match self {
            Unit::Kustomize(k) => k.inputs(),
            other => other.files(),
        }
    }

    /// Builds the unit's resources.
    pub fn build(self, ctx: &Context<'_>) -> Built {
        match self {
            Unit::Document(c) => document::build(&c, ctx),
            Unit::Terraform(m) => m.build(ctx),
            Unit::Kustomize(k) => k.build(ctx),
            Unit::Helm(h) => h.build(ctx),
        }
    }
}

/// Groups the discovered files into units: each input claims its files.
pub fn plan(candidates: Vec<Candidate>, options: &ScanOptions) -> Vec<Unit> {
    let (tf, rest): (Vec<Candidate>, Vec<Candidate>) = candidates.into_iter().partition(terraform::claims);
    let (charts, rest): (Vec<Candidate>, Vec<Candidate>) = rest.into_iter().partition(helm::claims);
    let (kustomizations, rest) = kustomize::units(rest, options);
    let mut units: Vec<Unit> = rest.into_iter().map(Unit::Document).collect();
    units.extend(terraform::units(tf, options).into_iter().map(Unit::Terraform));
    units.extend(kustomizations.into_iter().map(Unit::Kustomize));
    units.extend(helm::units(charts, options).into_iter().map(Unit::Helm));
    units
}
