//! Helm charts, rendered in-process: every file under a `Chart.yaml` belongs to its outermost
//! chart, and a chart (with its subcharts) is one unit. Loading (values, dependencies, `.Files`)
//! is [`crate::helm`]; templates are executed by [`crate::helm::template`]; this module turns the
//! rendered documents into resources whose spans point at the template line that emitted each
//! key, with the `values.yaml` key a value came from as a related location.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::{Candidate, FileClass};
use crate::helm::template::{RenderLimits, Rendered, TemplateSet, Value as TValue};
use crate::helm::{ChartTemplate, LoadedChart};
use crate::model::{Location, Origin, Resource, SourceFile, SpanChildren, SpanNode};
use crate::scan::ScanOptions;
use crate::scan::report::{FileRecord, Outcome, SkipReason};
use crate::source::ByteSpan;
use crate::terraform::NotAnalyzed;

use super::read::{failed, skipped};
use super::{Built, Context};

/// Whether the Helm frontend owns `c` (any file inside a chart directory).
pub fn claims(c: &Candidate) -> bool {
    matches!(c.class, FileClass::HelmChart { .. })
}

/// The outermost chart a file belongs to, when `path` is a file inside a chart directory (a
/// directory with `Chart.yaml`, at most 8 levels up; subcharts under `charts/` belong to their
/// parent). A template alone is not YAML: it is analyzed through its chart.
pub fn chart_root_of(path: &Path) -> Option<PathBuf> {
    if !path.is_file() {
        return None;
    }
    let mut chart: Option<PathBuf> = None;
    for dir in path.ancestors().skip(1).take(8) {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if dir.join("Chart.yaml").is_file() {
            chart = Some(dir.to_path_buf());
        } else if chart.is_some() && dir.file_name().is_some_and(|n| n != "charts") {
            // Above a chart, only a `charts/` folder can lead to a parent chart.
            break;
        }
    }
    chart
}

/// One chart: its directory and the discovered files under it.
pub struct ChartUnit {
    chart: String,
    dir: Option<PathBuf>,
    files: Vec<Candidate>,
    tree: Arc<crate::helm::TreeIndex>,
}

/// Groups chart files per outermost chart; every chart of the scan (subcharts too) is indexed
/// once for offline dependency resolution.
pub fn units(candidates: Vec<Candidate>, options: &ScanOptions) -> Vec<ChartUnit> {
    let tree_charts: Vec<PathBuf> = candidates
        .iter()
        .filter(|c| c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|c| c.path.parent().map(Path::to_path_buf))
        .collect();
    let tree = Arc::new(match &options.root {
        Some(root) if !tree_charts.is_empty() => crate::helm::TreeIndex::new(root, &tree_charts),
        _ => crate::helm::TreeIndex::default(),
    });
    let mut charts: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        if let FileClass::HelmChart { chart } = &c.class {
            charts.entry(chart.clone()).or_default().push(c);
        }
    }
    charts
        .into_iter()
        .map(|(chart, files)| {
            // The chart's own Chart.yaml: the shallowest one among its files.
            let dir = files
                .iter()
                .filter(|c| c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
                .min_by_key(|c| c.display.matches('/').count())
                .and_then(|c| c.path.parent().map(Path::to_path_buf));
            ChartUnit { chart, dir, files, tree: tree.clone() }
        })
        .collect()
}

/// What the renderer needs of the chart being rendered.
struct ChartFrame<'c> {
    chart: &'c LoadedChart,
    dot: TValue,
}

impl ChartUnit {
    /// Display paths of the chart's files.
    pub fn files(&self) -> Vec<String> {
        self.files.iter().map(|c| c.display.clone()).collect()
    }

    /// The chart directory's display path (the unit's stable key).
    pub fn chart(&self) -> &str {
        &self.chart
    }

