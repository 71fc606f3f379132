//! The normalized resource model.
//!
//! Whatever format a resource came from (Kubernetes YAML or JSON today, Terraform and IAM JSON
//! next), a rule sees the same thing: a JSON-like value tree ([`serde_json::Value`]) plus a
//! parallel [`SpanNode`] tree that remembers where every key and value was written. Rules report
//! an [`AttributePath`]; [`Resource::locate`] turns it into a file position, falling back to the
//! deepest existing ancestor when the attribute is missing (the object that should carry it).
//!
//! Unknown values (a Terraform attribute only known after apply, an unresolved variable) are
//! encoded in-band as an object with the single key [`UNKNOWN_KEY`], so that Rego policies and
//! native rules can test for them with one helper and never mistake them for a violation.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::source::{ByteSpan, LineIndex, Position};

/// The key of the in-band marker object that stands for a value stridegate cannot know.
pub const UNKNOWN_KEY: &str = "$unknown";

/// The unknown marker with a reason.
pub fn unknown(reason: impl Into<String>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(UNKNOWN_KEY.to_string(), Value::String(reason.into()));
    Value::Object(m)
}

/// True when `value` holds the unknown marker anywhere inside it.
pub fn contains_unknown(value: &Value) -> bool {
    match value {
        Value::Object(map) => is_unknown(value) || map.values().any(contains_unknown),
        Value::Array(items) => items.iter().any(contains_unknown),
        _ => false,
    }
}

/// True when `value` is the in-band unknown marker.
pub fn is_unknown(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 1 && map.contains_key(UNKNOWN_KEY))
}

/// One step in an attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path from a resource's root to one of its attributes, e.g.
/// `spec.template.spec.containers[0].securityContext.privileged`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AttributePath(pub Vec<PathSegment>);

impl AttributePath {
    /// The empty path (the resource itself).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Builds a path from a JSON array of strings and non-negative integers, as Rego rules
    /// return it. Returns `None` for anything else.
    pub fn from_json(value: &Value) -> Option<Self> {
        let items = value.as_array()?;
        let mut segments = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) => segments.push(PathSegment::Key(s.clone())),
                Value::Number(n) => segments.push(PathSegment::Index(usize::try_from(n.as_u64()?).ok()?)),
                _ => return None,
            }
        }
        Some(Self(segments))
    }

    /// The path as a JSON array of keys and indexes (the inverse of [`AttributePath::from_json`]).
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|s| match s {
                    PathSegment::Key(k) => Value::String(k.clone()),
                    PathSegment::Index(i) => Value::from(*i),
                })
                .collect(),
        )
    }

    /// A new path with `key` appended.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Key(key.into()));
        p
    }

    /// A new path with `index` appended.
    pub fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Index(index));
        p
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the root path.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at this path inside `root`, if present.
    pub fn lookup<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut cur = root;
        for seg in &self.0 {
            cur = match seg {
                PathSegment::Key(k) => cur.as_object()?.get(k)?,
                PathSegment::Index(i) => cur.as_array()?.get(*i)?,
            };
        }
        Some(cur)
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Index(n) => write!(f, "[{n}]")?,
                PathSegment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSegment::Key(k) => write!(f, "[{}]", Value::String(k.clone()))?,
            }
        }
        Ok(())
    }
}

impl Serialize for AttributePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// Where one node of a value tree was written, and where its children were.
#[derive(Debug, Clone, Default)]
pub struct SpanNode {
    /// The whole value (for a mapping or sequence: from its first to its last character).
    pub span: ByteSpan,
    /// The key that introduced this value, when it is a mapping entry.
    pub key: Option<ByteSpan>,
    /// Spans of the children, mirroring the value's structure.
    pub children: SpanChildren,
    /// The file `span`, `key` and the descendants' spans refer to, when it differs from the
    /// parent's (`None`: the parent's file; the root's parent is [`Resource::file`]). Built
    /// output (Kustomize overlays, rendered Helm templates) mixes files this way.
    pub origin: Option<Arc<Origin>>,
}

