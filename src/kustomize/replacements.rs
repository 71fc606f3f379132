//! `replacements`: copy a field of one object (the source) into fields of others (the
//! targets), whole or as one part of a delimited string. Runs after the other transformers,
//! as in Kustomize. A copied value keeps the source's location, with the kustomization's
//! `replacements` entry as a related location.
//!
//! Field paths are dot-separated: keys, list indexes (`containers.0`), list items selected by
//! a field (`containers.[name=app]`) and `*` for every item or entry.
//!
//! Also `vars` (deprecated in Kustomize, still common): a name bound to a field of an object,
//! substituted for `$(NAME)` once the build is done.

use std::sync::Arc;

use serde_json::Value;

use super::build::{Builder, Obj, set_by};
use super::tree::{Kind, Node};
use crate::model::{Origin, SourceFile};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    Select(String, String),
    All,
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let push = |raw: &str, segs: &mut Vec<Seg>| {
        if raw.is_empty() {
            return;
        }
        let seg = if let Some(inner) = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            match inner.split_once('=') {
                Some((k, v)) => Seg::Select(k.to_string(), v.to_string()),
                None => Seg::Key(inner.to_string()),
            }
        } else if raw == "*" {
            Seg::All
        } else if let Ok(i) = raw.parse::<usize>() {
            Seg::Index(i)
        } else {
            Seg::Key(raw.to_string())
        };
        segs.push(seg);
    };
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                push(&std::mem::take(&mut cur), &mut segs);
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    push(&cur, &mut segs);
    segs
}

fn scalar_text(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Scalar(Value::String(s)) => Some(s.clone()),
        Kind::Scalar(Value::Null) => None,
        Kind::Scalar(v) => Some(v.to_string()),
        _ => None,
    }
}

fn lookup<'a>(node: &'a Node, path: &[Seg]) -> Option<&'a Node> {
    let Some((first, rest)) = path.split_first() else { return Some(node) };
    let next = match first {
        Seg::Key(k) => node.get(k)?,
        Seg::Index(i) => node.items().get(*i)?,
        Seg::Select(k, v) => node.items().iter().find(|n| n.get(k).and_then(scalar_text).as_deref() == Some(v.as_str()))?,
        Seg::All => return None,
    };
    lookup(next, rest)
}

/// Calls `f` on every node at `path`; with `create`, missing mapping keys are created.
fn visit(node: &mut Node, path: &[Seg], create: bool, origin: &Arc<Origin>, f: &mut dyn FnMut(&mut Node)) {
    let Some((first, rest)) = path.split_first() else {
        f(node);
        return;
    };
    match first {
        Seg::Key(k) => {
            if node.get(k).is_none() && create && node.is_map() {
                let kind = if rest.is_empty() { Kind::Scalar(Value::Null) } else { Kind::Map(Vec::new()) };
                node.set(k, Node { kind, span: node.span, key: None, origin: origin.clone() });
            }
            if let Some(next) = node.get_mut(k) {
                visit(next, rest, create, origin, f);
            }
        }
        Seg::Index(i) => {
            if let Some(next) = node.items_mut().get_mut(*i) {
                visit(next, rest, create, origin, f);
            }
        }
        Seg::Select(k, v) => {
            for item in node.items_mut() {
                if item.get(k).and_then(scalar_text).as_deref() == Some(v.as_str()) {
                    visit(item, rest, create, origin, f);
                }
            }
        }
        Seg::All => match &mut node.kind {
            Kind::Seq(items) => items.iter_mut().for_each(|n| visit(n, rest, create, origin, f)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(_, n)| visit(n, rest, create, origin, f)),
            Kind::Scalar(_) => {}
        },
    }
}

/// `index` of `text` split by `delimiter` (Kustomize's `options`), if it exists.
fn part(text: &str, delimiter: &str, index: usize) -> Option<String> {
    text.split(delimiter).nth(index).map(str::to_string)
}

/// One `vars` entry.
#[derive(Debug, Clone)]
pub(crate) struct Var {
    name: String,
    kind: String,
    object: String,
    api_version: Option<String>,
    field: String,
    /// Where it was declared.
    file: Arc<SourceFile>,
    span: crate::source::ByteSpan,
}

/// Replaces every `$(NAME)` of a known variable in `text`; `None` when nothing changed.
fn substitute(text: &str, values: &[(String, String)]) -> Option<String> {
    if !text.contains("$(") {
        return None;
    }
    let mut out = text.to_string();
    for (name, value) in values {
        let pattern = format!("$({name})");
        if out.contains(&pattern) {
            out = out.replace(&pattern, value);
        }
    }
    (out != text).then_some(out)
}

