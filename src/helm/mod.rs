//! Helm charts: everything around the templates, as plain data ready to render.
//!
//! [`load_chart`] reads a chart directory (and every subchart: folders and `.tgz` archives in
//! `charts/`, `file://` dependencies, or same-name charts elsewhere in the scanned tree),
//! computes the final values the way Helm does (defaults, user `--helm-values` files and
//! `--helm-set` expressions, `condition`/`tags`, `import-values`, globals), validates them
//! against each chart's `values.schema.json`, and returns a [`LoadedChart`] tree with the
//! `.Chart` object, values with provenance, templates and `.Files`. Nothing is fetched, executed
//! or read outside the scan root; every read is bounded (see [`chart::MAX_TOTAL_BYTES`] and the
//! other limits). Unresolvable dependencies are listed in [`LoadedChart::missing`], never
//! dropped silently.

pub mod archive;
pub mod chart;
pub mod deps;
pub mod schema;
/// The Go `text/template` language with Helm's and Sprig's functions, and output provenance.
pub mod template;
pub mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use chart::TreeIndex;

use crate::model::{Location, SourceFile};
use values::{Origins, Values};

/// How charts are rendered: user values and the release/cluster the templates see.
#[derive(Debug, Clone)]
pub struct HelmOptions {
    /// `--helm-values` files, applied in order (later files win).
    pub values_files: Vec<PathBuf>,
    /// Values documents given as text (a Terraform `helm_release`'s `values`), applied in order
    /// after the files; each file's path is what locations show.
    pub values_inline: Vec<Arc<SourceFile>>,
    /// `--helm-set` expressions, applied in order after the files.
    pub set: Vec<String>,
    /// `--helm-set-string` expressions, applied last.
    pub set_string: Vec<String>,
    /// `.Release.Name`.
    pub release_name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Capabilities.KubeVersion`.
    pub kube_version: String,
    /// Extra `.Capabilities.APIVersions`.
    pub api_versions: Vec<String>,
    /// Values for one chart (`[helm.charts."DIR"]` in the configuration file), by canonical
    /// chart directory, applied after the values above.
    pub charts: std::collections::BTreeMap<PathBuf, ChartOverrides>,
}

/// Values for one chart, applied after the values every chart gets.
#[derive(Debug, Clone, Default)]
pub struct ChartOverrides {
    /// Values files, in order.
    pub values_files: Vec<PathBuf>,
    /// `--set`-style expressions.
    pub set: Vec<String>,
    /// `--set-string`-style expressions.
    pub set_string: Vec<String>,
}

impl HelmOptions {
    /// The options for the chart in `chart_dir`: these, with its [`ChartOverrides`] appended.
    pub fn for_chart(&self, chart_dir: &Path) -> Option<HelmOptions> {
        if self.charts.is_empty() {
            return None;
        }
        let key = chart_dir.canonicalize().unwrap_or_else(|_| chart_dir.to_path_buf());
        let extra = self.charts.get(&key)?;
        let mut options = self.clone();
        options.values_files.extend(extra.values_files.iter().cloned());
        options.set.extend(extra.set.iter().cloned());
        options.set_string.extend(extra.set_string.iter().cloned());
        Some(options)
    }
}

impl Default for HelmOptions {
    fn default() -> Self {
        Self {
            values_files: Vec::new(),
            values_inline: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: "v1.30.0".into(),
            api_versions: Vec::new(),
            charts: std::collections::BTreeMap::new(),
        }
    }
}

/// A chart ready to render, with its enabled subcharts.
#[derive(Debug, Clone)]
pub struct LoadedChart {
    /// The chart's name as its parent sees it (the alias for an aliased dependency).
    pub name: String,
    /// Display path of the chart's directory (`charts/app`, `…/charts/db-1.0.0.tgz!/db`).
    pub display_dir: String,
    /// The `.Chart` object (Helm's capitalised field names).
    pub chart: serde_json::Value,
    /// The final values this chart's templates see as `.Values`.
    pub values: serde_json::Value,
    /// Every file under `templates/`.
    pub templates: Vec<ChartTemplate>,
    /// `.Files`: non-template files by chart-relative path (`.helmignore` applied).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Enabled subcharts.
    pub subcharts: Vec<LoadedChart>,
    /// Subcharts disabled by `condition` or `tags`: (name, reason).
    pub disabled: Vec<(String, String)>,
    /// A library chart: its templates only define named templates.
    pub is_library: bool,
    /// Problems found loading this chart (subcharts carry their own).
    pub problems: Vec<ChartProblem>,
    /// Declared dependencies that could not be found offline.
    pub missing: Vec<MissingDependency>,
    /// Declared dependencies and where they were found.
    pub resolved: Vec<ResolvedDependency>,
    /// Where each value of [`LoadedChart::values`] was written.
    pub origins: Origins,
}

impl LoadedChart {
    /// Where the value (or key) at `path` of this chart's values was written.
    pub fn origin(&self, path: &[String]) -> Option<Location> {
        self.origins.origin(path)
    }

    /// The display path of one of this chart's files (`rel` relative to the chart).
    pub fn display_path(&self, rel: &str) -> String {
        if self.display_dir.is_empty() || self.display_dir == "." { rel.to_string() } else { format!("{}/{rel}", self.display_dir) }
    }

    /// The chart's `crds/` files (`.yaml`, `.yml`, `.json`), which Helm installs as they are,
    /// untemplated: `(chart-relative path, bytes)`.
    pub fn crd_files(&self) -> Vec<(&str, &[u8])> {
        self.files
            .iter()
            .filter(|(k, _)| k.starts_with("crds/") && [".yaml", ".yml", ".json"].iter().any(|e| k.ends_with(e)))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect()
    }

    /// This chart and all enabled subcharts, depth first.
    pub fn all(&self) -> Vec<&LoadedChart> {
        let mut out = vec![self];
        for s in &self.subcharts {
            out.extend(s.all());
        }
        out
    }

    /// True when no fatal problem and no missing dependency affects this chart or a subchart:
    /// its rendering is complete.
    pub fn is_complete(&self) -> bool {
        self.all().iter().all(|c| c.missing.iter().all(|m| m.disabled.is_some()) && c.problems.iter().all(|p| !p.fatal))
    }
}

/// One template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartTemplate {
    /// Helm's template name: `<chart>/templates/x.yaml`, `<chart>/charts/<sub>/templates/y.yaml`.
    pub name: String,
    /// The file it was read from (`charts/app/templates/x.yaml`,
    /// `charts/app/charts/db-1.0.0.tgz!/db/templates/y.yaml`).
    pub display_path: String,
    /// Its text.
    pub text: String,
    /// Never rendered by itself: a `_`-prefixed file, or any template of a library chart.
    /// (`NOTES.txt` is not a partial; the renderer skips it by name.)
    pub partial: bool,
}

/// Something wrong with a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartProblem {
    /// Where, when known.
    pub location: Option<Location>,
    /// The file (or chart directory) concerned.
    pub display: String,
    /// What is wrong, lowercase, no final period.
    pub message: String,
    /// The chart cannot be rendered correctly (it should be reported as not analyzed).
    pub fatal: bool,
}

impl std::fmt::Display for ChartProblem {
    /// `file:line:column: message` (or `display: message` without a location).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{}:{}:{}: {}", l.file, l.start.line, l.start.column, self.message),
            None => write!(f, "{}: {}", self.display, self.message),
        }
    }
}

/// A declared dependency not found offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDependency {
    /// Chart name.
    pub name: String,
    /// Declared version constraint.
    pub version: String,
    /// Declared repository.
    pub repository: String,
    /// Why it was not found.
    pub reason: String,
    /// The dependency entry.
    pub location: Option<Location>,
    /// Why it does not matter: its `condition` or `tags` disable it (then the chart is still
    /// complete without it).
    pub disabled: Option<String>,
}

/// A declared dependency and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDependency {
    /// Chart name.
    pub name: String,
    /// Alias, if any.
    pub alias: Option<String>,
    /// Declared version constraint.
    pub declared_version: String,
    /// Version of the chart used.
    pub found_version: String,
    /// Where: a `charts/` folder or archive display path, `file://…`, or `tree:<dir>`.
    pub from: String,
    /// Why the choice is approximate (version mismatch), if it is.
    pub note: Option<String>,
}