/// Where a subtree of a built resource was written: its file, and the places that explain how
/// it got there (the patch that set it, the `values.yaml` key a template read).
#[derive(Debug)]
pub struct Origin {
    /// The file the subtree's spans refer to.
    pub file: Arc<SourceFile>,
    /// Related locations reported with findings inside the subtree.
    pub related: Vec<(Location, String)>,
}

/// Children of a [`SpanNode`].
#[derive(Debug, Clone, Default)]
pub enum SpanChildren {
    /// A scalar.
    #[default]
    Leaf,
    /// Sequence items in order.
    Seq(Vec<SpanNode>),
    /// Mapping entries in source order (the last of duplicate keys wins, as in the value).
    Map(Vec<(String, SpanNode)>),
}

impl SpanNode {
    /// The child at one path segment.
    pub fn child(&self, seg: &PathSegment) -> Option<&SpanNode> {
        match (&self.children, seg) {
            (SpanChildren::Map(entries), PathSegment::Key(k)) => entries.iter().rev().find(|(name, _)| name == k).map(|(_, n)| n),
            (SpanChildren::Seq(items), PathSegment::Index(i)) => items.get(*i),
            _ => None,
        }
    }

    /// A node without children or origin.
    pub fn leaf(span: ByteSpan) -> Self {
        Self { span, key: None, children: SpanChildren::Leaf, origin: None }
    }

    /// A node with the given key and children, in its parent's file.
    pub fn new(span: ByteSpan, key: Option<ByteSpan>, children: SpanChildren) -> Self {
        Self { span, key, children, origin: None }
    }

    /// The deepest node along `path` and how many segments matched.
    pub fn resolve(&self, path: &AttributePath) -> (&SpanNode, usize) {
        let (node, matched, _) = self.resolve_with_origin(path);
        (node, matched)
    }

    /// Like [`SpanNode::resolve`], also returning the origin in effect at the deepest node
    /// (the nearest one set on it or an ancestor).
    pub fn resolve_with_origin(&self, path: &AttributePath) -> (&SpanNode, usize, Option<&Arc<Origin>>) {
        let mut cur = self;
        let mut origin = self.origin.as_ref();
        for (depth, seg) in path.0.iter().enumerate() {
            match cur.child(seg) {
                Some(next) => {
                    cur = next;
                    origin = next.origin.as_ref().or(origin);
                }
                None => return (cur, depth, origin),
            }
        }
        (cur, path.len(), origin)
    }

    /// The span a finding on this node should highlight: `key: value` for a mapping entry
    /// holding a scalar, the key alone for a mapping entry holding a collection (so the
    /// highlight stays on one line), the value itself otherwise.
    pub fn highlight(&self) -> ByteSpan {
        match (self.key, &self.children) {
            (Some(key), SpanChildren::Leaf) => key.cover(self.span),
            (Some(key), _) => key,
            (None, _) => self.span,
        }
    }
}

/// A file as the scanner read it: its path relative to the scan root and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, with `/` separators (what reports show).
    pub path: Arc<str>,
    /// The file's text.
    pub text: String,
    /// Line starts, for positions.
    pub lines: LineIndex,
}

impl SourceFile {
    /// A source file from its display path and text.
    pub fn new(path: impl Into<Arc<str>>, text: String) -> Self {
        let lines = LineIndex::new(&text);
        Self { path: path.into(), text, lines }
    }

    /// The location of a byte span in this file.
    pub fn location(&self, span: ByteSpan) -> Location {
        Location {
            file: self.path.clone(),
            span,
            start: self.lines.position(&self.text, span.start),
            end: self.lines.position(&self.text, span.end),
        }
    }
}

/// A place in a scanned file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the scan root.
    pub file: Arc<str>,
    /// Byte range.
    #[serde(skip)]
    pub span: ByteSpan,
    /// First character.
    pub start: Position,
    /// One past the last character.
    pub end: Position,
}