    /// Loads and renders the chart.
    pub fn build(self, ctx: &Context<'_>) -> Built {
        let options = ctx.options;
        let mut built = Built::default();
        let (Some(dir), Some(root)) = (&self.dir, &options.root) else {
            built.records =
                self.files.iter().map(|c| failed(c, "chart directory without a readable Chart.yaml; not rendered", None)).collect();
            return built;
        };
        let loaded = match crate::helm::load_chart_with_index(root, dir, &self.tree, &options.helm) {
            Ok(l) => l,
            Err(p) => {
                let message = format!("chart not rendered: {}", p.message);
                built.records = self.files.iter().map(|c| failed(c, message.clone(), p.location.clone())).collect();
                return built;
            }
        };
        let mut rendering = Rendering::new(&loaded, options, ctx);
        rendering.render_all();
        let Rendering { template_records, resources, mut not_analyzed, chart_failures, .. } = rendering;
        built.resources = resources;
        for c in &self.files {
            let record = if let Some(record) = template_records.get(&c.display) {
                record.clone()
            } else if let Some(message) = chart_failures.get(&c.display) {
                FileRecord { path: c.display.clone(), outcome: Outcome::Failed { message: message.clone(), location: None, resources: 0 } }
            } else {
                skipped(c, SkipReason::HelmChart { chart: self.chart.clone() })
            };
            built.records.push(record);
        }
        // A failure about a file that is not one of the unit's candidates (an archive, a
        // subchart file outside the discovered set) still fails the scan, never vanishes.
        let known: std::collections::HashSet<&str> = self.files.iter().map(|c| c.display.as_str()).collect();
        for (path, message) in &chart_failures {
            if !known.contains(path.as_str()) {
                built.records.push(FileRecord {
                    path: path.clone(),
                    outcome: Outcome::Failed { message: message.clone(), location: None, resources: 0 },
                });
            }
        }
        // Problems of files that are not discovered candidates (archives, values files given
        // with --helm-values) are still reported.
        not_analyzed.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        built.not_analyzed = not_analyzed;
        built
    }
}

/// One chart's rendering in progress.
struct Rendering<'a> {
    loaded: &'a LoadedChart,
    options: &'a ScanOptions,
    limits: RenderLimits,
    set: TemplateSet,
    /// Template files by Helm template name.
    sources: HashMap<String, Arc<SourceFile>>,
    template_records: HashMap<String, FileRecord>,
    chart_failures: HashMap<String, String>,
    resources: Vec<Resource>,
    not_analyzed: Vec<NotAnalyzed>,
    /// Every rendered document by template name (kept only for [`render_chart`]).
    documents: Option<Vec<(String, Vec<serde_json::Value>)>>,
    /// The first template that failed, for [`render_chart`].
    first_error: Option<String>,
}

impl<'a> Rendering<'a> {
    fn new(loaded: &'a LoadedChart, options: &'a ScanOptions, ctx: &Context<'_>) -> Self {
        let limits = RenderLimits { deadline: Some(ctx.deadline), ..RenderLimits::default() };
        Self {
            loaded,
            options,
            limits,
            set: TemplateSet::new(),
            sources: HashMap::new(),
            template_records: HashMap::new(),
            chart_failures: HashMap::new(),
            resources: Vec::new(),
            not_analyzed: Vec::new(),
            documents: None,
            first_error: None,
        }
    }

