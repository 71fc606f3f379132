//! Chart loading: reading a chart (directory or archive) into memory, `Chart.yaml`, the
//! `.Chart` object, offline dependency resolution, values, templates and files.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::archive::{ArchiveLimits, read_tgz};
use super::deps::{Version, satisfies};
use super::schema;
use super::values::{self, Origins, Values, coalesce_globals, coalesce_under, lookup, split_path};
use super::{ChartProblem, ChartTemplate, LoadedChart, MissingDependency, ResolvedDependency};
use crate::model::{AttributePath, Location, PathSegment, SourceFile, SpanNode};
use crate::parse::{Limits, yaml};

/// Most bytes read for one chart and all its subcharts.
pub const MAX_TOTAL_BYTES: usize = 64 << 20;
/// Most files read for one chart and all its subcharts.
pub const MAX_FILES: usize = 20_000;
/// Deepest subchart nesting followed.
pub const MAX_NESTING: usize = 10;
/// Most charts (the chart and all subcharts) loaded for one chart.
pub const MAX_CHARTS: usize = 256;
/// Deepest directory nesting read inside a chart.
const MAX_DIR_DEPTH: usize = 32;
/// Largest single file read.
const MAX_FILE_BYTES: usize = 16 << 20;

/// A chart's files in memory, wherever they came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChartSource {
    /// Files by path relative to the chart (`/` separators).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Display path of the chart's directory (`charts/app`, `charts/app/charts/db-1.0.0.tgz!/db`).
    pub display_dir: String,
    /// The chart's directory on disk, when it is one (for `file://` dependencies).
    pub disk_dir: Option<PathBuf>,
    /// Notes from reading (links skipped, archive entries not read).
    pub notes: Vec<String>,
}

impl ChartSource {
    fn display(&self, rel: &str) -> String {
        join_display(&self.display_dir, rel)
    }
}

fn join_display(dir: &str, rel: &str) -> String {
    if dir.is_empty() || dir == "." { rel.to_string() } else { format!("{dir}/{rel}") }
}

/// Shared state of one `load_chart` call: budgets and the offline index of the tree's charts.
pub(crate) struct Loader<'a> {
    pub scan_root: PathBuf,
    pub tree_charts: &'a [PathBuf],
    tree_index: Option<TreeIndex>,
    shared_index: Option<&'a TreeIndex>,
    pub bytes: usize,
    pub files: usize,
    pub charts: usize,
}

impl<'a> Loader<'a> {
    pub fn new(scan_root: &Path, tree_charts: &'a [PathBuf]) -> Self {
        let scan_root = scan_root.canonicalize().unwrap_or_else(|_| scan_root.to_path_buf());
        Self { scan_root, tree_charts, tree_index: None, shared_index: None, bytes: 0, files: 0, charts: 0 }
    }

    /// A loader resolving tree dependencies from an index built once for the whole scan.
    pub fn with_index(scan_root: &Path, index: &'a TreeIndex) -> Self {
        let mut ld = Self::new(scan_root, &[]);
        ld.shared_index = Some(index);
        ld
    }

    /// Scan-root-relative display path of a directory.
    pub fn display_of(&self, dir: &Path) -> String {
        let rel = dir.strip_prefix(&self.scan_root).unwrap_or(dir);
        let s = rel.to_string_lossy().replace('\\', "/");
        if s.is_empty() { ".".to_string() } else { s }
    }

