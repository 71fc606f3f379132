//! What K8S-0029 and K8S-0030 share ([`BoundRoleCheck`]): rules that judge a binding with the role it references: a role is
//! known by name when it is one of the built-in user-facing ClusterRoles (`cluster-admin`,
//! `admin`, `edit`, `view`), and otherwise by its definition when the scan holds it (an
//! aggregated ClusterRole with the rules of the ClusterRoles its selectors pick in the scan).
//! A binding whose role cannot be found or read is not reported.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::selector_matches;
use crate::checks::{Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::kubernetes::UNKNOWN_NAMESPACE;
use crate::model::{AttributePath, Resource, is_unknown};
use crate::rules::meta::Severity;

/// Subjects kept (and located) per binding; bindings list a handful.
const MAX_SUBJECTS: usize = 1_000;
/// Rules read per role.
const MAX_RULES: usize = 10_000;
/// Selector-to-ClusterRole comparisons for aggregated ClusterRoles, per scan.
const MAX_SELECTOR_EVALUATIONS: usize = 1_000_000;

/// Groups that hold every user, every anonymous request or every service account.
const BROAD_GROUPS: &[&str] = &["system:authenticated", "system:unauthenticated", "system:serviceaccounts"];

/// What a role allows, as far as these rules care (ordered: more is worse).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Power {
    /// Only reads of non-sensitive resources (or nothing).
    Harmless,
    /// Cannot be told (unknown values, an aggregation selector that cannot be evaluated).
    Unknown,
    /// Writes, reads Secrets or opens shells: why, in words.
    Dangerous(String),
    /// Every verb on every resource in every API group.
    Full,
}

fn strings<'a>(rule: &'a Value, field: &str) -> Option<Vec<&'a str>> {
    match rule.get(field) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => out.push(s.as_str()),
                    _ => return None,
                }
            }
            Some(out)
        }
        Some(_) => None,
    }
}

fn resource_matches(pattern: &str, resource: &str) -> bool {
    pattern == "*"
        || pattern == resource
        || pattern.strip_prefix("*/").is_some_and(|sub| resource.split_once('/').is_some_and(|(_, s)| s == sub))
}

