//! Chart values: coalescing the way Helm does it, `--set` syntax, and provenance.
//!
//! Every values tree travels with an [`Origins`] tree of the same shape that records where each
//! key and leaf was written (a `values.yaml`, a `--helm-values` file, a `--helm-set`
//! expression), so a finding on a rendered manifest can point at the value that caused it.
//!
//! Precedence follows Helm 3: user values (files in order, then `--set`, then `--set-string`)
//! over the parent chart's values over values imported from subcharts over subchart defaults.
//! A `null` written over a default deletes the key; `global` is copied from parent to
//! subchart, the parent's globals winning.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::model::{Location, SourceFile, SpanChildren, SpanNode};
use crate::source::ByteSpan;

/// Most nesting a values tree may have when we walk it (YAML input is already bounded at 256).
const MAX_DEPTH: usize = 256;
/// Largest list index `--set` may create (Helm refuses more than 65,536 too).
const MAX_SET_INDEX: usize = 65_536;
/// Most list slots one `--set` expression may create in all.
const MAX_SET_SLOTS: usize = 1 << 20;

/// Where each key and leaf of a values tree was written. Array items are keyed by their index.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// This node's location.
    pub here: Option<Location>,
    /// Children by key (or index, as a decimal string).
    pub children: BTreeMap<String, Origins>,
    /// A `null` that deleted a default: it stays while coalescing (so the key stays deleted in
    /// every subchart level below) and is removed by [`strip_deleted`].
    pub deleted: bool,
}

impl Origins {
    /// One location for a whole subtree (a `--set` expression writes all of it).
    pub fn uniform(value: &Value, location: &Location) -> Origins {
        Self::uniform_at(value, location, 0)
    }

    fn uniform_at(value: &Value, location: &Location, depth: usize) -> Origins {
        let mut o = Origins { here: Some(location.clone()), ..Origins::default() };
        if depth < MAX_DEPTH {
            match value {
                Value::Object(m) => {
                    for (k, v) in m {
                        o.children.insert(k.clone(), Self::uniform_at(v, location, depth + 1));
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        o.children.insert(i.to_string(), Self::uniform_at(v, location, depth + 1));
                    }
                }
                _ => {}
            }
        }
        o
    }

    /// Origins of a parsed YAML document: each mapping entry at its `key: value`, each item at
    /// itself.
    pub fn from_spans(file: &SourceFile, spans: &SpanNode) -> Origins {
        Self::from_spans_at(file, spans, 0)
    }

    fn from_spans_at(file: &SourceFile, spans: &SpanNode, depth: usize) -> Origins {
        let mut o = Origins { here: Some(file.location(spans.highlight())), ..Origins::default() };
        if depth < MAX_DEPTH {
            match &spans.children {
                SpanChildren::Leaf => {}
                SpanChildren::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        o.children.insert(i.to_string(), Self::from_spans_at(file, item, depth + 1));
                    }
                }
                SpanChildren::Map(entries) => {
                    for (k, node) in entries {
                        o.children.insert(k.clone(), Self::from_spans_at(file, node, depth + 1));
                    }
                }
            }
        }
        o
    }

    /// The origins at `path`, if recorded.
    pub fn get(&self, path: &[String]) -> Option<&Origins> {
        let mut cur = self;
        for seg in path {
            cur = cur.children.get(seg)?;
        }
        Some(cur)
    }

    /// Where the value at `path` was written.
    pub fn origin(&self, path: &[String]) -> Option<Location> {
        self.get(path).and_then(|o| o.here.clone())
    }

    /// Where the value at `path` or its deepest recorded ancestor was written.
    pub fn nearest(&self, path: &[String]) -> Option<Location> {
        let mut cur = self;
        let mut best = self.here.clone();
        for seg in path {
            match cur.children.get(seg) {
                Some(next) => {
                    cur = next;
                    if next.here.is_some() {
                        best = next.here.clone();
                    }
                }
                None => break,
            }
        }
        best
    }

    fn child_mut(&mut self, key: &str) -> &mut Origins {
        self.children.entry(key.to_string()).or_default()
    }
}

/// A values tree with its provenance.
#[derive(Debug, Clone)]
pub struct Values {
    /// The values (always an object at the root).
    pub value: Value,
    /// Where they were written.
    pub origins: Origins,
}