    /// Charges a copy of chart files already read (a second alias of one subchart).
    fn charge_copy(&mut self, bytes: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > MAX_TOTAL_BYTES {
            return Err(format!("chart and subcharts exceed the limit of {MAX_TOTAL_BYTES} bytes"));
        }
        Ok(())
    }

    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(bytes);
        self.files += 1;
        if self.bytes > MAX_TOTAL_BYTES {
            return Err(format!("chart and subcharts exceed the limit of {MAX_TOTAL_BYTES} bytes"));
        }
        if self.files > MAX_FILES {
            return Err(format!("chart and subcharts exceed the limit of {MAX_FILES} files"));
        }
        Ok(())
    }

    /// Reads a chart directory, honouring `.helmignore`, never leaving the scan root.
    pub fn read_dir(&mut self, dir: &Path) -> Result<ChartSource, String> {
        let dir = dir.canonicalize().map_err(|e| format!("cannot read chart directory: {e}"))?;
        if !dir.starts_with(&self.scan_root) {
            return Err("chart directory is outside the scan root".into());
        }
        let mut src = ChartSource { display_dir: self.display_of(&dir), disk_dir: Some(dir.clone()), ..ChartSource::default() };
        let ignore_text = self.read_confined(&dir.join(".helmignore"), 1 << 20).unwrap_or_default();
        let ignore = Some(helmignore(&String::from_utf8_lossy(&ignore_text), &mut src.notes));
        let mut stack: Vec<(PathBuf, String, usize)> = vec![(dir.clone(), String::new(), 0)];
        while let Some((abs, rel, depth)) = stack.pop() {
            let entries = std::fs::read_dir(&abs).map_err(|e| format!("cannot read `{}`: {e}", src.display(&rel)))?;
            let mut names: Vec<(String, PathBuf)> =
                entries.filter_map(Result::ok).map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect();
            names.sort();
            for (name, path) in names {
                let child_rel = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
                if name == ".git" {
                    continue;
                }
                let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
                let (is_dir, real) = if meta.file_type().is_symlink() {
                    match path.canonicalize() {
                        Ok(target) if target.starts_with(&self.scan_root) && target.is_file() => (false, target),
                        Ok(target) if target.is_dir() => {
                            src.notes.push(format!("{}: directory link not followed", src.display(&child_rel)));
                            continue;
                        }
                        _ => {
                            src.notes.push(format!("{}: link out of the scan root or dangling, not followed", src.display(&child_rel)));
                            continue;
                        }
                    }
                } else {
                    (meta.is_dir(), path.clone())
                };
                if let Some(ig) = &ignore
                    && ig.matched_path_or_any_parents(&child_rel, is_dir).is_ignore()
                {
                    continue;
                }
                if is_dir {
                    if depth + 1 > MAX_DIR_DEPTH {
                        return Err(format!("`{}` is nested deeper than {MAX_DIR_DEPTH} directories", src.display(&child_rel)));
                    }
                    stack.push((real, child_rel, depth + 1));
                } else if meta.is_file() || meta.file_type().is_symlink() {
                    let bytes = read_bounded(&real, MAX_FILE_BYTES)
                        .map_err(|e| format!("cannot read `{}`: {e}", src.display(&child_rel)))?
                        .ok_or_else(|| format!("`{}` is over the limit of {MAX_FILE_BYTES} bytes", src.display(&child_rel)))?;
                    self.charge(bytes.len())?;
                    src.files.insert(child_rel, bytes);
                }
            }
        }
        Ok(src)
    }

    /// Reads a chart archive held in memory; `display` is the archive's display path.
    pub fn read_archive(&mut self, bytes: &[u8], display: &str) -> Result<ChartSource, String> {
        let remaining = MAX_TOTAL_BYTES.saturating_sub(self.bytes);
        let limits =
            ArchiveLimits { max_uncompressed: remaining.min(ArchiveLimits::default().max_uncompressed), ..ArchiveLimits::default() };
        let contents = read_tgz(bytes, &limits).map_err(|e| format!("{display}: {e}"))?;
        let top = contents.files.first().and_then(|(p, _)| p.split('/').next()).unwrap_or("").to_string();
        let mut src = ChartSource { display_dir: format!("{display}!/{top}"), ..ChartSource::default() };
        src.notes.extend(contents.skipped.iter().map(|s| format!("{display}!/{s}")));
        for (path, data) in contents.files {
            // Helm drops each entry's first path component (the chart's folder).
            let Some((_, rel)) = path.split_once('/') else { continue };
            self.charge(data.len())?;
            src.files.insert(rel.to_string(), data);
        }
        Ok(src)
    }

    /// A regular file's bytes when it (after links) is inside the scan root and at most `max`
    /// bytes long.
    fn read_confined(&self, path: &Path, max: usize) -> Option<Vec<u8>> {
        read_confined_in(&self.scan_root, path, max)
    }

    /// `(dir, name, version)` of every chart in the scanned tree, read once.
    fn tree_index(&mut self) -> &[(PathBuf, String, String)] {
        if let Some(shared) = self.shared_index {
            return &shared.entries;
        }
        if self.tree_index.is_none() {
            self.tree_index = Some(TreeIndex::new(&self.scan_root, self.tree_charts));
        }
        self.tree_index.as_ref().map_or(&[], |t| t.entries.as_slice())
    }
}

/// The name and version of every chart in the scanned tree, for offline dependency resolution.
/// Build it once per scan and load every chart with [`super::load_chart_with_index`].
#[derive(Debug, Clone, Default)]
pub struct TreeIndex {
    entries: Vec<(PathBuf, String, String)>,
}

impl TreeIndex {
    /// Reads the `Chart.yaml` of each directory (inside `scan_root`; at most 10,000 charts).
    pub fn new(scan_root: &Path, tree_charts: &[PathBuf]) -> TreeIndex {
        let root = scan_root.canonicalize().unwrap_or_else(|_| scan_root.to_path_buf());
        let mut entries = Vec::new();
        for dir in tree_charts.iter().take(10_000) {
            let Ok(dir) = dir.canonicalize() else { continue };
            if !dir.starts_with(&root) {
                continue;
            }
            let Some(bytes) = read_confined_in(&root, &dir.join("Chart.yaml"), 1 << 20) else { continue };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let file = SourceFile::new("Chart.yaml", text);
            let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
            let Some(doc) = parsed.documents.into_iter().next() else { continue };
            let name = doc.value.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let version = raw_scalar(&file, doc.value.get("version"), doc.spans.child(&PathSegment::Key("version".into())));
            if !name.is_empty() {
                entries.push((dir, name, version));
            }
        }
        TreeIndex { entries }
    }

    /// Number of charts indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no chart is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A regular file's bytes when it (after links) is inside `root` and at most `max` bytes long.
fn read_confined_in(root: &Path, path: &Path, max: usize) -> Option<Vec<u8>> {
    let real = path.canonicalize().ok()?;
    if !real.starts_with(root) || !real.is_file() {
        return None;
    }
    read_bounded(&real, max).ok().flatten()
}

/// Reads at most `max` bytes of a file; `Ok(None)` when it is longer.
fn read_bounded(path: &Path, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(max as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= max).then_some(bytes))
}

fn helmignore(text: &str, notes: &mut Vec<String>) -> ignore::gitignore::Gitignore {
    let mut b = ignore::gitignore::GitignoreBuilder::new("");
    // Helm always ignores hidden files in templates/.
    let _ = b.add_line(None, "templates/.?*");
    for line in text.lines().take(10_000) {
        if let Err(e) = b.add_line(None, line) {
            notes.push(format!(".helmignore: pattern `{line}` ignored: {e}"));
        }
    }
    b.build().unwrap_or_else(|_| ignore::gitignore::Gitignore::empty())
}

fn scalar_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A parsed YAML file: its source and first document.
struct YamlFile {
    file: Arc<SourceFile>,
    value: Value,
    spans: SpanNode,
}