/// Loads the chart in `chart_dir` (which holds `Chart.yaml`) with its subcharts and final
/// values. `scan_root` confines every read; `tree_charts` are the other chart directories found
/// in the scan, for offline dependency resolution. `Err` only when the chart itself cannot be
/// read (no or broken `Chart.yaml`, limits exceeded, user values unreadable).
pub fn load_chart(scan_root: &Path, chart_dir: &Path, tree_charts: &[PathBuf], options: &HelmOptions) -> Result<LoadedChart, ChartProblem> {
    load(chart::Loader::new(scan_root, tree_charts), chart_dir, options)
}

/// [`load_chart`] with an index of the tree's charts built once for the whole scan (reading
/// every `Chart.yaml` once instead of once per chart with an unresolved dependency).
pub fn load_chart_with_index(
    scan_root: &Path,
    chart_dir: &Path,
    index: &TreeIndex,
    options: &HelmOptions,
) -> Result<LoadedChart, ChartProblem> {
    load(chart::Loader::with_index(scan_root, index), chart_dir, options)
}

fn load(mut ld: chart::Loader<'_>, chart_dir: &Path, options: &HelmOptions) -> Result<LoadedChart, ChartProblem> {
    let per_chart = options.for_chart(chart_dir);
    let options = per_chart.as_ref().unwrap_or(options);
    let dir_display = ld.display_of(&chart_dir.canonicalize().unwrap_or_else(|_| chart_dir.to_path_buf()));
    let src =
        ld.read_dir(chart_dir).map_err(|message| ChartProblem { location: None, display: dir_display.clone(), message, fatal: true })?;
    let mut chain = Vec::new();
    let mut node = chart::build_node(&mut ld, src, &mut chain, 0)?;
    let user = user_values(options)?;

    // Conditions and tags see the values coalesced over every subchart.
    let mut cvals = user.clone();
    let mut scratch = Vec::new();
    chart::coalesce_all(&node, &mut cvals, &mut scratch, "", 0);
    values::strip_deleted(&mut cvals);
    chart::apply_conditions(&mut node, &cvals.value, &[], 0);
    chart::apply_imports(&mut node, 0);

    let mut final_vals = user;
    let mut problems = Vec::new();
    chart::coalesce_all(&node, &mut final_vals, &mut problems, "", 0);
    values::strip_deleted(&mut final_vals);
    node.problems.extend(problems);
    if node.meta.chart_type == "library" {
        node.problems.push(ChartProblem {
            location: None,
            display: node.meta.display.clone(),
            message: "library chart: it renders nothing by itself".into(),
            fatal: false,
        });
    }
    let name = node.meta.name.clone();
    Ok(chart::finish(node, final_vals, &name, &options.kube_version))
}

