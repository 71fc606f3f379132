//! Internet exposure: which resources can be reached from the internet as configured. A
//! threat model must declare each of them as (or behind) an entry point; one it does not is
//! drift. Only what the configuration says counts: a value that cannot be known is not
//! exposure (precision over recall, as everywhere else).

use serde_json::Value;

use crate::model::{Platform, Resource, is_unknown};

const ANYWHERE: &[&str] = &["0.0.0.0/0", "::/0", "*", "Internet", "any"];

fn is_anywhere(v: &Value) -> bool {
    match v {
        Value::String(s) => ANYWHERE.contains(&s.as_str()),
        Value::Array(items) => items.iter().any(is_anywhere),
        _ => false,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn is_true(v: &Value, key: &str) -> bool {
    match v.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

fn blocks<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().filter(|b| b.is_object() && !is_unknown(b))
}

/// Why `resource` is reachable from the internet, when its configuration says it is.
pub fn classify(resource: &Resource) -> Option<String> {
    let v = &resource.value;
    match resource.platform {
        Platform::Kubernetes => kubernetes(&resource.kind, v),
        Platform::Terraform => terraform(&resource.kind, v),
        Platform::Iam => None,
    }
}

/// Service annotations that make a cloud load balancer internal (not reachable from the
/// internet), with the values (lowercase) that do. K8S-0032 spells the same table in Rego
/// (`tests/rules_data.rs` checks that they agree).
pub const INTERNAL_LOAD_BALANCER_ANNOTATIONS: &[(&str, &[&str])] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", &["true", "0.0.0.0/0"]),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", &["internal"]),
    ("networking.gke.io/load-balancer-type", &["internal"]),
    ("cloud.google.com/load-balancer-type", &["internal"]),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", &["true"]),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", &["true"]),
    ("service.beta.kubernetes.io/openstack-internal-load-balancer", &["true"]),
];

/// True when the Service's annotations make its load balancer internal (or may: an annotation
/// that cannot be known is not taken for exposure).
fn internal_load_balancer(v: &Value) -> bool {
    let Some(annotations) = v.get("metadata").and_then(|m| m.get("annotations")) else { return false };
    if is_unknown(annotations) {
        return true;
    }
    let Some(map) = annotations.as_object() else { return false };
    map.values().any(is_unknown)
        || INTERNAL_LOAD_BALANCER_ANNOTATIONS.iter().any(|(key, values)| {
            let value = match map.get(*key) {
                Some(Value::String(s)) => s.to_ascii_lowercase(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => return false,
            };
            values.contains(&value.as_str())
        })
}

/// True for an address that is not routed on the internet (private, loopback, link-local...).
fn private_address(ip: &str) -> bool {
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || (a.octets()[0] == 100 && a.octets()[1] & 0xc0 == 64)
        }
        Ok(std::net::IpAddr::V6(a)) => {
            a.is_loopback() || a.is_unspecified() || (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80
        }
        // Not an address: nothing can be said.
        Err(_) => true,
    }
}

fn kubernetes(kind: &str, v: &Value) -> Option<String> {
    match kind {
        "Service" => {
            let spec = v.get("spec");
            match spec.and_then(|s| str_of(s, "type")) {
                Some("LoadBalancer") if !internal_load_balancer(v) => return Some("Service of type LoadBalancer".to_string()),
                Some("NodePort") => return Some("Service of type NodePort (a port on every node)".to_string()),
                _ => {}
            }
            let external = spec.and_then(|s| s.get("externalIPs")).and_then(Value::as_array);
            external
                .is_some_and(|ips| ips.iter().filter_map(Value::as_str).any(|ip| !private_address(ip)))
                .then(|| "Service with public externalIPs".to_string())
        }
        "Ingress" => Some("Ingress".to_string()),
        "Gateway" => Some("Gateway API gateway".to_string()),
        _ => None,
    }
}

