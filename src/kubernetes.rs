//! Kubernetes objects: recognizing them in parsed documents and the facts about kinds that
//! rules share (which kinds carry pods, where their pod spec lives, which are cluster-scoped).

use std::sync::Arc;

use serde_json::Value;

use crate::model::{AttributePath, Platform, Resource, SourceFile, SpanChildren, SpanNode};
use crate::parse::Document;

/// Kinds that are not namespaced (a subset: the ones that appear in application manifests).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "PodSecurityPolicy",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "CSINode",
    "VolumeSnapshotClass",
    "ClusterIssuer",
];

/// The namespace of an object whose namespace cannot be known (a Terraform reference that does
/// not resolve). Namespace-level rules treat it as possibly any namespace.
pub const UNKNOWN_NAMESPACE: &str = "(unknown namespace)";

/// True when `value` looks like a Kubernetes object (has string `apiVersion` and `kind`).
pub fn is_object(value: &Value) -> bool {
    value.get("apiVersion").is_some_and(Value::is_string) && value.get("kind").is_some_and(Value::is_string)
}

/// Path of the pod spec inside an object of `kind`, for pod-bearing kinds.
pub fn pod_spec_path(kind: &str) -> Option<AttributePath> {
    let keys: &[&str] = match kind {
        "Pod" => &["spec"],
        "PodTemplate" => &["template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => &["spec", "template", "spec"],
        _ => return None,
    };
    Some(AttributePath(keys.iter().map(|k| crate::model::PathSegment::Key((*k).to_string())).collect()))
}

/// The kind under which rules see objects that carry pods in a kind the built-in list does not
/// name (OpenShift `DeploymentConfig`, Knative `Service`, Argo `Rollout`, KEDA `ScaledJob`, any
/// custom resource with a pod template): every workload rule applies to it.
pub const POD_TEMPLATE_KIND: &str = "@pod-template";

/// Path of the pod spec of an object whose kind is not a built-in pod-bearing kind: Knative's
/// `Revision` (`spec` is a pod spec), else found by shape — a `template.spec` with a
/// `containers` list under `spec` or under `spec.jobTemplate.spec`.
fn pod_spec_path_by_shape(kind: &str, value: &Value) -> Option<AttributePath> {
    let api = value.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let keys: &[&str] = if kind == "Revision" && api.starts_with("serving.knative.dev/") {
        &["spec"]
    } else if value.pointer("/spec/template/spec/containers").is_some_and(Value::is_array) {
        &["spec", "template", "spec"]
    } else if value.pointer("/spec/jobTemplate/spec/template/spec/containers").is_some_and(Value::is_array) {
        &["spec", "jobTemplate", "spec", "template", "spec"]
    } else {
        return None;
    };
    Some(AttributePath(keys.iter().map(|k| crate::model::PathSegment::Key((*k).to_string())).collect()))
}

/// Path of the pod spec of an object: by kind for the built-in kinds, by shape for the others.
pub fn pod_spec_path_of(kind: &str, value: &Value) -> Option<AttributePath> {
    pod_spec_path(kind).or_else(|| pod_spec_path_by_shape(kind, value))
}

/// The kind rules are dispatched on: the object's own kind, or [`POD_TEMPLATE_KIND`] for an
/// object that carries pods in a kind the built-in list does not name.
pub fn dispatch_kind<'a>(kind: &'a str, value: &Value) -> &'a str {
    if pod_spec_path(kind).is_none() && pod_spec_path_by_shape(kind, value).is_some() { POD_TEMPLATE_KIND } else { kind }
}

/// Path of the pod template's metadata (where pod labels live) for pod-bearing kinds.
pub fn pod_metadata_path(kind: &str) -> Option<AttributePath> {
    let mut spec = pod_spec_path(kind)?;
    spec.0.pop();
    Some(spec.key("metadata"))
}

/// Like [`pod_metadata_path`], for any object (see [`pod_spec_path_of`]).
pub fn pod_metadata_path_of(kind: &str, value: &Value) -> Option<AttributePath> {
    let mut spec = pod_spec_path_of(kind, value)?;
    spec.0.pop();
    Some(spec.key("metadata"))
}

/// What a path of mappings inside an object leads to (see [`mapping_at`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MappingAt<'v> {
    /// A mapping.
    Mapping(&'v serde_json::Map<String, Value>),
    /// The value, or a mapping on the way to it, cannot be known.
    Unknown,
    /// Missing or null (or a level on the way is).
    Absent,
    /// The value, or a level on the way to it, is a string, number, list or boolean where a
    /// mapping belongs (a half-written manifest): nothing can be known from it.
    WrongType,
}