fn parse_yaml(display: &str, bytes: &[u8]) -> Result<YamlFile, ChartProblem> {
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| ChartProblem {
        location: None,
        display: display.to_string(),
        message: "file is not UTF-8".into(),
        fatal: true,
    })?;
    let file = Arc::new(SourceFile::new(display, text));
    let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
    if let Some(e) = parsed.error {
        return Err(ChartProblem {
            location: e.span.map(|s| file.location(s)),
            display: display.to_string(),
            message: e.message,
            fatal: true,
        });
    }
    let (value, spans) = match parsed.documents.into_iter().next() {
        Some(d) => (d.value, d.spans),
        None => (Value::Object(Map::new()), SpanNode::default()),
    };
    Ok(YamlFile { file, value, spans })
}

/// One `dependencies` entry of `Chart.yaml` (or `requirements.yaml`).
#[derive(Debug, Clone, Default)]
pub struct DependencySpec {
    /// Chart name.
    pub name: String,
    /// Version constraint.
    pub version: String,
    /// Repository URL, `file://` path, `@alias` or empty.
    pub repository: String,
    /// `condition` (comma-separated values paths).
    pub condition: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `alias`.
    pub alias: Option<String>,
    /// `import-values`, normalized to `(child path, parent path)`.
    pub import_values: Vec<(String, String)>,
    /// The entry as written (for `.Chart.Dependencies`).
    pub raw: Value,
    /// Where the entry is.
    pub location: Option<Location>,
}

/// What `Chart.yaml` says.
#[derive(Debug, Clone)]
pub struct ChartMeta {
    /// `apiVersion` (`v1`, `v2`).
    pub api_version: String,
    /// `name` (replaced by the alias for an aliased dependency).
    pub name: String,
    /// `version`.
    pub version: String,
    /// `kubeVersion` constraint.
    pub kube_version: String,
    /// `type` (`application` or `library`).
    pub chart_type: String,
    /// Declared dependencies.
    pub dependencies: Vec<DependencySpec>,
    /// The `.Chart` object.
    pub object: Value,
    /// `Chart.yaml`'s display path.
    pub display: String,
    /// `Chart.yaml` itself.
    pub file: Arc<SourceFile>,
}

fn str_field(v: &Value, key: &str) -> String {
    scalar_string(v.get(key)).unwrap_or_default()
}

fn str_list(v: &Value, key: &str) -> Vec<Value> {
    match v.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(|i| scalar_string(Some(i))).map(Value::String).collect(),
        _ => Vec::new(),
    }
}

