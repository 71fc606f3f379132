//! Kustomize, built in-process: a kustomization directory becomes the objects `kustomize build`
//! would print, each with a span tree whose nodes point at the file that wrote them.
//!
//! Supported: `resources` (files, and directories as bases; the deprecated `bases` too),
//! `components`, `namespace`, `namePrefix`/`nameSuffix` (with the name references they break:
//! ConfigMap, Secret, ServiceAccount, PVC, Service and Role references of workloads, bindings,
//! ingresses and autoscalers), `commonLabels` and `labels` (selectors and pod templates as
//! Kustomize does), `commonAnnotations`, `images`, `replicas`, `patches` (file or inline,
//! strategic merge or JSON, with `target` selectors), `patchesStrategicMerge`,
//! `patchesJson6902`, `configMapGenerator`/`secretGenerator` (Kustomize's real content hash),
//! and `helmCharts`, returned as [`HelmChartRequest`]s and rendered through the caller's
//! renderer with [`build_with_helm`], and `replacements` (inline or from files; whole values or
//! one delimited part; `[name=x]`, index and `*` field paths; `reject`, `create`). `crds` and
//! `openapi` are ignored with a note; plugins (`transformers`, `generators`, `validators`)
//! and `configurations` are reported as not supported. `vars` are resolved at the end of the
//! build and `$(NAME)` is substituted in every string of the output (Kustomize limits this to
//! its list of fields plus those `configurations` add, which are not read). Where Kustomize v5 has a quirk (keyed lists put the patch's
//! items first, `$retainKeys` is copied rather than applied, Namespace objects are renamed to
//! the `namespace`), the output follows Kustomize, checked against `kubectl kustomize`.
//!
//! **Provenance.** Every node of the output knows its file: values from a resource file point
//! there; a value a patch wrote points into the patch (an inline patch: its line inside the
//! block scalar), with "patched by ..." and the kustomization line listing it as a related
//! location; a value a transformer wrote (label, annotation, namespace, image, replica count)
//! points at the kustomization line that asked for it; generated data points at the literal,
//! or the file or env-file line it came from. [`BuiltObject::spans`] carries this as
//! [`SpanNode::origin`] wherever the file changes.
//!
//! Never fetched, never executed: remote bases (`https://`, `github.com/...`, `?ref=`) are
//! reported as not analyzed; every path goes through the caller's `read`, and one that would
//! leave the scan root (`../../x` from a directory near the root) is reported and not read.
//! Cycles between kustomizations are reported and not followed; nesting depth, the number of
//! kustomizations one build loads, objects, value nodes and what JSON patches may build are
//! bounded by [`Limits`].
//!
//! **Using it in a scan.** Find the directories holding a kustomization
//! ([`KUSTOMIZATION_FILES`]); [`roots`] picks those to build; [`build`] (or
//! [`build_with_helm`]) each; [`Built::resources`] gives the objects as resources; report
//! [`Built::problems`]; and leave out of the plain-manifest pass every file in some build's
//! [`Built::consumed`].
//!
//! **Which files the build uses.** [`Built::consumed`] lists every file a build read: the
//! kustomizations, resource files, patches, generator inputs and Helm values files. A caller
//! should analyze those files only through the builds that use them (patch files are not whole
//! objects). A manifest in a kustomization directory that no kustomization lists is not
//! consumed and stays a plain manifest. **Roots.** [`roots`] returns the kustomizations no
//! other kustomization in the set uses as a base or component. A base used by an overlay is not
//! a root, even if it is also applied on its own: its objects are analyzed in every overlay
//! that includes it, and findings on values the base wrote point at the base's files, so
//! building it again alone would only repeat them (a finding that only the bare base would have,
//! because every overlay fixes it, is not reported).

mod build;
mod generators;
mod hash;
mod patch_json6902;
mod patch_sm;
mod replacements;
mod transform;
mod tree;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

pub use build::KUSTOMIZATION_FILES;

use crate::model::{Location, Resource, SourceFile, SpanNode};
use crate::parse::Document;
use crate::source::ByteSpan;

/// Bounds on one build.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest chain of kustomizations (overlay → base → base...).
    pub max_depth: usize,
    /// Kustomizations one build may load, counting a base once per use (bounds diamonds).
    pub max_kustomizations: usize,
    /// Objects in one build's output.
    pub max_objects: usize,
    /// Value nodes in one build's output.
    pub max_nodes: usize,
    /// Value nodes one object may reach through JSON patches (`copy` doubles a tree).
    pub max_object_nodes: usize,
    /// Limits for parsing each file.
    pub parse: crate::parse::Limits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 20,
            max_kustomizations: 500,
            max_objects: 20_000,
            max_nodes: 5_000_000,
            max_object_nodes: 200_000,
            parse: crate::parse::Limits::default(),
        }
    }
}

