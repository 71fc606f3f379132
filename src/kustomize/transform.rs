//! The transformers of one kustomization, in Kustomize's order: strategic-merge patches,
//! `patches`, `namespace`, `namePrefix`/`nameSuffix`, labels, annotations, JSON patches,
//! `replicas`, `images`; and, once per build, content-hash suffixes and the name references
//! they and the prefixes break.
//!
//! A value a transformer writes points at the kustomization line that asked for it (and names
//! it in the origin's related locations); a patched value points into the patch.

use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::build::{Builder, Obj, is_cluster_scoped, set_by, string_node};
use super::patch_sm::{self, Outcome};
use super::tree::{Kind, Node, origin_with};
use super::{hash, patch_json6902};
use crate::model::{Origin, SourceFile};
use crate::source::ByteSpan;

/// A patch as loaded: its documents, their origin and a display name.
struct Patch {
    docs: Vec<Node>,
    display: String,
}

/// A `target` selector.
#[derive(Default)]
pub(crate) struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

/// One term of a label selector.
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

fn anchored(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid pattern {pattern:?}: {e}"))
}

/// Parses `a=b,c!=d,e in (x,y),!f,g`.
fn parse_selector(s: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    terms.push(cur);
    for term in terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let set = |rest: &str| -> Vec<String> {
            rest.trim().trim_start_matches('(').trim_end_matches(')').split(',').map(|v| v.trim().to_string()).collect()
        };
        if let Some((k, v)) = term.split_once("!=") {
            out.push(Requirement::NotEquals(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            out.push(Requirement::Equals(k.trim().into(), v.trim().into()));
        } else if let Some((k, rest)) = term.split_once(" notin ") {
            out.push(Requirement::NotIn(k.trim().into(), set(rest)));
        } else if let Some((k, rest)) = term.split_once(" in ") {
            out.push(Requirement::In(k.trim().into(), set(rest)));
        } else if let Some(k) = term.strip_prefix('!') {
            out.push(Requirement::NotExists(k.trim().into()));
        } else if term.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
            out.push(Requirement::Exists(term.into()));
        } else {
            return Err(format!("cannot read selector term {term:?}"));
        }
    }
    Ok(out)
}

fn requirements_hold(reqs: &[Requirement], map: Option<&Node>) -> bool {
    let get = |k: &str| {
        map.and_then(|m| m.get(k)).map(|n| match &n.kind {
            Kind::Scalar(Value::String(s)) => s.clone(),
            _ => n.to_value().to_string(),
        })
    };
    reqs.iter().all(|r| match r {
        Requirement::Equals(k, v) => get(k).as_deref() == Some(v.as_str()),
        Requirement::NotEquals(k, v) => get(k).as_deref() != Some(v.as_str()),
        Requirement::In(k, vs) => get(k).is_some_and(|x| vs.contains(&x)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(&x)),
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
    })
}

fn group_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

impl Selector {
    pub(crate) fn matches(&self, o: &Obj) -> bool {
        let (group, version) = group_version(o.api_version());
        self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|v| v == version)
            && self.kind.as_deref().is_none_or(|k| k == o.kind())
            && self.name.as_ref().is_none_or(|re| re.is_match(o.name()) || o.old_names.iter().any(|n| re.is_match(n)))
            && self
                .namespace
                .as_ref()
                .is_none_or(|re| re.is_match(o.namespace().unwrap_or("default")) || o.old_namespaces.iter().any(|n| re.is_match(n)))
            && requirements_hold(&self.labels, o.root.at(&["metadata", "labels"]))
            && requirements_hold(&self.annotations, o.root.at(&["metadata", "annotations"]))
    }
}

/// The merge semantics of an object: built-in kinds merge lists by key.
fn builtin(o: &Obj) -> bool {
    patch_sm::is_builtin(o.api_version())
}

/// Pod template metadata paths of a kind (where template labels and annotations go).
fn template_metadata_paths(kind: &str) -> &'static [&'static [&'static str]] {
    match kind {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" | "ReplicationController" => &[&["spec", "template", "metadata"]],
        "CronJob" => &[&["spec", "jobTemplate", "metadata"], &["spec", "jobTemplate", "spec", "template", "metadata"]],
        _ => &[],
    }
}

/// Selector paths of a kind, and whether a missing selector is created.
fn selector_paths(kind: &str) -> &'static [(&'static [&'static str], bool)] {
    match kind {
        "Service" => &[(&["spec", "selector"], true)],
        "ReplicationController" => &[(&["spec", "selector"], true)],
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => &[(&["spec", "selector", "matchLabels"], true)],
        "Job" => &[(&["spec", "selector", "matchLabels"], false)],
        "CronJob" => &[(&["spec", "jobTemplate", "spec", "selector", "matchLabels"], false)],
        "PodDisruptionBudget" => &[(&["spec", "selector", "matchLabels"], false)],
        "NetworkPolicy" => &[(&["spec", "podSelector", "matchLabels"], false)],
        _ => &[],
    }
}

