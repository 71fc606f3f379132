//! Native service-mesh rules that need the whole scan: K8S-0046, a namespace whose workloads
//! no STRICT Istio PeerAuthentication covers (neither namespace-wide nor mesh-wide).
//!
//! Istio resolves the mutual-TLS mode of a workload from the most specific PeerAuthentication:
//! one selecting the workload, else the namespace-wide one (no selector) in its namespace, else
//! the mesh-wide one (no selector) in the root namespace, `istio-system` by default; `UNSET`
//! inherits from the next level. This rule judges the namespace and mesh levels only:
//! workload-level policies refine a namespace's default but are not what the seed's control
//! ("mutual TLS between all services") asks for.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::kubernetes::{MappingAt, UNKNOWN_NAMESPACE, mapping_at, pod_metadata_path, pod_spec_path};
use crate::model::{AttributePath, Resource, is_unknown};
use crate::rules::meta::WORKLOAD_KINDS;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(NamespaceWithoutStrictMtls))
}

/// Istio's default root namespace, where a selector-less PeerAuthentication applies mesh-wide.
pub const ROOT_NAMESPACE: &str = "istio-system";

/// Namespace label that turns sidecar injection off: such pods are outside the mesh.
const INJECTION_LABEL: &str = "istio-injection";

/// Pod annotation that turns sidecar injection off for one workload.
const INJECT_ANNOTATION: &str = "sidecar.istio.io/inject";

/// The API group of an object (`security.istio.io` for `security.istio.io/v1`).
fn api_group(resource: &Resource) -> &str {
    let version = resource.value.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    version.rsplit_once('/').map_or("", |(group, _)| group)
}

fn is_istio(resource: &Resource) -> bool {
    let group = api_group(resource);
    group == "istio.io" || group.ends_with(".istio.io")
}

/// A PeerAuthentication's selector is empty (it applies to the whole namespace).
fn selects_everything(spec: &Value) -> Option<bool> {
    match spec.get("selector") {
        None | Some(Value::Null) => Some(true),
        Some(v) if is_unknown(v) => None,
        Some(Value::Object(sel)) => match sel.get("matchLabels") {
            None | Some(Value::Null) => Some(true),
            Some(v) if is_unknown(v) => None,
            Some(Value::Object(m)) => Some(m.is_empty()),
            Some(_) => None,
        },
        Some(_) => None,
    }
}

/// The `mtls.mode` of a PeerAuthentication spec: `Some("STRICT")`..., `Some("UNSET")` when
/// absent; `None` when it cannot be known.
fn mtls_mode(spec: &Value) -> Option<String> {
    match spec.get("mtls") {
        None | Some(Value::Null) => Some("UNSET".to_string()),
        Some(m) if is_unknown(m) => None,
        Some(Value::Object(m)) => match m.get("mode") {
            None | Some(Value::Null) => Some("UNSET".to_string()),
            Some(Value::String(s)) => Some(s.trim().to_ascii_uppercase()),
            Some(_) => None,
        },
        Some(_) => None,
    }
}

fn label_is(value: Option<&Value>, expected: &str) -> bool {
    value.and_then(Value::as_str).is_some_and(|s| s.trim().eq_ignore_ascii_case(expected))
}

/// What K8S-0046 keeps of each resource.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// A Namespace object; `outside` when sidecar injection is turned off for it.
    Namespace { outside: bool },
    /// A pod-bearing workload; `outside` when its pods opt out of sidecar injection.
    Workload { outside: bool },
    /// A namespace-wide (or mesh-wide, in the root namespace) PeerAuthentication with its mode
    /// (`None` when it cannot be known).
    NamespacePolicy { mode: Option<String> },
    /// Any other Istio resource (workload-level PeerAuthentications included).
    Istio,
}

fn role_of(o: &Observation) -> Option<Role> {
    let f = &o.facts;
    let outside = f.get("outside").and_then(Value::as_bool).unwrap_or(false);
    match f.get("role").and_then(Value::as_str)? {
        "namespace" => Some(Role::Namespace { outside }),
        "workload" => Some(Role::Workload { outside }),
        "namespace-policy" => Some(Role::NamespacePolicy { mode: f.get("mode").and_then(Value::as_str).map(str::to_string) }),
        "istio" => Some(Role::Istio),
        _ => None,
    }
}

fn namespace(o: &Observation) -> &str {
    o.namespace.as_deref().unwrap_or("default")
}

/// K8S-0046: a namespace whose workloads no STRICT PeerAuthentication covers.
struct NamespaceWithoutStrictMtls;

