//! Loading kustomizations and running them: resources and bases, components, generators,
//! then the transformers in Kustomize's order.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use super::generators::Behavior;
use super::tree::{Kind, Node, origin_with, plain_origin};
use super::{HelmChartRequest, Limits, Problem};
use crate::model::{Origin, SourceFile};
use crate::source::ByteSpan;

/// File names Kustomize recognizes as a directory's kustomization, in its order of preference.
pub const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// One object while it is being built.
#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub root: Node,
    /// Where it was first declared (a resource file, or the kustomization of a generator).
    pub file: Arc<SourceFile>,
    /// Names it had before prefixes, suffixes and hashes, oldest first.
    pub old_names: Vec<String>,
    /// Namespaces it had before a `namespace` transformer.
    pub old_namespaces: Vec<String>,
    /// Generated and still to receive the content-hash suffix.
    pub hash: bool,
}

impl Obj {
    pub fn kind(&self) -> &str {
        self.root.str_at(&["kind"]).unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.root.str_at(&["metadata", "name"]).unwrap_or("")
    }
    pub fn namespace(&self) -> Option<&str> {
        self.root.str_at(&["metadata", "namespace"])
    }
    pub fn api_version(&self) -> &str {
        self.root.str_at(&["apiVersion"]).unwrap_or("")
    }
    /// True when `name` is its current or any earlier name.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name() == name || self.old_names.iter().any(|n| n == name)
    }
    pub fn in_namespace(&self, ns: &str) -> bool {
        self.namespace().unwrap_or("default") == ns || self.old_namespaces.iter().any(|n| n == ns)
    }
    /// `Kind/namespace/name`, for messages and duplicate checks.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind(), self.namespace().unwrap_or("~"), self.name())
    }
}

/// The builder's state over one top-level build.
pub(crate) struct Builder<'a> {
    pub read: &'a dyn Fn(&str) -> Result<Arc<SourceFile>, String>,
    pub limits: &'a Limits,
    pub problems: Vec<Problem>,
    pub consumed: BTreeSet<String>,
    pub helm_charts: Vec<HelmChartRequest>,
    /// Kustomization directories being built, outermost first (cycle detection).
    pub stack: Vec<String>,
    /// Kustomizations loaded so far (a diamond of bases is built once per use: bounded).
    pub loaded: usize,
    /// Set once a limit stopped the build.
    pub exhausted: bool,
    /// The caller's Helm renderer, if any.
    pub helm: Option<&'a super::HelmRenderer<'a>>,
    /// `vars` declared so far (resolved once, at the end of the build).
    pub vars: Vec<super::replacements::Var>,
    /// Every read's outcome, so that a base used twice is read once.
    pub cache: std::collections::HashMap<String, Result<Arc<SourceFile>, String>>,
}