    fn render_all(&mut self) {
        let charts = self.loaded.all();
        // Problems found while loading: fatal ones fail the file they concern.
        for chart in &charts {
            for p in &chart.problems {
                if p.fatal {
                    self.chart_failures.insert(p.display.clone(), p.message.clone());
                } else {
                    let line = p.location.as_ref().map_or(0, |l| l.start.line);
                    self.not_analyzed.push(NotAnalyzed {
                        file: p.display.clone(),
                        line,
                        unit: format!("chart {}", chart.display_dir),
                        reason: p.message.clone(),
                        limit: None,
                    });
                }
            }
            for (name, reason) in &chart.disabled {
                self.not_analyzed.push(NotAnalyzed {
                    file: chart_file(&chart.display_dir, "Chart.yaml"),
                    line: 0,
                    unit: format!("subchart {name}"),
                    reason: format!("not rendered: disabled ({reason})"),
                    limit: None,
                });
            }
            // A missing dependency its condition or tags disable is not needed.
            let needed: Vec<_> = chart.missing.iter().filter(|m| m.disabled.is_none()).collect();
            if !needed.is_empty() {
                let names: Vec<String> =
                    needed.iter().map(|m| format!("{} {} ({}): {}", m.name, m.version, m.repository, m.reason)).collect();
                let chart_yaml = chart_file(&chart.display_dir, "Chart.yaml");
                self.chart_failures
                    .insert(chart_yaml, format!("dependencies not found offline, rendered without them: {}", names.join("; ")));
            }
        }
        for chart in &charts {
            for t in &chart.templates {
                let file = Arc::new(SourceFile::new(t.display_path.as_str(), t.text.clone()));
                self.sources.insert(t.name.clone(), file.clone());
                if let Err(e) = self.set.add(&t.name, &t.text) {
                    self.first_error.get_or_insert_with(|| e.to_string());
                    let location = Some(location_at(&file, e.line, e.column));
                    self.template_records.insert(
                        t.display_path.clone(),
                        FileRecord {
                            path: t.display_path.clone(),
                            outcome: Outcome::Failed { message: format!("template does not parse: {}", e.message), location, resources: 0 },
                        },
                    );
                }
            }
        }
        for chart in charts {
            if chart.is_library {
                continue;
            }
            let frame = ChartFrame { chart, dot: self.dot(chart) };
            for t in &chart.templates {
                if t.partial || t.name.ends_with("NOTES.txt") || self.template_records.contains_key(&t.display_path) {
                    continue;
                }
                self.render(&frame, t);
            }
        }
    }

    fn dot(&self, chart: &LoadedChart) -> TValue {
        let helm = &self.options.helm;
        let (major, minor) = kube_major_minor(&helm.kube_version);
        let mut api_versions: Vec<String> = BUILTIN_API_VERSIONS.iter().map(|s| (*s).to_string()).collect();
        api_versions.extend(helm.api_versions.iter().cloned());
        let map = |entries: Vec<(&str, TValue)>| TValue::map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        let s = |v: &str| TValue::string(v);
        map(vec![
            ("Values", TValue::from_json_with_origin(&chart.values, &[])),
            ("Chart", TValue::from_json(&chart.chart)),
            (
                "Release",
                map(vec![
                    ("Name", s(&helm.release_name)),
                    ("Namespace", s(&helm.namespace)),
                    ("Service", s("Helm")),
                    ("IsInstall", TValue::bool(true)),
                    ("IsUpgrade", TValue::bool(false)),
                    ("Revision", TValue::int(1)),
                ]),
            ),
            (
                "Capabilities",
                map(vec![
                    (
                        "KubeVersion",
                        map(vec![
                            ("Version", s(&helm.kube_version)),
                            ("GitVersion", s(&helm.kube_version)),
                            ("Major", s(&major)),
                            ("Minor", s(&minor)),
                        ]),
                    ),
                    ("APIVersions", TValue::api_versions(api_versions)),
                    ("HelmVersion", map(vec![("Version", s("v3.16.0"))])),
                ]),
            ),
            ("Files", TValue::files(chart.files.clone())),
        ])
    }

    fn render(&mut self, frame: &ChartFrame<'_>, t: &ChartTemplate) {
        let base_path = t.name.rsplit_once("/templates/").map_or_else(|| t.name.clone(), |(c, _)| format!("{c}/templates"));
        let dot = frame.dot.clone();
        dot.insert(
            "Template",
            TValue::map(
                [("Name".to_string(), TValue::string(t.name.as_str())), ("BasePath".to_string(), TValue::string(base_path))]
                    .into_iter()
                    .collect(),
            ),
        );
        let Some(file) = self.sources.get(&t.name).cloned() else { return };
        let rendered = match self.set.execute(&t.name, &dot, &self.limits) {
            Ok(r) => r,
            Err(e) => {
                let at = self.sources.get(&e.template).cloned().unwrap_or_else(|| file.clone());
                let location = Some(location_at(&at, e.line, e.column));
                let message = match e.kind {
                    crate::helm::template::ErrorKind::Limit(name) => format!("template not rendered: limit {name} reached: {}", e.message),
                    _ => format!("template does not render: {}", e),
                };
                self.first_error.get_or_insert_with(|| message.clone());
                self.template_records.insert(
                    t.display_path.clone(),
                    FileRecord { path: t.display_path.clone(), outcome: Outcome::Failed { message, location, resources: 0 } },
                );
                return;
            }
        };
        let before = self.resources.len();
        let error = self.documents(frame.chart, t, &file, &rendered);
        let resources = self.resources.len() - before;
        let outcome = match error {
            Some(message) => {
                self.first_error.get_or_insert_with(|| message.clone());
                Outcome::Failed { message, location: None, resources }
            }
            None => Outcome::Analyzed { resources },
        };
        self.template_records.insert(t.display_path.clone(), FileRecord { path: t.display_path.clone(), outcome });
    }

