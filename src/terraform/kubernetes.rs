//! Terraform's Kubernetes provider resources (`kubernetes_deployment`, `kubernetes_network_policy`
//! ...) mapped to the Kubernetes objects they create, so the Kubernetes rule packs apply to them
//! unchanged and findings point at the `.tf` lines.
//!
//! The provider writes objects in snake_case with every nested object as a block (a list), and
//! some lists under singular names (`container`, `volume`, `port`). The mapping renames keys to
//! the API's camelCase, turns single blocks back into objects, keeps real lists as lists, and
//! carries the span tree along so every key still has its `.tf` position.

use serde_json::{Map, Value, json};

use crate::model::{Platform, Resource, SpanChildren, SpanNode};

/// (provider resource type without `_v1`/`_v2`, Kubernetes kind, apiVersion)
const KINDS: &[(&str, &str, &str)] = &[
    ("kubernetes_pod", "Pod", "v1"),
    ("kubernetes_deployment", "Deployment", "apps/v1"),
    ("kubernetes_stateful_set", "StatefulSet", "apps/v1"),
    ("kubernetes_daemonset", "DaemonSet", "apps/v1"),
    ("kubernetes_daemon_set", "DaemonSet", "apps/v1"),
    ("kubernetes_replication_controller", "ReplicationController", "v1"),
    ("kubernetes_job", "Job", "batch/v1"),
    ("kubernetes_cron_job", "CronJob", "batch/v1"),
    ("kubernetes_network_policy", "NetworkPolicy", "networking.k8s.io/v1"),
    ("kubernetes_namespace", "Namespace", "v1"),
    ("kubernetes_service_account", "ServiceAccount", "v1"),
    ("kubernetes_service", "Service", "v1"),
    ("kubernetes_ingress", "Ingress", "networking.k8s.io/v1"),
    ("kubernetes_role", "Role", "rbac.authorization.k8s.io/v1"),
    ("kubernetes_cluster_role", "ClusterRole", "rbac.authorization.k8s.io/v1"),
    ("kubernetes_role_binding", "RoleBinding", "rbac.authorization.k8s.io/v1"),
    ("kubernetes_cluster_role_binding", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
];

/// Provider block names that differ from the API field beyond snake→camel case.
const RENAMES: &[(&str, &str)] = &[
    ("container", "containers"),
    ("init_container", "initContainers"),
    ("ephemeral_container", "ephemeralContainers"),
    ("volume", "volumes"),
    ("port", "ports"),
    ("volume_mount", "volumeMounts"),
    ("env_from", "envFrom"),
    ("toleration", "tolerations"),
    ("image_pull_secrets", "imagePullSecrets"),
    ("host_aliases", "hostAliases"),
    ("sysctl", "sysctls"),
    ("topology_spread_constraint", "topologySpreadConstraints"),
    ("readiness_gate", "readinessGates"),
    ("rule", "rules"),
    ("subject", "subjects"),
    ("external_ips", "externalIPs"),
    ("non_resource_urls", "nonResourceURLs"),
    // Initialisms the API spells in capitals (snake→camel would give `hostPid`).
    ("host_pid", "hostPID"),
    ("host_ipc", "hostIPC"),
    ("cluster_ip", "clusterIP"),
    ("cluster_ips", "clusterIPs"),
    ("load_balancer_ip", "loadBalancerIP"),
    ("host_ip", "hostIP"),
    ("pod_ip", "podIP"),
];

/// API fields that are lists (every other block becomes an object).
const LISTS: &[&str] = &[
    "containers",
    "initContainers",
    "ephemeralContainers",
    "volumes",
    "ports",
    "env",
    "envFrom",
    "volumeMounts",
    "tolerations",
    "imagePullSecrets",
    "hostAliases",
    "sysctls",
    "topologySpreadConstraints",
    "readinessGates",
    "ingress",
    "egress",
    "from",
    "to",
    "matchExpressions",
    "rule",
    "rules",
    "paths",
    "path",
    "tls",
    "items",
    "secret",
    "subjects",
    "clusterRoleSelectors",
];

/// Maps a `kubernetes_*` resource to the Kubernetes object it creates; `None` for other types.
pub fn map_resource(r: &Resource) -> Option<Resource> {
    let base = r.kind.trim_end_matches("_v1").trim_end_matches("_v2");
    let (_, kind, api_version) = KINDS.iter().find(|(t, _, _)| *t == base)?;
    let (value, spans) = convert_object(&r.value, &r.spans);
    let Value::Object(mut obj) = value else { return None };
    obj.insert("apiVersion".to_string(), json!(api_version));
    obj.insert("kind".to_string(), json!(kind));
    let metadata = obj.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str).map(str::to_string);
    let namespace = if matches!(*kind, "Namespace" | "ClusterRole" | "ClusterRoleBinding") {
        None
    } else {
        match metadata.and_then(|m| m.get("namespace")) {
            Some(Value::String(ns)) => Some(ns.clone()),
            Some(v) if crate::model::is_unknown(v) => Some(crate::kubernetes::UNKNOWN_NAMESPACE.to_string()),
            _ => Some("default".to_string()),
        }
    };
    Some(Resource {
        platform: Platform::Kubernetes,
        kind: (*kind).to_string(),
        namespace,
        name,
        address: r.address.clone(),
        value: Value::Object(obj),
        spans,
        file: r.file.clone(),
        call_chain: r.call_chain.clone(),
    })
}