/// A path relative to the scan root from `dir` and a relative reference, or why not.
pub(crate) fn join(dir: &str, rel: &str) -> Result<String, String> {
    if rel.starts_with('/') || rel.contains('\\') && rel.chars().nth(1) == Some(':') {
        return Err(format!("{rel:?} is an absolute path: not read"));
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("{rel:?} (from {}) is outside the scan root: not read", if dir.is_empty() { "." } else { dir }));
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// True for references Kustomize would fetch over the network.
pub(crate) fn is_remote(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("gitlab.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.contains("?ref=")
        || lower.contains("?version=")
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "CSINode",
    "IngressClass",
    "RuntimeClass",
    "VolumeAttachment",
    "Node",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
];

pub(crate) fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

impl Builder<'_> {
    pub fn problem(&mut self, file: &SourceFile, span: Option<ByteSpan>, message: String, fatal: bool) {
        let line = span.map(|s| file.lines.position(&file.text, s.start).line);
        self.problems.push(Problem { path: file.path.to_string(), line, message, fatal });
    }

    /// Reads a display path through the caller's reader, once.
    pub fn fetch(&mut self, path: &str) -> Result<Arc<SourceFile>, String> {
        if let Some(r) = self.cache.get(path) {
            return r.clone();
        }
        let r = (self.read)(path);
        self.cache.insert(path.to_string(), r.clone());
        r
    }

    /// Reads a file referenced from `kfile` (at `span`), relative to `dir`; reports failures.
    pub fn read_relative(&mut self, dir: &str, rel: &str, kfile: &Arc<SourceFile>, span: ByteSpan) -> Option<Arc<SourceFile>> {
        if is_remote(rel) {
            self.problem(kfile, Some(span), format!("remote file {rel:?} is not analyzed (never fetched)"), false);
            return None;
        }
        let path = match join(dir, rel) {
            Ok(p) => p,
            Err(e) => {
                self.problem(kfile, Some(span), e, false);
                return None;
            }
        };
        match self.fetch(&path) {
            Ok(f) => {
                self.consumed.insert(path);
                Some(f)
            }
            Err(e) => {
                self.problem(kfile, Some(span), format!("cannot read {path}: {e}"), false);
                None
            }
        }
    }

    /// Parses a YAML (or JSON) file into its documents as working trees.
    pub fn parse_docs(&mut self, file: &Arc<SourceFile>, origin: &Arc<Origin>) -> Vec<Node> {
        let parsed = crate::parse::yaml::parse(&file.text, &file.lines, &self.limits.parse);
        if let Some(e) = parsed.error {
            let at = e.span;
            self.problem(file, at, e.message, false);
        }
        parsed.documents.iter().map(|d| Node::from_parsed(&d.value, &d.spans, origin)).collect()
    }

    /// Finds and parses the kustomization of `dir`. `None` when the directory has none.
    pub fn load(&mut self, dir: &str) -> Option<(Arc<SourceFile>, Node)> {
        let mut found = None;
        for name in KUSTOMIZATION_FILES {
            let path = if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
            if let Ok(f) = self.fetch(&path) {
                found = Some(f);
                break;
            }
        }
        let file = found?;
        self.consumed.insert(file.path.to_string());
        let origin = plain_origin(&file);
        let docs = self.parse_docs(&file, &origin);
        let k = match docs.into_iter().next() {
            Some(k) if k.is_map() => k,
            _ => {
                self.problem(&file, None, "kustomization is empty or not a mapping".to_string(), true);
                Node { kind: Kind::Map(Vec::new()), span: ByteSpan::default(), key: None, origin }
            }
        };
        Some((file, k))
    }

    /// Builds the kustomization in `dir` (not a component) into a new set of objects.
    pub fn build_dir(&mut self, dir: &str, kfile: Arc<SourceFile>, k: Node) -> Vec<Obj> {
        let mut acc = Vec::new();
        self.stack.push(dir.to_string());
        self.run(dir, &kfile, &k, &mut acc, false);
        self.stack.pop();
        acc
    }

    /// Checks a directory reference before descending into it.
    fn may_enter(&mut self, kfile: &Arc<SourceFile>, span: ByteSpan, path: &str) -> bool {
        if let Some(i) = self.stack.iter().position(|d| d == path) {
            let mut chain: Vec<&str> = self.stack.get(i..).unwrap_or(&[]).iter().map(String::as_str).collect();
            chain.push(path);
            let msg = format!("kustomization cycle: {} (not followed)", chain.join(" -> "));
            self.problem(kfile, Some(span), msg, false);
            return false;
        }
        if self.stack.len() >= self.limits.max_depth {
            self.problem(
                kfile,
                Some(span),
                format!("bases nested deeper than {} levels: {path} not followed", self.limits.max_depth),
                true,
            );
            self.exhausted = true;
            return false;
        }
        if self.loaded >= self.limits.max_kustomizations {
            if !self.exhausted {
                let msg =
                    format!("more than {} kustomizations in one build: {path} and later ones not followed", self.limits.max_kustomizations);
                self.problem(kfile, Some(span), msg, true);
            }
            self.exhausted = true;
            return false;
        }
        self.loaded += 1;
        true
    }

    /// Runs one kustomization (or component) over `acc`.
    fn run(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node, acc: &mut Vec<Obj>, component: bool) {
        let declared = k.str_at(&["kind"]).unwrap_or("Kustomization");
        match (declared, component) {
            ("Kustomization", false) | ("Component", true) => {}
            ("Component", false) => self.problem(
                kfile,
                k.get("kind").map(|n| n.span),
                "a Component used as a resource (list it under components)".into(),
                false,
            ),
            ("Kustomization", true) => {
                self.problem(kfile, k.get("kind").map(|n| n.span), "a Kustomization listed under components".into(), false)
            }
            (other, _) => {
                self.problem(kfile, k.get("kind").map(|n| n.span), format!("unexpected kind {other:?} for a kustomization"), false)
            }
        }
        for (field, note) in [
            ("crds", "crds: ignored (OpenAPI schemas of custom resources are not used)"),
            ("openapi", "openapi: ignored (built-in merge keys are used)"),
            ("configurations", "configurations: not supported, ignored"),
            ("transformers", "transformers: plugins are not run"),
            ("generators", "generators: plugins are not run"),
            ("validators", "validators: plugins are not run"),
        ] {
            if let Some(n) = k.get(field) {
                let span = n.key.or(Some(n.span));
                self.problem(kfile, span, note.to_string(), false);
            }
        }
        // Resources and (deprecated) bases.
        for field in ["resources", "bases"] {
            for entry in k.get(field).map(Node::items).unwrap_or(&[]) {
                if self.exhausted {
                    return;
                }
                let Some(rel) = entry.as_str() else { continue };
                self.resource(dir, kfile, rel, entry.span, acc);
            }
        }
        for entry in k.get("components").map(Node::items).unwrap_or(&[]) {
            let Some(rel) = entry.as_str() else { continue };
            if is_remote(rel) {
                self.problem(kfile, Some(entry.span), format!("remote component {rel:?} is not analyzed (never fetched)"), false);
                continue;
            }
            let path = match join(dir, rel) {
                Ok(p) => p,
                Err(e) => {
                    self.problem(kfile, Some(entry.span), e, false);
                    continue;
                }
            };
            if !self.may_enter(kfile, entry.span, &path) {
                continue;
            }
            let Some((cfile, ck)) = self.load(&path) else {
                self.problem(kfile, Some(entry.span), format!("component {path} has no kustomization file"), false);
                continue;
            };
            self.stack.push(path.clone());
            self.run(&path, &cfile, &ck, acc, true);
            self.stack.pop();
        }
        self.generators(dir, kfile, k, acc);
        self.helm_charts(dir, kfile, k, acc);
        self.declare_vars(kfile, k);
        self.transform(dir, kfile, k, acc);
        self.check_size(kfile, acc);
    }

    fn check_size(&mut self, kfile: &Arc<SourceFile>, acc: &mut Vec<Obj>) {
        if acc.len() > self.limits.max_objects {
            let msg = format!("more than {} objects in one build: the rest are not analyzed", self.limits.max_objects);
            self.problem(kfile, None, msg, true);
            acc.truncate(self.limits.max_objects);
            self.exhausted = true;
        }
        // Counting nodes costs a walk of the output: done once, for the top-level
        // kustomization (bases are bounded by the kustomization and object limits meanwhile).
        if self.stack.len() > 1 {
            return;
        }
        let nodes: usize = acc.iter().map(|o| o.root.count()).sum();
        if nodes > self.limits.max_nodes {
            let msg = format!("built output exceeds {} value nodes: not analyzed", self.limits.max_nodes);
            self.problem(kfile, None, msg, true);
            acc.clear();
            self.exhausted = true;
        }
    }

    /// Adds `objs` except those whose id is already taken (reported).
    pub fn add_all(&mut self, kfile: &Arc<SourceFile>, span: Option<ByteSpan>, acc: &mut Vec<Obj>, objs: Vec<Obj>) {
        let mut ids: std::collections::HashSet<String> = acc.iter().map(Obj::id).collect();
        for obj in objs {
            let id = obj.id();
            if !ids.insert(id.clone()) {
                let msg = format!("{id} is declared twice (kustomize build would fail); the second one is ignored");
                self.problem(kfile, span, msg, false);
                continue;
            }
            acc.push(obj);
        }
    }

    fn resource(&mut self, dir: &str, kfile: &Arc<SourceFile>, rel: &str, span: ByteSpan, acc: &mut Vec<Obj>) {
        if is_remote(rel) {
            self.problem(kfile, Some(span), format!("remote base {rel:?} is not analyzed (never fetched)"), false);
            return;
        }
        let path = match join(dir, rel) {
            Ok(p) => p,
            Err(e) => {
                self.problem(kfile, Some(span), e, false);
                return;
            }
        };
        let lower = path.to_ascii_lowercase();
        let looks_like_file = lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json");
        if looks_like_file && let Ok(file) = self.fetch(&path) {
            self.consumed.insert(path);
            self.resource_file(kfile, span, &file, acc);
            return;
        }
        if self.stack.contains(&path) || KUSTOMIZATION_FILES.iter().any(|n| self.fetch(&format!("{path}/{n}")).is_ok()) {
            if !self.may_enter(kfile, span, &path) {
                return;
            }
            let Some((bfile, bk)) = self.load(&path) else { return };
            let objs = self.build_dir(&path, bfile, bk);
            self.add_all(kfile, Some(span), acc, objs);
            return;
        }
        match self.fetch(&path) {
            Ok(file) => {
                self.consumed.insert(path);
                self.resource_file(kfile, span, &file, acc);
            }
            Err(e) => self.problem(kfile, Some(span), format!("cannot read resource {path}: {e}"), false),
        }
    }

    fn resource_file(&mut self, kfile: &Arc<SourceFile>, span: ByteSpan, file: &Arc<SourceFile>, acc: &mut Vec<Obj>) {
        let origin = plain_origin(file);
        let mut objs = Vec::new();
        for doc in self.parse_docs(file, &origin) {
            // A `List` contributes its items.
            let items: Vec<Node> = if doc.str_at(&["kind"]).is_some_and(|k| k.ends_with("List")) && doc.get("items").is_some() {
                doc.get("items").map(|n| n.items().to_vec()).unwrap_or_default()
            } else {
                vec![doc]
            };
            for item in items {
                if item.str_at(&["kind"]).is_none() || item.str_at(&["metadata", "name"]).is_none() {
                    self.problem(
                        file,
                        Some(item.span),
                        "document without kind or metadata.name: not a Kubernetes object".to_string(),
                        false,
                    );
                    continue;
                }
                objs.push(Obj { root: item, file: file.clone(), old_names: Vec::new(), old_namespaces: Vec::new(), hash: false });
            }
        }
        self.add_all(kfile, Some(span), acc, objs);
    }

    fn generators(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node, acc: &mut Vec<Obj>) {
        for g in self.generate(dir, kfile, k) {
            let kind = g.root.str_at(&["kind"]).unwrap_or("").to_string();
            let span = Some(g.root.span);
            match g.behavior {
                Behavior::Create => {
                    let obj = Obj { root: g.root, file: kfile.clone(), old_names: Vec::new(), old_namespaces: Vec::new(), hash: g.hash };
                    self.add_all(kfile, span, acc, vec![obj]);
                }
                Behavior::Merge | Behavior::Replace => {
                    let found = acc
                        .iter_mut()
                        .find(|o| o.kind() == kind && o.answers_to(&g.name) && g.namespace.as_deref().is_none_or(|ns| o.in_namespace(ns)));
                    let Some(target) = found else {
                        let msg = format!(
                            "{kind} {:?} to {} is not among the resources",
                            g.name,
                            if g.behavior == Behavior::Merge { "merge" } else { "replace" }
                        );
                        self.problem(kfile, span, msg, false);
                        continue;
                    };
                    let new_data = g.root.get("data").cloned();
                    match (g.behavior, new_data) {
                        (Behavior::Replace, Some(d)) => target.root.set("data", d),
                        (Behavior::Replace, None) => {
                            target.root.remove("data");
                        }
                        (_, Some(d)) => {
                            if let Some(existing) = target.root.ensure_map("data", d.span, &d.origin) {
                                for (key, value) in d.entries() {
                                    existing.set(key, value.clone());
                                }
                            }
                        }
                        (_, None) => {}
                    }
                    for field in ["labels", "annotations"] {
                        if let Some(extra) = g.root.at(&["metadata", field]) {
                            let meta = target.root.ensure_map("metadata", extra.span, &extra.origin);
                            if let Some(m) = meta.and_then(|m| m.ensure_map(field, extra.span, &extra.origin)) {
                                for (key, value) in extra.entries() {
                                    m.set(key, value.clone());
                                }
                            }
                        }
                    }
                    if g.hash_explicit {
                        target.hash = g.hash;
                    }
                }
            }
        }
    }

    fn helm_charts(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node, acc: &mut Vec<Obj>) {
        let globals_home = k.str_at(&["helmGlobals", "chartHome"]).unwrap_or("charts").to_string();
        for entry in k.get("helmCharts").map(Node::items).unwrap_or(&[]) {
            let line = kfile.lines.position(&kfile.text, entry.span.start).line;
            let s = |f: &str| entry.str_at(&[f]).map(str::to_string);
            let Some(name) = s("name") else {
                self.problem(kfile, Some(entry.span), "helmCharts entry without a name".to_string(), false);
                continue;
            };
            let chart_home = match join(dir, &globals_home) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.problem(kfile, Some(entry.span), format!("chartHome: {e}"), false);
                    None
                }
            };
            let repo = s("repo");
            let local_dir = chart_home.as_ref().and_then(|h| join(h, &name).ok());
            let mut values_files = Vec::new();
            let mut files: Vec<&Node> = entry.get("valuesFile").into_iter().collect();
            files.extend(entry.get("additionalValuesFiles").map(Node::items).unwrap_or(&[]));
            for f in files {
                let Some(rel) = f.as_str() else { continue };
                if is_remote(rel) {
                    self.problem(kfile, Some(f.span), format!("remote values file {rel:?} is not read"), false);
                    continue;
                }
                match join(dir, rel) {
                    Ok(p) => {
                        self.consumed.insert(p.clone());
                        values_files.push(p);
                    }
                    Err(e) => self.problem(kfile, Some(f.span), e, false),
                }
            }
            let request = HelmChartRequest {
                kustomization: kfile.path.to_string(),
                line,
                name,
                repo,
                version: s("version"),
                release_name: s("releaseName"),
                namespace: s("namespace"),
                chart_home,
                chart_dir: local_dir,
                values_files,
                values_inline: entry.get("valuesInline").map(Node::to_value),
                include_crds: matches!(entry.get("includeCRDs").map(|n| &n.kind), Some(Kind::Scalar(Value::Bool(true)))),
            };
            let rendered = self.helm.and_then(|render| render(&request));
            match rendered {
                Some(Ok(objects)) => {
                    let objs = objects
                        .into_iter()
                        .map(|o| Obj {
                            root: Node::from_parsed(&o.value, &o.spans, &plain_origin(&o.file)),
                            file: o.file,
                            old_names: Vec::new(),
                            old_namespaces: Vec::new(),
                            hash: false,
                        })
                        .collect();
                    self.add_all(kfile, Some(entry.span), acc, objs);
                }
                Some(Err(e)) => self.problem(kfile, Some(entry.span), format!("helm chart {:?}: {e}", request.name), false),
                None => {
                    let why = match &request.repo {
                        Some(_) => format!(
                            "helm chart {:?} comes from a repository: analyzed only if a local copy exists under {}",
                            request.name,
                            request.chart_home.as_deref().unwrap_or("?")
                        ),
                        None => format!("helm chart {:?} was not rendered: its objects are not analyzed", request.name),
                    };
                    if self.helm.is_some() || request.repo.is_some() {
                        self.problem(kfile, Some(entry.span), why, false);
                    }
                }
            }
            self.helm_charts.push(request);
        }
    }
}