    /// Parses the rendered text and maps every node back to the template (and values).
    fn documents(&mut self, chart: &LoadedChart, t: &ChartTemplate, file: &Arc<SourceFile>, rendered: &Rendered) -> Option<String> {
        // A final line break, as Helm's document splitter leaves one: without it a block scalar
        // whose last line is only indentation would keep an extra empty line.
        let mut text = rendered.text.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let out = Arc::new(SourceFile::new(format!("{} (rendered)", t.display_path), text));
        let parsed = crate::parse::yaml::parse(&out.text, &out.lines, &self.options.limits);
        let mapper = SpanMapper { rendered, out: &out, sources: &self.sources, chart, fallback: file };
        if let Some(all) = &mut self.documents {
            let docs = parsed.documents.iter().map(|d| d.value.clone()).filter(|v| !v.is_null() && installed(v)).collect();
            all.push((t.name.clone(), docs));
        }
        for doc in parsed.documents {
            if !crate::kubernetes::is_object(&doc.value) || !installed(&doc.value) {
                continue;
            }
            for mut r in crate::kubernetes::resources_from_document(doc, &out) {
                // Objects without a namespace are installed in the release's.
                let namespace = &self.options.helm.namespace;
                if r.namespace.is_some() && r.value.pointer("/metadata/namespace").is_none() && namespace != "default" {
                    r.address = r.address.replacen("/default/", &format!("/{namespace}/"), 1);
                    r.namespace = Some(namespace.clone());
                }
                let (spans, root_file) = mapper.map_root(&r.spans);
                r.spans = spans;
                r.file = root_file;
                self.resources.push(r);
            }
        }
        parsed.error.map(|e| {
            let at = e.span.map(|s| out.location(s).start.line).unwrap_or(0);
            let origin = e
                .span
                .and_then(|s| rendered.origin_at(s.start))
                .map(|s| format!(" (emitted by {} line {})", s.template, s.line))
                .unwrap_or_default();
            format!("rendered output is not valid YAML at rendered line {at}{origin}: {}", e.message)
        })
    }
}

/// Maps spans in rendered output to the template lines that emitted them.
struct SpanMapper<'m> {
    rendered: &'m Rendered,
    out: &'m Arc<SourceFile>,
    sources: &'m HashMap<String, Arc<SourceFile>>,
    chart: &'m LoadedChart,
    fallback: &'m Arc<SourceFile>,
}