/// A problem met while building: where, why, and whether the output is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Display path of the file at fault.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What happened, lowercase, no final period.
    pub message: String,
    /// True when the output is missing objects a real build would have (a limit was reached,
    /// the kustomization could not be read). Other problems leave a best-effort output.
    pub fatal: bool,
}

/// A Helm chart a kustomization inflates (`helmCharts`), for the caller to render. Only a
/// chart present locally (`chart_dir`) can be rendered; a chart pulled from `repo` otherwise
/// is not analyzed. Objects rendered through [`build_with_helm`] pass through the
/// kustomization's patches and transformers like Kustomize's own inflation output.
#[derive(Debug, Clone, PartialEq)]
pub struct HelmChartRequest {
    /// Display path of the kustomization that asks for it.
    pub kustomization: String,
    /// Line of the entry in it.
    pub line: usize,
    /// Chart name.
    pub name: String,
    /// Chart repository URL, if any (never contacted).
    pub repo: Option<String>,
    /// Chart version.
    pub version: Option<String>,
    /// Release name.
    pub release_name: Option<String>,
    /// Release namespace.
    pub namespace: Option<String>,
    /// `helmGlobals.chartHome` (default `charts`) as a display path, when inside the scan root.
    pub chart_home: Option<String>,
    /// Where a local copy of the chart would be: `<chart_home>/<name>`.
    pub chart_dir: Option<String>,
    /// `valuesFile` then `additionalValuesFiles`, as display paths.
    pub values_files: Vec<String>,
    /// `valuesInline`.
    pub values_inline: Option<Value>,
    /// `includeCRDs`.
    pub include_crds: bool,
}

/// The outcome of building one kustomization.
#[derive(Debug)]
pub struct Built {
    /// Display path of the kustomization file.
    pub kustomization: String,
    /// The output objects, in the order Kustomize accumulates them (not its sorted print
    /// order).
    pub objects: Vec<BuiltObject>,
    /// Display paths of every file the build read, sorted.
    pub consumed: Vec<String>,
    /// Problems, in the order met.
    pub problems: Vec<Problem>,
    /// Helm charts to render.
    pub helm_charts: Vec<HelmChartRequest>,
    /// The kustomization file, when it could be read.
    pub kustomization_file: Option<Arc<SourceFile>>,
}

impl Built {
    /// The output objects as Kubernetes resources for the rule engine: addresses as for plain
    /// manifests (`Deployment/prod/prod-web`), and a call chain naming the kustomization that
    /// built them (reported as a related location with every finding).
    pub fn resources(&self) -> Vec<Resource> {
        let chain: Vec<(Location, String)> = self
            .kustomization_file
            .iter()
            .map(|f| {
                let first_line = f.text.find('\n').unwrap_or(f.text.len());
                (f.location(ByteSpan::new(0, first_line)), format!("built by {}", f.path))
            })
            .collect();
        let mut out = Vec::new();
        for (index, o) in self.objects.iter().enumerate() {
            let doc = Document { index, value: o.value.clone(), spans: o.spans.clone() };
            for mut r in crate::kubernetes::resources_from_document(doc, &o.file) {
                r.call_chain = chain.clone();
                out.push(r);
            }
        }
        out
    }
}

/// One output object.
#[derive(Debug, Clone)]
pub struct BuiltObject {
    /// The object.
    pub value: Value,
    /// Where each part of it was written; nodes from other files than `file` carry an origin.
    pub spans: SpanNode,
    /// Where the object was first declared (a resource file, or the kustomization holding its
    /// generator).
    pub file: Arc<SourceFile>,
}

/// Display path of a kustomization directory (`root_display` may also name the file itself).
fn dir_of(root_display: &str) -> &str {
    let trimmed = root_display.trim_end_matches('/');
    let (dir, last) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    if KUSTOMIZATION_FILES.contains(&last) {
        dir
    } else if trimmed == "." {
        ""
    } else {
        trimmed
    }
}

/// A Helm renderer: `None` when it does not render the chart (not local), else the rendered
/// objects (span trees pointing into the chart's templates and values) or why rendering
/// failed.
pub type HelmRenderer<'a> = dyn Fn(&HelmChartRequest) -> Option<Result<Vec<BuiltObject>, String>> + 'a;

/// Builds the kustomization in directory `root_display` (relative to the scan root; `""` is
/// the root itself). `read` is the caller's confined reader: display path → file, or why not.
/// Helm charts are only returned as requests ([`Built::helm_charts`]); see [`build_with_helm`].
pub fn build(root_display: &str, read: &dyn Fn(&str) -> Result<Arc<SourceFile>, String>, limits: &Limits) -> Built {
    build_with_helm(root_display, read, limits, None)
}

