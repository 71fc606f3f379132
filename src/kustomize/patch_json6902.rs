//! JSON patches (RFC 6902): `add`, `remove`, `replace`, `move`, `copy` and `test` operations
//! with JSON-pointer paths (RFC 6901, `~0`/`~1` escapes, `-` to append). Added values keep the
//! patch file's origin; a failed operation is an error naming the operation's index.

use super::tree::{Kind, Node};

/// Bounds on what a JSON patch may build: `copy` can double a tree with each operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Most nodes the patched object may hold.
    pub nodes: usize,
    /// Deepest nesting the patched object may reach (the parser's bound, so that every
    /// recursive walk of a tree stays bounded).
    pub depth: usize,
}

/// Applies `ops` (a list of operation mappings) to `target`, in order. Stops at the first
/// failing operation: earlier ones stay applied, as they would in no real build, so the caller
/// reports the error.
pub(crate) fn apply(target: &mut Node, ops: &Node, budget: Budget) -> Result<(), String> {
    let Kind::Seq(list) = &ops.kind else { return Err("a JSON patch must be a list of operations".to_string()) };
    let mut nodes = target.count();
    for (i, op) in list.iter().enumerate() {
        let added = match (op.str_at(&["op"]), op.get("value")) {
            (Some("add" | "replace"), Some(v)) => (v.count(), depth(v)),
            (Some("copy"), _) => {
                let from = op.str_at(&["from"]).map(parse_pointer).transpose().map_err(|e| format!("operation {i}: {e}"))?;
                from.and_then(|f| lookup(target, &f).map(|v| (v.count(), depth(v)))).unwrap_or((0, 0))
            }
            (Some("move"), _) => {
                let from = op.str_at(&["from"]).map(parse_pointer).transpose().map_err(|e| format!("operation {i}: {e}"))?;
                (0, from.and_then(|f| lookup(target, &f).map(depth)).unwrap_or(0))
            }
            _ => (0, 0),
        };
        let path_len = op.str_at(&["path"]).map(|p| p.matches('/').count()).unwrap_or(0);
        if path_len + added.1 > budget.depth {
            return Err(format!("operation {i}: the result would nest deeper than {} levels", budget.depth));
        }
        nodes = nodes.saturating_add(added.0);
        if nodes > budget.nodes {
            return Err(format!("operation {i}: the object would exceed {} value nodes", budget.nodes));
        }
        apply_one(target, op).map_err(|e| format!("operation {i}: {e}"))?;
    }
    Ok(())
}

/// Nesting depth of a tree (trees are bounded by the parser's depth, so recursion is safe).
fn depth(n: &Node) -> usize {
    1 + match &n.kind {
        Kind::Scalar(_) => 0,
        Kind::Seq(items) => items.iter().map(depth).max().unwrap_or(0),
        Kind::Map(entries) => entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
    }
}

fn apply_one(target: &mut Node, op: &Node) -> Result<(), String> {
    let name = op.str_at(&["op"]).ok_or("missing \"op\"")?;
    let path = parse_pointer(op.str_at(&["path"]).ok_or("missing \"path\"")?)?;
    match name {
        "add" => add(target, &path, op.get("value").ok_or("missing \"value\"")?.clone()),
        "remove" => remove(target, &path).map(|_| ()),
        "replace" => {
            let value = op.get("value").ok_or("missing \"value\"")?.clone();
            match lookup_mut(target, &path) {
                Some(slot) => {
                    *slot = with_key_of(value, slot);
                    Ok(())
                }
                // Kustomize's JSON patch library replaces a missing mapping key by adding it.
                None => add(target, &path, value),
            }
        }
        "move" => {
            let from = parse_pointer(op.str_at(&["from"]).ok_or("missing \"from\"")?)?;
            if path.len() > from.len() && path[..from.len()] == from[..] {
                return Err("cannot move a value into itself".to_string());
            }
            let value = remove(target, &from)?;
            add(target, &path, value)
        }
        "copy" => {
            let from = parse_pointer(op.str_at(&["from"]).ok_or("missing \"from\"")?)?;
            let value = lookup(target, &from).ok_or_else(|| format!("path {} does not exist", show(&from)))?.clone();
            add(target, &path, value)
        }
        "test" => {
            let want = op.get("value").ok_or("missing \"value\"")?.to_value();
            let have = lookup(target, &path).map(Node::to_value);
            if have.as_ref() == Some(&want) { Ok(()) } else { Err(format!("test failed at {}", show(&path))) }
        }
        other => Err(format!("unknown operation {other:?}")),
    }
}