/// Which family of infrastructure code a resource belongs to. Rules declare the family they
/// apply to, so a Kubernetes rule is never evaluated on a Terraform resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Kubernetes objects (from YAML or JSON manifests, later also from Helm and Terraform).
    Kubernetes,
    /// Terraform resources.
    Terraform,
    /// AWS IAM policy documents.
    Iam,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Kubernetes => "kubernetes",
            Platform::Terraform => "terraform",
            Platform::Iam => "iam",
        })
    }
}

/// One analyzable object: a Kubernetes object, a Terraform resource instance, a policy.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Platform the resource belongs to.
    pub platform: Platform,
    /// Type of the resource: a Kubernetes `kind` (`Deployment`), a Terraform type.
    pub kind: String,
    /// Namespace where the platform has one (Kubernetes: `default` when unset).
    pub namespace: Option<String>,
    /// Name, when the resource has one.
    pub name: Option<String>,
    /// Logical address, stable across line shifts: `Deployment/default/web`,
    /// `aws_subnet.data["a"]`. Part of every finding's identity.
    pub address: String,
    /// The normalized value tree.
    pub value: Value,
    /// Where each part of `value` was written.
    pub spans: SpanNode,
    /// The file it came from.
    pub file: Arc<SourceFile>,
    /// How the resource was reached, outermost first: for a resource inside a Terraform module,
    /// the module call sites (location, description). Reported as related locations.
    pub call_chain: Vec<(Location, String)>,
}

/// What a threat model needs to know of a resource: identity, where it is, the labels and
/// tags bindings select on, and whether it is reachable from the internet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceSummary {
    /// Platform.
    pub platform: Platform,
    /// Kind or resource type.
    pub kind: String,
    /// Address (see [`Resource::address`]).
    pub address: String,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Where it starts.
    pub location: Location,
    /// Kubernetes labels (`metadata.labels`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Terraform tags (`tags`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
    /// Why it is reachable from the internet, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<String>,
    /// Terraform: the resources its configuration references (`aws_s3_bucket.data`), with
    /// its module prefix, so data flows can be drawn from references.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Kubernetes Service: its pod selector.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub selector: std::collections::BTreeMap<String, String>,
    /// Kubernetes workload: the labels of its pods.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub pod_labels: std::collections::BTreeMap<String, String>,
}

impl Resource {
    /// The resource's summary, with `exposure` as given.
    pub fn summary(&self, exposure: Option<String>) -> ResourceSummary {
        let labels = crate::threat::model::string_map(self.value.get("metadata").and_then(|m| m.get("labels")));
        let tags = if self.platform == Platform::Terraform {
            crate::threat::model::string_map(self.value.get("tags"))
        } else {
            std::collections::BTreeMap::new()
        };
        let (location, _) = self.locate(&AttributePath::root());
        let map = |v: Option<&Value>| crate::threat::model::string_map(v);
        let (references, selector, pod_labels) = match self.platform {
            Platform::Terraform => (crate::threat::exposure::references(self), Default::default(), Default::default()),
            Platform::Kubernetes => {
                let selector =
                    if self.kind == "Service" { map(self.value.get("spec").and_then(|s| s.get("selector"))) } else { Default::default() };
                let pod_labels = match crate::kubernetes::pod_metadata_path_of(&self.kind, &self.value) {
                    Some(path) => map(self.get(&path.key("labels"))),
                    None => Default::default(),
                };
                (Vec::new(), selector, pod_labels)
            }
            Platform::Iam => Default::default(),
        };
        ResourceSummary {
            references,
            selector,
            pod_labels,
            platform: self.platform,
            kind: self.kind.clone(),
            address: self.address.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            location,
            labels,
            tags,
            exposure,
        }
    }

    /// Locates `path` in the source: the attribute itself when present, else its deepest
    /// existing ancestor. The boolean is true when the attribute itself was found.
    pub fn locate(&self, path: &AttributePath) -> (Location, bool) {
        let (node, matched, origin) = self.spans.resolve_with_origin(path);
        let file = origin.map_or(&self.file, |o| &o.file);
        let span = match (node.key, &node.children) {
            // A whole mapping or sequence item (the object that should carry a missing
            // attribute): highlight its first line only, so reports stay readable.
            (None, SpanChildren::Map(_) | SpanChildren::Seq(_)) => {
                let line = file.lines.position(&file.text, node.span.start).line;
                let line_span = file.lines.line_span(&file.text, line);
                ByteSpan::new(node.span.start, line_span.end.min(node.span.end).max(node.span.start))
            }
            _ => node.highlight(),
        };
        (file.location(span), matched == path.len())
    }