impl SpanMapper<'_> {
    /// The template file and the span of the (trimmed) template line that emitted `offset`,
    /// with the values path when the text came from values.
    fn place(&self, offset: usize) -> (Arc<SourceFile>, ByteSpan, Option<Arc<[String]>>) {
        match self.rendered.origin_at(offset.min(self.rendered.text.len().saturating_sub(1))) {
            Some(seg) => {
                let file = self.sources.get(&*seg.template).cloned().unwrap_or_else(|| self.fallback.clone());
                let line = (seg.line as usize).max(1);
                let span = trimmed_line(&file, line);
                (file, span, seg.values_path.clone())
            }
            None => (self.fallback.clone(), ByteSpan::new(0, 0), None),
        }
    }

    fn map_root(&self, node: &SpanNode) -> (SpanNode, Arc<SourceFile>) {
        let anchor = node.key.map_or(node.span.start, |k| k.start);
        let (file, _, _) = self.place(anchor);
        (self.map(node, &file), file)
    }

    fn map(&self, node: &SpanNode, parent_file: &Arc<SourceFile>) -> SpanNode {
        let anchor = node.key.map_or(node.span.start, |k| k.start);
        let (file, line_span, _) = self.place(anchor);
        // The value's own origin (a key written in the template, its value from values.yaml).
        let values_path = match node.children {
            SpanChildren::Leaf => self.place(node.span.start).2,
            _ => None,
        };
        let related: Vec<(Location, String)> = values_path
            .and_then(|p| {
                let loc = self.chart.origin(&p)?;
                Some((loc, format!("value set at `{}` in the chart's values", p.join("."))))
            })
            .into_iter()
            .collect();
        let origin = if !Arc::ptr_eq(&file, parent_file) || !related.is_empty() {
            Some(Arc::new(Origin { file: file.clone(), related }))
        } else {
            None
        };
        let children = match &node.children {
            SpanChildren::Leaf => SpanChildren::Leaf,
            SpanChildren::Seq(items) => SpanChildren::Seq(items.iter().map(|i| self.map(i, &file)).collect()),
            SpanChildren::Map(entries) => SpanChildren::Map(entries.iter().map(|(k, v)| (k.clone(), self.map(v, &file))).collect()),
        };
        let _ = self.out;
        SpanNode { span: line_span, key: node.key.map(|_| line_span), children, origin }
    }
}

/// The display path of `name` in a chart directory shown as `dir` (`""` or `.`: the scan root).
fn chart_file(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." { name.to_string() } else { format!("{dir}/{name}") }
}

/// The span of line `line` (1-based) of `file` without its indentation and line break.
fn trimmed_line(file: &SourceFile, line: usize) -> ByteSpan {
    let span = file.lines.line_span(&file.text, line);
    let text = file.text.get(span.start..span.end).unwrap_or_default();
    let start = span.start + (text.len() - text.trim_start().len());
    let end = span.start + text.trim_end().len();
    ByteSpan::new(start.min(end), end)
}

/// The location of a 1-based line and column in `file`.
fn location_at(file: &SourceFile, line: u32, column: u32) -> Location {
    let offset = file.lines.offset_of(&file.text, line as usize, (column as usize).saturating_sub(1));
    file.location(ByteSpan::new(offset, offset))
}

/// `v1.30.0` → ("1", "30").
fn kube_major_minor(version: &str) -> (String, String) {
    let v = version.trim_start_matches('v');
    let mut parts = v.split('.');
    (parts.next().unwrap_or("1").to_string(), parts.next().unwrap_or("30").to_string())
}

/// What `.Capabilities.APIVersions` holds by default, as `helm template` offline has it: the
/// groups and kinds of client-go's scheme (no aggregated or extension APIs such as
/// `apiextensions.k8s.io` or `apiregistration.k8s.io`, which `helm template` does not know
/// either), each group/version also with its kinds (`apps/v1/Deployment`).
const BUILTIN_API_VERSIONS: &[&str] = &[
    "v1",
    "v1/ConfigMap",
    "v1/Endpoints",
    "v1/Event",
    "v1/LimitRange",
    "v1/Namespace",
    "v1/Node",
    "v1/PersistentVolume",
    "v1/PersistentVolumeClaim",
    "v1/Pod",
    "v1/PodTemplate",
    "v1/ReplicationController",
    "v1/ResourceQuota",
    "v1/Secret",
    "v1/Service",
    "v1/ServiceAccount",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
    "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding",
    "apps/v1",
    "apps/v1/ControllerRevision",
    "apps/v1/DaemonSet",
    "apps/v1/Deployment",
    "apps/v1/ReplicaSet",
    "apps/v1/StatefulSet",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v1/HorizontalPodAutoscaler",
    "autoscaling/v2",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "batch/v1",
    "batch/v1/CronJob",
    "batch/v1/Job",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1/CertificateSigningRequest",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1/Lease",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1/EndpointSlice",
    "events.k8s.io/v1",
    "events.k8s.io/v1/Event",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1/FlowSchema",
    "flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1/Ingress",
    "networking.k8s.io/v1/IngressClass",
    "networking.k8s.io/v1/NetworkPolicy",
    "node.k8s.io/v1",
    "node.k8s.io/v1/RuntimeClass",
    "policy/v1",
    "policy/v1/PodDisruptionBudget",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1/ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "rbac.authorization.k8s.io/v1/Role",
    "rbac.authorization.k8s.io/v1/RoleBinding",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1/PriorityClass",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1/CSIDriver",
    "storage.k8s.io/v1/CSINode",
    "storage.k8s.io/v1/CSIStorageCapacity",
    "storage.k8s.io/v1/StorageClass",
    "storage.k8s.io/v1/VolumeAttachment",
];

