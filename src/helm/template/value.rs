//! The values templates compute with.
//!
//! Like Go's `interface{}` as Helm fills it: nil, bool, int64, float64, string, list, map, plus
//! the host objects Helm puts in `.` (`.Files`, `.Capabilities.APIVersions`). Containers are
//! shared through `Arc`; maps are shared *and mutable* (Sprig's `set`, `unset`, `merge` change
//! the map in place, and charts rely on it), so they sit behind a mutex.
//!
//! Provenance: a value may carry the path of the `values.yaml` key it came from, and a string
//! may carry segments (where each part of its text was emitted by a template).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::Segment;

/// A path in the values tree (`["image", "tag"]`).
pub type ValuesPath = Arc<[String]>;

/// A template value. Cheap to clone: containers are shared.
#[derive(Clone, Default)]
pub struct Value {
    pub(crate) kind: Kind,
    /// The `values.yaml` key this value came from, when it came from `.Values`.
    pub(crate) origin: Option<ValuesPath>,
}

/// Map storage, shared and mutable like a Go map.
pub(crate) type Map = BTreeMap<String, Value>;

#[derive(Clone, Default)]
pub(crate) enum Kind {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text, and where each part of it was emitted (offsets relative to the text), for strings
    /// built by `include`, `tpl`, `toYaml`.
    Str(Arc<str>, Option<Arc<[Segment]>>),
    List(Arc<ListCell>),
    Map(Arc<MapCell>),
    /// `.Files` or the result of `.Files.Glob`: path → content.
    Files(Arc<BTreeMap<String, Arc<[u8]>>>),
    /// `.Capabilities.APIVersions`.
    ApiVersions(Arc<Vec<String>>),
}

/// A list; dropped iteratively (see [`MapCell`]).
pub(crate) struct ListCell(pub(crate) Vec<Value>);

/// A map behind a mutex. Dropping is iterative, so that a value nested a million levels deep
/// (built by a loop of `dict` calls) does not overflow the stack when freed.
pub(crate) struct MapCell(Mutex<Map>);

impl MapCell {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Map> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn drain_into(stack: &mut Vec<Value>, v: Value) {
    match v.kind {
        Kind::Map(m) => {
            if let Ok(cell) = Arc::try_unwrap(m) {
                let map = std::mem::take(&mut *cell.lock());
                stack.extend(map.into_values());
            }
        }
        Kind::List(l) => {
            if let Ok(mut cell) = Arc::try_unwrap(l) {
                stack.append(&mut cell.0);
            }
        }
        _ => {}
    }
}

impl Drop for MapCell {
    fn drop(&mut self) {
        let map = std::mem::take(&mut *self.lock());
        let mut stack: Vec<Value> = map.into_values().collect();
        while let Some(v) = stack.pop() {
            drain_into(&mut stack, v);
        }
    }
}

impl Drop for ListCell {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.0);
        while let Some(v) = stack.pop() {
            drain_into(&mut stack, v);
        }
    }
}

impl Value {
    /// Go's untyped nil (also what a missing map key yields).
    pub fn nil() -> Self {
        Self::default()
    }

    pub(crate) fn of(kind: Kind) -> Self {
        Self { kind, origin: None }
    }

    /// A boolean.
    pub fn bool(b: bool) -> Self {
        Self::of(Kind::Bool(b))
    }

    /// An `int64`.
    pub fn int(i: i64) -> Self {
        Self::of(Kind::Int(i))
    }

    /// A `float64`.
    pub fn float(f: f64) -> Self {
        Self::of(Kind::Float(f))
    }

    /// A string.
    pub fn string(s: impl Into<Arc<str>>) -> Self {
        Self::of(Kind::Str(s.into(), None))
    }

    pub(crate) fn rich(s: String, segs: Vec<Segment>) -> Self {
        if segs.is_empty() { Self::string(s) } else { Self::of(Kind::Str(s.into(), Some(segs.into()))) }
    }

    /// A list.
    pub fn list(items: Vec<Value>) -> Self {
        Self::of(Kind::List(Arc::new(ListCell(items))))
    }

    /// A map (a Go `map[string]interface{}`).
    pub fn map(entries: BTreeMap<String, Value>) -> Self {
        Self::of(Kind::Map(Arc::new(MapCell(Mutex::new(entries)))))
    }

    /// `.Files`: chart files by path relative to the chart root. The engine never reads the
    /// filesystem; only these contents are visible.
    pub fn files(files: BTreeMap<String, Vec<u8>>) -> Self {
        Self::of(Kind::Files(Arc::new(files.into_iter().map(|(k, v)| (k, Arc::from(v))).collect())))
    }

    /// `.Capabilities.APIVersions`: the API versions (`apps/v1`) and resource kinds
    /// (`apps/v1/Deployment`) the cluster serves, for the `Has` method.
    pub fn api_versions(versions: Vec<String>) -> Self {
        Self::of(Kind::ApiVersions(Arc::new(versions)))
    }

    /// Converts JSON as Helm sees values: every number becomes a `float64` (Helm reads values
    /// through JSON, so `replicas: 3` is `3.0` and `printf "%d"` of it prints `%!d(float64=3)`).
    pub fn from_json(json: &serde_json::Value) -> Self {
        from_json_inner(json, None, 0)
    }

    /// Like [`Value::from_json`], and marks every node with its path under `root_path` (use
    /// `&[]` for the `.Values` root), so that output can point at the `values.yaml` key.
    pub fn from_json_with_origin(json: &serde_json::Value, root_path: &[String]) -> Self {
        let mut path = root_path.to_vec();
        from_json_inner(json, Some(&mut path), 0)
    }