/// Parses `Chart.yaml` (and, for a v1 chart, `requirements.yaml`) from a chart's files.
pub(crate) fn parse_meta(src: &ChartSource, problems: &mut Vec<ChartProblem>) -> Result<ChartMeta, ChartProblem> {
    let display = src.display("Chart.yaml");
    let Some(bytes) = src.files.get("Chart.yaml") else {
        return Err(ChartProblem { location: None, display, message: "chart has no Chart.yaml".into(), fatal: true });
    };
    let y = parse_yaml(&display, bytes)?;
    let root_loc = Some(y.file.location(crate::source::ByteSpan::new(0, 0)));
    let v = &y.value;
    if !v.is_object() {
        return Err(ChartProblem { location: root_loc, display, message: "Chart.yaml is not a mapping".into(), fatal: true });
    }
    let loc_of = |key: &str| {
        let (node, matched) = y.spans.resolve(&AttributePath(vec![PathSegment::Key(key.into())]));
        (matched == 1).then(|| y.file.location(node.highlight()))
    };
    let name = str_field(v, "name");
    if name.is_empty() {
        return Err(ChartProblem { location: root_loc, display, message: "Chart.yaml has no `name`".into(), fatal: true });
    }
    if name.contains('/') || name.contains('\\') || name == ".." {
        return Err(ChartProblem {
            location: loc_of("name"),
            display,
            message: format!("chart name `{name}` is not a valid name"),
            fatal: true,
        });
    }
    let mut api_version = str_field(v, "apiVersion");
    if api_version.is_empty() {
        problems.push(ChartProblem {
            location: root_loc.clone(),
            display: display.clone(),
            message: "Chart.yaml has no `apiVersion`; read as v1".into(),
            fatal: false,
        });
        api_version = "v1".into();
    } else if api_version != "v1" && api_version != "v2" {
        problems.push(ChartProblem {
            location: loc_of("apiVersion"),
            display: display.clone(),
            message: format!("unknown chart apiVersion `{api_version}`; read as v2"),
            fatal: false,
        });
    }
    let raw = |key: &str| raw_scalar(&y.file, v.get(key), y.spans.child(&PathSegment::Key(key.into())));
    let version = raw("version");
    if version.is_empty() {
        problems.push(ChartProblem {
            location: root_loc.clone(),
            display: display.clone(),
            message: "Chart.yaml has no `version`".into(),
            fatal: false,
        });
    } else if Version::parse(&version).is_none() {
        problems.push(ChartProblem {
            location: loc_of("version"),
            display: display.clone(),
            message: format!("chart version `{version}` is not a semantic version"),
            fatal: false,
        });
    }
    let chart_type = match str_field(v, "type").as_str() {
        "" => "application".to_string(),
        t @ ("application" | "library") => t.to_string(),
        t => {
            problems.push(ChartProblem {
                location: loc_of("type"),
                display: display.clone(),
                message: format!("unknown chart type `{t}`; read as application"),
                fatal: false,
            });
            "application".to_string()
        }
    };
    // Dependencies: Chart.yaml (v2) or requirements.yaml (v1).
    let mut dependencies = Vec::new();
    let mut dep_source: Option<(YamlFile, String)> = None;
    if v.get("dependencies").is_some_and(|d| !d.is_null()) {
        dep_source = Some((YamlFile { file: y.file.clone(), value: y.value.clone(), spans: y.spans.clone() }, display.clone()));
    } else if api_version == "v1"
        && let Some(bytes) = src.files.get("requirements.yaml")
    {
        let rdisplay = src.display("requirements.yaml");
        match parse_yaml(&rdisplay, bytes) {
            Ok(r) => dep_source = Some((r, rdisplay)),
            Err(p) => problems.push(p),
        }
    }
    if let Some((df, ddisplay)) = &dep_source {
        match df.value.get("dependencies") {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let path = AttributePath(vec![PathSegment::Key("dependencies".into()), PathSegment::Index(i)]);
                    let (node, _) = df.spans.resolve(&path);
                    let location = Some(df.file.location(crate::source::ByteSpan::new(node.span.start, node.span.start)));
                    match parse_dependency(item) {
                        Ok(mut d) => {
                            d.version = raw_scalar(&df.file, item.get("version"), node.child(&PathSegment::Key("version".into())));
                            d.location = location;
                            dependencies.push(d);
                        }
                        Err(message) => problems.push(ChartProblem { location, display: ddisplay.clone(), message, fatal: false }),
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => problems.push(ChartProblem {
                location: None,
                display: ddisplay.clone(),
                message: "`dependencies` is not a list".into(),
                fatal: false,
            }),
        }
    }
    let maintainers: Vec<Value> = match v.get("maintainers") {
        Some(Value::Array(ms)) => {
            ms.iter().map(|m| json!({"Name": str_field(m, "name"), "Email": str_field(m, "email"), "URL": str_field(m, "url")})).collect()
        }
        _ => Vec::new(),
    };
    let annotations: Map<String, Value> = match v.get("annotations") {
        Some(Value::Object(m)) => m.iter().filter_map(|(k, v)| scalar_string(Some(v)).map(|s| (k.clone(), Value::String(s)))).collect(),
        _ => Map::new(),
    };
    let deps_object: Vec<Value> = dependencies.iter().map(dependency_object).collect();
    let object = json!({
        "Name": name,
        "Home": str_field(v, "home"),
        "Sources": str_list(v, "sources"),
        "Version": version,
        "Description": str_field(v, "description"),
        "Keywords": str_list(v, "keywords"),
        "Maintainers": maintainers,
        "Icon": str_field(v, "icon"),
        "APIVersion": api_version,
        "Condition": str_field(v, "condition"),
        "Tags": str_field(v, "tags"),
        "AppVersion": raw("appVersion"),
        "Deprecated": v.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
        "Annotations": annotations,
        "KubeVersion": raw("kubeVersion"),
        "Dependencies": deps_object,
        "Type": chart_type,
    });
    Ok(ChartMeta { api_version, name, version, kube_version: raw("kubeVersion"), chart_type, dependencies, object, display, file: y.file })
}

/// A scalar field as written: numbers keep their text (`version: 1.10` is `1.10`, not `1.1`),
/// as Helm reads these fields into strings.
fn raw_scalar(file: &SourceFile, value: Option<&Value>, node: Option<&SpanNode>) -> String {
    match (value, node) {
        (Some(Value::Number(_) | Value::Bool(_)), Some(n)) => file
            .text
            .get(n.span.start..n.span.end)
            .map(str::trim)
            .map(str::to_string)
            .unwrap_or_else(|| scalar_string(value).unwrap_or_default()),
        _ => scalar_string(value).unwrap_or_default(),
    }
}

fn parse_dependency(item: &Value) -> Result<DependencySpec, String> {
    if !item.is_object() {
        return Err("dependency entry is not a mapping".into());
    }
    let name = str_field(item, "name");
    if name.is_empty() {
        return Err("dependency has no `name`".into());
    }
    let tags = str_list(item, "tags").into_iter().filter_map(|t| t.as_str().map(str::to_string)).collect();
    let alias = Some(str_field(item, "alias")).filter(|a| !a.is_empty());
    if let Some(a) = &alias
        && (a.contains('/') || a.contains('\\') || a == "..")
    {
        return Err(format!("dependency alias `{a}` is not a valid name"));
    }
    let mut import_values = Vec::new();
    if let Some(Value::Array(ivs)) = item.get("import-values") {
        for iv in ivs {
            match iv {
                Value::String(s) => import_values.push((format!("exports.{s}"), ".".to_string())),
                Value::Object(_) => {
                    let child = str_field(iv, "child");
                    let parent = str_field(iv, "parent");
                    if child.is_empty() {
                        return Err(format!("dependency `{name}`: import-values entry without `child`"));
                    }
                    import_values.push((child, if parent.is_empty() { ".".into() } else { parent }));
                }
                _ => return Err(format!("dependency `{name}`: import-values entry is neither a string nor a mapping")),
            }
        }
    }
    Ok(DependencySpec {
        version: str_field(item, "version"),
        repository: str_field(item, "repository"),
        condition: str_field(item, "condition"),
        tags,
        alias,
        import_values,
        raw: item.clone(),
        location: None,
        name,
    })
}

fn dependency_object(d: &DependencySpec) -> Value {
    json!({
        "Name": d.name,
        "Version": d.version,
        "Repository": d.repository,
        "Condition": d.condition,
        "Tags": d.tags,
        "Enabled": true,
        "ImportValues": d.raw.get("import-values").cloned().unwrap_or(Value::Array(Vec::new())),
        "Alias": d.alias.clone().unwrap_or_default(),
    })
}

/// A chart in memory, its subcharts resolved.
pub(crate) struct Node {
    pub meta: ChartMeta,
    pub src: ChartSource,
    pub defaults: Values,
    pub schema: Option<(Value, String)>,
    pub subs: Vec<Sub>,
    pub problems: Vec<ChartProblem>,
    pub missing: Vec<MissingDependency>,
    /// The dependency entries of `missing`, in the same order.
    pub missing_specs: Vec<DependencySpec>,
    pub resolved: Vec<ResolvedDependency>,
    pub disabled: Vec<(String, String)>,
}

/// A subchart as its parent sees it.
pub(crate) struct Sub {
    /// The name its values and templates live under (alias, else chart name).
    pub name: String,
    /// The declaring dependency entry; `None` for a chart in `charts/` that no entry names.
    pub dep: Option<DependencySpec>,
    pub node: Node,
}

/// Builds the node for a chart source, resolving its dependencies. `chain` holds the disk
/// directories of the charts above (cycle detection).
pub(crate) fn build_node(ld: &mut Loader<'_>, src: ChartSource, chain: &mut Vec<PathBuf>, depth: usize) -> Result<Node, ChartProblem> {
    ld.charts += 1;
    let fail = |msg: String, display: &str| ChartProblem { location: None, display: display.to_string(), message: msg, fatal: true };
    if ld.charts > MAX_CHARTS {
        return Err(fail(format!("more than {MAX_CHARTS} charts and subcharts"), &src.display_dir));
    }
    let mut problems = Vec::new();
    for n in &src.notes {
        problems.push(ChartProblem { location: None, display: src.display_dir.clone(), message: n.clone(), fatal: false });
    }
    let meta = parse_meta(&src, &mut problems)?;
    let mut defaults = Values::default();
    if let Some(bytes) = src.files.get("values.yaml") {
        match parse_yaml(&src.display("values.yaml"), bytes) {
            Ok(y) if y.value.is_object() => defaults = Values { origins: Origins::from_spans(&y.file, &y.spans), value: y.value },
            Ok(y) if y.value.is_null() => {}
            Ok(y) => problems.push(ChartProblem {
                location: Some(y.file.location(y.spans.span)),
                display: y.file.path.to_string(),
                message: "values.yaml is not a mapping".into(),
                fatal: true,
            }),
            Err(p) => problems.push(p),
        }
    }
    let mut schema = None;
    if let Some(bytes) = src.files.get("values.schema.json") {
        let display = src.display("values.schema.json");
        match serde_json::from_slice::<Value>(bytes) {
            Ok(s) => schema = Some((s, display)),
            Err(e) => {
                let file = SourceFile::new(display.clone(), String::from_utf8_lossy(bytes).into_owned());
                let at = file.lines.offset_of(&file.text, e.line(), e.column().saturating_sub(1));
                problems.push(ChartProblem {
                    location: Some(file.location(crate::source::ByteSpan::new(at, at))),
                    display,
                    message: format!("values.schema.json is not valid JSON, values not checked: {e}"),
                    fatal: false,
                });
            }
        }
    }
    let mut node = Node {
        meta,
        src,
        defaults,
        schema,
        subs: Vec::new(),
        problems,
        missing: Vec::new(),
        missing_specs: Vec::new(),
        resolved: Vec::new(),
        disabled: Vec::new(),
    };
    if let Some(d) = &node.src.disk_dir {
        chain.push(d.clone());
    }
    let result = resolve_dependencies(ld, &mut node, chain, depth);
    if node.src.disk_dir.is_some() {
        chain.pop();
    }
    result?;
    Ok(node)
}

/// A subchart found in `charts/`.
struct Candidate {
    /// The chart's files as read, to build another copy for a second alias.
    raw: ChartSource,
    /// The built chart until the first dependency takes it.
    node: Option<Node>,
    name: String,
    version: String,
    origin: String,
    claimed: bool,
}

impl Candidate {
    fn new(raw: ChartSource, node: Node, origin: String) -> Self {
        Self { name: node.meta.name.clone(), version: node.meta.version.clone(), raw, node: Some(node), origin, claimed: false }
    }
}

fn resolve_dependencies(ld: &mut Loader<'_>, node: &mut Node, chain: &mut Vec<PathBuf>, depth: usize) -> Result<(), ChartProblem> {
    // 1. Everything in charts/: folders with a Chart.yaml and .tgz archives.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut folders: Vec<String> = node
        .src
        .files
        .keys()
        .filter_map(|k| k.strip_prefix("charts/"))
        .filter_map(|rest| rest.split_once('/').map(|(d, _)| d.to_string()))
        .collect();
    folders.dedup();
    let archives: Vec<String> =
        node.src.files.keys().filter(|k| k.starts_with("charts/") && k.matches('/').count() == 1 && k.ends_with(".tgz")).cloned().collect();
    let has_subcharts = !folders.is_empty() || !archives.is_empty() || !node.meta.dependencies.is_empty();
    if has_subcharts && depth >= MAX_NESTING {
        node.problems.push(ChartProblem {
            location: None,
            display: node.src.display_dir.clone(),
            message: format!("subcharts nested deeper than {MAX_NESTING} levels are not loaded"),
            fatal: true,
        });
        return Ok(());
    }
    for folder in folders {
        let prefix = format!("charts/{folder}/");
        if !node.src.files.contains_key(&format!("{prefix}Chart.yaml")) {
            node.problems.push(ChartProblem {
                location: None,
                display: node.src.display(&format!("charts/{folder}")),
                message: "folder in charts/ has no Chart.yaml; not a subchart".into(),
                fatal: false,
            });
            continue;
        }
        let files: BTreeMap<String, Vec<u8>> =
            node.src.files.iter().filter_map(|(k, v)| k.strip_prefix(&prefix).map(|r| (r.to_string(), v.clone()))).collect();
        let sub_src = ChartSource {
            files,
            display_dir: node.src.display(&format!("charts/{folder}")),
            disk_dir: node.src.disk_dir.as_ref().map(|d| d.join("charts").join(&folder)),
            notes: Vec::new(),
        };
        let origin = sub_src.display_dir.clone();
        match build_node(ld, sub_src.clone(), chain, depth + 1) {
            Ok(n) => candidates.push(Candidate::new(sub_src, n, origin)),
            Err(p) => node.problems.push(p),
        }
    }
    for archive in archives {
        let display = node.src.display(&archive);
        let bytes = node.src.files.get(&archive).cloned().unwrap_or_default();
        match ld.read_archive(&bytes, &display) {
            Ok(sub_src) => match build_node(ld, sub_src.clone(), chain, depth + 1) {
                Ok(n) => candidates.push(Candidate::new(sub_src, n, display)),
                Err(p) => node.problems.push(p),
            },
            Err(message) => node.problems.push(ChartProblem { location: None, display, message, fatal: true }),
        }
    }
    // Templates and files of subcharts are theirs, not the parent's.
    node.src.files.retain(|k, _| !k.starts_with("charts/"));

    // 2. Each declared dependency.
    let deps = node.meta.dependencies.clone();
    for dep in deps {
        let sub_name = dep.alias.clone().unwrap_or_else(|| dep.name.clone());
        let missing = |reason: String| MissingDependency {
            name: dep.name.clone(),
            version: dep.version.clone(),
            repository: dep.repository.clone(),
            reason,
            location: dep.location.clone(),
            disabled: None,
        };
        // charts/: same name, a version satisfying the constraint preferred.
        let pick = candidates
            .iter()
            .position(|c| c.name == dep.name && satisfies(&dep.version, &c.version))
            .or_else(|| candidates.iter().position(|c| c.name == dep.name));
        let found: Option<(Node, String, Option<String>)> = if let Some(i) = pick {
            let c = &mut candidates[i];
            c.claimed = true;
            let note = (!satisfies(&dep.version, &c.version))
                .then(|| format!("version {} in charts/ does not satisfy `{}`", c.version, dep.version));
            let origin = c.origin.clone();
            let built = match c.node.take() {
                Some(n) => Ok(n),
                None => {
                    // Another alias of the same chart: a second copy, charged to the budget.
                    let size = c.raw.files.values().map(Vec::len).sum::<usize>();
                    match ld.charge_copy(size) {
                        Ok(()) => build_node(ld, c.raw.clone(), chain, depth + 1),
                        Err(message) => {
                            Err(ChartProblem { location: dep.location.clone(), display: c.origin.clone(), message, fatal: true })
                        }
                    }
                }
            };
            match built {
                Ok(n) => Some((n, origin, note)),
                Err(p) => {
                    node.problems.push(p);
                    None
                }
            }
        } else if let Some(rel) = dep.repository.strip_prefix("file://") {
            match resolve_file_dep(ld, node, rel, &dep, chain, depth) {
                Ok(found) => Some(found),
                Err(reason) => {
                    node.missing.push(missing(reason));
                    node.missing_specs.push(dep.clone());
                    None
                }
            }
        } else {
            match resolve_tree_dep(ld, &dep, chain, depth) {
                Ok(found) => Some(found),
                Err(reason) => {
                    node.missing.push(missing(reason));
                    node.missing_specs.push(dep.clone());
                    None
                }
            }
        };
        if let Some((mut sub, from, note)) = found {
            if let Some(alias) = &dep.alias {
                rename(&mut sub, alias);
            }
            if let Some(note) = &note {
                node.problems.push(ChartProblem {
                    location: dep.location.clone(),
                    display: node.meta.display.clone(),
                    message: format!("dependency `{}`: {note}; using it anyway", dep.name),
                    fatal: false,
                });
            }
            node.resolved.push(ResolvedDependency {
                name: dep.name.clone(),
                alias: dep.alias.clone(),
                declared_version: dep.version.clone(),
                found_version: sub.meta.version.clone(),
                from,
                note,
            });
            node.subs.push(Sub { name: sub_name, dep: Some(dep.clone()), node: sub });
        }
    }
    // 3. Charts in charts/ that no dependency names are still subcharts (as in Helm).
    for c in candidates.into_iter().filter(|c| !c.claimed) {
        if let Some(n) = c.node {
            node.subs.push(Sub { name: c.name, dep: None, node: n });
        }
    }
    if node.subs.len() > 1 {
        let mut seen = HashSet::new();
        for s in &node.subs {
            if !seen.insert(s.name.clone()) {
                node.problems.push(ChartProblem {
                    location: None,
                    display: node.meta.display.clone(),
                    message: format!("two subcharts are named `{}`; their values share one key", s.name),
                    fatal: false,
                });
            }
        }
    }
    Ok(())
}

fn rename(n: &mut Node, alias: &str) {
    n.meta.name = alias.to_string();
    if let Some(o) = n.meta.object.as_object_mut() {
        o.insert("Name".into(), Value::String(alias.to_string()));
    }
}

fn resolve_file_dep(
    ld: &mut Loader<'_>,
    node: &Node,
    rel: &str,
    dep: &DependencySpec,
    chain: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<(Node, String, Option<String>), String> {
    let Some(base) = &node.src.disk_dir else {
        return Err(format!("`file://{rel}` cannot be resolved inside an archive"));
    };
    let target = base.join(rel);
    let target = target.canonicalize().map_err(|_| format!("`file://{rel}` does not exist"))?;
    if !target.starts_with(&ld.scan_root) {
        return Err(format!("`file://{rel}` is outside the scan root"));
    }
    if chain.contains(&target) {
        return Err(format!("`file://{rel}` is a dependency cycle"));
    }
    let src = ld.read_dir(&target)?;
    let sub = build_node(ld, src, chain, depth + 1).map_err(|p| format!("{}: {}", p.display, p.message))?;
    if sub.meta.name != dep.name {
        return Err(format!("`file://{rel}` holds chart `{}`, not `{}`", sub.meta.name, dep.name));
    }
    let note =
        (!satisfies(&dep.version, &sub.meta.version)).then(|| format!("version {} does not satisfy `{}`", sub.meta.version, dep.version));
    Ok((sub, format!("file://{rel} ({})", ld.display_of(&target)), note))
}

fn resolve_tree_dep(
    ld: &mut Loader<'_>,
    dep: &DependencySpec,
    chain: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<(Node, String, Option<String>), String> {
    let mut same: Vec<(PathBuf, String)> =
        ld.tree_index().iter().filter(|(_, n, _)| *n == dep.name).map(|(d, _, v)| (d.clone(), v.clone())).collect();
    let repo = if dep.repository.is_empty() { "no repository".to_string() } else { dep.repository.clone() };
    if same.is_empty() {
        return Err(format!("not in charts/ and no chart named `{}` in the scanned tree ({repo} is not fetched offline)", dep.name));
    }
    same.retain(|(d, _)| !chain.contains(d));
    if same.is_empty() {
        return Err(format!("the only chart named `{}` in the tree is an ancestor (a dependency cycle)", dep.name));
    }
    // Prefer the highest satisfying version, else the highest version.
    same.sort_by(|a, b| match (Version::parse(&a.1), Version::parse(&b.1)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.1.cmp(&b.1),
    });
    let chosen = same.iter().rev().find(|(_, v)| satisfies(&dep.version, v)).or_else(|| same.last()).cloned();
    let Some((dir, version)) = chosen else { return Err("no candidate".into()) };
    let src = ld.read_dir(&dir)?;
    let sub = build_node(ld, src, chain, depth + 1).map_err(|p| format!("{}: {}", p.display, p.message))?;
    let note = (!satisfies(&dep.version, &version))
        .then(|| format!("the scanned tree has version {version}, which does not satisfy `{}`", dep.version));
    Ok((sub, format!("tree:{}", ld.display_of(&dir)), note))
}

/// Coalesces user values with the chart's and every subchart's defaults (Helm's
/// `CoalesceValues`): `dest` holds the user values on entry and the final values on return.
pub(crate) fn coalesce_all(node: &Node, dest: &mut Values, problems: &mut Vec<ChartProblem>, scope: &str, depth: usize) {
    for clash in coalesce_under(dest, &node.defaults) {
        problems.push(ChartProblem {
            location: dest.origins.nearest(&split_path(&clash)),
            display: node.meta.display.clone(),
            message: format!("value `{}` has a different type than the chart's default; the default is ignored", join_path(scope, &clash)),
            fatal: false,
        });
    }
    if depth > MAX_NESTING {
        return;
    }
    for sub in &node.subs {
        let global = dest.value.get("global").cloned();
        let global_o = dest.origins.children.get("global").cloned().unwrap_or_default();
        let Some(map) = dest.value.as_object_mut() else { return };
        let entry = map.entry(sub.name.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            problems.push(ChartProblem {
                location: dest.origins.origin(std::slice::from_ref(&sub.name)),
                display: node.meta.display.clone(),
                message: format!(
                    "value `{}` for subchart `{}` is not a mapping; replaced by its defaults",
                    join_path(scope, &sub.name),
                    sub.name
                ),
                fatal: false,
            });
            *entry = Value::Object(Map::new());
        }
        let mut sub_vals = Values { value: std::mem::take(entry), origins: dest.origins.children.remove(&sub.name).unwrap_or_default() };
        coalesce_globals(&mut sub_vals, global.as_ref().map(|g| (g, &global_o)));
        coalesce_all(&sub.node, &mut sub_vals, problems, &join_path(scope, &sub.name), depth + 1);
        if let Some(map) = dest.value.as_object_mut() {
            map.insert(sub.name.clone(), sub_vals.value);
        }
        dest.origins.children.insert(sub.name.clone(), sub_vals.origins);
    }
}

fn join_path(scope: &str, key: &str) -> String {
    if scope.is_empty() { key.to_string() } else { format!("{scope}.{key}") }
}

/// Disables subcharts by `condition` and `tags` (Helm's `processDependencyEnabled`): conditions
/// are values paths below the chart's scope in the top-level values, the first that holds a
/// boolean wins; otherwise any true tag enables, all-false tags disable.
pub(crate) fn apply_conditions(node: &mut Node, top: &Value, scope: &[String], depth: usize) {
    let subs = std::mem::take(&mut node.subs);
    for mut sub in subs {
        let off = sub.dep.as_ref().and_then(|dep| disabled_by(dep, top, scope, &node.meta.display, &mut node.problems));
        match off {
            None => {
                if depth < MAX_NESTING {
                    let mut sub_scope = scope.to_vec();
                    sub_scope.push(sub.name.clone());
                    apply_conditions(&mut sub.node, top, &sub_scope, depth + 1);
                }
                node.subs.push(sub);
            }
            Some(reason) => {
                if let Some(dep) = &sub.dep {
                    mark_disabled(&mut node.meta.object, dep);
                }
                node.disabled.push((sub.name.clone(), reason));
            }
        }
    }
    // A dependency that is missing but disabled anyway does not make the chart partial.
    for (m, dep) in node.missing.iter_mut().zip(&node.missing_specs) {
        m.disabled = disabled_by(dep, top, scope, &node.meta.display, &mut Vec::new());
        if m.disabled.is_some() {
            mark_disabled(&mut node.meta.object, dep);
        }
    }
}

/// `.Chart.Dependencies[].Enabled` is false for a disabled dependency.
fn mark_disabled(object: &mut Value, dep: &DependencySpec) {
    let alias = dep.alias.clone().unwrap_or_default();
    if let Some(Value::Array(deps)) = object.get_mut("Dependencies") {
        for d in deps {
            if d.get("Name").and_then(Value::as_str) == Some(dep.name.as_str())
                && d.get("Alias").and_then(Value::as_str) == Some(alias.as_str())
                && let Some(m) = d.as_object_mut()
            {
                m.insert("Enabled".into(), Value::Bool(false));
            }
        }
    }
}

/// Why `dep` is disabled by its `condition` or `tags`, or `None` when it is enabled.
fn disabled_by(dep: &DependencySpec, top: &Value, scope: &[String], display: &str, problems: &mut Vec<ChartProblem>) -> Option<String> {
    for cond in dep.condition.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let mut path = scope.to_vec();
        path.extend(split_path(cond));
        match lookup(top, &path) {
            Some(Value::Bool(true)) => return None,
            Some(Value::Bool(false)) => return Some(format!("condition `{cond}` is false")),
            Some(other) if !other.is_null() => problems.push(ChartProblem {
                location: dep.location.clone(),
                display: display.to_string(),
                message: format!("condition `{cond}` of dependency `{}` is not a boolean; ignored", dep.name),
                fatal: false,
            }),
            _ => {}
        }
    }
    if dep.tags.is_empty() {
        return None;
    }
    let tags = top.get("tags");
    let vals: Vec<bool> = dep.tags.iter().filter_map(|t| tags.and_then(|m| m.get(t)).and_then(Value::as_bool)).collect();
    if !vals.is_empty() && !vals.contains(&true) {
        return Some(format!("tags {} are false", dep.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")));
    }
    None
}

/// Applies `import-values` bottom-up (Helm's `processDependencyImportValues`): values copied from
/// a subchart become defaults of the parent, under the parent's own values.
pub(crate) fn apply_imports(node: &mut Node, depth: usize) {
    if depth < MAX_NESTING {
        for sub in &mut node.subs {
            apply_imports(&mut sub.node, depth + 1);
        }
    }
    if !node.subs.iter().any(|s| s.dep.as_ref().is_some_and(|d| !d.import_values.is_empty())) {
        return;
    }
    let mut cvals = Values::default();
    let mut scratch = Vec::new();
    coalesce_all(node, &mut cvals, &mut scratch, "", depth);
    values::strip_deleted(&mut cvals);
    let mut imported = Values::default();
    for sub in &node.subs {
        let Some(dep) = &sub.dep else { continue };
        for (child, parent) in &dep.import_values {
            let mut path = vec![sub.name.clone()];
            path.extend(split_path(child));
            let Some(value) = lookup(&cvals.value, &path) else {
                node.problems.push(ChartProblem {
                    location: dep.location.clone(),
                    display: node.meta.display.clone(),
                    message: format!("import-values: subchart `{}` has no value `{child}`", sub.name),
                    fatal: false,
                });
                continue;
            };
            let parent_path = if parent == "." { Vec::new() } else { split_path(parent) };
            if parent_path.is_empty() && !value.is_object() {
                node.problems.push(ChartProblem {
                    location: dep.location.clone(),
                    display: node.meta.display.clone(),
                    message: format!("import-values: `{child}` of subchart `{}` is not a mapping and has no parent key", sub.name),
                    fatal: false,
                });
                continue;
            }
            let origins = cvals.origins.get(&path).cloned().unwrap_or_default();
            values::set_at(&mut imported, &parent_path, Values { value: value.clone(), origins });
        }
    }
    // Parent values win over imported ones.
    let mut defaults = node.defaults.clone();
    coalesce_under(&mut defaults, &imported);
    node.defaults = defaults;
}

/// Turns the processed node tree into loaded charts: scoped values, templates, files, schema.
pub(crate) fn finish(node: Node, vals: Values, chart_path: &str, kube_version: &str) -> LoadedChart {
    let Node { meta, src, schema, subs, mut problems, missing, resolved, disabled, .. } = node;
    let is_library = meta.chart_type == "library";
    let mut templates = Vec::new();
    let mut files = BTreeMap::new();
    for (rel, bytes) in &src.files {
        if let Some(t) = rel.strip_prefix("templates/") {
            let Ok(text) = String::from_utf8(bytes.clone()) else {
                problems.push(ChartProblem {
                    location: None,
                    display: src.display(rel),
                    message: "template is not UTF-8; not rendered".into(),
                    fatal: true,
                });
                continue;
            };
            let base = t.rsplit('/').next().unwrap_or(t);
            templates.push(ChartTemplate {
                name: format!("{chart_path}/{rel}"),
                display_path: src.display(rel),
                text,
                partial: base.starts_with('_') || is_library,
            });
        } else if !matches!(
            rel.as_str(),
            "Chart.yaml" | "values.yaml" | "values.schema.json" | "requirements.yaml" | "requirements.lock" | "Chart.lock"
        ) {
            files.insert(rel.clone(), bytes.clone());
        }
    }
    if let Some((s, display)) = &schema {
        for v in schema::validate(s, &vals.value) {
            let shown = if v.path.is_empty() { "(root)".to_string() } else { v.path.join(".") };
            problems.push(ChartProblem {
                location: vals.origins.nearest(&v.path),
                display: display.clone(),
                message: format!("values do not match the chart's schema: `{shown}` {}", v.message),
                fatal: false,
            });
        }
    }
    if !meta.kube_version.is_empty() && !satisfies(&meta.kube_version, kube_version) {
        problems.push(ChartProblem {
            location: None,
            display: meta.display.clone(),
            message: format!("chart requires Kubernetes `{}`; rendered for {kube_version} anyway", meta.kube_version),
            fatal: false,
        });
    }
    let mut loaded_subs = Vec::new();
    for sub in subs {
        let sub_vals = Values {
            value: vals.value.get(&sub.name).cloned().unwrap_or_else(|| Value::Object(Map::new())),
            origins: vals.origins.children.get(&sub.name).cloned().unwrap_or_default(),
        };
        let path = format!("{chart_path}/charts/{}", sub.name);
        loaded_subs.push(finish(sub.node, sub_vals, &path, kube_version));
    }
    LoadedChart {
        name: meta.name.clone(),
        display_dir: src.display_dir.clone(),
        chart: meta.object.clone(),
        values: vals.value,
        templates,
        files,
        subcharts: loaded_subs,
        disabled,
        is_library,
        problems,
        missing,
        resolved,
        origins: vals.origins,
    }
}