/// Hook events Helm knows; a document whose `helm.sh/hook` names another one is never
/// installed (Helm drops it), so it is not analyzed either.
const HOOK_EVENTS: &[&str] =
    &["pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "test"];

/// False for a document Helm would drop: a `helm.sh/hook` annotation naming an unknown event.
fn installed(doc: &serde_json::Value) -> bool {
    match doc.pointer("/metadata/annotations/helm.sh~1hook").and_then(serde_json::Value::as_str) {
        Some(hook) => hook.split(',').all(|e| HOOK_EVENTS.contains(&e.trim().to_ascii_lowercase().as_str())),
        None => true,
    }
}

/// What `helm template` would print for a chart, per template: the rendered documents as JSON
/// (`Err`: why the chart cannot be rendered, as Helm fails a whole chart on one error). For
/// comparisons with real Helm (`scripts/helm-compare.py`).
pub type RenderedChart = Result<Vec<(String, Vec<serde_json::Value>)>, String>;

/// Renders the chart in `chart_dir` (inside `scan_root`), see [`RenderedChart`].
pub fn render_chart(scan_root: &Path, chart_dir: &Path, options: &ScanOptions) -> RenderedChart {
    let index = crate::helm::TreeIndex::new(scan_root, &[]);
    let loaded = crate::helm::load_chart_with_index(scan_root, chart_dir, &index, &options.helm).map_err(|p| p.to_string())?;
    if let Some(m) = loaded.all().iter().flat_map(|c| c.missing.iter()).find(|m| m.disabled.is_none()) {
        return Err(format!("missing dependency {} {} ({}): {}", m.name, m.version, m.repository, m.reason));
    }
    let ctx = Context { options, deadline: std::time::Instant::now() + options.analysis.unit_time };
    let mut rendering = Rendering::new(&loaded, options, &ctx);
    rendering.documents = Some(Vec::new());
    rendering.render_all();
    match rendering.first_error {
        Some(e) => Err(e),
        None => Ok(rendering.documents.unwrap_or_default()),
    }
}

/// Terraform `helm_release` resources with a chart inside the scanned tree, rendered with the
/// release's name, namespace, `values` and `set` blocks (as the Terraform evaluator resolved
/// them); their objects say which release rendered them. A release whose chart comes from a
/// repository, or whose chart or values are unknown, is reported as not analyzed.
pub fn terraform_releases(
    resources: &[Resource],
    module_dir: &Path,
    module_display: &str,
    ctx: &Context<'_>,
) -> (Vec<Resource>, Vec<NotAnalyzed>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let Some(root) = &ctx.options.root else { return (out, notes) };
    for r in resources.iter().filter(|r| r.kind == "helm_release") {
        let (at, _) = r.locate(&crate::model::AttributePath::root());
        let note =
            |reason: String| NotAnalyzed { file: at.file.to_string(), line: at.start.line, unit: r.address.clone(), reason, limit: None };
        let Some(chart) = r.value.get("chart").and_then(serde_json::Value::as_str) else {
            notes.push(note("chart not rendered: its `chart` is not known statically".into()));
            continue;
        };
        let repository = r.value.get("repository").and_then(serde_json::Value::as_str).unwrap_or_default();
        let is_local = chart.starts_with("./") || chart.starts_with("../") || chart.starts_with(module_display) || chart.contains('/');
        if !repository.is_empty() || !is_local {
            notes.push(note(format!("chart `{chart}` comes from a repository: not fetched, not rendered")));
            continue;
        }
        // `${path.module}/x` evaluates to a path from the scan root; `./x` is relative to the
        // module directory (where Terraform runs).
        let candidates = [root.join(chart), module_dir.join(chart)];
        let Some(dir) = candidates
            .iter()
            .map(|p| crate::terraform::functions::lexical_path(p))
            .find(|p| p.starts_with(root) && !crate::discover::through_symlink(p, root) && p.join("Chart.yaml").is_file())
        else {
            notes.push(note(format!("chart `{chart}` not found inside the scanned directory: not rendered")));
            continue;
        };
        let mut options = ctx.options.clone();
        options.helm.release_name = r.value.get("name").and_then(serde_json::Value::as_str).unwrap_or("release").to_string();
        options.helm.namespace = r.value.get("namespace").and_then(serde_json::Value::as_str).unwrap_or("default").to_string();
        let mut unknown = false;
        for (i, v) in r.value.get("values").and_then(serde_json::Value::as_array).into_iter().flatten().enumerate() {
            match v.as_str() {
                Some(text) => {
                    options.helm.values_inline.push(Arc::new(SourceFile::new(format!("{} values[{i}]", r.address), text.to_string())))
                }
                None => unknown = true,
            }
        }
        for (block, string_only) in [("set", false), ("set_sensitive", false), ("set_string", true)] {
            for s in r.value.get(block).and_then(serde_json::Value::as_array).into_iter().flatten() {
                let (Some(name), Some(value)) = (s.get("name").and_then(serde_json::Value::as_str), s.get("value")) else {
                    unknown = true;
                    continue;
                };
                let value = match value {
                    serde_json::Value::String(v) => v.clone(),
                    serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
                    _ => {
                        unknown = true;
                        continue;
                    }
                };
                let string_only = string_only || s.get("type").and_then(serde_json::Value::as_str) == Some("string");
                let expr = format!("{name}={value}");
                if string_only { options.helm.set_string.push(expr) } else { options.helm.set.push(expr) }
            }
        }
        if unknown {
            notes.push(note("some `values` or `set` of the release are not known statically: rendered without them".into()));
        }
        let by = (at.clone(), format!("rendered by {} (chart {chart})", r.address));
        let (objects, more) = render_release(&dir, &options, ctx, &r.address, by);
        out.extend(objects);
        notes.extend(more);
    }
    (out, notes)
}

/// Renders the chart in `dir` for one release (`options.helm` holds its name, namespace and
/// values); every object names `by` as a related location, and what could not be rendered is
/// reported against `unit`.
pub fn render_release(
    dir: &Path,
    options: &ScanOptions,
    ctx: &Context<'_>,
    unit: &str,
    by: (Location, String),
) -> (Vec<Resource>, Vec<NotAnalyzed>) {
    let mut notes = Vec::new();
    let Some(root) = &options.root else { return (Vec::new(), notes) };
    let tree = crate::helm::TreeIndex::new(root, &[]);
    let loaded = match crate::helm::load_chart_with_index(root, dir, &tree, &options.helm) {
        Ok(l) => l,
        Err(p) => {
            notes.push(NotAnalyzed {
                file: by.0.file.to_string(),
                line: by.0.start.line,
                unit: unit.to_string(),
                reason: format!("chart not rendered: {p}"),
                limit: None,
            });
            return (Vec::new(), notes);
        }
    };
    let mut rendering = Rendering::new(&loaded, options, ctx);
    rendering.render_all();
    for record in rendering.template_records.values() {
        if let Outcome::Failed { message, location, .. } = &record.outcome {
            notes.push(NotAnalyzed {
                file: record.path.clone(),
                line: location.as_ref().map_or(0, |l| l.start.line),
                unit: unit.to_string(),
                reason: format!("rendered for this release: {message}"),
                limit: None,
            });
        }
    }
    notes.append(&mut rendering.not_analyzed);
    let mut out = Vec::new();
    for mut object in rendering.resources.drain(..) {
        object.call_chain.push(by.clone());
        out.push(object);
    }
    (out, notes)
}