/// Pod-template label selectors Kustomize adds selector labels to (only where a `matchLabels`
/// already exists); `[]` stands for every item of a list.
const AFFINITY_SELECTORS: &[&[&str]] = &[
    &[
        "spec",
        "template",
        "spec",
        "affinity",
        "podAffinity",
        "preferredDuringSchedulingIgnoredDuringExecution",
        "[]",
        "podAffinityTerm",
        "labelSelector",
        "matchLabels",
    ],
    &[
        "spec",
        "template",
        "spec",
        "affinity",
        "podAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "[]",
        "labelSelector",
        "matchLabels",
    ],
    &[
        "spec",
        "template",
        "spec",
        "affinity",
        "podAntiAffinity",
        "preferredDuringSchedulingIgnoredDuringExecution",
        "[]",
        "podAffinityTerm",
        "labelSelector",
        "matchLabels",
    ],
    &[
        "spec",
        "template",
        "spec",
        "affinity",
        "podAntiAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "[]",
        "labelSelector",
        "matchLabels",
    ],
    &["spec", "template", "spec", "topologySpreadConstraints", "[]", "labelSelector", "matchLabels"],
];

/// Sets `pairs` in every existing mapping at `path` (`[]`: each list item).
fn add_to_existing(node: &mut Node, path: &[&str], pairs: &[(String, Node)]) {
    let Some((first, rest)) = path.split_first() else {
        if node.is_map() {
            for (k, v) in pairs {
                node.set(k, v.clone());
            }
        }
        return;
    };
    if *first == "[]" {
        for item in node.items_mut() {
            add_to_existing(item, rest, pairs);
        }
    } else if let Some(next) = node.get_mut(first) {
        add_to_existing(next, rest, pairs);
    }
}

/// The mapping at `path`, created along the way when `create` (attributed to `origin`).
fn map_at<'a>(root: &'a mut Node, path: &[&str], span: ByteSpan, origin: &Arc<Origin>, create: bool) -> Option<&'a mut Node> {
    let mut cur = root;
    for key in path {
        cur = if create {
            cur.ensure_map(key, span, origin)?
        } else {
            let next = cur.get_mut(key)?;
            if !next.is_map() {
                return None;
            }
            next
        };
    }
    Some(cur)
}

/// Sets every pair in the mapping at `path`.
fn set_pairs(root: &mut Node, path: &[&str], pairs: &[(String, Node)], origin: &Arc<Origin>, create: bool) {
    let span = pairs.first().map_or(ByteSpan::default(), |(_, n)| n.span);
    if let Some(m) = map_at(root, path, span, origin, create) {
        for (k, v) in pairs {
            m.set(k, v.clone());
        }
    }
}

/// Splits an image reference into its name and the rest (`:tag`, `@digest` or both).
fn split_image(image: &str) -> (&str, &str) {
    let before_digest = image.find('@').map_or(image, |at| image.get(..at).unwrap_or(image));
    let slash = before_digest.rfind('/').map_or(0, |i| i + 1);
    let end = match before_digest.get(slash..).and_then(|tail| tail.rfind(':')) {
        Some(colon) => slash + colon,
        None => before_digest.len(),
    };
    image.split_at(end)
}

/// Calls `f` on every item of every `containers` and `initContainers` list in `node`, at any
/// depth and in any kind (custom resources embed pod templates too), as Kustomize's image
/// transformer does. Depth is bounded by the parser's.
fn for_each_container(node: &mut Node, f: &dyn Fn(&mut Node)) {
    match &mut node.kind {
        Kind::Scalar(_) => {}
        Kind::Seq(items) => items.iter_mut().for_each(|n| for_each_container(n, f)),
        Kind::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                if (k == "containers" || k == "initContainers")
                    && let Kind::Seq(items) = &mut v.kind
                {
                    items.iter_mut().filter(|c| c.is_map()).for_each(f);
                }
                for_each_container(v, f);
            }
        }
    }
}

/// Labels one kustomization field adds, and where.
struct LabelSet {
    pairs: Vec<(String, Node)>,
    origin: Arc<Origin>,
    selectors: bool,
    templates: bool,
}

/// A path to a node: keys and list indexes.
#[derive(Clone, Debug)]
enum Step {
    Key(&'static str),
    Index(usize),
}

fn node_at_mut<'a>(root: &'a mut Node, path: &[Step]) -> Option<&'a mut Node> {
    let mut cur = root;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.get_mut(k)?,
            Step::Index(i) => cur.items_mut().get_mut(*i)?,
        };
    }
    Some(cur)
}

fn node_at<'a>(root: &'a Node, path: &[Step]) -> Option<&'a Node> {
    let mut cur = root;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.get(k)?,
            Step::Index(i) => cur.items().get(*i)?,
        };
    }
    Some(cur)
}

