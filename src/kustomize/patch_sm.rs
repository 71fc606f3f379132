//! Strategic merge patches, as Kubernetes defines them for its built-in kinds.
//!
//! Mappings merge key by key (`null` deletes a key); lists of the built-in kinds that have a
//! merge key (`containers` by `name`, `volumeMounts` by `mountPath`...) merge item by item;
//! other lists, and every list of a kind Kubernetes does not define (custom resources), are
//! replaced. Directives: `$patch: replace | delete | merge` on mappings and list items and
//! `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored.
//! Merged keyed lists are ordered as Kustomize orders them: the patch's items first. Patched values keep the patch file's origin, so findings point at the patch.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::tree::{Kind, Node};

/// Kustomize v5 (kyaml) copies `$retainKeys` into its output like any field instead of
/// applying it; we do the same, so that the output is what `kustomize build` prints.
const RETAIN_KEYS: &str = "$retainKeys";

/// What the caller must do with the patched node.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Keep,
    Delete,
}

/// API groups whose kinds Kubernetes defines (their lists merge by merge key).
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "policy",
    "autoscaling",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "certificates.k8s.io",
];

/// True when `api_version` (`apps/v1`, `v1`) belongs to a built-in API group.
pub(crate) fn is_builtin(api_version: &str) -> bool {
    let group = match api_version.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    };
    BUILTIN_GROUPS.contains(&group)
}