/// The user's values: `--helm-values` files in order, then `--helm-set`, then
/// `--helm-set-string`.
fn user_values(options: &HelmOptions) -> Result<Values, ChartProblem> {
    let mut user = Values::default();
    for path in &options.values_files {
        let display = path.to_string_lossy().into_owned();
        let fail = |message: String| ChartProblem { location: None, display: display.clone(), message, fatal: true };
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read values file: {e}")))?;
        if meta.len() > chart::MAX_TOTAL_BYTES as u64 {
            return Err(fail("values file is too large".into()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read values file: {e}")))?;
        let file = Arc::new(SourceFile::new(display.clone(), text));
        merge_user_values(&mut user, &file)?;
    }
    for file in &options.values_inline {
        merge_user_values(&mut user, file)?;
    }
    for (list, string_only) in [(&options.set, false), (&options.set_string, true)] {
        for (i, expr) in list.iter().enumerate() {
            let v = values::set_values(expr, string_only, i + 1).map_err(|message| ChartProblem {
                location: None,
                display: if string_only { "--helm-set-string".into() } else { "--helm-set".into() },
                message: format!("`{expr}`: {message}"),
                fatal: true,
            })?;
            values::merge_over(&mut user, &v);
        }
    }
    Ok(user)
}

/// Merges one user values document over `user`.
fn merge_user_values(user: &mut Values, file: &Arc<SourceFile>) -> Result<(), ChartProblem> {
    let display = file.path.to_string();
    let fail = |message: String| ChartProblem { location: None, display: display.clone(), message, fatal: true };
    let parsed = crate::parse::yaml::parse(&file.text, &file.lines, &crate::parse::Limits::default());
    if let Some(e) = parsed.error {
        return Err(ChartProblem { location: e.span.map(|s| file.location(s)), display, message: e.message, fatal: true });
    }
    if let Some(doc) = parsed.documents.into_iter().next() {
        if !doc.value.is_object() {
            return Err(fail("values file is not a mapping".into()));
        }
        values::merge_over(user, &Values { origins: Origins::from_spans(file, &doc.spans), value: doc.value });
    }
    Ok(())
}

/// Parses a `--set` expression (`string_only`: `--set-string`) into a values map.
pub fn parse_set(expr: &str, string_only: bool) -> Result<serde_json::Value, String> {
    values::parse_set(expr, string_only)
}

#[cfg(test)]
mod tests;