impl Default for Values {
    fn default() -> Self {
        Self { value: Value::Object(Map::new()), origins: Origins::default() }
    }
}

impl Values {
    /// The map at the root (a non-object root is treated as empty).
    pub fn map(&self) -> Option<&Map<String, Value>> {
        self.value.as_object()
    }
}

/// Merges `src` over `dst`, `src` winning: maps merge recursively, anything else is replaced
/// (how Helm merges `--values` files and `--set` expressions into one user tree).
pub fn merge_over(dst: &mut Values, src: &Values) {
    merge_over_at(&mut dst.value, &mut dst.origins, &src.value, &src.origins, 0);
}

fn merge_over_at(dst: &mut Value, dst_o: &mut Origins, src: &Value, src_o: &Origins, depth: usize) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) if depth < MAX_DEPTH => {
            if src_o.here.is_some() && dst_o.here.is_none() {
                dst_o.here = src_o.here.clone();
            }
            let empty = Origins::default();
            for (k, sv) in s {
                let so = src_o.children.get(k).unwrap_or(&empty);
                match d.get_mut(k) {
                    Some(dv @ Value::Object(_)) if sv.is_object() => merge_over_at(dv, dst_o.child_mut(k), sv, so, depth + 1),
                    _ => {
                        d.insert(k.clone(), sv.clone());
                        dst_o.children.insert(k.clone(), so.clone());
                    }
                }
            }
        }
        (d, s) => {
            *d = s.clone();
            *dst_o = src_o.clone();
        }
    }
}

/// Coalesces defaults `src` under `dst`, `dst` winning (Helm's `coalesceTables`): keys missing in
/// `dst` are copied from `src`, maps present in both merge recursively, and a `null` in `dst`
/// over a key of `src` deletes the key. Type clashes keep `dst` and are returned as paths.
pub fn coalesce_under(dst: &mut Values, src: &Values) -> Vec<String> {
    let mut clashes = Vec::new();
    if !dst.value.is_object() {
        dst.value = Value::Object(Map::new());
    }
    coalesce_at(&mut dst.value, &mut dst.origins, &src.value, &src.origins, 0, &mut String::new(), &mut clashes);
    clashes
}

fn coalesce_at(
    dst: &mut Value,
    dst_o: &mut Origins,
    src: &Value,
    src_o: &Origins,
    depth: usize,
    path: &mut String,
    clashes: &mut Vec<String>,
) {
    let (Value::Object(d), Value::Object(s)) = (dst, src) else { return };
    if depth >= MAX_DEPTH {
        return;
    }
    if dst_o.here.is_none() {
        dst_o.here = src_o.here.clone();
    }
    for (k, sv) in s {
        match d.get_mut(k) {
            Some(Value::Null) => dst_o.child_mut(k).deleted = true,
            None => {
                d.insert(k.clone(), sv.clone());
                dst_o.children.insert(k.clone(), src_o.children.get(k).cloned().unwrap_or_default());
            }
            Some(dv @ Value::Object(_)) if sv.is_object() => {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let empty = Origins::default();
                let so = src_o.children.get(k).unwrap_or(&empty);
                coalesce_at(dv, dst_o.child_mut(k), sv, so, depth + 1, path, clashes);
                path.truncate(len);
            }
            Some(dv) => {
                if dv.is_object() != sv.is_object() && !sv.is_null() {
                    clashes.push(if path.is_empty() { k.clone() } else { format!("{path}.{k}") });
                }
            }
        }
    }
}

/// Removes the `null`s that deleted defaults (see [`Origins::deleted`]).
pub fn strip_deleted(values: &mut Values) {
    strip_at(&mut values.value, &mut values.origins, 0);
}

fn strip_at(value: &mut Value, origins: &mut Origins, depth: usize) {
    let Value::Object(m) = value else { return };
    if depth >= MAX_DEPTH {
        return;
    }
    let deleted: Vec<String> =
        origins.children.iter().filter(|(k, o)| o.deleted && m.get(*k).is_some_and(Value::is_null)).map(|(k, _)| k.clone()).collect();
    for k in deleted {
        m.shift_remove(&k);
        origins.children.remove(&k);
    }
    for (k, v) in m.iter_mut() {
        if let Some(o) = origins.children.get_mut(k) {
            strip_at(v, o, depth + 1);
        }
    }
}