fn substitute_all(node: &mut Node, values: &[(String, String)]) {
    match &mut node.kind {
        Kind::Scalar(Value::String(s)) => {
            if let Some(new) = substitute(s, values) {
                *s = new;
            }
        }
        Kind::Scalar(_) => {}
        Kind::Seq(items) => items.iter_mut().for_each(|n| substitute_all(n, values)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(_, n)| substitute_all(n, values)),
    }
}

impl Builder<'_> {
    /// Records the `vars` of one kustomization.
    pub(crate) fn declare_vars(&mut self, kfile: &Arc<SourceFile>, k: &Node) {
        for v in k.get("vars").map(Node::items).unwrap_or(&[]) {
            let (Some(name), Some(kind), Some(object)) =
                (v.str_at(&["name"]), v.str_at(&["objref", "kind"]), v.str_at(&["objref", "name"]))
            else {
                self.problem(kfile, Some(v.span), "vars entry needs name, objref.kind and objref.name".to_string(), false);
                continue;
            };
            self.vars.push(Var {
                name: name.to_string(),
                kind: kind.to_string(),
                object: object.to_string(),
                api_version: v.str_at(&["objref", "apiVersion"]).map(str::to_string),
                // Kustomize reads its configuration case-insensitively: `fieldpath` is common.
                field: v
                    .str_at(&["fieldref", "fieldPath"])
                    .or_else(|| v.str_at(&["fieldref", "fieldpath"]))
                    .unwrap_or("metadata.name")
                    .to_string(),
                file: kfile.clone(),
                span: v.span,
            });
        }
    }

    /// Resolves the declared `vars` against the output and substitutes them.
    pub(crate) fn substitute_vars(&mut self, acc: &mut [Obj]) {
        if self.vars.is_empty() {
            return;
        }
        let mut values: Vec<(String, String)> = Vec::new();
        for var in std::mem::take(&mut self.vars) {
            let found: Vec<&Obj> = acc
                .iter()
                .filter(|o| o.kind() == var.kind && o.answers_to(&var.object))
                .filter(|o| var.api_version.as_deref().is_none_or(|a| a == o.api_version()))
                .collect();
            let value = match found.as_slice() {
                [one] => lookup(&one.root, &parse_path(&var.field)).and_then(scalar_text),
                _ => None,
            };
            match value {
                Some(v) if !values.iter().any(|(n, _)| *n == var.name) => values.push((var.name.clone(), v)),
                Some(_) => {}
                None => {
                    let msg = format!("var {} ({} {} {}) cannot be resolved: left as written", var.name, var.kind, var.object, var.field);
                    self.problem(&var.file, Some(var.span), msg, false);
                }
            }
        }
        // Longer names first, so that $(AB) is not taken for $(A) followed by text.
        values.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for o in acc.iter_mut() {
            substitute_all(&mut o.root, &values);
        }
    }

    /// Runs the `replacements` of one kustomization over `acc`.
    pub(crate) fn replacements(&mut self, dir: &str, kfile: &Arc<SourceFile>, k: &Node, acc: &mut [Obj]) {
        // (replacement, the kustomization entry that lists it)
        let mut entries: Vec<(Node, Node)> = Vec::new();
        for entry in k.get("replacements").map(Node::items).unwrap_or(&[]) {
            match entry.get("path") {
                Some(p) => {
                    let Some(rel) = p.as_str() else { continue };
                    let Some(file) = self.read_relative(dir, rel, kfile, p.span) else { continue };
                    let origin = super::tree::plain_origin(&file);
                    for doc in self.parse_docs(&file, &origin) {
                        match &doc.kind {
                            Kind::Seq(items) => entries.extend(items.iter().map(|i| (i.clone(), entry.clone()))),
                            _ => entries.push((doc, entry.clone())),
                        }
                    }
                }
                None => entries.push((entry.clone(), entry.clone())),
            }
        }
        for (entry, listed) in &entries {
            self.replacement(kfile, entry, listed, acc);
        }
    }

    fn replacement(&mut self, kfile: &Arc<SourceFile>, entry: &Node, listed: &Node, acc: &mut [Obj]) {
        // Problems point into the file the replacement is written in.
        let efile = entry.origin.file.clone();
        let Some(source) = entry.get("source") else {
            self.problem(&efile, Some(entry.span), "replacement without a source".to_string(), false);
            return;
        };
        let Some(sel) = self.selector(&efile, source) else { return };
        let field = source.str_at(&["fieldPath"]).unwrap_or("metadata.name");
        let found: Vec<&Obj> = acc.iter().filter(|o| sel.matches(o)).collect();
        let obj = match found.as_slice() {
            [one] => *one,
            [] => {
                self.problem(&efile, Some(source.span), "replacement source selects no object".to_string(), false);
                return;
            }
            _ => {
                self.problem(&efile, Some(source.span), format!("replacement source selects {} objects, not one", found.len()), false);
                return;
            }
        };
        let Some(value) = lookup(&obj.root, &parse_path(field)).cloned() else {
            self.problem(&efile, Some(source.span), format!("replacement source {} has no {field}", obj.id()), false);
            return;
        };
        let value = match (source.str_at(&["options", "delimiter"]), scalar_text(&value)) {
            (Some(d), Some(text)) => {
                let index = source.at(&["options", "index"]).and_then(|n| n.to_value().as_u64()).unwrap_or(0) as usize;
                match part(&text, d, index) {
                    Some(p) => Node { kind: Kind::Scalar(Value::String(p)), ..value },
                    None => {
                        self.problem(&efile, Some(source.span), format!("replacement source {field} has no part {index}"), false);
                        return;
                    }
                }
            }
            _ => value,
        };
        let note = set_by(kfile, listed, "set by replacements");
        let mut related = value.origin.related.clone();
        related.extend(note.related.iter().cloned());
        let origin = Arc::new(Origin { file: value.origin.file.clone(), related });
        let mut placed = Node { key: None, ..value };
        placed.origin = origin.clone();
        for target in entry.get("targets").map(Node::items).unwrap_or(&[]) {
            let Some(select) = target.get("select").and_then(|s| self.selector(&efile, s)) else {
                self.problem(&efile, Some(target.span), "replacement target without a select".to_string(), false);
                continue;
            };
            let mut rejects = Vec::new();
            for r in target.get("reject").map(Node::items).unwrap_or(&[]) {
                if let Some(s) = self.selector(&efile, r) {
                    rejects.push(s);
                }
            }
            let create = matches!(target.at(&["options", "create"]).map(|n| &n.kind), Some(Kind::Scalar(Value::Bool(true))));
            let delimiter = target.str_at(&["options", "delimiter"]).map(str::to_string);
            let index = target.at(&["options", "index"]).and_then(|n| n.to_value().as_u64()).unwrap_or(0) as usize;
            let paths: Vec<Vec<Seg>> =
                target.get("fieldPaths").map(Node::items).unwrap_or(&[]).iter().filter_map(Node::as_str).map(parse_path).collect();
            for o in acc.iter_mut().filter(|o| select.matches(o) && !rejects.iter().any(|r| r.matches(o))) {
                for path in &paths {
                    let mut set = |slot: &mut Node| match (&delimiter, scalar_text(slot), scalar_text(&placed)) {
                        (Some(d), Some(text), Some(new)) => {
                            let mut parts: Vec<String> = text.split(d.as_str()).map(str::to_string).collect();
                            if let Some(p) = parts.get_mut(index) {
                                *p = new;
                            }
                            *slot = Node {
                                kind: Kind::Scalar(Value::String(parts.join(d))),
                                span: placed.span,
                                key: None,
                                origin: origin.clone(),
                            };
                        }
                        _ => *slot = placed.clone(),
                    };
                    visit(&mut o.root, path, create, &origin, &mut set);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(
            parse_path("spec.template.spec.containers.[name=app].image"),
            [
                Seg::Key("spec".into()),
                Seg::Key("template".into()),
                Seg::Key("spec".into()),
                Seg::Key("containers".into()),
                Seg::Select("name".into(), "app".into()),
                Seg::Key("image".into())
            ]
        );
        assert_eq!(
            parse_path("spec.http.0.route.*.host"),
            [Seg::Key("spec".into()), Seg::Key("http".into()), Seg::Index(0), Seg::Key("route".into()), Seg::All, Seg::Key("host".into())]
        );
        assert_eq!(
            parse_path("metadata.annotations.[a.b/c]"),
            [Seg::Key("metadata".into()), Seg::Key("annotations".into()), Seg::Key("a.b/c".into())]
        );
        assert_eq!(part("svc.ns.svc.cluster.local", ".", 1), Some("ns".to_string()));
    }
}
