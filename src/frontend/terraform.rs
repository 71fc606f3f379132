//! Terraform: `.tf` and `.tf.json` files grouped per module directory with the `.tfvars`
//! Terraform loads by itself, the local module call graph (from the parsed `module` blocks),
//! and plan JSON documents.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{Candidate, FileClass};
use crate::model::{Resource, SourceFile};
use crate::parse::Document;
use crate::scan::ScanOptions;
use crate::scan::report::{FileRecord, Outcome, SkipReason};
use crate::terraform::{self, ModuleInput, ParsedFile};

use super::read::{failed, read_source, skipped};
use super::{Built, Context};

/// Whether the Terraform frontend owns `c` (HCL and JSON configuration, variable files).
pub fn claims(c: &Candidate) -> bool {
    let name = c.path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    c.class == FileClass::Terraform
        && (name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tf.json") || name.ends_with(".tfvars.json"))
}

/// Whether a JSON file's text may be a plan (`terraform show -json`).
pub fn claims_plan_json(text: &str) -> bool {
    text.contains("\"format_version\"")
}

/// The planned resources of a plan document, with the policy documents they embed (`None`:
/// not a plan).
pub fn plan_resources(doc: &Document, file: &Arc<SourceFile>) -> Option<Vec<Resource>> {
    if !terraform::plan::is_plan(&doc.value) {
        return None;
    }
    let mut planned = terraform::plan::resources_from_plan(doc, file);
    let documents: Vec<Resource> = planned.iter().flat_map(crate::iam::extract::from_terraform).collect();
    planned.extend(documents);
    Some(planned)
}

/// One file of a module directory, as planning left it.
enum FileState {
    /// A configuration file, parsed.
    Parsed(ParsedFile),
    /// A configuration file that could not be read or parsed.
    Record(FileRecord),
    /// A variables file: read only when the directory is analyzed as a root module.
    Tfvars,
}

struct TfFile {
    candidate: Candidate,
    size: u64,
    state: FileState,
}

/// A module directory: analyzed as a root module, or (when another module of the scan calls
/// it) through its callers.
pub struct ModuleUnit {
    dir: PathBuf,
    display: String,
    files: Vec<TfFile>,
    callers: Vec<String>,
}

/// Groups Terraform files per directory, parses the configuration files (in parallel), and
/// finds which directories other modules call.
pub fn units(candidates: Vec<Candidate>, options: &ScanOptions) -> Vec<ModuleUnit> {
    let mut dirs: BTreeMap<PathBuf, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        dirs.entry(terraform::module_dir(&c.path).to_path_buf()).or_default().push(c);
    }
    let mut units: Vec<ModuleUnit> = dirs
        .into_par_iter()
        .map(|(dir, files)| {
            let display = files.first().map(|c| module_display(&c.display)).unwrap_or_else(|| ".".to_string());
            let files = files.into_iter().map(|c| plan_file(c, options)).collect();
            ModuleUnit { dir, display, files, callers: Vec::new() }
        })
        .collect();
    let callers = called_modules(&units);
    for unit in &mut units {
        if let Some(c) = callers.get(&unit.dir) {
            unit.callers = c.clone();
        }
    }
    units
}

fn plan_file(candidate: Candidate, options: &ScanOptions) -> TfFile {
    let name = candidate.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if terraform::is_tfvars(&name) {
        return TfFile { candidate, size: 0, state: FileState::Tfvars };
    }
    let (file, size) = match read_source(&candidate, options) {
        Ok(x) => x,
        Err(e) => {
            let (record, size) = *e;
            return TfFile { candidate, size, state: FileState::Record(record) };
        }
    };
    let state = match catch_unwind(AssertUnwindSafe(|| terraform::parse_any(&file))) {
        Ok(Ok(parsed)) => FileState::Parsed(parsed),
        Ok(Err(err)) => FileState::Record(failed(&candidate, err.message, err.span.map(|s| file.location(s)))),
        Err(_) => {
            FileState::Record(failed(&candidate, "internal error while parsing this file (a bug in stridegate: please report it)", None))
        }
    };
    TfFile { candidate, size, state }
}

/// The directory part of a display path (`.` for the root).
fn module_display(file: &str) -> String {
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

/// Local module sources (`./x`, `../x`) written as plain strings in `module` blocks.
fn local_sources(unit: &ModuleUnit) -> impl Iterator<Item = &str> {
    unit.files
        .iter()
        .filter_map(|f| match &f.state {
            FileState::Parsed(p) => Some(p),
            _ => None,
        })
        .flat_map(|p| p.blocks.iter().filter(|b| b.ident == "module"))
        .filter_map(|b| match b.attribute("source").map(|a| &a.expr) {
            Some(hcl::expr::Expression::String(s)) if s.starts_with("./") || s.starts_with("../") => Some(s.as_str()),
            _ => None,
        })
}

/// Module directories that other modules of the scan call with a local `source`, and that a
/// chain of calls from a module nobody calls reaches (so a cycle of modules calling each other
/// is still analyzed), with the calling directories.
fn called_modules(units: &[ModuleUnit]) -> BTreeMap<PathBuf, Vec<String>> {
    let canonical: BTreeMap<PathBuf, usize> =
        units.iter().enumerate().filter_map(|(i, u)| std::fs::canonicalize(&u.dir).ok().map(|c| (c, i))).collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, unit) in units.iter().enumerate() {
        for source in local_sources(unit) {
            if let Some(&target) = std::fs::canonicalize(unit.dir.join(source)).ok().and_then(|t| canonical.get(&t))
                && target != i
            {
                edges.entry(i).or_default().insert(target);
            }
        }
    }
    let callees: BTreeSet<usize> = edges.values().flatten().copied().collect();
    // Reachable from the modules nobody calls.
    let mut reached: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<usize> = (0..units.len()).filter(|i| !callees.contains(i)).collect();
    while let Some(d) = stack.pop() {
        for next in edges.get(&d).into_iter().flatten() {
            if reached.insert(*next) {
                stack.push(*next);
            }
        }
    }
    let mut out: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for (caller, targets) in &edges {
        for t in targets.iter().filter(|t| reached.contains(*t)) {
            out.entry(units[*t].dir.clone()).or_default().push(units[*caller].display.clone());
        }
    }
    out
}