/// Copies the parent's `global` into the subchart's values (Helm's `coalesceGlobals`): parent
/// globals win; global maps merge.
pub fn coalesce_globals(sub: &mut Values, parent_global: Option<(&Value, &Origins)>) {
    // A subchart always gets a `global` map, even when no chart writes one (as in Helm).
    let empty = (Value::Object(Map::new()), Origins::default());
    let (pg, pg_o) = match parent_global {
        Some((Value::Object(pg), pg_o)) => (pg, pg_o),
        Some(_) => return,
        None => match &empty {
            (Value::Object(pg), pg_o) => (pg, pg_o),
            _ => return,
        },
    };
    let Some(sub_map) = sub.value.as_object_mut() else { return };
    let entry = sub_map.entry("global").or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        return;
    }
    let sub_o = sub.origins.child_mut("global");
    if sub_o.here.is_none() {
        sub_o.here = pg_o.here.clone();
    }
    let Some(sg) = entry.as_object_mut() else { return };
    for (k, pv) in pg {
        let po = pg_o.children.get(k).cloned().unwrap_or_default();
        match sg.get_mut(k) {
            Some(sv @ Value::Object(_)) if pv.is_object() => {
                // Parent wins: coalesce the subchart's map under a copy of the parent's.
                let mut merged = Values { value: pv.clone(), origins: po };
                let mine = Values { value: sv.clone(), origins: sub_o.children.get(k).cloned().unwrap_or_default() };
                coalesce_under(&mut merged, &mine);
                *sv = merged.value;
                sub_o.children.insert(k.clone(), merged.origins);
            }
            Some(Value::Object(_)) => {} // a subchart map is not replaced by a parent scalar
            _ => {
                sg.insert(k.clone(), pv.clone());
                sub_o.children.insert(k.clone(), po);
            }
        }
    }
}

/// The value at a dotted `path` (`a.b.c`) in `root`.
pub fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut cur = root;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Splits a dotted values path (`a.b.c`) into segments; empty segments are dropped.
pub fn split_path(path: &str) -> Vec<String> {
    path.split('.').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Sets `value` (with its origins) at `path` inside `dst`, creating maps on the way; the root
/// for an empty path (a map value is then merged over the root).
pub fn set_at(dst: &mut Values, path: &[String], value: Values) {
    if path.is_empty() {
        merge_over(dst, &value);
        return;
    }
    let mut cur = &mut dst.value;
    let mut cur_o = &mut dst.origins;
    for (i, seg) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(m) = cur else { return };
        if i + 1 == path.len() {
            m.insert(seg.clone(), value.value);
            cur_o.children.insert(seg.clone(), value.origins);
            return;
        }
        cur = m.entry(seg.clone()).or_insert_with(|| Value::Object(Map::new()));
        cur_o = cur_o.child_mut(seg);
    }
}

/// One step of a `--set` key.
#[derive(Debug, Clone, PartialEq)]
enum SetSeg {
    Key(String),
    Index(usize),
}

/// One `key=value` assignment of a `--set` expression, with its byte range in the expression.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAssignment {
    path: Vec<SetSeg>,
    /// The value assigned.
    pub value: Value,
    /// Where the assignment is in the expression.
    pub span: ByteSpan,
}

/// Parses a `--set` (or, with `string_only`, `--set-string`) expression into a values map,
/// with Helm's syntax: `a.b=1,c[0]=x,d={e,f}`, `\.` and `\,` escapes, and type inference for
/// integers, booleans and `null` (not for `--set-string`).
pub fn parse_set(expr: &str, string_only: bool) -> Result<Value, String> {
    let mut root = Value::Object(Map::new());
    let mut slots = 0;
    for a in parse_set_assignments(expr, string_only)? {
        apply_set(&mut root, &a.path, a.value, &mut slots)?;
    }
    Ok(root)
}