/// The related location and description for a value a kustomization field set.
pub(crate) fn set_by(kfile: &Arc<SourceFile>, field_node: &Node, what: &str) -> Arc<Origin> {
    let span = field_node.key.map_or(field_node.span, |k| k.cover(field_node.span));
    let line_span = ByteSpan::new(
        span.start,
        span.start.max(kfile.text.get(span.start..).and_then(|t| t.find('\n')).map_or(span.end, |i| span.start + i)),
    );
    origin_with(kfile, Some((kfile.location(line_span), format!("{what} in {}", kfile.path))))
}

pub(crate) fn string_node(s: &str, span: ByteSpan, key: Option<ByteSpan>, origin: &Arc<Origin>) -> Node {
    Node { kind: Kind::Scalar(Value::String(s.to_string())), span, key, origin: origin.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_inside_the_root_only() {
        assert_eq!(join("overlays/prod", "../../base"), Ok("base".to_string()));
        assert_eq!(join("", "./a/./b/../c.yaml"), Ok("a/c.yaml".to_string()));
        assert_eq!(join("a", ".."), Ok(String::new()));
        assert_eq!(join("a/b", "../../../x"), Err("\"../../../x\" (from a/b) is outside the scan root: not read".to_string()));
        assert_eq!(join("", "../x"), Err("\"../x\" (from .) is outside the scan root: not read".to_string()));
        assert_eq!(join("a", "/etc/passwd"), Err("\"/etc/passwd\" is an absolute path: not read".to_string()));
        assert_eq!(join("a", "C:\\\\x"), Err("\"C:\\\\\\\\x\" is an absolute path: not read".to_string()));
    }

    #[test]
    fn remote_references() {
        for r in ["https://github.com/a/b//c?ref=v1", "git@github.com:a/b.git", "github.com/a/b/c", "ssh://host/x", "../x?ref=main"] {
            assert!(is_remote(r), "{r}");
        }
        for l in ["../base", "base", "github/base", "overlays/gitlab.com"] {
            assert!(!is_remote(l), "{l}");
        }
    }
}