fn keys(path: &[&'static str]) -> Vec<Step> {
    path.iter().map(|k| Step::Key(k)).collect()
}

fn with(path: &[Step], more: &[Step]) -> Vec<Step> {
    path.iter().chain(more).cloned().collect()
}

/// Name references an object holds: (path of the name, referenced kind).
fn references(o: &Obj) -> Vec<(Vec<Step>, String)> {
    let mut out = Vec::new();
    let kind = o.kind();
    let pod: Option<Vec<Step>> = crate::kubernetes::pod_spec_path(kind).map(|p| {
        p.0.iter()
            .filter_map(|s| match s {
                crate::model::PathSegment::Key(k) => match k.as_str() {
                    "spec" => Some(Step::Key("spec")),
                    "template" => Some(Step::Key("template")),
                    "jobTemplate" => Some(Step::Key("jobTemplate")),
                    _ => None,
                },
                crate::model::PathSegment::Index(_) => None,
            })
            .collect()
    });
    if let Some(pod) = pod
        && let Some(spec) = node_at(&o.root, &pod)
    {
        out.push((with(&pod, &[Step::Key("serviceAccountName")]), "ServiceAccount".to_string()));
        out.push((with(&pod, &[Step::Key("serviceAccount")]), "ServiceAccount".to_string()));
        for (i, _) in spec.get("imagePullSecrets").map(Node::items).unwrap_or(&[]).iter().enumerate() {
            out.push((with(&pod, &[Step::Key("imagePullSecrets"), Step::Index(i), Step::Key("name")]), "Secret".into()));
        }
        for (i, v) in spec.get("volumes").map(Node::items).unwrap_or(&[]).iter().enumerate() {
            let base = with(&pod, &[Step::Key("volumes"), Step::Index(i)]);
            out.push((with(&base, &[Step::Key("configMap"), Step::Key("name")]), "ConfigMap".into()));
            out.push((with(&base, &[Step::Key("secret"), Step::Key("secretName")]), "Secret".into()));
            out.push((with(&base, &[Step::Key("persistentVolumeClaim"), Step::Key("claimName")]), "PersistentVolumeClaim".into()));
            for (j, _) in v.at(&["projected", "sources"]).map(Node::items).unwrap_or(&[]).iter().enumerate() {
                let src = with(&base, &[Step::Key("projected"), Step::Key("sources"), Step::Index(j)]);
                out.push((with(&src, &[Step::Key("configMap"), Step::Key("name")]), "ConfigMap".into()));
                out.push((with(&src, &[Step::Key("secret"), Step::Key("name")]), "Secret".into()));
            }
        }
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            for (i, c) in spec.get(list).map(Node::items).unwrap_or(&[]).iter().enumerate() {
                let base = with(&pod, &[Step::Key(list), Step::Index(i)]);
                for (j, _) in c.get("env").map(Node::items).unwrap_or(&[]).iter().enumerate() {
                    let e = with(&base, &[Step::Key("env"), Step::Index(j), Step::Key("valueFrom")]);
                    out.push((with(&e, &[Step::Key("configMapKeyRef"), Step::Key("name")]), "ConfigMap".into()));
                    out.push((with(&e, &[Step::Key("secretKeyRef"), Step::Key("name")]), "Secret".into()));
                }
                for (j, _) in c.get("envFrom").map(Node::items).unwrap_or(&[]).iter().enumerate() {
                    let e = with(&base, &[Step::Key("envFrom"), Step::Index(j)]);
                    out.push((with(&e, &[Step::Key("configMapRef"), Step::Key("name")]), "ConfigMap".into()));
                    out.push((with(&e, &[Step::Key("secretRef"), Step::Key("name")]), "Secret".into()));
                }
            }
        }
    }
    match kind {
        "RoleBinding" | "ClusterRoleBinding" => {
            if let Some(k) = o.root.str_at(&["roleRef", "kind"]) {
                out.push((keys(&["roleRef", "name"]), k.to_string()));
            }
            for (i, s) in o.root.get("subjects").map(Node::items).unwrap_or(&[]).iter().enumerate() {
                if s.str_at(&["kind"]) == Some("ServiceAccount") {
                    out.push((vec![Step::Key("subjects"), Step::Index(i), Step::Key("name")], "ServiceAccount".into()));
                }
            }
        }
        "StatefulSet" => out.push((keys(&["spec", "serviceName"]), "Service".into())),
        "HorizontalPodAutoscaler" => {
            if let Some(k) = o.root.str_at(&["spec", "scaleTargetRef", "kind"]) {
                out.push((keys(&["spec", "scaleTargetRef", "name"]), k.to_string()));
            }
        }
        "Ingress" => {
            out.push((keys(&["spec", "defaultBackend", "service", "name"]), "Service".into()));
            for (i, r) in o.root.at(&["spec", "rules"]).map(Node::items).unwrap_or(&[]).iter().enumerate() {
                for (j, _) in r.at(&["http", "paths"]).map(Node::items).unwrap_or(&[]).iter().enumerate() {
                    let p = vec![
                        Step::Key("spec"),
                        Step::Key("rules"),
                        Step::Index(i),
                        Step::Key("http"),
                        Step::Key("paths"),
                        Step::Index(j),
                        Step::Key("backend"),
                        Step::Key("service"),
                        Step::Key("name"),
                    ];
                    out.push((p, "Service".into()));
                }
            }
            for (i, _) in o.root.at(&["spec", "tls"]).map(Node::items).unwrap_or(&[]).iter().enumerate() {
                out.push((vec![Step::Key("spec"), Step::Key("tls"), Step::Index(i), Step::Key("secretName")], "Secret".into()));
            }
        }
        _ => {}
    }
    out
}