/// Parses a `--set` expression into its assignments.
pub fn parse_set_assignments(expr: &str, string_only: bool) -> Result<Vec<SetAssignment>, String> {
    let chars: Vec<(usize, char)> = expr.char_indices().collect();
    let mut i = 0usize;
    let mut out = Vec::new();
    while i < chars.len() {
        let start = chars.get(i).map_or(expr.len(), |c| c.0);
        // Key: segments separated by `.`, with `[n]` indices.
        let mut path = Vec::new();
        let mut key = String::new();
        let mut key_started = false;
        loop {
            let Some(&(_, c)) = chars.get(i) else {
                return Err(format!("key `{}` has no value", &expr[start..]));
            };
            match c {
                '\\' => {
                    let Some(&(_, next)) = chars.get(i + 1) else { return Err("a trailing `\\` escapes nothing".into()) };
                    key.push(next);
                    key_started = true;
                    i += 2;
                }
                '.' => {
                    if key_started {
                        path.push(SetSeg::Key(std::mem::take(&mut key)));
                        key_started = false;
                    } else if !matches!(path.last(), Some(SetSeg::Index(_))) {
                        return Err(format!("key `{}` has an empty segment", &expr[start..]));
                    }
                    i += 1;
                }
                '[' => {
                    if key_started {
                        path.push(SetSeg::Key(std::mem::take(&mut key)));
                        key_started = false;
                    } else if path.is_empty() {
                        return Err(format!("key `{}` starts with a list index", &expr[start..]));
                    }
                    let close = chars[i..].iter().position(|&(_, c)| c == ']').map(|p| p + i);
                    let Some(close) = close else { return Err(format!("unclosed `[` in `{}`", &expr[start..])) };
                    let digits: String = chars[i + 1..close].iter().map(|&(_, c)| c).collect();
                    let index: usize = digits.trim().parse().map_err(|_| format!("`[{digits}]` is not a list index"))?;
                    if index > MAX_SET_INDEX {
                        return Err(format!("list index {index} is over the limit of {MAX_SET_INDEX}"));
                    }
                    path.push(SetSeg::Index(index));
                    i = close + 1;
                }
                '=' => {
                    if key_started {
                        path.push(SetSeg::Key(std::mem::take(&mut key)));
                    } else if !matches!(path.last(), Some(SetSeg::Index(_))) {
                        return Err(format!("empty key before `=` in `{}`", &expr[start..]));
                    }
                    i += 1;
                    break;
                }
                ',' => return Err(format!("key `{}` has no value", &expr[start..chars[i].0])),
                c => {
                    key.push(c);
                    key_started = true;
                    i += 1;
                }
            }
        }
        // Value: a `{a,b}` list or a scalar up to the next unescaped comma.
        let value = if chars.get(i).is_some_and(|&(_, c)| c == '{') {
            i += 1;
            let mut items = Vec::new();
            let mut cur = String::new();
            let mut closed = false;
            while let Some(&(_, c)) = chars.get(i) {
                i += 1;
                match c {
                    '\\' => {
                        if let Some(&(_, next)) = chars.get(i) {
                            cur.push(next);
                            i += 1;
                        }
                    }
                    ',' => items.push(typed(&std::mem::take(&mut cur), string_only)),
                    '}' => {
                        if !cur.is_empty() || !items.is_empty() {
                            items.push(typed(&std::mem::take(&mut cur), string_only));
                        }
                        closed = true;
                        break;
                    }
                    c => cur.push(c),
                }
            }
            if !closed {
                return Err(format!("unclosed `{{` in `{}`", &expr[start..]));
            }
            if let Some(&(_, c)) = chars.get(i)
                && c != ','
            {
                return Err(format!("unexpected `{c}` after a list in `{}`", &expr[start..]));
            }
            Value::Array(items)
        } else {
            let mut cur = String::new();
            while let Some(&(_, c)) = chars.get(i) {
                if c == ',' {
                    break;
                }
                if c == '\\'
                    && let Some(&(_, next)) = chars.get(i + 1)
                {
                    cur.push(next);
                    i += 2;
                    continue;
                }
                cur.push(c);
                i += 1;
            }
            typed(&cur, string_only)
        };
        let end = chars.get(i).map_or(expr.len(), |c| c.0);
        out.push(SetAssignment { path, value, span: ByteSpan::new(start, end) });
        i += 1; // the comma
    }
    Ok(out)
}

