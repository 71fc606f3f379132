//! Kustomize: the output of every root kustomization (an overlay no other kustomization uses)
//! is what is checked. Files a build uses (bases' resources, patches, generator inputs) are
//! analyzed only through the builds, never as standalone objects. Building is [`crate::kustomize`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{Candidate, FileClass};
use crate::model::{Location, SourceFile};
use crate::parse::Document;
use crate::scan::ScanOptions;
use crate::scan::report::{FileRecord, Outcome, SkipReason};
use crate::source::ByteSpan;
use crate::terraform::NotAnalyzed;

use super::read::{failed, read_source};
use super::{Built, Context};

/// Whether `c` is a kustomization file.
pub fn is_kustomization(c: &Candidate) -> bool {
    c.class == FileClass::Yaml
        && c.path.file_name().is_some_and(|n| crate::kustomize::KUSTOMIZATION_FILES.iter().any(|k| n.to_string_lossy() == *k))
}

/// One root kustomization, built during planning.
pub struct KustomizeUnit {
    built: crate::kustomize::Built,
    /// The discovered files this unit accounts for (its kustomization file first).
    files: Vec<Candidate>,
}

/// Builds every root kustomization among `candidates` (in parallel) and splits the candidates:
/// the units, and the candidates no build used (left to the other inputs).
pub fn units(candidates: Vec<Candidate>, options: &ScanOptions) -> (Vec<KustomizeUnit>, Vec<Candidate>) {
    let dirs: Vec<String> = candidates.iter().filter(|c| is_kustomization(c)).map(|c| c.display.clone()).collect();
    if dirs.is_empty() {
        return (Vec::new(), candidates);
    }
    let Some(root) = options.root.clone() else { return (Vec::new(), candidates) };
    let by_display: BTreeMap<&str, &Candidate> = candidates.iter().map(|c| (c.display.as_str(), c)).collect();
    let read = |display: &str| -> Result<Arc<SourceFile>, String> { read_confined(&root, display, &by_display, options) };
    let roots = crate::kustomize::roots(&dirs, &read);
    let limits = crate::kustomize::Limits { parse: options.limits, ..crate::kustomize::Limits::default() };
    let builds: Vec<crate::kustomize::Built> = roots.par_iter().map(|r| crate::kustomize::build(r, &read, &limits)).collect();
    // Each consumed file is accounted for by the first build (in root order) that used it.
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (i, b) in builds.iter().enumerate() {
        owner.entry(b.kustomization.clone()).or_insert(i);
        for f in &b.consumed {
            owner.entry(f.clone()).or_insert(i);
        }
    }
    let mut files: Vec<Vec<Candidate>> = vec![Vec::new(); builds.len()];
    let mut rest = Vec::new();
    for c in candidates {
        match owner.get(&c.display) {
            Some(&i) => files[i].push(c),
            None => rest.push(c),
        }
    }
    let units = builds.into_iter().zip(files).map(|(built, files)| KustomizeUnit { built, files }).collect();
    (units, rest)
}

/// Reads `display` (relative to the scan root) for a build: only paths that stay inside the
/// root lexically, through the same checks as every other read.
fn read_confined(root: &Path, display: &str, known: &BTreeMap<&str, &Candidate>, options: &ScanOptions) -> Result<Arc<SourceFile>, String> {
    let candidate = match known.get(display) {
        Some(c) => (*c).clone(),
        None => {
            let rel = Path::new(display);
            if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                return Err("outside the scanned directory; not read".into());
            }
            let path: PathBuf = root.join(rel);
            if crate::discover::through_symlink(&path, root) {
                match std::fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(root) => {}
                    _ => return Err("symlink out of the scanned directory; not followed".into()),
                }
            }
            Candidate { path, display: display.to_string(), class: FileClass::Yaml }
        }
    };
    match read_source(&candidate, options) {
        Ok((file, _)) => Ok(file),
        Err(e) => {
            let (record, _) = *e;
            Err(match record.outcome {
                Outcome::Failed { message, .. } => message,
                Outcome::Skipped { reason } => reason.to_string(),
                Outcome::Analyzed { .. } => "not read".to_string(),
            })
        }
    }
}

impl KustomizeUnit {
    /// Display paths of the files the unit accounts for.
    pub fn files(&self) -> Vec<String> {
        self.files.iter().map(|c| c.display.clone()).collect()
    }

    /// The root kustomization's display path (the unit's stable key).
    pub fn kustomization(&self) -> &str {
        &self.built.kustomization
    }