/// Per namespace: the Namespace object, the first workload in the mesh, the first Istio
/// resource, and the modes of its namespace-wide PeerAuthentications.
#[derive(Default)]
struct NamespaceFacts {
    object: Option<usize>,
    outside: bool,
    first_workload: Option<usize>,
    first_istio: Option<usize>,
    modes: Vec<Option<String>>,
}

/// The outcome of the analysis for one namespace.
enum Verdict {
    Violation { observation: usize, message: String, related: Vec<RelatedLocation> },
    Unverifiable { observation: usize, message: String },
}

impl NamespaceWithoutStrictMtls {
    fn analyze(observations: &[Observation]) -> Vec<Verdict> {
        let mut namespaces: BTreeMap<String, NamespaceFacts> = BTreeMap::new();
        let mut istio_seen = false;
        let mut mesh_policies: Vec<usize> = Vec::new();
        for (i, o) in observations.iter().enumerate() {
            let Some(role) = role_of(o) else { continue };
            let ns = namespace(o).to_string();
            match role {
                Role::Namespace { outside } => {
                    let name = o.name.clone().unwrap_or_default();
                    let entry = namespaces.entry(name).or_default();
                    entry.object.get_or_insert(i);
                    entry.outside |= outside;
                }
                Role::Workload { outside } => {
                    if !outside && ns != UNKNOWN_NAMESPACE {
                        namespaces.entry(ns).or_default().first_workload.get_or_insert(i);
                    }
                }
                Role::NamespacePolicy { mode } => {
                    istio_seen = true;
                    if ns == UNKNOWN_NAMESPACE {
                        // A namespace-wide policy whose namespace cannot be known may be the one
                        // that covers any namespace (or the mesh): nothing can be decided.
                        return Vec::new();
                    }
                    if ns == ROOT_NAMESPACE {
                        mesh_policies.push(i);
                    }
                    let entry = namespaces.entry(ns).or_default();
                    entry.first_istio.get_or_insert(i);
                    entry.modes.push(mode);
                }
                Role::Istio => {
                    istio_seen = true;
                    if ns != UNKNOWN_NAMESPACE {
                        namespaces.entry(ns).or_default().first_istio.get_or_insert(i);
                    }
                }
            }
        }
        if !istio_seen {
            return Vec::new();
        }
        // The mesh-wide mode: STRICT when a mesh-wide policy says so; unknown when one cannot
        // be read.
        let root_modes: Vec<Option<String>> = namespaces.get(ROOT_NAMESPACE).map(|f| f.modes.clone()).unwrap_or_default();
        if root_modes.iter().any(Option::is_none) {
            return Vec::new();
        }
        let mesh_strict = root_modes.iter().flatten().any(|m| m == "STRICT");
        let related: Vec<RelatedLocation> = mesh_policies
            .iter()
            .take(2)
            .filter_map(|&i| observations.get(i))
            .map(|o| RelatedLocation {
                location: o.root.clone(),
                message: format!("mesh-wide PeerAuthentication {} is not STRICT", o.name.as_deref().unwrap_or("?")),
            })
            .collect();
        let mut out = Vec::new();
        for (ns, facts) in &namespaces {
            if facts.outside {
                continue;
            }
            // The namespace's own selector-less policies decide first; UNSET inherits.
            let own: Vec<&Option<String>> = if ns == ROOT_NAMESPACE { Vec::new() } else { facts.modes.iter().collect() };
            if own.iter().any(|m| m.is_none()) {
                continue;
            }
            let own: BTreeSet<&str> = own.iter().filter_map(|m| m.as_deref()).filter(|m| *m != "UNSET").collect();
            if own.contains("STRICT") {
                continue;
            }
            if !own.is_empty() {
                // PERMISSIVE or DISABLE written out: K8S-0045 reports that policy.
                continue;
            }
            if mesh_strict {
                continue;
            }
            let reason = if mesh_policies.is_empty() {
                format!("no STRICT PeerAuthentication covers namespace \"{ns}\" (none namespace-wide, none mesh-wide in {ROOT_NAMESPACE})")
            } else {
                format!(
                    "no STRICT PeerAuthentication covers namespace \"{ns}\" (none namespace-wide, and the mesh-wide policy in {ROOT_NAMESPACE} is not STRICT)"
                )
            };
            match (facts.first_workload, facts.object) {
                (Some(w), object) => {
                    let (observation, message) = match object {
                        Some(n) => (n, format!("{reason}: its workloads accept plain-text traffic")),
                        None => (w, format!("{reason}: this workload's pods accept plain-text traffic")),
                    };
                    out.push(Verdict::Violation { observation, message, related: related.clone() });
                }
                (None, Some(n)) => out.push(Verdict::Unverifiable {
                    observation: n,
                    message: format!("{reason}, but the scan holds no workload in it, so nothing is known to accept plain text"),
                }),
                (None, None) => {
                    if let Some(i) = facts.first_istio.filter(|_| ns != ROOT_NAMESPACE) {
                        out.push(Verdict::Unverifiable {
                            observation: i,
                            message: format!("{reason}, but the scan holds no workload in it, so nothing is known to accept plain text"),
                        });
                    }
                }
            }
        }
        out
    }
}