const WRITE_VERBS: &[&str] = &["create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "approve"];
const SHELL_SUBRESOURCES: &[&str] = &["pods/exec", "pods/attach", "pods/portforward"];

/// What one policy rule allows.
fn rule_power(rule: &Value) -> Power {
    if !rule.is_object() || is_unknown(rule) {
        return Power::Unknown;
    }
    let (Some(verbs), Some(resources), Some(groups)) = (strings(rule, "verbs"), strings(rule, "resources"), strings(rule, "apiGroups"))
    else {
        return Power::Unknown;
    };
    if verbs.contains(&"*") && resources.contains(&"*") && groups.contains(&"*") {
        return Power::Full;
    }
    if groups.is_empty() || resources.is_empty() {
        // Non-resource URLs only, or a rule the API server rejects.
        return Power::Harmless;
    }
    let verb = |v: &str| verbs.iter().any(|x| *x == v || *x == "*");
    if let Some(v) = WRITE_VERBS.iter().find(|v| verb(v)) {
        let shown = if verbs.contains(&"*") { "*" } else { v };
        return Power::Dangerous(format!("can {shown} {}", resources.join(", ")));
    }
    let core = groups.iter().any(|g| g.is_empty() || *g == "*");
    let named = rule.get("resourceNames").and_then(Value::as_array).is_some_and(|n| !n.is_empty());
    if core && !named && ["get", "list", "watch"].iter().any(|v| verb(v)) && resources.iter().any(|r| resource_matches(r, "secrets")) {
        return Power::Dangerous("can read secrets".to_string());
    }
    if core && verb("get") && resources.iter().any(|r| SHELL_SUBRESOURCES.iter().any(|s| resource_matches(r, s))) {
        return Power::Dangerous("can exec into or port-forward to pods".to_string());
    }
    if core && !verbs.is_empty() && resources.iter().any(|r| resource_matches(r, "nodes/proxy")) {
        return Power::Dangerous("can proxy to the kubelet API of nodes".to_string());
    }
    Power::Harmless
}

/// What a list of policy rules allows (the worst of its rules).
pub fn rules_power(rules: &Value) -> Power {
    match rules {
        Value::Null => Power::Harmless,
        Value::Array(items) => items.iter().take(MAX_RULES).map(rule_power).max().unwrap_or(Power::Harmless),
        _ => Power::Unknown,
    }
}

/// The built-in user-facing ClusterRoles, known by name.
fn builtin_power(name: &str) -> Option<Power> {
    match name {
        "cluster-admin" => Some(Power::Full),
        "admin" => Some(Power::Dangerous("can read secrets, create pods and exec into them in its namespaces".to_string())),
        "edit" => Some(Power::Dangerous("can read secrets, create pods and exec into them in its namespaces".to_string())),
        "view" => Some(Power::Harmless),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// K8S-0029.
    ClusterAdminBound,
    /// K8S-0030.
    PowerfulRoleForBroadGroup,
}

pub(super) struct BoundRoleCheck {
    /// Which of the two rules this is.
    pub(super) rule: Rule,
}

fn role(o: &Observation) -> &str {
    o.facts.get("role").and_then(Value::as_str).unwrap_or_default()
}

/// Who a binding subject is, when it is someone these rules care about.
enum Subject {
    ServiceAccount(String),
    Broad(String),
    Other,
}

fn classify(subject: &Value, binding_namespace: &str) -> Subject {
    let (Some(kind), Some(name)) = (subject.get("kind").and_then(Value::as_str), subject.get("name").and_then(Value::as_str)) else {
        return Subject::Other;
    };
    match kind {
        "ServiceAccount" => {
            let ns = subject.get("namespace").and_then(Value::as_str).unwrap_or(binding_namespace);
            Subject::ServiceAccount(format!("service account \"{ns}/{name}\""))
        }
        "Group" if BROAD_GROUPS.contains(&name) || name.starts_with("system:serviceaccounts:") => {
            let who = match name {
                "system:authenticated" => "every authenticated user",
                "system:unauthenticated" => "every anonymous request",
                "system:serviceaccounts" => "every service account of the cluster",
                _ => "every service account of the namespace",
            };
            Subject::Broad(format!("group \"{name}\" ({who})"))
        }
        "User" if name == "system:anonymous" => Subject::Broad("user \"system:anonymous\" (every anonymous request)".to_string()),
        _ => Subject::Other,
    }
}

fn is_anonymous(subject: &Value) -> bool {
    matches!(subject.get("name").and_then(Value::as_str), Some("system:unauthenticated" | "system:anonymous"))
}

impl ScanCheck for BoundRoleCheck {
    fn observe(&self, resource: &Resource) -> Option<Observation> {
        let v = &resource.value;
        match resource.kind.as_str() {
            "Role" | "ClusterRole" => {
                let rules = v.get("rules").cloned().unwrap_or(Value::Null);
                let selectors = v.get("aggregationRule").and_then(|a| a.get("clusterRoleSelectors")).cloned().unwrap_or(Value::Null);
                let labels = v.get("metadata").and_then(|m| m.get("labels")).cloned().unwrap_or(Value::Null);
                Some(Observation::new(resource, json!({"role": "role", "rules": rules, "selectors": selectors, "labels": labels}), &[]))
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role_ref = v.get("roleRef").cloned().unwrap_or(Value::Null);
                let subjects: Vec<Value> =
                    v.get("subjects").and_then(Value::as_array).map(|s| s.iter().take(MAX_SUBJECTS).cloned().collect()).unwrap_or_default();
                let paths: Vec<AttributePath> = (0..subjects.len()).map(|i| AttributePath::root().key("subjects").index(i)).collect();
                Some(Observation::new(resource, json!({"role": "binding", "ref": role_ref, "subjects": subjects}), &paths))
            }
            _ => None,
        }
    }

    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>) {
        // (kind, namespace or "", name) -> observations defining that role.
        let mut roles: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
        for (i, o) in observations.iter().enumerate() {
            if role(o) == "role" {
                let ns = if o.kind == "Role" { o.namespace.clone().unwrap_or_default() } else { String::new() };
                roles.entry((o.kind.clone(), ns, o.name.clone().unwrap_or_default())).or_default().push(i);
            }
        }
        let cluster_roles: Vec<(usize, &Observation)> =
            observations.iter().enumerate().filter(|(_, o)| role(o) == "role" && o.kind == "ClusterRole").collect();
        // Each role's power is computed once, when a binding first needs it. Aggregation
        // compares selectors with every ClusterRole: the comparisons are budgeted, and a role
        // whose aggregation is not fully evaluated within the budget is Unknown.
        let mut powers: BTreeMap<usize, Power> = BTreeMap::new();
        let mut budget = MAX_SELECTOR_EVALUATIONS;
        let mut power_of = |index: usize| -> Power {
            if let Some(p) = powers.get(&index) {
                return p.clone();
            }
            let o = &observations[index];
            let mut power = rules_power(&o.facts["rules"]);
            match &o.facts["selectors"] {
                Value::Null => {}
                Value::Array(selectors) => {
                    'selectors: for selector in selectors {
                        for (other_index, other) in &cluster_roles {
                            if *other_index == index {
                                continue;
                            }
                            if budget == 0 {
                                power = power.max(Power::Unknown);
                                break 'selectors;
                            }
                            budget -= 1;
                            let picked = match selector_matches(selector, &other.facts["labels"]) {
                                Some(true) => rules_power(&other.facts["rules"]),
                                Some(false) => continue,
                                None => Power::Unknown,
                            };
                            power = power.max(picked);
                        }
                    }
                }
                _ => power = power.max(Power::Unknown),
            }
            powers.insert(index, power.clone());
            power
        };
        for (i, o) in observations.iter().enumerate() {
            if role(o) != "binding" {
                continue;
            }
            let role_ref = &o.facts["ref"];
            let (Some(ref_kind), Some(ref_name)) =
                (role_ref.get("kind").and_then(Value::as_str), role_ref.get("name").and_then(Value::as_str))
            else {
                continue;
            };
            let binding_ns = o.namespace.clone().unwrap_or_default();
            let (power, definitions) = match (ref_kind, builtin_power(ref_name)) {
                ("ClusterRole", Some(p)) => (p, Vec::new()),
                ("ClusterRole" | "Role", _) => {
                    if ref_kind == "Role" && (binding_ns.is_empty() || binding_ns == UNKNOWN_NAMESPACE) {
                        continue;
                    }
                    let ns = if ref_kind == "Role" { binding_ns.clone() } else { String::new() };
                    let Some(defs) = roles.get(&(ref_kind.to_string(), ns, ref_name.to_string())) else { continue };
                    // Several definitions (overlays): judge by the least powerful one.
                    let Some(p) = defs.iter().map(|d| power_of(*d)).min() else { continue };
                    (p, defs.clone())
                }
                _ => continue,
            };
            let role_text = format!("{ref_kind} \"{ref_name}\"");
            let related: Vec<RelatedLocation> = definitions
                .iter()
                .take(3)
                .map(|d| RelatedLocation { location: observations[*d].root.clone(), message: format!("{role_text} is defined here") })
                .collect();
            let Some(subjects) = o.facts["subjects"].as_array() else { continue };
            for (k, subject) in subjects.iter().enumerate() {
                let who = classify(subject, &binding_ns);
                let (message, severity) = match (self.rule, &power, &who) {
                    (Rule::ClusterAdminBound, Power::Full, Subject::ServiceAccount(w) | Subject::Broad(w)) => {
                        if o.kind == "RoleBinding" {
                            let message = format!(
                                "RoleBinding grants every verb on every resource of namespace \"{binding_ns}\" ({role_text}) to {w}"
                            );
                            (message, Some(Severity::High))
                        } else {
                            (format!("{} grants cluster-admin rights ({role_text}) to {w}", o.kind), None)
                        }
                    }
                    (Rule::PowerfulRoleForBroadGroup, Power::Dangerous(why), Subject::Broad(w)) => {
                        let severity = is_anonymous(subject).then_some(Severity::Critical);
                        (format!("{} grants {role_text}, which {why}, to {w}", o.kind), severity)
                    }
                    _ => continue,
                };
                hits.push(ScanHit {
                    observation: i,
                    path: AttributePath::root().key("subjects").index(k),
                    message,
                    severity,
                    related: related.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_power_levels() {
        assert_eq!(rule_power(&json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})), Power::Full);
        assert_eq!(rule_power(&json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]})), Power::Harmless);
        assert_eq!(
            rule_power(&json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]})),
            Power::Dangerous("can patch deployments".to_string())
        );
        assert_eq!(
            rule_power(&json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]})),
            Power::Dangerous("can read secrets".to_string())
        );
        assert_eq!(
            rule_power(&json!({"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["tls"], "verbs": ["get"]})),
            Power::Harmless
        );
        assert_eq!(
            rule_power(&json!({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["get"]})),
            Power::Dangerous("can exec into or port-forward to pods".to_string())
        );
        assert_eq!(rule_power(&json!({"nonResourceURLs": ["/healthz"], "verbs": ["get"]})), Power::Harmless);
        assert_eq!(rule_power(&json!({"apiGroups": [""], "resources": {"$unknown": "var.r"}, "verbs": ["get"]})), Power::Unknown);
        assert_eq!(rule_power(&json!("x")), Power::Unknown);
        assert_eq!(rules_power(&json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}, 5])), Power::Unknown);
        assert_eq!(rules_power(&json!([])), Power::Harmless);
    }

    #[test]
    fn subresource_wildcards() {
        assert!(resource_matches("*/exec", "pods/exec"));
        assert!(!resource_matches("*/exec", "pods"));
        assert!(!resource_matches("pods/*", "pods/exec"));
        assert!(resource_matches("*", "secrets"));
    }
}