    /// The `values.yaml` path this value came from, if any.
    pub fn origin(&self) -> Option<&[String]> {
        self.origin.as_deref()
    }

    pub(crate) fn with_origin(mut self, origin: Option<ValuesPath>) -> Self {
        if self.origin.is_none() {
            self.origin = origin;
        }
        self
    }

    /// Looks up a key of a map value (a copy of the shared entry).
    pub fn get(&self, key: &str) -> Option<Value> {
        match &self.kind {
            Kind::Map(m) => m.lock().get(key).cloned(),
            _ => None,
        }
    }

    /// Inserts into a map value (visible through every copy, as in Go). No-op on non-maps.
    pub fn insert(&self, key: impl Into<String>, v: Value) {
        if let Kind::Map(m) = &self.kind {
            m.lock().insert(key.into(), v);
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_nil(&self) -> bool {
        matches!(self.kind, Kind::Nil)
    }

    /// Go's truth: false, 0, nil, and empty strings, lists and maps are false.
    pub fn truthy(&self) -> bool {
        match &self.kind {
            Kind::Nil => false,
            Kind::Bool(b) => *b,
            Kind::Int(i) => *i != 0,
            Kind::Float(f) => *f != 0.0,
            Kind::Str(s, _) => !s.is_empty(),
            Kind::List(l) => !l.0.is_empty(),
            Kind::Map(m) => !m.lock().is_empty(),
            Kind::Files(f) => !f.is_empty(),
            Kind::ApiVersions(_) => true,
        }
    }

    /// The Go type name (`typeOf`).
    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Nil => "<nil>",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float64",
            Kind::Str(..) => "string",
            Kind::List(_) => "[]interface {}",
            Kind::Map(_) => "map[string]interface {}",
            Kind::Files(_) => "chart.Files",
            Kind::ApiVersions(_) => "chartutil.VersionSet",
        }
    }

    /// The Go kind name (`kindOf`).
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Nil => "invalid",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float64",
            Kind::Str(..) => "string",
            Kind::List(_) | Kind::ApiVersions(_) => "slice",
            Kind::Map(_) | Kind::Files(_) => "map",
        }
    }

    pub(crate) fn list_items(&self) -> Option<Vec<Value>> {
        match &self.kind {
            Kind::List(l) => Some(l.0.clone()),
            Kind::ApiVersions(v) => Some(v.iter().map(|s| Value::string(s.as_str())).collect()),
            _ => None,
        }
    }

    /// A snapshot of a map's entries.
    pub(crate) fn map_entries(&self) -> Option<Map> {
        match &self.kind {
            Kind::Map(m) => Some(m.lock().clone()),
            _ => None,
        }
    }

    /// Converts to JSON (bounded depth; deeper parts become null).
    pub fn to_json(&self) -> serde_json::Value {
        to_json_inner(self, 0)
    }
}

/// Deepest nesting the recursive value walkers (printing, `toYaml`, `deepCopy`, ...) follow.
pub(crate) const MAX_VALUE_DEPTH: usize = 200;

fn from_json_inner(json: &serde_json::Value, mut path: Option<&mut Vec<String>>, depth: usize) -> Value {
    use serde_json::Value as J;
    let origin = path.as_ref().map(|p| ValuesPath::from(p.as_slice()));
    let kind = match json {
        J::Null => Kind::Nil,
        J::Bool(b) => Kind::Bool(*b),
        J::Number(n) => Kind::Float(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Kind::Str(s.as_str().into(), None),
        _ if depth >= MAX_VALUE_DEPTH => Kind::Nil,
        J::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let v = match path.as_deref_mut() {
                    Some(p) => {
                        p.push(i.to_string());
                        let v = from_json_inner(item, Some(p), depth + 1);
                        p.pop();
                        v
                    }
                    None => from_json_inner(item, None, depth + 1),
                };
                out.push(v);
            }
            Kind::List(Arc::new(ListCell(out)))
        }
        J::Object(entries) => {
            let mut out = Map::new();
            for (k, item) in entries {
                let v = match path.as_deref_mut() {
                    Some(p) => {
                        p.push(k.clone());
                        let v = from_json_inner(item, Some(p), depth + 1);
                        p.pop();
                        v
                    }
                    None => from_json_inner(item, None, depth + 1),
                };
                out.insert(k.clone(), v);
            }
            Kind::Map(Arc::new(MapCell(Mutex::new(out))))
        }
    };
    Value { kind, origin }
}

fn to_json_inner(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    match &v.kind {
        Kind::Nil => J::Null,
        Kind::Bool(b) => J::Bool(*b),
        Kind::Int(i) => J::from(*i),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Kind::Str(s, _) => J::String(s.to_string()),
        _ if depth >= MAX_VALUE_DEPTH => J::Null,
        Kind::List(l) => J::Array(l.0.iter().map(|x| to_json_inner(x, depth + 1)).collect()),
        Kind::ApiVersions(l) => J::Array(l.iter().map(|x| J::String(x.clone())).collect()),
        Kind::Map(m) => {
            let entries = m.lock().clone();
            J::Object(entries.iter().map(|(k, x)| (k.clone(), to_json_inner(x, depth + 1))).collect())
        }
        Kind::Files(f) => J::Object(f.keys().map(|k| (k.clone(), J::Null)).collect()),
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::fmt::go_string(self))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::string(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::bool(b)
    }
}
