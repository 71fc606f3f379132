//! Native Kubernetes rules (one file per rule, `k8s_<id>_<name>.rs`) and what they share:
//! workload observations, label selectors, NetworkPolicy reading and
//! [`NamespaceWithoutDefaultDeny`] (K8S-0019 and K8S-0020). The rules are registered in
//! `checks::NATIVE_RULES`.

pub mod k8s_0016_service_account_token_automounted;
pub mod k8s_0019_namespace_without_default_deny_ingress;
pub mod k8s_0020_namespace_without_default_deny_egress;
pub mod k8s_0021_workload_not_selected_by_network_policy;
pub mod k8s_0029_cluster_admin_for_service_account_or_broad_group;
pub mod k8s_0030_powerful_role_for_broad_group;
pub mod k8s_0046_istio_namespace_without_strict_mtls;
pub mod k8s_0053_unknown_or_mistyped_security_field;
pub mod rbac;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{Observation, ScanCheck, ScanHit};
use crate::kubernetes::{MappingAt, UNKNOWN_NAMESPACE, mapping_at, pod_metadata_path_of, pod_spec_path_of};
use crate::model::{AttributePath, PathSegment, Resource, is_unknown};
use crate::rules::meta::WORKLOAD_KINDS;

/// Whether `resource` carries pods (a built-in pod-bearing kind, or one found by shape).
fn is_workload(resource: &Resource) -> bool {
    WORKLOAD_KINDS.contains(&resource.kind.as_str()) || pod_spec_path_of(&resource.kind, &resource.value).is_some()
}

/// A pod spec path as an observation keeps it: its keys joined with dots (`spec.template.spec`;
/// pod spec paths hold fixed, plain keys), a twentieth of the path as a JSON list.
fn spec_path_fact(path: &AttributePath) -> Value {
    let keys: Vec<&str> = path.0.iter().filter_map(|s| if let PathSegment::Key(k) = s { Some(k.as_str()) } else { None }).collect();
    Value::String(keys.join("."))
}

/// The pod spec path an observation recorded (`spec_path` in its facts, see [`spec_path_fact`]).
fn observed_spec_path(o: &Observation) -> Option<AttributePath> {
    let text = o.facts.get("spec_path")?.as_str()?;
    Some(AttributePath(text.split('.').map(|k| PathSegment::Key(k.to_string())).collect()))
}

/// Observes a workload: its pod labels (and where they are written). A workload whose pod spec
/// or pod metadata has the wrong type (a half-written manifest) defines no pods: not observed.
/// The paths of a workload's pod spec and pod metadata, when both are mappings (or absent).
fn workload_paths(resource: &Resource) -> Option<(AttributePath, AttributePath)> {
    let spec_path = pod_spec_path_of(&resource.kind, &resource.value)?;
    let metadata_path = pod_metadata_path_of(&resource.kind, &resource.value)?;
    for path in [&spec_path, &metadata_path] {
        if mapping_at(&resource.value, path) == MappingAt::WrongType {
            return None;
        }
    }
    Some((spec_path, metadata_path))
}

fn observe_workload(resource: &Resource) -> Option<Observation> {
    let (spec_path, metadata_path) = workload_paths(resource)?;
    let labels_path = metadata_path.key("labels");
    let labels = match mapping_at(&resource.value, &labels_path) {
        MappingAt::WrongType => crate::model::unknown("labels are not a mapping"),
        _ => resource.get(&labels_path).cloned().unwrap_or(Value::Null),
    };
    Some(Observation::new(resource, json!({"role": "workload", "labels": labels, "spec_path": spec_path_fact(&spec_path)}), &[labels_path]))
}

/// What an observation is of: its facts' `role`, or its facts themselves when they are only the
/// role (a bare string: every workload and namespace of the scan is observed twice, by K8S-0019
/// and K8S-0020, and a one-key map costs ten times as much).
fn role(o: &Observation) -> &str {
    match &o.facts {
        Value::String(role) => role,
        facts => facts.get("role").and_then(Value::as_str).unwrap_or_default(),
    }
}

fn namespace(o: &Observation) -> &str {
    o.namespace.as_deref().unwrap_or("default")
}

fn contains_unknown(v: &Value) -> bool {
    if is_unknown(v) {
        return true;
    }
    match v {
        Value::Array(items) => items.iter().any(contains_unknown),
        Value::Object(map) => map.values().any(contains_unknown),
        _ => false,
    }
}