/// The merge key of a list field of the built-in kinds, given its items (a `ports` list is
/// keyed by `containerPort` in containers and by `port` in Services).
fn merge_key(field: &str, items: &[&Node]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        "conditions" => "type",
        "ports" => {
            if items.iter().any(|n| n.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Lists of scalars that merge as sets.
fn is_set_list(field: &str) -> bool {
    field == "finalizers"
}

/// Applies `patch` (a mapping) to `target`. `builtin` selects merge-key semantics for lists.
pub(crate) fn merge(target: &mut Node, patch: &Node, builtin: bool) -> Outcome {
    match patch.str_at(&["$patch"]) {
        Some("delete") => return Outcome::Delete,
        Some("replace") => {
            if let Some(clean) = clean(patch) {
                *target = clean;
            }
            return Outcome::Keep;
        }
        _ => {}
    }
    if !target.is_map() || !patch.is_map() {
        match clean(patch) {
            Some(c) => *target = c,
            None => return Outcome::Delete,
        }
        return Outcome::Keep;
    }
    for (key, pv) in patch.entries() {
        if key.starts_with('$') && key != RETAIN_KEYS {
            if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
                let drop: Vec<Value> = pv.items().iter().map(Node::to_value).collect();
                if let Some(Node { kind: Kind::Seq(items), .. }) = target.get_mut(field) {
                    items.retain(|n| !drop.contains(&n.to_value()));
                }
            }
            continue;
        }
        if matches!(pv.kind, Kind::Scalar(Value::Null)) {
            target.remove(key);
            continue;
        }
        let existing = target.get_mut(key);
        match (existing, &pv.kind) {
            (Some(tv), Kind::Map(_)) if tv.is_map() => {
                if merge(tv, pv, builtin) == Outcome::Delete {
                    target.remove(key);
                }
            }
            (Some(tv), Kind::Seq(patch_items)) if matches!(tv.kind, Kind::Seq(_)) => {
                merge_list(tv, patch_items, pv, key, builtin);
            }
            _ => match clean(pv) {
                Some(c) => target.set(key, c),
                None => {
                    target.remove(key);
                }
            },
        }
    }
    Outcome::Keep
}

fn merge_list(target: &mut Node, patch_items: &[Node], patch_list: &Node, field: &str, builtin: bool) {
    // `- $patch: replace` alone replaces the list with the patch's other items; an item that
    // carries the directive among other fields is ignored, as Kustomize v5 ignores it.
    let replace = patch_items.iter().any(|i| i.str_at(&["$patch"]) == Some("replace") && i.entries().len() == 1);
    let patch_items: Vec<Node> = patch_items.iter().filter(|i| i.str_at(&["$patch"]) != Some("replace")).cloned().collect();
    let patch_items = patch_items.as_slice();
    let target_items: Vec<&Node> = target.items().iter().collect();
    let all: Vec<&Node> = target_items.iter().copied().chain(patch_items.iter()).collect();
    let key = if builtin { merge_key(field, &all) } else { None };
    if replace || !builtin || (key.is_none() && !is_set_list(field)) {
        let items: Vec<Node> = patch_items.iter().filter_map(clean).collect();
        *target = Node { kind: Kind::Seq(items), ..patch_list.clone() };
        return;
    }
    let Kind::Seq(items) = &mut target.kind else { return };
    let Some(key) = key else {
        // A set of scalars: the patch's items, then the target's others.
        let mut seen: HashSet<String> = patch_items.iter().map(|n| n.to_value().to_string()).collect();
        let mut merged: Vec<Node> = patch_items.to_vec();
        for t in items.iter() {
            if seen.insert(t.to_value().to_string()) {
                merged.push(t.clone());
            }
        }
        *items = merged;
        return;
    };
    // Kustomize's order: the patch's items in patch order (merged into the target's item with
    // the same key), then the target's items the patch did not name, in their order. Keys are
    // compared through their JSON text, looked up in maps (lists may be long).
    let key_of = |n: &Node| n.get(key).map(|k| k.to_value().to_string());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, t) in items.iter().enumerate() {
        if let Some(kv) = key_of(t) {
            by_key.entry(kv).or_insert(i);
        }
    }
    let mut named: HashSet<String> = HashSet::new();
    let mut merged: Vec<Node> = Vec::new();
    for p in patch_items {
        let Some(kv) = key_of(p) else {
            if let Some(c) = clean(p) {
                merged.push(c);
            }
            continue;
        };
        if !named.insert(kv.clone()) {
            continue;
        }
        let found = by_key.get(&kv).and_then(|i| items.get(*i));
        match (found, p.str_at(&["$patch"])) {
            (_, Some("delete")) => {}
            (Some(t), _) => {
                let mut t = t.clone();
                // The merge key only selects the item: it stays where the target wrote it.
                let key_node = t.get(key).cloned();
                if merge(&mut t, p, builtin) == Outcome::Keep {
                    if let Some(k) = key_node {
                        t.set(key, k);
                    }
                    merged.push(t);
                }
            }
            (None, _) => {
                if let Some(c) = clean(p) {
                    merged.push(c);
                }
            }
        }
    }
    for t in items.iter() {
        if key_of(t).is_none_or(|kv| !named.contains(&kv)) {
            merged.push(t.clone());
        }
    }
    *items = merged;
}

/// A patch value without directives, as it is inserted where the target has nothing.
/// `None` when the value deletes itself (`$patch: delete`).
pub(crate) fn clean(node: &Node) -> Option<Node> {
    match &node.kind {
        Kind::Scalar(_) => Some(node.clone()),
        Kind::Seq(items) => Some(Node {
            kind: Kind::Seq(items.iter().filter(|i| i.str_at(&["$patch"]) != Some("replace")).filter_map(clean).collect()),
            ..node.clone()
        }),
        Kind::Map(entries) => {
            if node.str_at(&["$patch"]) == Some("delete") {
                return None;
            }
            let kept = entries
                .iter()
                .filter(|(k, v)| (!k.starts_with('$') || k == RETAIN_KEYS) && !matches!(v.kind, Kind::Scalar(Value::Null)))
                .filter_map(|(k, v)| clean(v).map(|c| (k.clone(), c)))
                .collect();
            Some(Node { kind: Kind::Map(kept), span: node.span, key: node.key, origin: node.origin.clone() })
        }
    }
}