impl Builder<'_> {
    /// Loads a patch given by `path` or inline text.
    fn load_patch(
        &mut self,
        dir: &str,
        kfile: &Arc<SourceFile>,
        entry: &Node,
        path: Option<&Node>,
        inline: Option<&Node>,
    ) -> Option<Patch> {
        let listed = kfile.location(entry.key.map_or(entry.span, |k| k.cover(entry.span)));
        if let Some(p) = path {
            let rel = p.as_str()?;
            let file = self.read_relative(dir, rel, kfile, p.span)?;
            let origin = origin_with(&file, Some((listed, format!("patched by {} (listed in {})", file.path, kfile.path))));
            let docs = self.parse_docs(&file, &origin);
            return Some(Patch { docs, display: file.path.to_string() });
        }
        let text_node = inline?;
        let text = text_node.as_str()?;
        let origin = origin_with(kfile, Some((listed, format!("inline patch in {}", kfile.path))));
        let docs = self.inline_docs(kfile, text_node, text, &origin);
        Some(Patch { docs, display: format!("inline patch in {}", kfile.path) })
    }

    /// Parses an inline patch and maps its spans into the kustomization where they can be
    /// found (a block scalar's lines), else to the whole string.
    fn inline_docs(&mut self, kfile: &Arc<SourceFile>, string_node: &Node, text: &str, origin: &Arc<Origin>) -> Vec<Node> {
        let lines = crate::source::LineIndex::new(text);
        let parsed = crate::parse::yaml::parse(text, &lines, &self.limits.parse);
        if let Some(e) = &parsed.error {
            self.problem(kfile, Some(string_node.span), format!("inline patch: {}", e.message), false);
        }
        let mapper = InlineMap::new(&kfile.text, string_node.span, text);
        parsed
            .documents
            .iter()
            .map(|d| {
                let mut n = Node::from_parsed(&d.value, &d.spans, origin);
                mapper.remap(&mut n, &kfile.text, text, string_node.span);
                n
            })
            .collect()
    }

    pub(crate) fn selector(&mut self, kfile: &Arc<SourceFile>, target: &Node) -> Option<Selector> {
        let s = |f: &str| target.str_at(&[f]).map(str::to_string);
        let mut sel = Selector { group: s("group"), version: s("version"), kind: s("kind"), ..Selector::default() };
        for (field, slot) in [("name", &mut sel.name), ("namespace", &mut sel.namespace)] {
            if let Some(p) = target.str_at(&[field]) {
                match anchored(p) {
                    Ok(re) => *slot = Some(re),
                    Err(e) => {
                        self.problem(kfile, Some(target.span), format!("patch target {field}: {e}"), false);
                        return None;
                    }
                }
            }
        }
        for (field, slot) in [("labelSelector", &mut sel.labels), ("annotationSelector", &mut sel.annotations)] {
            if let Some(p) = target.str_at(&[field]) {
                match parse_selector(p) {
                    Ok(r) => *slot = r,
                    Err(e) => {
                        self.problem(kfile, Some(target.span), format!("patch target {field}: {e}"), false);
                        return None;
                    }
                }
            }
        }
        Some(sel)
    }

    /// Applies one patch document: a list is a JSON patch, a mapping a strategic merge patch.
    fn apply_patch(&mut self, kfile: &Arc<SourceFile>, at: ByteSpan, doc: &Node, display: &str, sel: Option<&Selector>, acc: &mut [Obj]) {
        let json = matches!(doc.kind, Kind::Seq(_));
        let mut hits = 0;
        for o in acc.iter_mut() {
            let matched = match sel {
                Some(sel) => sel.matches(o),
                None if json => false,
                None => {
                    doc.str_at(&["kind"]) == Some(o.kind())
                        && doc.str_at(&["metadata", "name"]).is_some_and(|n| o.answers_to(n))
                        && doc.str_at(&["metadata", "namespace"]).is_none_or(|ns| o.in_namespace(ns))
                }
            };
            if !matched {
                continue;
            }
            hits += 1;
            if json {
                let budget = patch_json6902::Budget { nodes: self.limits.max_object_nodes, depth: self.limits.parse.max_depth };
                if let Err(e) = patch_json6902::apply(&mut o.root, doc, budget) {
                    let msg = format!("JSON patch {display} on {}: {e}", o.id());
                    self.problem(kfile, Some(at), msg, false);
                }
            } else {
                // The patch's identity selects the object (possibly by an earlier name); it
                // neither renames it nor becomes the origin of its name.
                let mut patch = doc.clone();
                if let Some(meta) = patch.get_mut("metadata") {
                    meta.remove("name");
                    meta.remove("namespace");
                }
                patch.remove("kind");
                patch.remove("apiVersion");
                let builtin = builtin(o);
                if patch_sm::merge(&mut o.root, &patch, builtin) == Outcome::Delete {
                    o.root = Node { kind: Kind::Map(Vec::new()), ..o.root.clone() };
                }
            }
        }
        if hits == 0 {
            let what = match (json, sel) {
                (true, None) => "a JSON patch needs a target".to_string(),
                // Kustomize applies a targeted patch to whatever matches, possibly nothing.
                (_, Some(_)) => format!("patch {display}: its target selects no object"),
                (false, None) => format!(
                    "patch {display} matches no object{} (kustomize build would fail)",
                    doc.str_at(&["metadata", "name"]).map(|n| format!(" (looking for {n})")).unwrap_or_default()
                ),
            };
            self.problem(kfile, Some(at), what, false);
        }
    }

    /// Runs the transformers of one kustomization over `acc`.
    pub(crate) fn transform(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node, acc: &mut Vec<Obj>) {
        // patchesStrategicMerge: file paths or inline documents.
        for entry in k.get("patchesStrategicMerge").map(Node::items).unwrap_or(&[]) {
            let Some(s) = entry.as_str() else { continue };
            let inline = s.contains('\n') || s.contains(": ");
            let patch = if inline {
                self.load_patch(dir, kfile, entry, None, Some(entry))
            } else {
                self.load_patch(dir, kfile, entry, Some(entry), None)
            };
            let Some(patch) = patch else { continue };
            for doc in &patch.docs {
                if matches!(doc.kind, Kind::Seq(_)) {
                    self.problem(
                        kfile,
                        Some(entry.span),
                        format!("{} is a JSON patch: list it under patches with a target", patch.display),
                        false,
                    );
                    continue;
                }
                self.apply_patch(kfile, entry.span, doc, &patch.display, None, acc);
            }
        }
        // patches: path or inline, optional target.
        for entry in k.get("patches").map(Node::items).unwrap_or(&[]) {
            let Some(patch) = self.load_patch(dir, kfile, entry, entry.get("path"), entry.get("patch")) else {
                if entry.get("path").is_none() && entry.get("patch").is_none() {
                    self.problem(kfile, Some(entry.span), "patch entry without path or patch".to_string(), false);
                }
                continue;
            };
            let sel = match entry.get("target") {
                Some(t) => match self.selector(kfile, t) {
                    Some(s) => Some(s),
                    None => continue,
                },
                None => None,
            };
            let json = patch.docs.first().is_some_and(|d| matches!(d.kind, Kind::Seq(_)));
            if json {
                if let Some(doc) = patch.docs.first() {
                    self.apply_patch(kfile, entry.span, doc, &patch.display, sel.as_ref(), acc);
                }
            } else {
                for doc in &patch.docs {
                    self.apply_patch(kfile, entry.span, doc, &patch.display, sel.as_ref(), acc);
                }
            }
        }
        acc.retain(|o| !o.root.entries().is_empty());
        self.namespace(kfile, k, acc);
        self.rename(kfile, k, acc);
        self.labels(kfile, k, acc);
        if let Some(ann) = k.get("commonAnnotations") {
            let origin = set_by(kfile, ann, "annotation set by commonAnnotations");
            let pairs = pairs(ann, &origin);
            for o in acc.iter_mut() {
                set_pairs(&mut o.root, &["metadata", "annotations"], &pairs, &origin, true);
                for path in template_metadata_paths(o.kind()) {
                    let full: Vec<&str> = path.iter().copied().chain(["annotations"]).collect();
                    set_pairs(&mut o.root, &full, &pairs, &origin, true);
                }
            }
        }
        for entry in k.get("patchesJson6902").map(Node::items).unwrap_or(&[]) {
            let Some(target) = entry.get("target") else {
                self.problem(kfile, Some(entry.span), "patchesJson6902 entry without a target".to_string(), false);
                continue;
            };
            let Some(sel) = self.selector(kfile, target) else { continue };
            let Some(patch) = self.load_patch(dir, kfile, entry, entry.get("path"), entry.get("patch")) else { continue };
            if let Some(doc) = patch.docs.first() {
                self.apply_patch(kfile, entry.span, doc, &patch.display, Some(&sel), acc);
            }
        }
        self.replicas(kfile, k, acc);
        self.images(kfile, k, acc);
        self.replacements(dir, kfile, k, acc);
    }

    fn namespace(&mut self, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        let Some(ns_node) = k.get("namespace") else { return };
        let Some(ns) = ns_node.as_str() else { return };
        let origin = set_by(kfile, ns_node, "namespace set by namespace");
        let value = string_node(ns, ns_node.span, ns_node.key, &origin);
        for o in acc.iter_mut() {
            if o.kind() == "Namespace" {
                // Kustomize renames Namespace objects to the namespace it sets.
                let old = o.name().to_string();
                if old != ns
                    && let Some(name) = o.root.at_mut(&["metadata", "name"])
                {
                    *name = string_node(ns, ns_node.span, ns_node.key, &origin);
                    o.old_names.push(old);
                }
                continue;
            }
            if is_cluster_scoped(o.kind()) {
                continue;
            }
            if let Some(old) = o.namespace().map(str::to_string)
                && old != ns
            {
                o.old_namespaces.push(old);
            }
            if let Some(meta) = o.root.ensure_map("metadata", ns_node.span, &origin) {
                meta.set("namespace", value.clone());
            }
        }
        // Service account subjects of role bindings follow the service accounts they name.
        // (every name it had, the namespaces it left) of each service account; subjects still
        // use the names as written until the end of the build.
        let moved: Vec<(Vec<String>, Vec<String>)> = acc
            .iter()
            .filter(|o| o.kind() == "ServiceAccount")
            .map(|o| (o.old_names.iter().cloned().chain([o.name().to_string()]).collect(), o.old_namespaces.clone()))
            .collect();
        for o in acc.iter_mut().filter(|o| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding")) {
            for s in o.root.get_mut("subjects").map(Node::items_mut).unwrap_or(&mut []) {
                let is_sa = s.str_at(&["kind"]) == Some("ServiceAccount");
                let name = s.str_at(&["name"]).unwrap_or("").to_string();
                let old_ns = s.str_at(&["namespace"]).unwrap_or("default").to_string();
                if is_sa && moved.iter().any(|(names, olds)| names.contains(&name) && (olds.contains(&old_ns) || olds.is_empty())) {
                    s.set("namespace", value.clone());
                }
            }
        }
    }

    fn rename(&mut self, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        let prefix = k.get("namePrefix").filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        let suffix = k.get("nameSuffix").filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        if prefix.is_none() && suffix.is_none() {
            return;
        }
        let p = prefix.and_then(Node::as_str).unwrap_or("");
        let s = suffix.and_then(Node::as_str).unwrap_or("");
        let field = prefix.or(suffix);
        let Some(field) = field else { return };
        let note = set_by(kfile, field, &format!("renamed by namePrefix {p:?} / nameSuffix {s:?}"));
        for o in acc.iter_mut() {
            if matches!(o.kind(), "CustomResourceDefinition" | "Namespace") {
                continue;
            }
            let old = o.name().to_string();
            let new = format!("{p}{old}{s}");
            if let Some(name_node) = o.root.at_mut(&["metadata", "name"]) {
                let mut related = name_node.origin.related.clone();
                related.extend(note.related.iter().cloned());
                let origin = Arc::new(Origin { file: name_node.origin.file.clone(), related });
                *name_node = string_node(&new, name_node.span, name_node.key, &origin);
            }
            o.old_names.push(old);
        }
    }

    fn labels(&mut self, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        let mut sets: Vec<LabelSet> = Vec::new();
        if let Some(common) = k.get("commonLabels") {
            let origin = set_by(kfile, common, "label set by commonLabels");
            sets.push(LabelSet { pairs: pairs(common, &origin), origin, selectors: true, templates: true });
        }
        for entry in k.get("labels").map(Node::items).unwrap_or(&[]) {
            let Some(p) = entry.get("pairs") else { continue };
            let origin = set_by(kfile, entry, "label set by labels");
            let flag = |f: &str| matches!(entry.get(f).map(|n| &n.kind), Some(Kind::Scalar(Value::Bool(true))));
            let selectors = flag("includeSelectors");
            sets.push(LabelSet { pairs: pairs(p, &origin), origin, selectors, templates: selectors || flag("includeTemplates") });
            if entry.get("fields").is_some() {
                self.problem(kfile, Some(entry.span), "labels: custom fields are not supported, ignored".to_string(), false);
            }
        }
        for LabelSet { pairs, origin, selectors, templates } in &sets {
            for o in acc.iter_mut() {
                let kind = o.kind().to_string();
                set_pairs(&mut o.root, &["metadata", "labels"], pairs, origin, true);
                if *templates {
                    for path in template_metadata_paths(&kind) {
                        let full: Vec<&str> = path.iter().copied().chain(["labels"]).collect();
                        set_pairs(&mut o.root, &full, pairs, origin, true);
                    }
                }
                if *selectors {
                    for (path, create) in selector_paths(&kind) {
                        set_pairs(&mut o.root, path, pairs, origin, *create);
                    }
                    if matches!(kind.as_str(), "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") {
                        for path in AFFINITY_SELECTORS {
                            add_to_existing(&mut o.root, path, pairs);
                        }
                    }
                }
            }
        }
    }

    fn replicas(&mut self, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        for entry in k.get("replicas").map(Node::items).unwrap_or(&[]) {
            let (Some(name), Some(count)) = (entry.str_at(&["name"]), entry.get("count")) else {
                self.problem(kfile, Some(entry.span), "replicas entry needs name and count".to_string(), false);
                continue;
            };
            let origin = set_by(kfile, count, &format!("replicas set by replicas ({name})"));
            let value = Node { origin: origin.clone(), ..count.clone() };
            let mut hit = false;
            for o in acc.iter_mut() {
                if matches!(o.kind(), "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController") && o.answers_to(name) {
                    if let Some(spec) = o.root.ensure_map("spec", count.span, &origin) {
                        spec.set("replicas", value.clone());
                    }
                    hit = true;
                }
            }
            if !hit {
                self.problem(kfile, Some(entry.span), format!("replicas: no workload named {name:?}"), false);
            }
        }
    }

    fn images(&mut self, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        for entry in k.get("images").map(Node::items).unwrap_or(&[]) {
            let Some(name) = entry.str_at(&["name"]) else { continue };
            let new_name = entry.str_at(&["newName"]);
            let new_tag = entry.get("newTag").map(|n| match &n.kind {
                Kind::Scalar(Value::String(s)) => s.clone(),
                _ => n.to_value().to_string(),
            });
            let digest = entry.str_at(&["digest"]);
            let field = entry.get("digest").or(entry.get("newTag")).or(entry.get("newName")).unwrap_or(entry);
            let origin = set_by(kfile, field, &format!("image set by images ({name})"));
            let rewrite = |c: &mut Node| {
                let Some(image) = c.str_at(&["image"]) else { return };
                let (img_name, rest) = split_image(image);
                if img_name != name {
                    return;
                }
                let mut out = new_name.unwrap_or(img_name).to_string();
                match (digest, &new_tag) {
                    (Some(d), _) => {
                        out.push('@');
                        out.push_str(d);
                    }
                    (None, Some(t)) => {
                        out.push(':');
                        out.push_str(t);
                    }
                    (None, None) => out.push_str(rest),
                }
                c.set("image", string_node(&out, field.span, field.key, &origin));
            };
            for o in acc.iter_mut() {
                for_each_container(&mut o.root, &rewrite);
            }
        }
    }

    /// Once per build: content-hash suffixes, name references to renamed objects, then `vars`.
    pub(crate) fn finish(&mut self, acc: &mut [Obj]) {
        self.finish_names(acc);
        self.substitute_vars(acc);
    }

    fn finish_names(&mut self, acc: &mut [Obj]) {
        for o in acc.iter_mut().filter(|o| o.hash) {
            let suffix = hash::name_suffix(&o.root.to_value());
            let old = o.name().to_string();
            if let Some(n) = o.root.at_mut(&["metadata", "name"]) {
                n.kind = Kind::Scalar(Value::String(format!("{old}-{suffix}")));
            }
            o.old_names.push(old);
            o.hash = false;
        }
        // (kind, current or earlier name) → objects, so that each reference costs one lookup.
        let mut index: std::collections::HashMap<(&str, &str), Vec<usize>> = std::collections::HashMap::new();
        for (i, o) in acc.iter().enumerate() {
            for name in o.old_names.iter().map(String::as_str).chain([o.name()]) {
                let slot = index.entry((o.kind(), name)).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
        let mut edits: Vec<(usize, Vec<Step>, String)> = Vec::new();
        for (i, o) in acc.iter().enumerate() {
            let ns = o.namespace().unwrap_or("default");
            for (path, kind) in references(o) {
                let Some(current) = node_at(&o.root, &path).and_then(Node::as_str) else { continue };
                let candidates: Vec<&Obj> =
                    index.get(&(kind.as_str(), current)).into_iter().flatten().filter_map(|j| acc.get(*j)).collect();
                // Kustomize resolves a reference within the referrer's namespace (a cluster-scoped
                // referrer or target has none to match).
                let referrer_scoped = is_cluster_scoped(o.kind());
                let same: Vec<&Obj> = candidates
                    .into_iter()
                    .filter(|t| referrer_scoped || is_cluster_scoped(t.kind()) || t.namespace().unwrap_or("default") == ns)
                    .collect();
                let pick = match same.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                };
                if let Some(t) = pick
                    && t.name() != current
                {
                    edits.push((i, path, t.name().to_string()));
                }
            }
        }
        for (i, path, name) in edits {
            if let Some(o) = acc.get_mut(i)
                && let Some(n) = node_at_mut(&mut o.root, &path)
            {
                n.kind = Kind::Scalar(Value::String(name));
            }
        }
    }
}