fn label_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a Kubernetes label selector matches `labels`. `None` when it cannot be known
/// (unknown values) or the selector is malformed.
pub fn selector_matches(selector: &Value, labels: &Value) -> Option<bool> {
    if contains_unknown(selector) || contains_unknown(labels) {
        return None;
    }
    let empty = serde_json::Map::new();
    let labels = labels.as_object().unwrap_or(&empty);
    let selector = match selector {
        Value::Null => return Some(true),
        Value::Object(s) => s,
        _ => return None,
    };
    if let Some(match_labels) = selector.get("matchLabels") {
        let Some(ml) = match_labels.as_object() else { return if match_labels.is_null() { Some(true) } else { None } };
        for (k, v) in ml {
            if labels.get(k).and_then(label_string) != label_string(v) {
                return Some(false);
            }
        }
    }
    if let Some(exprs) = selector.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str)?;
            let op = e.get("operator").and_then(Value::as_str)?;
            let values: Vec<String> =
                e.get("values").and_then(Value::as_array).map(|a| a.iter().filter_map(label_string).collect()).unwrap_or_default();
            let actual = labels.get(key).and_then(label_string);
            let ok = match op {
                "In" => actual.is_some_and(|a| values.contains(&a)),
                "NotIn" => actual.is_none_or(|a| !values.contains(&a)),
                "Exists" => actual.is_some(),
                "DoesNotExist" => actual.is_none(),
                _ => return None,
            };
            if !ok {
                return Some(false);
            }
        }
    }
    Some(true)
}