    /// Display paths of every file the build read, including those another build accounts
    /// for (a base shared by two overlays is an input of both).
    pub fn inputs(&self) -> Vec<String> {
        let mut inputs = self.files();
        inputs.push(self.built.kustomization.clone());
        inputs.extend(self.built.consumed.iter().cloned());
        inputs.sort();
        inputs.dedup();
        inputs
    }

    /// The build's objects as resources, and a record per file.
    pub fn build(self, ctx: &Context<'_>) -> Built {
        let mut out = Built::default();
        let kustomization = self.built.kustomization.clone();
        // Every object says which build produced it: a base's findings appear once per overlay.
        let start = crate::source::Position { line: 1, column: 1 };
        let built_by = (
            Location { file: kustomization.as_str().into(), span: ByteSpan::new(0, 0), start, end: start },
            format!("as built by kustomization {kustomization}"),
        );
        for (index, o) in self.built.objects.into_iter().enumerate() {
            let doc = Document { index, value: o.value, spans: o.spans };
            if crate::kubernetes::is_object(&doc.value) {
                for mut r in crate::kubernetes::resources_from_document(doc, &o.file) {
                    r.call_chain.push(built_by.clone());
                    out.resources.push(r);
                }
            }
        }
        let mut failures: BTreeMap<&str, (&str, Option<usize>)> = BTreeMap::new();
        for p in &self.built.problems {
            if p.fatal {
                failures.entry(p.path.as_str()).or_insert((p.message.as_str(), p.line));
            } else {
                out.not_analyzed.push(NotAnalyzed {
                    file: p.path.clone(),
                    line: p.line.unwrap_or(0),
                    unit: format!("kustomization {kustomization}"),
                    reason: p.message.clone(),
                    limit: None,
                });
            }
        }
        for r in &self.built.helm_charts {
            let (objects, notes) = render_helm_chart(r, ctx);
            out.resources.extend(objects);
            out.not_analyzed.extend(notes);
        }
        let mut counted: BTreeSet<String> = BTreeSet::new();
        for c in &self.files {
            let record = match failures.get(c.display.as_str()) {
                Some((message, _)) => failed(c, (*message).to_string(), None),
                None if c.display == kustomization => {
                    FileRecord { path: c.display.clone(), outcome: Outcome::Analyzed { resources: out.resources.len() } }
                }
                None => FileRecord {
                    path: c.display.clone(),
                    outcome: Outcome::Skipped { reason: SkipReason::KustomizeInput { kustomization: kustomization.clone() } },
                },
            };
            counted.insert(c.display.clone());
            out.records.push(record);
        }
        // Fatal problems on files that were not discovered candidates still fail the unit.
        for (path, (message, _)) in failures {
            if !counted.contains(path) {
                out.records.push(FileRecord {
                    path: path.to_string(),
                    outcome: Outcome::Failed { message: message.to_string(), location: None, resources: 0 },
                });
            }
        }
        out
    }
}

/// A chart a kustomization inflates (`helmCharts`): rendered when a local copy is inside the
/// scanned tree, with the entry's release name, namespace and values.
fn render_helm_chart(r: &crate::kustomize::HelmChartRequest, ctx: &Context<'_>) -> (Vec<crate::model::Resource>, Vec<NotAnalyzed>) {
    let start = crate::source::Position { line: r.line, column: 1 };
    let at = Location { file: r.kustomization.as_str().into(), span: ByteSpan::new(0, 0), start, end: start };
    let unit = format!("helmCharts {}", r.name);
    let note = |reason: String| NotAnalyzed { file: r.kustomization.clone(), line: r.line, unit: unit.clone(), reason, limit: None };
    let Some(root) = &ctx.options.root else { return (Vec::new(), Vec::new()) };
    let Some(dir) = r.chart_dir.as_ref().map(|d| root.join(d)).filter(|d| d.join("Chart.yaml").is_file()) else {
        return (Vec::new(), vec![note(format!("chart `{}` has no local copy in the scanned tree: not rendered", r.name))]);
    };
    let mut options = ctx.options.clone();
    options.helm.release_name = r.release_name.clone().unwrap_or_else(|| r.name.clone());
    options.helm.namespace = r.namespace.clone().unwrap_or_else(|| "default".to_string());
    options.helm.values_files = r.values_files.iter().map(|f| root.join(f)).collect();
    if let Some(inline) = &r.values_inline {
        // JSON is YAML: the inline values as a values document.
        options.helm.values_inline.push(Arc::new(SourceFile::new(format!("{} valuesInline", r.kustomization), inline.to_string())));
    }
    let by = (at, format!("rendered by helmCharts {} in {}", r.name, r.kustomization));
    super::helm::render_release(&dir, &options, ctx, &unit, by)
}