/// Like [`build`], with a Helm renderer: the objects it renders for a `helmCharts` entry join
/// the build as Kustomize's chart inflation does (after the other generators, before the
/// patches and transformers, which therefore apply to them). Every request is still listed in
/// [`Built::helm_charts`]; one the renderer declines or fails is reported as a problem.
pub fn build_with_helm(
    root_display: &str,
    read: &dyn Fn(&str) -> Result<Arc<SourceFile>, String>,
    limits: &Limits,
    helm: Option<&HelmRenderer<'_>>,
) -> Built {
    let dir = dir_of(root_display);
    let mut b = build::Builder {
        read,
        limits,
        problems: Vec::new(),
        consumed: BTreeSet::new(),
        helm_charts: Vec::new(),
        stack: Vec::new(),
        loaded: 1,
        exhausted: false,
        helm,
        cache: Default::default(),
        vars: Vec::new(),
    };
    let Some((kfile, k)) = b.load(dir) else {
        let shown = if dir.is_empty() { "." } else { dir };
        return Built {
            kustomization: shown.to_string(),
            objects: Vec::new(),
            consumed: Vec::new(),
            problems: vec![Problem {
                path: shown.to_string(),
                line: None,
                message: "no kustomization file in this directory".into(),
                fatal: true,
            }],
            helm_charts: Vec::new(),
            kustomization_file: None,
        };
    };
    let mut objects = b.build_dir(dir, kfile.clone(), k);
    b.finish(&mut objects);
    let objects = objects
        .into_iter()
        .map(|o| {
            let root_origin = tree::plain_origin(&o.file);
            BuiltObject { value: o.root.to_value(), spans: o.root.to_spans(&root_origin), file: o.file }
        })
        .collect();
    Built {
        kustomization: kfile.path.to_string(),
        objects,
        consumed: b.consumed.into_iter().collect(),
        problems: b.problems,
        helm_charts: b.helm_charts,
        kustomization_file: Some(kfile),
    }
}

/// The kustomization directories in `kustomization_dirs` that no other one in the set uses as
/// a base (`resources`, `bases`) or component, and that are not components themselves (a
/// component is analyzed only through the kustomizations that use it). Kustomizations that only use each other (a
/// cycle, which building reports) would have no root: the first of them in the list becomes
/// one, so that every kustomization is built from some root. Directories whose kustomization
/// cannot be read are roots (building them reports why). Order is kept.
pub fn roots(kustomization_dirs: &[String], read: &dyn Fn(&str) -> Result<Arc<SourceFile>, String>) -> Vec<String> {
    let limits = Limits::default();
    let dirs: Vec<&str> = kustomization_dirs.iter().map(|d| dir_of(d)).collect();
    let mut uses: Vec<Vec<usize>> = vec![Vec::new(); dirs.len()];
    let mut components: Vec<usize> = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let mut b = build::Builder {
            read,
            limits: &limits,
            problems: Vec::new(),
            consumed: BTreeSet::new(),
            helm_charts: Vec::new(),
            stack: Vec::new(),
            loaded: 0,
            exhausted: false,
            helm: None,
            cache: Default::default(),
            vars: Vec::new(),
        };
        let Some((_, k)) = b.load(dir) else { continue };
        if k.str_at(&["kind"]) == Some("Component") {
            components.push(i);
        }
        for field in ["resources", "bases", "components"] {
            for entry in k.get(field).map(tree::Node::items).unwrap_or(&[]) {
                if let Some(rel) = entry.as_str()
                    && !build::is_remote(rel)
                    && let Ok(p) = build::join(dir, rel)
                    && p != *dir
                    && let Some(j) = dirs.iter().position(|d| *d == p)
                {
                    uses[i].push(j);
                }
            }
        }
    }
    // Components are never built alone (Kustomize refuses to): only through their users.
    let used: BTreeSet<usize> = uses.iter().flatten().copied().chain(components.iter().copied()).collect();
    let mut roots: Vec<usize> = (0..dirs.len()).filter(|i| !used.contains(i)).collect();
    let mut reached = vec![false; dirs.len()];
    let mark = |from: usize, reached: &mut Vec<bool>| {
        let mut todo = vec![from];
        while let Some(i) = todo.pop() {
            if let Some(slot) = reached.get_mut(i)
                && !*slot
            {
                *slot = true;
                todo.extend(uses.get(i).into_iter().flatten().copied());
            }
        }
    };
    for &r in &roots {
        mark(r, &mut reached);
    }
    for i in 0..dirs.len() {
        if !reached[i] && !components.contains(&i) {
            roots.push(i);
            mark(i, &mut reached);
        }
    }
    roots.sort_unstable();
    roots.into_iter().filter_map(|i| kustomization_dirs.get(i).cloned()).collect()
}