fn is_empty_selector(selector: &Value) -> bool {
    match selector {
        Value::Null => true,
        Value::Object(m) => m.iter().all(|(_, v)| match v {
            Value::Null => true,
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        }),
        _ => false,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn policy_type(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
    fn rules_key(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The policy types a NetworkPolicy applies to, with the API's defaulting: without
/// `policyTypes`, Ingress always, plus Egress when egress rules are present.
fn policy_types(spec: &Value) -> BTreeSet<String> {
    match spec.get("policyTypes").and_then(Value::as_array) {
        Some(types) => types.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        None => {
            let mut t = BTreeSet::from(["Ingress".to_string()]);
            if spec.get("egress").is_some_and(|e| !e.is_null()) {
                t.insert("Egress".to_string());
            }
            t
        }
    }
}

/// True when the NetworkPolicy spec selects every pod of its namespace and allows nothing in
/// `direction`.
fn is_default_deny(spec: &Value, direction: Direction) -> bool {
    if contains_unknown(spec) {
        return false;
    }
    let selects_all = is_empty_selector(spec.get("podSelector").unwrap_or(&Value::Null));
    let typed = policy_types(spec).contains(direction.policy_type());
    let allows_nothing = match spec.get(direction.rules_key()) {
        None | Some(Value::Null) => true,
        Some(Value::Array(rules)) => rules.is_empty(),
        Some(_) => false,
    };
    selects_all && typed && allows_nothing
}

/// A NetworkPolicy as K8S-0021 needs it: its pod selector only (every policy of the scan is held
/// until the end, and a policy's rules can be most of a manifest).
fn observe_network_policy(resource: &Resource) -> Observation {
    let selector = resource.value.get("spec").and_then(|s| s.get("podSelector")).cloned().unwrap_or(Value::Null);
    Observation::new(resource, json!({"role": "network-policy", "podSelector": selector}), &[])
}

/// K8S-0019 / K8S-0020: a namespace without a default-deny NetworkPolicy.
pub(super) struct NamespaceWithoutDefaultDeny {
    /// Which direction the default deny must cover.
    pub(super) direction: Direction,
}

impl ScanCheck for NamespaceWithoutDefaultDeny {
    // Only what `finish` reads is kept (every workload and policy of the scan is observed, and
    // held until the end): whether a policy is a default deny in this direction, not its spec;
    // a workload's namespace and place, not its labels.
    fn observe(&self, resource: &Resource) -> Option<Observation> {
        match resource.kind.as_str() {
            "Namespace" => Some(Observation::new(resource, json!("namespace"), &[])),
            "NetworkPolicy" => {
                let default_deny = is_default_deny(resource.value.get("spec").unwrap_or(&Value::Null), self.direction);
                Some(Observation::new(resource, json!({"role": "network-policy", "default_deny": default_deny}), &[]))
            }
            _ if is_workload(resource) => workload_paths(resource).map(|_| Observation::new(resource, json!("workload"), &[])),
            _ => None,
        }
    }

    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>) {
        // namespace -> (Namespace object, first workload)
        let mut namespaces: BTreeMap<String, (Option<usize>, Option<usize>)> = BTreeMap::new();
        let mut covered: BTreeSet<String> = BTreeSet::new();
        for (i, o) in observations.iter().enumerate() {
            match role(o) {
                "namespace" => {
                    let name = o.name.clone().unwrap_or_default();
                    namespaces.entry(name).or_default().0.get_or_insert(i);
                }
                "workload" if namespace(o) != UNKNOWN_NAMESPACE => {
                    namespaces.entry(namespace(o).to_string()).or_default().1.get_or_insert(i);
                }
                "network-policy" if o.facts.get("default_deny").and_then(Value::as_bool) == Some(true) => {
                    if namespace(o) == UNKNOWN_NAMESPACE {
                        // A default deny whose namespace cannot be known may cover any of them.
                        return;
                    }
                    covered.insert(namespace(o).to_string());
                }
                _ => {}
            }
        }
        let dir = self.direction.rules_key();
        for (ns, (ns_obj, first_workload)) in namespaces {
            if covered.contains(&ns) {
                continue;
            }
            let (observation, message) = match (ns_obj, first_workload) {
                (Some(i), _) => (i, format!("namespace \"{ns}\" has no default-deny {dir} NetworkPolicy")),
                (None, Some(i)) => (i, format!("namespace \"{ns}\" (used by this workload) has no default-deny {dir} NetworkPolicy")),
                (None, None) => continue,
            };
            hits.push(ScanHit { observation, path: AttributePath::root(), message, severity: None, related: Vec::new() });
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        assert_eq!(selector_matches(&json!({}), &labels), Some(true));
        assert_eq!(selector_matches(&json!({"matchLabels": {"app": "web"}}), &labels), Some(true));
        assert_eq!(selector_matches(&json!({"matchLabels": {"app": "db"}}), &labels), Some(false));
        let expr = |op: &str, values: Value| json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]});
        assert_eq!(selector_matches(&expr("In", json!(["front", "x"])), &labels), Some(true));
        assert_eq!(selector_matches(&expr("NotIn", json!(["front"])), &labels), Some(false));
        assert_eq!(selector_matches(&expr("Exists", Value::Null), &labels), Some(true));
        assert_eq!(selector_matches(&expr("DoesNotExist", Value::Null), &labels), Some(false));
        assert_eq!(selector_matches(&expr("Bogus", Value::Null), &labels), None);
        assert_eq!(selector_matches(&json!({"matchLabels": {"app": {"$unknown": "var.app"}}}), &labels), None);
    }

    fn resources(text: &str) -> Vec<Resource> {
        let file = std::sync::Arc::new(crate::model::SourceFile::new("x.yaml", text.to_string()));
        let parsed = crate::parse::yaml::parse(&file.text, &file.lines, &crate::parse::Limits::default());
        parsed.documents.into_iter().flat_map(|d| crate::kubernetes::resources_from_document(d, &file)).collect()
    }

    /// Every workload and policy of a scan is observed and held to the end: K8S-0019/0020 keep
    /// whether a policy is a default deny in their direction, not its spec, and no labels.
    #[test]
    fn default_deny_rules_keep_only_what_they_read() {
        let rs = resources(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: shop}\nspec:\n  template: 3\n",
        );
        assert_eq!(rs.len(), 3);
        for (direction, deny) in [(Direction::Ingress, true), (Direction::Egress, false)] {
            let check = NamespaceWithoutDefaultDeny { direction };
            let policy = check.observe(&rs[0]).unwrap();
            assert_eq!(policy.facts, json!({"role": "network-policy", "default_deny": deny}));
            let workload = check.observe(&rs[1]).unwrap();
            assert_eq!(workload.facts, json!("workload"));
            assert!(workload.anchors.is_empty());
            assert_eq!(workload.namespace.as_deref(), Some("shop"));
            // A workload whose pod template is not a mapping is not observed, as before.
            assert!(check.observe(&rs[2]).is_none());
            let mut hits = Vec::new();
            check.finish(&[policy, workload], &mut hits);
            assert_eq!(hits.len(), usize::from(!deny), "{:?}", hits.iter().map(|h| &h.message).collect::<Vec<_>>());
        }
    }

    #[test]
    fn default_deny_detection() {
        assert!(is_default_deny(&json!({"podSelector": {}, "policyTypes": ["Ingress"]}), Direction::Ingress));
        assert!(is_default_deny(&json!({"podSelector": {}}), Direction::Ingress));
        assert!(!is_default_deny(&json!({"podSelector": {}}), Direction::Egress));
        assert!(is_default_deny(&json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}), Direction::Egress));
        assert!(!is_default_deny(&json!({"podSelector": {}, "ingress": [{}]}), Direction::Ingress));
        assert!(!is_default_deny(&json!({"podSelector": {"matchLabels": {"a": "b"}}}), Direction::Ingress));
    }
}
