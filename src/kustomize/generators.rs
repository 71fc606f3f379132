//! `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets built from literals
//! (`KEY=VALUE`), files (`path` or `key=path`) and env files (`KEY=VALUE` lines).
//!
//! Every generated value points where it was written: a literal at its line in
//! `kustomization.yaml`, a file's content at that file, an env entry at its line in the env
//! file. An env line without `=` would read the builder's environment in Kustomize; we never do
//! and report it instead.

use std::sync::Arc;

use serde_json::Value;

use super::build::Builder;
use super::hash::base64;
use super::tree::{Kind, Node, origin_with};
use crate::model::{Origin, SourceFile};
use crate::source::ByteSpan;

/// What a generator entry asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    Create,
    Merge,
    Replace,
}

/// One generated object.
pub(crate) struct Generated {
    pub root: Node,
    pub behavior: Behavior,
    /// Whether the content-hash suffix is appended to the name.
    pub hash: bool,
    /// Whether `disableNameSuffixHash` was given (a merge or replace then decides the hash).
    pub hash_explicit: bool,
    pub name: String,
    pub namespace: Option<String>,
}

/// Generator options (`generatorOptions`, or an entry's `options`), already combined.
#[derive(Default, Clone)]
struct Options {
    labels: Vec<(String, Node)>,
    annotations: Vec<(String, Node)>,
    disable_hash: Option<bool>,
    immutable: Option<bool>,
}

fn read_options(node: Option<&Node>, base: &Options) -> Options {
    let mut o = base.clone();
    let Some(node) = node else { return o };
    for (field, target) in [("labels", &mut o.labels), ("annotations", &mut o.annotations)] {
        for (k, v) in node.get(field).map(Node::entries).unwrap_or(&[]) {
            target.retain(|(name, _)| name != k);
            target.push((k.clone(), v.clone()));
        }
    }
    if let Some(Node { kind: Kind::Scalar(Value::Bool(b)), .. }) = node.get("disableNameSuffixHash") {
        o.disable_hash = Some(*b);
    }
    if let Some(Node { kind: Kind::Scalar(Value::Bool(b)), .. }) = node.get("immutable") {
        o.immutable = Some(*b);
    }
    o
}