/// Keeps the replaced node's key span (the key was written where the node was).
fn with_key_of(mut value: Node, old: &Node) -> Node {
    if value.key.is_none() && std::sync::Arc::ptr_eq(&value.origin, &old.origin) {
        value.key = old.key;
    }
    value
}

fn show(path: &[String]) -> String {
    path.iter().map(|s| format!("/{s}")).collect()
}

/// Splits a JSON pointer into unescaped tokens.
pub(crate) fn parse_pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let rest = p.strip_prefix('/').ok_or_else(|| format!("path {p:?} does not start with \"/\""))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn lookup<'a>(node: &'a Node, path: &[String]) -> Option<&'a Node> {
    let mut cur = node;
    for tok in path {
        cur = match &cur.kind {
            Kind::Map(_) => cur.get(tok)?,
            Kind::Seq(items) => items.get(tok.parse::<usize>().ok()?)?,
            Kind::Scalar(_) => return None,
        };
    }
    Some(cur)
}

fn lookup_mut<'a>(node: &'a mut Node, path: &[String]) -> Option<&'a mut Node> {
    let mut cur = node;
    for tok in path {
        cur = match &mut cur.kind {
            Kind::Map(entries) => entries.iter_mut().find(|(k, _)| k == tok).map(|(_, n)| n)?,
            Kind::Seq(items) => items.get_mut(tok.parse::<usize>().ok()?)?,
            Kind::Scalar(_) => return None,
        };
    }
    Some(cur)
}

fn add(target: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let Some((last, parent_path)) = path.split_last() else {
        *target = value;
        return Ok(());
    };
    let parent = lookup_mut(target, parent_path).ok_or_else(|| format!("path {} does not exist", show(parent_path)))?;
    match &mut parent.kind {
        Kind::Map(entries) => {
            match entries.iter_mut().find(|(k, _)| k == last) {
                Some((_, slot)) => *slot = value,
                None => entries.push((last.clone(), value)),
            }
            Ok(())
        }
        Kind::Seq(items) => {
            let at = if last == "-" { items.len() } else { last.parse::<usize>().map_err(|_| format!("bad index {last:?}"))? };
            if at > items.len() {
                return Err(format!("index {at} is past the end of {}", show(parent_path)));
            }
            items.insert(at, value);
            Ok(())
        }
        Kind::Scalar(_) => Err(format!("{} is not a mapping or a list", show(parent_path))),
    }
}

fn remove(target: &mut Node, path: &[String]) -> Result<Node, String> {
    let (last, parent_path) = path.split_last().ok_or("cannot remove the whole object")?;
    let parent = lookup_mut(target, parent_path).ok_or_else(|| format!("path {} does not exist", show(parent_path)))?;
    match &mut parent.kind {
        Kind::Map(entries) => {
            let i = entries.iter().position(|(k, _)| k == last).ok_or_else(|| format!("path {} does not exist", show(path)))?;
            Ok(entries.remove(i).1)
        }
        Kind::Seq(items) => {
            let i = last.parse::<usize>().ok().filter(|i| *i < items.len()).ok_or_else(|| format!("path {} does not exist", show(path)))?;
            Ok(items.remove(i))
        }
        Kind::Scalar(_) => Err(format!("path {} does not exist", show(path))),
    }
}