impl ModuleUnit {
    /// Display paths of the unit's files.
    pub fn files(&self) -> Vec<String> {
        self.files.iter().map(|f| f.candidate.display.clone()).collect()
    }

    /// The module directory's display path (`.` for the root; the unit's stable key).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Display paths of the modules that call this one (empty for a root module): a called
    /// module is analyzed through them.
    pub fn callers(&self) -> &[String] {
        &self.callers
    }

    /// Evaluates the module (or accounts for a called module's files).
    pub fn build(self, ctx: &Context<'_>) -> Built {
        if self.callers.is_empty() { self.evaluate(ctx) } else { self.through_callers() }
    }

    /// A module directory analyzed through its callers: its files are not evaluated here, but
    /// one that cannot be read or parsed is a failed file with its position (its callers still
    /// analyze the module's other files).
    fn through_callers(self) -> Built {
        let mut built = Built::default();
        for f in self.files {
            built.bytes += f.size;
            built.records.push(match f.state {
                FileState::Record(record) => record,
                FileState::Parsed(_) | FileState::Tfvars => {
                    skipped(&f.candidate, SkipReason::CalledModule { callers: self.callers.clone() })
                }
            });
        }
        built
    }

    /// Evaluates a root module: its configuration, the variables files Terraform loads by
    /// itself, the command line's variables; then the policy documents its resources embed.
    fn evaluate(self, ctx: &Context<'_>) -> Built {
        let options = ctx.options;
        let mut built = Built::default();
        let mut input = ModuleInput::default();
        input.funcs.module_dir = Some(self.dir.clone());
        input.funcs.root = options.root.clone();
        input.module_path = self.display.clone();
        let mut tfvars_files: Vec<(String, ParsedFile)> = Vec::new();
        let mut parsed_paths: Vec<String> = Vec::new();
        for f in self.files {
            built.bytes += f.size;
            match f.state {
                FileState::Record(record) => built.records.push(record),
                FileState::Parsed(parsed) => {
                    parsed_paths.push(f.candidate.display.clone());
                    input.files.push(parsed);
                }
                FileState::Tfvars => {
                    let c = &f.candidate;
                    let name = c.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                    if !terraform::is_auto_tfvars(&name) {
                        // Only loaded when named with --var-file.
                        built.records.push(skipped(c, SkipReason::TfvarsNotAutoLoaded));
                        continue;
                    }
                    let (file, size) = match read_source(c, options) {
                        Ok(x) => x,
                        Err(e) => {
                            let (record, size) = *e;
                            built.records.push(record);
                            built.bytes += size;
                            continue;
                        }
                    };
                    built.bytes += size;
                    match terraform::parse_any(&file) {
                        Ok(parsed) => {
                            parsed_paths.push(c.display.clone());
                            tfvars_files.push((name, parsed));
                        }
                        Err(err) => built.records.push(failed(c, err.message, err.span.map(|s| file.location(s)))),
                    }
                }
            }
        }
        // Terraform's order: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json)
        // by name (later wins).
        let rank = |n: &str| match n {
            "terraform.tfvars" => 0,
            "terraform.tfvars.json" => 1,
            _ => 2,
        };
        tfvars_files.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
        input.tfvars = tfvars_files.into_iter().map(|(_, p)| p).collect();
        input.cli_vars = options.terraform_vars.clone();
        if options.terraform_env {
            input.env_vars = terraform::env_values();
        }
        input.limits = options.analysis.clone();
        input.deadline = Some(ctx.deadline);
        let result = terraform::evaluate_module(&input);
        for path in parsed_paths {
            let resources = result.resources.iter().filter(|r| *r.file.path == *path).count();
            built.records.push(FileRecord { path, outcome: Outcome::Analyzed { resources } });
        }
        // Policy documents embedded in the resources (IAM, bucket, key policies...).
        let documents: Vec<Resource> = result.resources.iter().flat_map(crate::iam::extract::from_terraform).collect();
        // Charts of `helm_release`s inside the scanned tree, rendered with the release's values.
        let (releases, notes) = super::helm::terraform_releases(&result.resources, &self.dir, &self.display, ctx);
        built.resources = result.resources;
        built.resources.extend(documents);
        built.resources.extend(releases);
        built.not_analyzed = result.not_analyzed;
        built.not_analyzed.extend(notes);
        built
    }
}