impl Builder<'_> {
    /// Runs both generators of one kustomization.
    pub(crate) fn generate(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node) -> Vec<Generated> {
        let global = read_options(k.get("generatorOptions"), &Options::default());
        let mut out = Vec::new();
        for (field, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
            for entry in k.get(field).map(Node::items).unwrap_or(&[]) {
                if let Some(g) = self.generate_one(dir, kfile, entry, kind, &global) {
                    out.push(g);
                }
            }
        }
        out
    }

    fn generate_one(&mut self, dir: &str, kfile: &Arc<SourceFile>, entry: &Node, kind: &str, global: &Options) -> Option<Generated> {
        let origin = origin_with(kfile, None);
        let Some(name) = entry.str_at(&["name"]).map(str::to_string) else {
            self.problem(kfile, Some(entry.span), format!("{kind} generator entry without a name"), false);
            return None;
        };
        let behavior = match entry.str_at(&["behavior"]).unwrap_or("create") {
            "create" => Behavior::Create,
            "merge" => Behavior::Merge,
            "replace" => Behavior::Replace,
            other => {
                let span = entry.get("behavior").map_or(entry.span, |n| n.span);
                let msg = format!("{kind} generator {name:?}: unknown behavior {other:?}, treated as create as Kustomize does");
                self.problem(kfile, Some(span), msg, false);
                Behavior::Create
            }
        };
        let options = read_options(entry.get("options"), global);
        let mut data: Vec<(String, Node)> = Vec::new();
        let put = |data: &mut Vec<(String, Node)>, key: String, node: Node| {
            data.retain(|(k, _)| *k != key);
            data.push((key, node));
        };
        for lit in entry.get("literals").map(Node::items).unwrap_or(&[]) {
            let Some(text) = lit.as_str() else { continue };
            match text.split_once('=') {
                Some((k, v)) => {
                    let v = unquote(v);
                    put(&mut data, k.to_string(), leaf(v, lit.span, &lit.origin))
                }
                None => self.problem(kfile, Some(lit.span), format!("literal {text:?} is not KEY=VALUE"), false),
            }
        }
        for f in entry.get("files").map(Node::items).unwrap_or(&[]) {
            let Some(text) = f.as_str() else { continue };
            let (key, rel) = match text.split_once('=') {
                Some((k, p)) => (k.to_string(), p),
                None => (text.rsplit('/').next().unwrap_or(text).to_string(), text),
            };
            let Some(file) = self.read_relative(dir, rel, kfile, f.span) else { continue };
            let fo = origin_with(&file, Some((kfile.location(f.span), format!("generated by {kind} {name:?} in {}", kfile.path))));
            put(&mut data, key, leaf(&file.text, ByteSpan::new(0, file.text.len()), &fo));
        }
        let mut envs: Vec<&Node> = entry.get("envs").map(|n| n.items().iter().collect()).unwrap_or_default();
        if let Some(env) = entry.get("env") {
            envs.push(env);
        }
        for e in envs {
            let Some(rel) = e.as_str() else { continue };
            let Some(file) = self.read_relative(dir, rel, kfile, e.span) else { continue };
            let fo = origin_with(&file, Some((kfile.location(e.span), format!("generated by {kind} {name:?} in {}", kfile.path))));
            let mut offset = 0;
            for line in file.text.split_inclusive('\n') {
                let start = offset;
                offset += line.len();
                let body = line.trim_end_matches(['\n', '\r']);
                let trimmed = body.trim_start();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let span = ByteSpan::new(start, start + body.len());
                match trimmed.split_once('=') {
                    Some((k, v)) => put(&mut data, k.to_string(), leaf(v, span, &fo)),
                    None => self.problem(
                        &file,
                        Some(span),
                        format!("{trimmed:?} takes its value from the environment of the build: not read, entry left out"),
                        false,
                    ),
                }
            }
        }
        let secret = kind == "Secret";
        let data_nodes: Vec<(String, Node)> = if secret {
            data.into_iter()
                .map(|(k, mut n)| {
                    if let Kind::Scalar(Value::String(s)) = &n.kind {
                        n.kind = Kind::Scalar(Value::String(base64(s.as_bytes())));
                    }
                    (k, n)
                })
                .collect()
        } else {
            data
        };
        let at = entry.span;
        let mut metadata = vec![("name".to_string(), leaf(&name, entry.get("name").map_or(at, |n| n.span), &origin))];
        let namespace = entry.str_at(&["namespace"]).map(str::to_string);
        if let Some(ns) = &namespace {
            metadata.push(("namespace".to_string(), leaf(ns, entry.get("namespace").map_or(at, |n| n.span), &origin)));
        }
        if !options.labels.is_empty() {
            metadata.push(("labels".to_string(), map_node(options.labels.clone(), at, &origin)));
        }
        if !options.annotations.is_empty() {
            metadata.push(("annotations".to_string(), map_node(options.annotations.clone(), at, &origin)));
        }
        let mut root = vec![
            ("apiVersion".to_string(), leaf("v1", at, &origin)),
            ("kind".to_string(), leaf(kind, at, &origin)),
            ("metadata".to_string(), map_node(metadata, at, &origin)),
        ];
        if secret {
            let ty = entry.get("type").cloned().unwrap_or_else(|| leaf("Opaque", at, &origin));
            root.push(("type".to_string(), ty));
        }
        if !data_nodes.is_empty() || behavior == Behavior::Create {
            root.push(("data".to_string(), map_node(data_nodes, at, &origin)));
        }
        if let Some(b) = options.immutable {
            root.push(("immutable".to_string(), Node::synthetic(&Value::Bool(b), at, None, &origin)));
        }
        Some(Generated {
            root: map_node(root, at, &origin),
            behavior,
            hash: options.disable_hash != Some(true),
            hash_explicit: options.disable_hash.is_some(),
            name,
            namespace,
        })
    }
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

fn leaf(s: &str, span: ByteSpan, origin: &Arc<Origin>) -> Node {
    Node { kind: Kind::Scalar(Value::String(s.to_string())), span, key: None, origin: origin.clone() }
}

fn map_node(entries: Vec<(String, Node)>, span: ByteSpan, origin: &Arc<Origin>) -> Node {
    Node { kind: Kind::Map(entries), span, key: None, origin: origin.clone() }
}