    /// Related locations for a finding at `path`: the call chain, then what the origin in
    /// effect there says (the patch or values key that set the value).
    pub fn related_at(&self, path: &AttributePath) -> Vec<(Location, String)> {
        let (_, _, origin) = self.spans.resolve_with_origin(path);
        let mut out = self.call_chain.clone();
        if let Some(o) = origin {
            out.extend(o.related.iter().cloned());
        }
        out
    }

    /// The value at `path`, if present.
    pub fn get(&self, path: &AttributePath) -> Option<&Value> {
        path.lookup(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_display_quotes_odd_keys() {
        let p = AttributePath::root().key("metadata").key("annotations").key("a.b/c").key("x").index(2);
        assert_eq!(p.to_string(), "metadata.annotations[\"a.b/c\"].x[2]");
    }

    #[test]
    fn path_from_json() {
        let p = AttributePath::from_json(&json!(["spec", 0, "x"])).unwrap();
        assert_eq!(p.to_string(), "spec[0].x");
        assert!(AttributePath::from_json(&json!(["spec", -1])).is_none());
        assert!(AttributePath::from_json(&json!("spec")).is_none());
    }

    #[test]
    fn unknown_marker() {
        assert!(is_unknown(&json!({"$unknown": "aws_vpc.main.id"})));
        assert!(!is_unknown(&json!({"$unknown": 1, "b": 2})));
        assert!(!is_unknown(&json!("x")));
    }

    #[test]
    fn origin_switches_files_below_a_node() {
        let base = Arc::new(SourceFile::new("base/deploy.yaml", "kind: Deployment\nspec:\n  replicas: 1\n".to_string()));
        let patch = Arc::new(SourceFile::new("overlay/patch.yaml", "spec:\n  replicas: 3\n".to_string()));
        let overlay = Location {
            file: "overlay/kustomization.yaml".into(),
            span: ByteSpan::new(0, 1),
            start: Position { line: 4, column: 1 },
            end: Position { line: 4, column: 2 },
        };
        let replicas = SpanNode {
            origin: Some(Arc::new(Origin { file: patch.clone(), related: vec![(overlay.clone(), "patched by overlay".into())] })),
            ..SpanNode::new(ByteSpan::new(18, 19), Some(ByteSpan::new(8, 16)), SpanChildren::Leaf)
        };
        let spec =
            SpanNode::new(ByteSpan::new(25, 36), Some(ByteSpan::new(17, 21)), SpanChildren::Map(vec![("replicas".into(), replicas)]));
        let spans = SpanNode::new(ByteSpan::new(0, 36), None, SpanChildren::Map(vec![("spec".into(), spec)]));
        let r = Resource {
            platform: Platform::Kubernetes,
            kind: "Deployment".into(),
            namespace: None,
            name: None,
            address: "Deployment/default/x".into(),
            value: json!({"kind": "Deployment", "spec": {"replicas": 3}}),
            spans,
            file: base.clone(),
            call_chain: Vec::new(),
        };
        let (loc, found) = r.locate(&AttributePath::root().key("spec").key("replicas"));
        assert!(found);
        assert_eq!((&*loc.file, loc.start.line, &patch.text[loc.span.start..loc.span.end]), ("overlay/patch.yaml", 2, "replicas: 3"));
        let related = r.related_at(&AttributePath::root().key("spec").key("replicas"));
        assert_eq!(related, vec![(overlay, "patched by overlay".to_string())]);
        let (loc, _) = r.locate(&AttributePath::root().key("spec"));
        assert_eq!((&*loc.file, loc.start.line), ("base/deploy.yaml", 2));
        assert!(r.related_at(&AttributePath::root().key("spec")).is_empty());
    }
}