/// Follows `path` (keys only) from `value`, telling a mapping from an absent value, an unknown
/// one and one of the wrong type.
pub fn mapping_at<'v>(value: &'v Value, path: &AttributePath) -> MappingAt<'v> {
    let mut cur = value;
    for seg in &path.0 {
        let (crate::model::PathSegment::Key(key), Value::Object(map)) = (seg, cur) else {
            return if cur.is_null() { MappingAt::Absent } else { MappingAt::WrongType };
        };
        if crate::model::is_unknown(cur) {
            return MappingAt::Unknown;
        }
        match map.get(key) {
            None => return MappingAt::Absent,
            Some(next) => cur = next,
        }
    }
    match cur {
        Value::Object(_) if crate::model::is_unknown(cur) => MappingAt::Unknown,
        Value::Object(map) => MappingAt::Mapping(map),
        Value::Null => MappingAt::Absent,
        _ => MappingAt::WrongType,
    }
}

/// Extracts the Kubernetes objects of one document (a `kind: List` yields its items).
pub fn resources_from_document(doc: Document, file: &Arc<SourceFile>) -> Vec<Resource> {
    if !is_object(&doc.value) {
        return Vec::new();
    }
    let kind = doc.value.get("kind").and_then(Value::as_str).unwrap_or_default();
    let is_list = kind.ends_with("List") && doc.value.get("items").is_some_and(Value::is_array);
    if !is_list {
        return vec![make_resource(doc.value, doc.spans, file, &format!("#{}", doc.index))];
    }
    let Value::Object(mut map) = doc.value else { return Vec::new() };
    let Some(Value::Array(items)) = map.remove("items") else { return Vec::new() };
    let item_spans = match doc.spans.child(&crate::model::PathSegment::Key("items".into())) {
        Some(SpanNode { children: SpanChildren::Seq(s), .. }) => s.clone(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .enumerate()
        .filter(|(_, v)| is_object(v))
        .map(|(i, v)| {
            let spans = item_spans.get(i).cloned().unwrap_or_default();
            make_resource(v, spans, file, &format!("#{}.items[{i}]", doc.index))
        })
        .collect()
}

fn make_resource(value: Value, spans: SpanNode, file: &Arc<SourceFile>, fallback_name: &str) -> Resource {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let metadata = value.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str).map(str::to_string);
    let generate_name = metadata.and_then(|m| m.get("generateName")).and_then(Value::as_str);
    let namespace = if CLUSTER_SCOPED.contains(&kind.as_str()) {
        None
    } else {
        Some(metadata.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("default").to_string())
    };
    let shown_name = match (&name, generate_name) {
        (Some(n), _) => n.clone(),
        (None, Some(g)) => format!("{g}*"),
        (None, None) => fallback_name.to_string(),
    };
    let address = match &namespace {
        Some(ns) => format!("{kind}/{ns}/{shown_name}"),
        None => format!("{kind}/{shown_name}"),
    };
    Resource { platform: Platform::Kubernetes, kind, namespace, name, address, value, spans, file: file.clone(), call_chain: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Limits, yaml};

    fn resources(text: &str) -> Vec<Resource> {
        let file = Arc::new(SourceFile::new("x.yaml", text.to_string()));
        let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
        parsed.documents.into_iter().flat_map(|d| resources_from_document(d, &file)).collect()
    }

    #[test]
    fn list_items_and_addresses() {
        let rs = resources(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: prod}\n",
        );
        let addrs: Vec<_> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addrs, ["Service/default/a", "Namespace/prod"]);
        let (loc, found) = rs[1].locate(&AttributePath::root().key("metadata").key("name"));
        assert!(found);
        assert_eq!(loc.start.line, 9);
    }

    #[test]
    fn mappings_along_a_path() {
        let path = pod_spec_path("Deployment").unwrap();
        let at = |v: serde_json::Value| format!("{:?}", mapping_at(&v, &path));
        assert!(at(serde_json::json!({"spec": {"template": {"spec": {"containers": []}}}})).starts_with("Mapping"));
        assert_eq!(at(serde_json::json!({"spec": {"template": {}}})), "Absent");
        assert_eq!(at(serde_json::json!({"spec": {"template": {"spec": null}}})), "Absent");
        assert_eq!(at(serde_json::json!({"spec": {"template": "x"}})), "WrongType");
        assert_eq!(at(serde_json::json!({"spec": [1]})), "WrongType");
        assert_eq!(at(serde_json::json!({"spec": {"template": {"spec": 5}}})), "WrongType");
        assert_eq!(at(serde_json::json!({"spec": {"template": {"$unknown": "var.t"}}})), "Unknown");
        assert_eq!(at(serde_json::json!({"spec": {"template": {"spec": {"$unknown": "x"}}}})), "Unknown");
    }

    #[test]
    fn non_objects_are_ignored() {
        assert!(resources("name: ci\non: push\n").is_empty());
    }
}
