//! The builder's working tree: a value tree in which every node knows the file it came from.
//!
//! Kustomize moves values between files (a patch sets a field of a base object, a transformer
//! writes a label taken from `kustomization.yaml`), so unlike a parsed [`SpanNode`] whose spans
//! all point into one file, every [`Node`] here carries its own [`Origin`]. Converting back to
//! `(Value, SpanNode)` writes an origin only where it differs from the parent's, which is what
//! [`SpanNode::origin`] means.
//!
//! Depth: trees come from the YAML parser (nesting bounded by `parse::Limits::max_depth`) and
//! patches never nest deeper than their own parsed input, so recursion here is bounded.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::model::{Location, Origin, SourceFile, SpanChildren, SpanNode};
use crate::source::ByteSpan;

/// One node of a working tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    /// The whole value in `origin.file`.
    pub span: ByteSpan,
    /// The key that introduced it, when it is a mapping entry in its file.
    pub key: Option<ByteSpan>,
    /// The file (and context) the node was written in.
    pub origin: Arc<Origin>,
}

/// A node's shape.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// An origin naming `file` with no related locations.
pub(crate) fn plain_origin(file: &Arc<SourceFile>) -> Arc<Origin> {
    Arc::new(Origin { file: file.clone(), related: Vec::new() })
}

/// An origin naming `file`, with one related location and its description.
pub(crate) fn origin_with(file: &Arc<SourceFile>, related: Option<(Location, String)>) -> Arc<Origin> {
    Arc::new(Origin { file: file.clone(), related: related.into_iter().collect() })
}

impl Node {
    /// Zips a parsed value with its span tree. Children missing from the span tree (never for
    /// parser output) get their parent's span.
    pub fn from_parsed(value: &Value, spans: &SpanNode, origin: &Arc<Origin>) -> Node {
        // Built input (a rendered chart) may already name other files below its root.
        let origin = spans.origin.as_ref().unwrap_or(origin);
        let kind = match value {
            Value::Object(map) => Kind::Map(
                map.iter()
                    .map(|(k, v)| {
                        let child = spans.child(&crate::model::PathSegment::Key(k.clone()));
                        let node = match child {
                            Some(c) => Node::from_parsed(v, c, origin),
                            None => Node::from_parsed(v, &SpanNode { span: spans.span, ..SpanNode::default() }, origin),
                        };
                        (k.clone(), node)
                    })
                    .collect(),
            ),
            Value::Array(items) => Kind::Seq(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match spans.child(&crate::model::PathSegment::Index(i)) {
                        Some(c) => Node::from_parsed(v, c, origin),
                        None => Node::from_parsed(v, &SpanNode { span: spans.span, ..SpanNode::default() }, origin),
                    })
                    .collect(),
            ),
            other => Kind::Scalar(other.clone()),
        };
        Node { kind, span: spans.span, key: spans.key, origin: origin.clone() }
    }

    /// A new node for a value written by a transformer: every part of it points at `span` of
    /// `origin`'s file.
    pub fn synthetic(value: &Value, span: ByteSpan, key: Option<ByteSpan>, origin: &Arc<Origin>) -> Node {
        let kind = match value {
            Value::Object(map) => Kind::Map(map.iter().map(|(k, v)| (k.clone(), Node::synthetic(v, span, None, origin))).collect()),
            Value::Array(items) => Kind::Seq(items.iter().map(|v| Node::synthetic(v, span, None, origin)).collect()),
            other => Kind::Scalar(other.clone()),
        };
        Node { kind, span, key, origin: origin.clone() }
    }

    /// The plain value.
    pub fn to_value(&self) -> Value {
        match &self.kind {
            Kind::Scalar(v) => v.clone(),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Kind::Map(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k.clone(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }

    /// The span tree, with an origin wherever a node's origin differs from its parent's.
    pub fn to_spans(&self, parent: &Arc<Origin>) -> SpanNode {
        let origin = if same_origin(&self.origin, parent) { None } else { Some(self.origin.clone()) };
        let children = match &self.kind {
            Kind::Scalar(_) => SpanChildren::Leaf,
            Kind::Seq(items) => SpanChildren::Seq(items.iter().map(|n| n.to_spans(&self.origin)).collect()),
            Kind::Map(entries) => SpanChildren::Map(entries.iter().map(|(k, n)| (k.clone(), n.to_spans(&self.origin))).collect()),
        };
        SpanNode { span: self.span, key: self.key, children, origin }
    }

    /// Number of nodes in the tree.
    pub fn count(&self) -> usize {
        1 + match &self.kind {
            Kind::Scalar(_) => 0,
            Kind::Seq(items) => items.iter().map(Node::count).sum(),
            Kind::Map(entries) => entries.iter().map(|(_, n)| n.count()).sum(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            Kind::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    /// The node at a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for k in path {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    pub fn at_mut(&mut self, path: &[&str]) -> Option<&mut Node> {
        let mut cur = self;
        for k in path {
            cur = cur.get_mut(k)?;
        }
        Some(cur)
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::as_str)
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn items_mut(&mut self) -> &mut [Node] {
        match &mut self.kind {
            Kind::Seq(items) => items,
            _ => &mut [],
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Sets `key` to `value` in a mapping (replacing an existing entry in place). Does nothing
    /// on a non-mapping.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Kind::Map(entries) = &mut self.kind {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, slot)) => *slot = value,
                None => entries.push((key.to_string(), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        if let Kind::Map(entries) = &mut self.kind {
            let i = entries.iter().position(|(k, _)| k == key)?;
            return Some(entries.remove(i).1);
        }
        None
    }

    /// The mapping at `key`, created (as an empty mapping attributed to `origin` at `span`) when
    /// missing or not a mapping. Returns `None` when `self` is not a mapping.
    pub fn ensure_map(&mut self, key: &str, span: ByteSpan, origin: &Arc<Origin>) -> Option<&mut Node> {
        let Kind::Map(entries) = &mut self.kind else { return None };
        let i = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => {
                if !entries[i].1.is_map() {
                    entries[i].1 = Node { kind: Kind::Map(Vec::new()), span, key: None, origin: origin.clone() };
                }
                i
            }
            None => {
                entries.push((key.to_string(), Node { kind: Kind::Map(Vec::new()), span, key: None, origin: origin.clone() }));
                entries.len() - 1
            }
        };
        entries.get_mut(i).map(|(_, n)| n)
    }
}

/// Same file and same related locations.
pub(crate) fn same_origin(a: &Arc<Origin>, b: &Arc<Origin>) -> bool {
    Arc::ptr_eq(a, b) || (Arc::ptr_eq(&a.file, &b.file) && a.related == b.related)
}