/// The entries of a string mapping as nodes attributed to `origin` (key and value spans in
/// the kustomization).
fn pairs(map: &Node, origin: &Arc<Origin>) -> Vec<(String, Node)> {
    map.entries()
        .iter()
        .map(|(k, v)| {
            let value = match &v.kind {
                Kind::Scalar(Value::String(_)) => v.kind.clone(),
                _ => Kind::Scalar(Value::String(match v.to_value() {
                    Value::Null => String::new(),
                    x => x.to_string(),
                })),
            };
            (k.clone(), Node { kind: value, span: v.span, key: v.key, origin: origin.clone() })
        })
        .collect()
}

/// Maps positions in an inline patch's text to the kustomization's text, when the patch is a
/// block scalar whose lines appear there with a fixed indentation.
struct InlineMap {
    /// Kustomization byte offset of each inline line's first character, if found.
    starts: Option<Vec<usize>>,
    /// Byte offset of each line of the inline text.
    text_starts: Vec<usize>,
}

impl InlineMap {
    fn new(file: &str, at: ByteSpan, text: &str) -> InlineMap {
        let Some(first) = text.lines().next() else { return InlineMap { starts: None, text_starts: Vec::new() } };
        // The first content line is the scalar's own line (when the span starts at the
        // content) or the one after the `|` indicator; find it with its indentation.
        let own = file.get(..at.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
        let next = file.get(at.start..).and_then(|t| t.find('\n')).map(|i| at.start + i + 1);
        let found = [Some(own), next].into_iter().flatten().find_map(|line_start| {
            let rest = file.get(line_start..)?;
            let indent = rest.len() - rest.trim_start_matches(' ').len();
            rest.get(indent..).is_some_and(|r| r.starts_with(first)).then_some((line_start, indent))
        });
        let Some((after, indent)) = found else { return InlineMap { starts: None, text_starts: Vec::new() } };
        let mut starts = Vec::new();
        let mut pos = after;
        for line in text.split('\n') {
            starts.push(if line.is_empty() { pos } else { pos + indent });
            match file.get(pos..).and_then(|t| t.find('\n')) {
                Some(i) => pos += i + 1,
                None => pos = file.len(),
            }
        }
        let text_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        InlineMap { starts: Some(starts), text_starts }
    }

    /// The kustomization offset of inline offset `off`, verified to hold the same text.
    fn map(&self, file: &str, text: &str, off: usize) -> Option<usize> {
        let starts = self.starts.as_ref()?;
        let line = self.text_starts.partition_point(|&s| s <= off).checked_sub(1)?;
        let col = off.checked_sub(*self.text_starts.get(line)?)?;
        let mapped = starts.get(line)? + col;
        // A bounded probe: the rest of the line, at most 64 bytes of it.
        let rest = text.get(off..)?.split('\n').next().unwrap_or("");
        let mut n = rest.len().min(64);
        while !rest.is_char_boundary(n) {
            n -= 1;
        }
        let probe = rest.get(..n)?;
        (file.get(mapped..)?.starts_with(probe)).then_some(mapped)
    }

    fn remap(&self, node: &mut Node, file: &str, text: &str, fallback: ByteSpan) {
        let span = match (self.map(file, text, node.span.start), self.map(file, text, node.span.end)) {
            (Some(s), Some(e)) => ByteSpan::new(s, e),
            _ => fallback,
        };
        node.span = span;
        node.key = node.key.and_then(|k| match (self.map(file, text, k.start), self.map(file, text, k.end)) {
            (Some(s), Some(e)) => Some(ByteSpan::new(s, e)),
            _ => None,
        });
        match &mut node.kind {
            Kind::Scalar(_) => {}
            Kind::Seq(items) => items.iter_mut().for_each(|n| self.remap(n, file, text, fallback)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(_, n)| self.remap(n, file, text, fallback)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_at_tag_or_digest() {
        assert_eq!(split_image("nginx:1.25"), ("nginx", ":1.25"));
        assert_eq!(split_image("registry.local:5000/team/api:v1"), ("registry.local:5000/team/api", ":v1"));
        assert_eq!(split_image("registry.local:5000/team/api"), ("registry.local:5000/team/api", ""));
        assert_eq!(split_image("busybox@sha256:abc"), ("busybox", "@sha256:abc"));
        assert_eq!(split_image("a/b:t@sha256:abc"), ("a/b", ":t@sha256:abc"));
    }

    #[test]
    fn label_selectors() {
        let labels = |text: &str| {
            let parsed = crate::parse::yaml::parse(text, &crate::source::LineIndex::new(text), &Default::default());
            let file = Arc::new(SourceFile::new("x", text.to_string()));
            parsed.documents.first().map(|d| Node::from_parsed(&d.value, &d.spans, &super::super::tree::plain_origin(&file)))
        };
        let map = labels("app: web\ntier: front\n");
        let holds = |sel: &str| requirements_hold(&parse_selector(sel).unwrap_or_default(), map.as_ref());
        assert!(holds("app=web"));
        assert!(holds("app==web,tier"));
        assert!(holds("app in (web, api),!missing"));
        assert!(holds("tier notin (back)"));
        assert!(!holds("app!=web"));
        assert!(!holds("app in (api)"));
        assert!(!holds("missing"));
        assert!(parse_selector("a b c").is_err());
    }
}