/// Helm's `--set` type inference: `true`/`false` (any case), `null`, and integers without a
/// leading zero become typed values; everything else (floats included) stays a string.
fn typed(s: &str, string_only: bool) -> Value {
    if string_only {
        return Value::String(s.to_string());
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if s == "0" {
        return Value::from(0);
    }
    // Like Go's strconv.ParseInt after Helm's check: a sign is allowed, a leading zero is not
    // (`007` stays a string, `-07` and `+5` are integers).
    if !s.starts_with('0')
        && let Ok(n) = s.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::String(s.to_string())
}

fn apply_set(root: &mut Value, path: &[SetSeg], value: Value, slots: &mut usize) -> Result<(), String> {
    let mut cur = root;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match seg {
            SetSeg::Key(k) => {
                if !cur.is_object() {
                    *cur = Value::Object(Map::new());
                }
                let Value::Object(m) = cur else { return Err("internal: not a map".into()) };
                if last {
                    m.insert(k.clone(), value);
                    return Ok(());
                }
                let next_is_index = matches!(path.get(i + 1), Some(SetSeg::Index(_)));
                cur =
                    m.entry(k.clone()).or_insert_with(|| if next_is_index { Value::Array(Vec::new()) } else { Value::Object(Map::new()) });
            }
            SetSeg::Index(n) => {
                if !cur.is_array() {
                    *cur = Value::Array(Vec::new());
                }
                let Value::Array(items) = cur else { return Err("internal: not a list".into()) };
                if items.len() <= *n {
                    *slots += n + 1 - items.len();
                    if *slots > MAX_SET_SLOTS {
                        return Err(format!("list indices create more than {MAX_SET_SLOTS} items"));
                    }
                    items.resize(n + 1, Value::Null);
                }
                let Some(slot) = items.get_mut(*n) else { return Err("internal: index".into()) };
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
        }
    }
    Ok(())
}

/// The user values from `--helm-set`/`--helm-set-string` expressions, each assignment with a
/// location in a pseudo-file named after the flag whose text is the expression.
pub fn set_values(expr: &str, string_only: bool, ordinal: usize) -> Result<Values, String> {
    let flag = if string_only { "--helm-set-string" } else { "--helm-set" };
    let file = Arc::new(SourceFile::new(format!("<{flag} #{ordinal}>"), expr.to_string()));
    let mut out = Values::default();
    let mut slots = 0;
    for a in parse_set_assignments(expr, string_only)? {
        let mut one = Value::Object(Map::new());
        apply_set(&mut one, &a.path, a.value, &mut slots)?;
        let loc = file.location(a.span);
        let origins = Origins::uniform(&one, &loc);
        // The root of the pseudo tree is not written by this assignment.
        let origins = Origins { here: None, children: origins.children, deleted: false };
        merge_over(&mut out, &Values { value: one, origins });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_syntax() {
        assert_eq!(
            parse_set("a.b=1,c=true,d=null,e=0.5,f=007,g=", false).unwrap(),
            json!({"a":{"b":1},"c":true,"d":null,"e":"0.5","f":"007","g":""})
        );
        assert_eq!(parse_set("list={a,2,false}", false).unwrap(), json!({"list":["a",2,false]}));
        assert_eq!(parse_set("list={a,2}", true).unwrap(), json!({"list":["a","2"]}));
        assert_eq!(parse_set("a[1]=x,a[0].b=y", false).unwrap(), json!({"a":[{"b":"y"},"x"]}));
        assert_eq!(
            parse_set(r"nodeSelector.kubernetes\.io/role=master", false).unwrap(),
            json!({"nodeSelector":{"kubernetes.io/role":"master"}})
        );
        assert_eq!(parse_set(r"name=value1\,value2", false).unwrap(), json!({"name":"value1,value2"}));
        assert_eq!(parse_set("n=-3,m=True,s=1", true).unwrap(), json!({"n":"-3","m":"True","s":"1"}));
        assert_eq!(parse_set("n=-3,empty={}", false).unwrap(), json!({"n":-3,"empty":[]}));
        assert_eq!(
            parse_set("a=+5,b=-07,c=9223372036854775808,d=1e3", false).unwrap(),
            json!({"a":5,"b":-7,"c":"9223372036854775808","d":"1e3"})
        );
        assert_eq!(parse_set("a[0][1]=z", false).unwrap(), json!({"a":[[null,"z"]]}));
    }

    #[test]
    fn set_errors() {
        assert_eq!(parse_set("a", false).unwrap_err(), "key `a` has no value");
        assert_eq!(parse_set("a,b=1", false).unwrap_err(), "key `a` has no value");
        assert_eq!(parse_set("a..b=1", false).unwrap_err(), "key `a..b=1` has an empty segment");
        assert_eq!(parse_set("=1", false).unwrap_err(), "empty key before `=` in `=1`");
        assert_eq!(parse_set("a[x]=1", false).unwrap_err(), "`[x]` is not a list index");
        assert_eq!(parse_set("a[70000]=1", false).unwrap_err(), "list index 70000 is over the limit of 65536");
        assert_eq!(parse_set("a={b,c", false).unwrap_err(), "unclosed `{` in `a={b,c`");
        assert_eq!(parse_set("a[0=1", false).unwrap_err(), "unclosed `[` in `a[0=1`");
        let many: Vec<String> = (0..20).map(|i| format!("k{i}[60000]=1")).collect();
        assert_eq!(parse_set(&many.join(","), false).unwrap_err(), "list indices create more than 1048576 items");
    }

    #[test]
    fn random_set_expressions_never_panic() {
        let alphabet: Vec<char> = "ab.[]0=,{}\\é9-".chars().collect();
        let mut seed: u64 = 42;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(seed % 12) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                s.push(alphabet[((seed >> 33) as usize) % alphabet.len()]);
            }
            seed = seed.wrapping_add(7);
            let _ = parse_set(&s, false);
            let _ = set_values(&s, true, 1);
        }
    }

    #[test]
    fn set_origins_point_at_each_assignment() {
        let v = set_values("a.b=1,c=2", false, 1).unwrap();
        let loc = v.origins.origin(&["c".into()]).unwrap();
        assert_eq!(&*loc.file, "<--helm-set #1>");
        assert_eq!((loc.span.start, loc.span.end), (6, 9));
        let loc = v.origins.origin(&["a".into(), "b".into()]).unwrap();
        assert_eq!((loc.span.start, loc.span.end), (0, 5));
    }

    fn plain(v: Value) -> Values {
        Values { value: v, origins: Origins::default() }
    }

    #[test]
    fn coalesce_keeps_dst_and_deletes_nulls() {
        let mut dst = plain(json!({"a": 1, "m": {"x": null, "y": 2}, "gone": null, "clash": "s"}));
        let src = plain(json!({"a": 9, "b": 3, "m": {"x": 1, "z": 4}, "gone": {"k": 1}, "clash": {"k": 1}}));
        let clashes = coalesce_under(&mut dst, &src);
        strip_deleted(&mut dst);
        assert_eq!(dst.value, json!({"a": 1, "m": {"y": 2, "z": 4}, "clash": "s", "b": 3}));
        assert_eq!(clashes, ["clash"]);
    }

    #[test]
    fn merge_over_replaces_lists_and_merges_maps() {
        let mut dst = plain(json!({"a": {"b": 1, "c": [1, 2]}, "d": 1}));
        merge_over(&mut dst, &plain(json!({"a": {"c": [3]}, "d": {"e": 1}})));
        assert_eq!(dst.value, json!({"a": {"b": 1, "c": [3]}, "d": {"e": 1}}));
    }

    #[test]
    fn globals_parent_wins_and_maps_merge() {
        let mut sub = plain(json!({"global": {"a": "sub", "m": {"x": 1, "y": 1}, "only": 1}}));
        let parent = json!({"a": "parent", "m": {"x": 2}, "p": true});
        coalesce_globals(&mut sub, Some((&parent, &Origins::default())));
        assert_eq!(sub.value, json!({"global": {"a": "parent", "m": {"x": 2, "y": 1}, "only": 1, "p": true}}));
        let mut bare = plain(json!({"k": 1}));
        coalesce_globals(&mut bare, None);
        assert_eq!(bare.value, json!({"k": 1, "global": {}}));
    }
}