fn terraform(kind: &str, v: &Value) -> Option<String> {
    match kind {
        "aws_lb" | "aws_alb" | "aws_elb" => {
            let internal = v.get("internal");
            let scheme_internal = matches!(internal, Some(Value::Bool(true))) || matches!(internal, Some(Value::String(s)) if s == "true");
            let known = !internal.is_some_and(is_unknown);
            (known && !scheme_internal).then(|| "internet-facing load balancer".to_string())
        }
        "digitalocean_loadbalancer" => Some("DigitalOcean load balancer (public)".to_string()),
        "aws_cloudfront_distribution" => Some("CloudFront distribution".to_string()),
        "aws_api_gateway_rest_api" => {
            let private = blocks(v, "endpoint_configuration")
                .any(|e| e.get("types").and_then(Value::as_array).is_some_and(|t| t.iter().any(|x| x == "PRIVATE")));
            (!private).then(|| "API Gateway REST API (public endpoint)".to_string())
        }
        "aws_apigatewayv2_api" => Some("API Gateway HTTP/WebSocket API".to_string()),
        "google_compute_global_forwarding_rule" | "google_compute_forwarding_rule" => {
            let scheme = str_of(v, "load_balancing_scheme").unwrap_or("EXTERNAL");
            scheme.starts_with("EXTERNAL").then(|| "external forwarding rule".to_string())
        }
        "aws_security_group" => blocks(v, "ingress")
            .any(|i| i.get("cidr_blocks").is_some_and(is_anywhere) || i.get("ipv6_cidr_blocks").is_some_and(is_anywhere))
            .then(|| "security group ingress open to 0.0.0.0/0".to_string()),
        "aws_security_group_rule" => (str_of(v, "type") == Some("ingress")
            && (v.get("cidr_blocks").is_some_and(is_anywhere) || v.get("ipv6_cidr_blocks").is_some_and(is_anywhere)))
        .then(|| "security group rule open to 0.0.0.0/0".to_string()),
        "aws_vpc_security_group_ingress_rule" => (v.get("cidr_ipv4").is_some_and(is_anywhere)
            || v.get("cidr_ipv6").is_some_and(is_anywhere))
        .then(|| "security group ingress rule open to 0.0.0.0/0".to_string()),
        "google_compute_firewall" => {
            let ingress = str_of(v, "direction").is_none_or(|d| d.eq_ignore_ascii_case("INGRESS"));
            (ingress && v.get("source_ranges").is_some_and(is_anywhere)).then(|| "firewall open to 0.0.0.0/0".to_string())
        }
        "azurerm_network_security_rule" => azure_rule_open(v).then(|| "network security rule open to the internet".to_string()),
        "azurerm_network_security_group" => {
            blocks(v, "security_rule").any(azure_rule_open).then(|| "network security group open to the internet".to_string())
        }
        "digitalocean_firewall" => blocks(v, "inbound_rule")
            .any(|r| r.get("source_addresses").is_some_and(is_anywhere))
            .then(|| "firewall open to 0.0.0.0/0".to_string()),
        "aws_db_instance" | "aws_rds_cluster_instance" | "aws_redshift_cluster" | "aws_dms_replication_instance" => {
            is_true(v, "publicly_accessible").then(|| "publicly accessible database".to_string())
        }
        "aws_s3_bucket_acl" | "aws_s3_bucket" => {
            matches!(str_of(v, "acl"), Some("public-read" | "public-read-write")).then(|| "bucket readable by anyone (ACL)".to_string())
        }
        "google_storage_bucket_iam_member" | "google_storage_bucket_iam_binding" => {
            let public = |m: &Value| matches!(m.as_str(), Some("allUsers" | "allAuthenticatedUsers"));
            (v.get("member").is_some_and(public) || v.get("members").and_then(Value::as_array).is_some_and(|ms| ms.iter().any(public)))
                .then(|| "bucket readable by anyone (IAM)".to_string())
        }
        "aws_instance" => is_true(v, "associate_public_ip_address").then(|| "instance with a public IP address".to_string()),
        _ => None,
    }
}

fn azure_rule_open(r: &Value) -> bool {
    let inbound = str_of(r, "direction").is_some_and(|d| d.eq_ignore_ascii_case("Inbound"));
    let allow = str_of(r, "access").is_some_and(|a| a.eq_ignore_ascii_case("Allow"));
    inbound
        && allow
        && (r.get("source_address_prefix").is_some_and(is_anywhere) || r.get("source_address_prefixes").is_some_and(is_anywhere))
}

/// The resources a Terraform resource's configuration references (`aws_s3_bucket.data`,
/// prefixed with the resource's module path), read from the unknown values that computed
/// attributes leave (`aws_s3_bucket.data.arn`, `arn:aws:s3:::${aws_s3_bucket.data.bucket}/*`).
pub fn references(r: &Resource) -> Vec<String> {
    static REF: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = REF.get_or_init(|| regex::Regex::new(r"(?:^|\$\{)([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)").ok()) else {
        return Vec::new();
    };
    let prefix = crate::checks::terraform::module_and_base(&r.address).0;
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![&r.value];
    let mut seen = 0usize;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > 100_000 {
            break;
        }
        match v {
            Value::Object(m) => {
                if let Some(Value::String(reason)) = m.get(crate::model::UNKNOWN_KEY) {
                    for c in re.captures_iter(reason) {
                        if let (Some(t), Some(n)) = (c.get(1), c.get(2)) {
                            let address = format!("{prefix}{}.{}", t.as_str(), n.as_str());
                            if address != r.address && !out.contains(&address) {
                                out.push(address);
                            }
                        }
                    }
                } else {
                    stack.extend(m.values());
                }
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(annotations: Value, spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "annotations": annotations}, "spec": spec})
    }

    #[test]
    fn services() {
        let lb = json!({"type": "LoadBalancer"});
        assert_eq!(kubernetes("Service", &service(json!({}), lb.clone())).as_deref(), Some("Service of type LoadBalancer"));
        let aws = json!({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"});
        assert_eq!(kubernetes("Service", &service(aws, lb.clone())), None);
        let gke = json!({"networking.gke.io/load-balancer-type": "Internal"});
        assert_eq!(kubernetes("Service", &service(gke, lb.clone())), None);
        let not_internal = json!({"service.beta.kubernetes.io/azure-load-balancer-internal": "false"});
        assert!(kubernetes("Service", &service(not_internal, lb)).is_some());
        let public = json!({"externalIPs": ["10.0.0.5", "198.51.100.10"]});
        assert_eq!(kubernetes("Service", &service(json!({}), public)).as_deref(), Some("Service with public externalIPs"));
        let private = json!({"externalIPs": ["10.0.0.5", "192.168.1.1", "fd00::1", "100.64.0.1"]});
        assert_eq!(kubernetes("Service", &service(json!({}), private)), None);
        assert_eq!(kubernetes("Service", &service(json!({}), json!({"type": "ClusterIP"}))), None);
    }
}