impl ScanCheck for NamespaceWithoutStrictMtls {
    fn observe(&self, resource: &Resource) -> Option<Observation> {
        let kind = resource.kind.as_str();
        if kind == "Namespace" {
            let labels = resource.value.get("metadata").and_then(|m| m.get("labels"));
            let outside = label_is(labels.and_then(|l| l.get(INJECTION_LABEL)), "disabled");
            return Some(Observation::new(resource, json!({"role": "namespace", "outside": outside}), &[]));
        }
        if WORKLOAD_KINDS.contains(&kind) {
            let spec_path = pod_spec_path(kind)?;
            if !matches!(mapping_at(&resource.value, &spec_path), MappingAt::Mapping(_)) {
                return None;
            }
            let annotations = pod_metadata_path(kind).map(|p| p.key("annotations"));
            let outside = annotations
                .and_then(|p| match mapping_at(&resource.value, &p) {
                    MappingAt::Mapping(m) => Some(label_is(m.get(INJECT_ANNOTATION), "false")),
                    _ => None,
                })
                .unwrap_or(false);
            return Some(Observation::new(resource, json!({"role": "workload", "outside": outside}), &[]));
        }
        if !is_istio(resource) {
            return None;
        }
        if kind == "PeerAuthentication" {
            let spec = resource.value.get("spec").cloned().unwrap_or(Value::Null);
            let spec = if spec.is_null() { json!({}) } else { spec };
            if !spec.is_object() {
                return Some(Observation::new(resource, json!({"role": "istio"}), &[]));
            }
            match selects_everything(&spec) {
                Some(true) => {
                    let mode = if is_unknown(&spec) { None } else { mtls_mode(&spec) };
                    return Some(Observation::new(resource, json!({"role": "namespace-policy", "mode": mode}), &[]));
                }
                Some(false) => {}
                // A selector that cannot be read may be empty: its mode cannot be relied on.
                None => return Some(Observation::new(resource, json!({"role": "namespace-policy", "mode": null}), &[])),
            }
        }
        Some(Observation::new(resource, json!({"role": "istio"}), &[]))
    }

    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>) {
        for v in Self::analyze(observations) {
            if let Verdict::Violation { observation, message, related } = v {
                hits.push(ScanHit { observation, path: AttributePath::root(), message, severity: None, related });
            }
        }
    }

    fn unverifiable(&self, observations: &[Observation], out: &mut Vec<ScanHit>) {
        for v in Self::analyze(observations) {
            if let Verdict::Unverifiable { observation, message } = v {
                out.push(ScanHit { observation, path: AttributePath::root(), message, severity: None, related: Vec::new() });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;
    use crate::source::{ByteSpan, Position};

    /// An observation as `observe` makes it, placed at `line` of one file.
    fn observed(kind: &str, namespace: Option<&str>, name: &str, facts: Value, line: usize) -> Observation {
        let at = Position { line, column: 1 };
        Observation {
            resource: std::sync::Arc::new(crate::checks::Observed {
                address: format!("{kind}/{}/{name}", namespace.unwrap_or("-")),
                kind: kind.to_string(),
                namespace: namespace.map(str::to_string),
                name: Some(name.to_string()),
                root: Location { file: "all.yaml".into(), span: ByteSpan::default(), start: at, end: at },
            }),
            facts,
            anchors: Vec::new(),
            related: Vec::new(),
        }
    }

    fn workload(ns: &str, line: usize) -> Observation {
        observed("Deployment", Some(ns), "app", json!({"role": "workload", "outside": false}), line)
    }

    fn policy(ns: &str, mode: Option<&str>, line: usize) -> Observation {
        observed("PeerAuthentication", Some(ns), "default", json!({"role": "namespace-policy", "mode": mode}), line)
    }

    /// (observation line, violation?) of every verdict.
    fn verdicts(observations: &[Observation]) -> Vec<(usize, bool)> {
        NamespaceWithoutStrictMtls::analyze(observations)
            .into_iter()
            .map(|v| match v {
                Verdict::Violation { observation, .. } => (observations[observation].root.start.line, true),
                Verdict::Unverifiable { observation, .. } => (observations[observation].root.start.line, false),
            })
            .collect()
    }

    #[test]
    fn namespace_level_policies_decide_before_the_mesh() {
        // Mesh-wide STRICT: a namespace whose own policy is UNSET inherits it; one whose own
        // policy is PERMISSIVE is K8S-0045's to report, not this rule's.
        let obs = [
            policy(ROOT_NAMESPACE, Some("STRICT"), 1),
            policy("a", Some("UNSET"), 2),
            workload("a", 3),
            policy("b", Some("PERMISSIVE"), 4),
            workload("b", 5),
        ];
        assert_eq!(verdicts(&obs), vec![]);
        // No mesh-wide policy: UNSET leaves the namespace uncovered, own STRICT covers it.
        let obs = [policy("a", Some("UNSET"), 1), workload("a", 2), policy("c", Some("STRICT"), 3), workload("c", 4)];
        assert_eq!(verdicts(&obs), vec![(2, true)]);
        // A mesh-wide policy in another namespace than the root is only that namespace's.
        let obs = [policy("tools", Some("STRICT"), 1), workload("tools", 2), workload("web", 3)];
        assert_eq!(verdicts(&obs), vec![(3, true)]);
    }

    #[test]
    fn unknowns_and_opt_outs_are_not_judged() {
        // A namespace-wide policy whose namespace cannot be known may cover anything.
        let obs = [policy(UNKNOWN_NAMESPACE, Some("STRICT"), 1), workload("web", 2)];
        assert_eq!(verdicts(&obs), vec![]);
        // A mesh-wide policy whose mode cannot be read decides nothing.
        let obs = [policy(ROOT_NAMESPACE, None, 1), workload("web", 2)];
        assert_eq!(verdicts(&obs), vec![]);
        // A namespace-wide policy of unknown mode leaves only its namespace undecided.
        let obs = [policy("a", None, 1), workload("a", 2), workload("b", 3)];
        assert_eq!(verdicts(&obs), vec![(3, true)]);
        // Injection turned off for the namespace, or for the workload: outside the mesh.
        let ns = obs_namespace("legacy", true, 1);
        let opted_out = observed("Job", Some("tools"), "migrate", json!({"role": "workload", "outside": true}), 3);
        let obs = [ns, workload("legacy", 2), opted_out, observed("VirtualService", Some("web"), "vs", json!({"role": "istio"}), 4)];
        assert_eq!(verdicts(&obs), vec![(4, false)]);
        // Without any Istio resource the rule does not apply.
        assert_eq!(verdicts(&[workload("web", 1)]), vec![]);
    }

    #[test]
    fn declared_namespaces_carry_the_finding_and_empty_ones_are_unverifiable() {
        let obs = [
            obs_namespace("shop", false, 1),
            workload("shop", 2),
            obs_namespace("empty", false, 3),
            observed("DestinationRule", Some(ROOT_NAMESPACE), "dr", json!({"role": "istio"}), 4),
        ];
        // shop: at its Namespace object; empty: unverifiable; the root namespace holds only
        // Istio's own configuration and is not reported.
        assert_eq!(verdicts(&obs), vec![(3, false), (1, true)]);
    }

    fn obs_namespace(name: &str, outside: bool, line: usize) -> Observation {
        observed("Namespace", None, name, json!({"role": "namespace", "outside": outside}), line)
    }

    #[test]
    fn selector_and_mode_reading() {
        assert_eq!(selects_everything(&json!({})), Some(true));
        assert_eq!(selects_everything(&json!({"selector": {}})), Some(true));
        assert_eq!(selects_everything(&json!({"selector": {"matchLabels": {}}})), Some(true));
        assert_eq!(selects_everything(&json!({"selector": {"matchLabels": {"app": "a"}}})), Some(false));
        assert_eq!(selects_everything(&json!({"selector": "x"})), None);
        assert_eq!(selects_everything(&json!({"selector": {"$unknown": "var.x"}})), None);
        assert_eq!(mtls_mode(&json!({})), Some("UNSET".to_string()));
        assert_eq!(mtls_mode(&json!({"mtls": {"mode": "strict"}})), Some("STRICT".to_string()));
        assert_eq!(mtls_mode(&json!({"mtls": {"mode": 3}})), None);
        assert_eq!(mtls_mode(&json!({"mtls": {"$unknown": "var.m"}})), None);
    }
}
