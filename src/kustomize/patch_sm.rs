//! Strategic merge patches, as Kubernetes defines them for its built-in kinds.
//!
//! Mappings merge key by key (`null` deletes a key); lists of the built-in kinds that have a
//! merge key (`containers` by `name`, `volumeMounts` by `mountPath`...) merge item by item;
//! other lists, and every list of a kind Kubernetes does not define (custom resources), are
//! replaced. Directives: `$patch: replace | delete | merge` on mappings and list items,
//! `$retainKeys`, `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted
//! and ignored. Patched values keep the patch file's origin, so findings point at the patch.

use serde_json::Value;

use super::tree::{Kind, Node};

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
        if key.starts_with('$') {
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
    if let Some(retain) = patch.get("$retainKeys") {
        let keep: Vec<&str> = retain.items().iter().filter_map(Node::as_str).collect();
        if let Kind::Map(entries) = &mut target.kind {
            entries.retain(|(k, _)| keep.contains(&k.as_str()));
        }
    }
    Outcome::Keep
}

fn merge_list(target: &mut Node, patch_items: &[Node], patch_list: &Node, field: &str, builtin: bool) {
    let replace = patch_items.iter().any(|i| i.str_at(&["$patch"]) == Some("replace"));
    let target_items: Vec<&Node> = target.items().iter().collect();
    let all: Vec<&Node> = target_items.iter().copied().chain(patch_items.iter()).collect();
    let key = if builtin { merge_key(field, &all) } else { None };
    if replace || !builtin || (key.is_none() && !is_set_list(field)) {
        let items: Vec<Node> = patch_items.iter().filter(|i| i.str_at(&["$patch"]) != Some("replace")).filter_map(clean).collect();
        *target = Node { kind: Kind::Seq(items), ..patch_list.clone() };
        return;
    }
    let Kind::Seq(items) = &mut target.kind else { return };
    let Some(key) = key else {
        // A set of scalars: add what is missing.
        for p in patch_items {
            let v = p.to_value();
            if !items.iter().any(|n| n.to_value() == v) {
                items.push(p.clone());
            }
        }
        return;
    };
    for p in patch_items {
        let Some(kv) = p.get(key).map(Node::to_value) else {
            if let Some(c) = clean(p) {
                items.push(c);
            }
            continue;
        };
        let found = items.iter().position(|n| n.get(key).map(Node::to_value).as_ref() == Some(&kv));
        match (found, p.str_at(&["$patch"])) {
            (Some(_), Some("delete")) => items.retain(|n| n.get(key).map(Node::to_value).as_ref() != Some(&kv)),
            (None, Some("delete")) => {}
            (Some(i), _) => {
                if let Some(slot) = items.get_mut(i)
                    && merge(slot, p, builtin) == Outcome::Delete
                {
                    items.remove(i);
                }
            }
            (None, _) => {
                if let Some(c) = clean(p) {
                    items.push(c);
                }
            }
        }
    }
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
                .filter(|(k, v)| !k.starts_with('$') && !matches!(v.kind, Kind::Scalar(Value::Null)))
                .filter_map(|(k, v)| clean(v).map(|c| (k.clone(), c)))
                .collect();
            Some(Node { kind: Kind::Map(kept), span: node.span, key: node.key, origin: node.origin.clone() })
        }
    }
}