fn camel(key: &str) -> String {
    if let Some((_, to)) = RENAMES.iter().find(|(from, _)| *from == key) {
        return (*to).to_string();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Keys whose values are user data (labels, annotations, limits) and keep their keys as written.
fn is_user_map(key: &str) -> bool {
    matches!(key, "labels" | "annotations" | "match_labels" | "limits" | "requests" | "node_selector" | "data" | "selector")
}

fn convert_object(v: &Value, s: &SpanNode) -> (Value, SpanNode) {
    let Value::Object(map) = v else { return (v.clone(), s.clone()) };
    let child_spans = match &s.children {
        SpanChildren::Map(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let mut out = Map::new();
    let mut spans = Vec::new();
    for (k, val) in map {
        let span = child_spans.iter().rev().find(|(n, _)| n == k).map(|(_, n)| n.clone()).unwrap_or_default();
        let name = camel(k);
        let (nv, ns) =
            if is_user_map(k) && !matches!(val, Value::Array(_)) { (val.clone(), span) } else { convert_field(&name, val, &span) };
        out.insert(name.clone(), nv);
        spans.push((name, ns));
    }
    (Value::Object(out), SpanNode { origin: None, span: s.span, key: s.key, children: SpanChildren::Map(spans) })
}

fn convert_field(name: &str, v: &Value, s: &SpanNode) -> (Value, SpanNode) {
    match v {
        // A nested object written as an attribute (`security_context = { ... }`) rather than a
        // block: the same conversion as a single block, a one-element list where the API has one.
        Value::Object(_) if !crate::model::is_unknown(v) => {
            let (value, span) = convert_object(v, s);
            if LISTS.contains(&name) {
                (Value::Array(vec![value]), SpanNode { origin: None, span: s.span, key: s.key, children: SpanChildren::Seq(vec![span]) })
            } else {
                (value, span)
            }
        }
        // A block (list of objects): a list in the API, or a single object.
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let item_spans = match &s.children {
                SpanChildren::Seq(x) => x.clone(),
                _ => Vec::new(),
            };
            let converted: Vec<(Value, SpanNode)> =
                items.iter().enumerate().map(|(i, item)| convert_object(item, &item_spans.get(i).cloned().unwrap_or_default())).collect();
            if LISTS.contains(&name) || converted.len() > 1 {
                let (values, spans): (Vec<_>, Vec<_>) = converted.into_iter().unzip();
                (Value::Array(values), SpanNode { origin: None, span: s.span, key: s.key, children: SpanChildren::Seq(spans) })
            } else {
                let Some((value, mut span)) = converted.into_iter().next() else { return (v.clone(), s.clone()) };
                span.key = s.key;
                (value, span)
            }
        }
        _ => (v.clone(), s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AttributePath;
    use crate::terraform::{ModuleInput, evaluate_module, parse_file};
    use std::sync::Arc;

    #[test]
    fn deployment_maps_to_the_api_shape_with_tf_spans() {
        let text = r#"
resource "kubernetes_deployment_v1" "web" {
  metadata {
    name      = "web"
    namespace = "shop"
  }
  spec {
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        container {
          name  = "web"
          image = "nginx"
          security_context {
            privileged = true
            capabilities {
              add = ["NET_ADMIN"]
            }
          }
        }
      }
    }
  }
}
"#;
        let file = Arc::new(crate::model::SourceFile::new("k8s.tf", text.to_string()));
        let input = ModuleInput { files: vec![parse_file(&file).unwrap()], ..ModuleInput::default() };
        let r = evaluate_module(&input);
        let dep = &r.resources[0];
        assert_eq!(dep.platform, Platform::Kubernetes);
        assert_eq!(dep.kind, "Deployment");
        assert_eq!(dep.namespace.as_deref(), Some("shop"));
        assert_eq!(dep.address, "kubernetes_deployment_v1.web");
        let c = &dep.value["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["securityContext"]["privileged"], json!(true));
        assert_eq!(c["securityContext"]["capabilities"]["add"], json!(["NET_ADMIN"]));
        assert_eq!(dep.value["spec"]["template"]["metadata"]["labels"], json!({"app": "web"}));
        let p = AttributePath::from_json(&json!(["spec", "template", "spec", "containers", 0, "securityContext", "privileged"])).unwrap();
        let (loc, found) = dep.locate(&p);
        assert!(found);
        assert_eq!(loc.start.line, 17);
    }
}
