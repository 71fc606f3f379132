//! TF-0048 `classic-load-balancer-plaintext-or-weak-tls`: what it does, why and how to fix it
//! are in `rules/terraform/TF-0048-classic-load-balancer-plaintext-or-weak-tls/metadata.yaml`
//! (`stridegate explain TF-0048`).
//!
//! A whole-scan rule because a classic load balancer's TLS settings live in three resources: the
//! `aws_elb` and its listeners, the `aws_load_balancer_policy` (an SSL negotiation policy) and
//! the `aws_load_balancer_listener_policy` that attaches policies to the listener of one port.
//! HTTP listeners and weak policies are reported where they are written; a weak policy attached
//! to an HTTPS/SSL listener is also reported at that listener, which is what clients reach.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{referenced_resource, root_unit, split_module_prefix};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::model::{AttributePath, Resource};
use crate::rules::meta::Severity;

/// The rule's implementation.
pub(crate) fn check(settings: &crate::config::RuleSettings) -> NativeCheck {
    let allowed = settings.tls_ciphers.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
    NativeCheck::Scan(Box::new(ClassicTls { allowed }))
}

struct ClassicTls {
    /// The cipher allow-list (`[settings] tls-ciphers`), upper case.
    allowed: BTreeSet<String>,
}

/// Nested blocks read per resource (listeners, policy attributes).
const MAX_BLOCKS: usize = 1_000;

/// The nested blocks `name` of `v` that are objects, with their index.
fn blocks<'a>(v: &'a Value, name: &str) -> impl Iterator<Item = (usize, &'a serde_json::Map<String, Value>)> {
    v.get(name).and_then(Value::as_array).into_iter().flatten().take(MAX_BLOCKS).enumerate().filter_map(|(i, b)| Some((i, b.as_object()?)))
}

fn lower(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_ascii_lowercase)
}

/// A value as Rego's `%v` shows it: strings bare, anything else as JSON.
fn shown(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "(unset)".to_string(),
    }
}

/// A port number, written as a number or a numeric string (Terraform converts it).
fn port(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The oldest protocol a predefined classic policy admits, by name.
fn legacy_reference(name: &str) -> Option<&'static str> {
    if name.starts_with("ELBSecurityPolicy-TLS-1-1-") {
        return Some("TLS 1.1");
    }
    // ELBSecurityPolicy-YYYY-MM
    let dated = name.strip_prefix("ELBSecurityPolicy-20").is_some_and(|rest| {
        let b = rest.as_bytes();
        b.len() == 5 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b'-' && b[3].is_ascii_digit() && b[4].is_ascii_digit()
    });
    (dated || name.starts_with("ELBSample-")).then_some("TLS 1.0")
}

/// The protocol a `Protocol-*` attribute enables, when it is a legacy one.
fn legacy_protocol(attribute: &str) -> Option<&'static str> {
    match attribute.to_ascii_lowercase().as_str() {
        "protocol-sslv3" => Some("SSLv3"),
        "protocol-tlsv1" => Some("TLS 1.0"),
        "protocol-tlsv1.1" => Some("TLS 1.1"),
        _ => None,
    }
}

/// True when a policy attribute name is a cipher suite (`ECDHE-RSA-AES128-GCM-SHA256`,
/// `DES-CBC3-SHA`) rather than an option (`Protocol-TLSv1.2`, `Server-Defined-Cipher-Order`).
fn cipher_name(attribute: &str) -> bool {
    attribute.contains('-')
        && attribute.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
        && !attribute.starts_with('-')
}

/// True for an attribute value that switches the setting on (`"true"`, or `true`).
fn enabled(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Bool(b)) => *b,
        _ => false,
    }
}

/// The join key of a load balancer named by `v` from resource `r`: by name (a string) or by
/// reference (`aws_elb.web.name`), within `r`'s root module.
fn balancer_key(r: &Resource, v: Option<&Value>) -> Option<String> {
    let unit = root_unit(r);
    match v? {
        Value::String(name) => Some(format!("{unit}|name:{name}")),
        other => {
            let target = referenced_resource(other).filter(|t| t.starts_with("aws_elb."))?;
            let (prefix, _) = split_module_prefix(&r.address);
            Some(format!("{unit}|ref:{prefix}{target}"))
        }
    }
}

impl ClassicTls {
    /// The weaknesses of an SSL negotiation policy: (attribute index, message, severity, what
    /// it admits).
    fn weaknesses(&self, policy: &Value) -> Vec<(usize, String, &'static str, String)> {
        let mut out = Vec::new();
        if lower(policy.get("policy_type_name")).as_deref() != Some("sslnegotiationpolicytype") {
            return out;
        }
        for (i, a) in blocks(policy, "policy_attribute") {
            let Some(name) = a.get("name").and_then(Value::as_str) else { continue };
            let value = a.get("value");
            if name == "Reference-Security-Policy" {
                if let Some((reference, admits)) = value.and_then(Value::as_str).and_then(|r| Some((r, legacy_reference(r)?))) {
                    out.push((
                        i,
                        format!("SSL negotiation policy references {reference}, which admits {admits}"),
                        "high",
                        format!("{reference} admits {admits}"),
                    ));
                }
            } else if let Some(protocol) = legacy_protocol(name) {
                if enabled(value) {
                    out.push((
                        i,
                        format!("SSL negotiation policy enables {protocol} ({name} = true)"),
                        "high",
                        format!("it enables {protocol}"),
                    ));
                }
            } else if cipher_name(name) && enabled(value) && !self.allowed.contains(&name.to_ascii_uppercase()) {
                out.push((
                    i,
                    format!("SSL negotiation policy enables the cipher suite {name}, which is not on the allowed list"),
                    "medium",
                    format!("it enables the cipher suite {name}"),
                ));
            }
        }
        out
    }
}

impl ScanCheck for ClassicTls {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let unit = root_unit(r);
        match r.kind.as_str() {
            "aws_elb" => {
                let (prefix, base) = split_module_prefix(&r.address);
                let mut keys = vec![format!("{unit}|ref:{prefix}{base}")];
                if let Some(Value::String(name)) = r.value.get("name") {
                    keys.push(format!("{unit}|name:{name}"));
                }
                let mut listeners = Vec::new();
                let mut paths = Vec::new();
                for (i, l) in blocks(&r.value, "listener") {
                    let protocol = lower(l.get("lb_protocol")).unwrap_or_default();
                    let port = port(l.get("lb_port"));
                    let path = match protocol.as_str() {
                        "http" => AttributePath::root().key("listener").index(i).key("lb_protocol"),
                        "https" | "ssl" => AttributePath::root().key("listener").index(i),
                        _ => continue,
                    };
                    listeners.push(json!({"protocol": protocol, "port": port, "shown": shown(l.get("lb_port")), "path": path.to_json()}));
                    paths.push(path);
                }
                Some(Observation::new(r, json!({"role": "elb", "keys": keys, "listeners": listeners}), &paths))
            }
            "aws_load_balancer_policy" => {
                let weak = self.weaknesses(&r.value);
                let paths: Vec<AttributePath> =
                    weak.iter().map(|(i, _, _, _)| AttributePath::root().key("policy_attribute").index(*i).key("value")).collect();
                let weak: Vec<Value> = weak
                    .iter()
                    .zip(&paths)
                    .map(|((_, message, severity, admits), path)| json!({"message": message, "severity": severity, "admits": admits, "path": path.to_json()}))
                    .collect();
                let facts = json!({
                    "role": "policy",
                    "balancer": balancer_key(r, r.value.get("load_balancer_name")),
                    "name": r.value.get("policy_name").and_then(Value::as_str),
                    "weak": weak,
                });
                Some(Observation::new(r, facts, &paths))
            }
            "aws_load_balancer_listener_policy" => {
                let balancer = balancer_key(r, r.value.get("load_balancer_name"))?;
                let port = port(r.value.get("load_balancer_port"))?;
                let names: Vec<&str> = r.value.get("policy_names").and_then(Value::as_array)?.iter().filter_map(Value::as_str).collect();
                Some(Observation::new(r, json!({"role": "attachment", "balancer": balancer, "port": port, "policies": names}), &[]))
            }
            _ => None,
        }
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let path_of = |v: &Value| AttributePath::from_json(v).unwrap_or_else(AttributePath::root);
        for (i, o) in obs.iter().enumerate() {
            match o.facts["role"].as_str() {
                Some("elb") => {
                    for l in o.facts["listeners"].as_array().into_iter().flatten().filter(|l| l["protocol"] == "http") {
                        hits.push(ScanHit {
                            observation: i,
                            path: path_of(&l["path"]),
                            message: format!(
                                "classic load balancer listens over plain HTTP on port {}",
                                l["shown"].as_str().unwrap_or_default()
                            ),
                            severity: None,
                            related: Vec::new(),
                        });
                    }
                }
                Some("policy") => {
                    for w in o.facts["weak"].as_array().into_iter().flatten() {
                        hits.push(ScanHit {
                            observation: i,
                            path: path_of(&w["path"]),
                            message: w["message"].as_str().unwrap_or_default().to_string(),
                            severity: severity(&w["severity"]),
                            related: Vec::new(),
                        });
                    }
                }
                _ => {}
            }
        }
        self.attached(obs, hits);
    }
}

fn severity(v: &Value) -> Option<Severity> {
    match v.as_str() {
        Some("high") => Some(Severity::High),
        Some("medium") => Some(Severity::Medium),
        _ => None,
    }
}

impl ClassicTls {
    /// Weak policies attached to an HTTPS/SSL listener: reported at the listener, with the
    /// policy and the attachment as related locations.
    fn attached(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let has_key = |o: &Observation, key: &Value| o.facts["keys"].as_array().is_some_and(|keys| keys.contains(key));
        let mut seen = BTreeSet::new();
        for attachment in obs.iter().filter(|o| o.facts["role"] == "attachment") {
            let balancer = &attachment.facts["balancer"];
            for (e, elb) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "elb" && has_key(o, balancer)) {
                let listeners = elb.facts["listeners"].as_array().into_iter().flatten();
                for l in listeners.filter(|l| l["protocol"] != "http" && l["port"] == attachment.facts["port"]) {
                    let Some(names) = attachment.facts["policies"].as_array() else { continue };
                    for name in names {
                        // Policies of the same load balancer, however each names it.
                        let policies = obs.iter().filter(|p| {
                            p.facts["role"] == "policy"
                                && p.facts["name"] == *name
                                && p.facts["weak"].as_array().is_some_and(|w| !w.is_empty())
                                && has_key(elb, &p.facts["balancer"])
                        });
                        for policy in policies {
                            if !seen.insert((e, l["path"].to_string(), policy.address.clone())) {
                                continue;
                            }
                            let weak = policy.facts["weak"].as_array().map(Vec::as_slice).unwrap_or_default();
                            let admits: Vec<&str> = weak.iter().filter_map(|w| w["admits"].as_str()).collect();
                            let high = weak.iter().any(|w| w["severity"] == "high");
                            let mut related: Vec<RelatedLocation> = weak
                                .iter()
                                .map(|w| {
                                    let (location, _) =
                                        policy.anchor(&AttributePath::from_json(&w["path"]).unwrap_or_else(AttributePath::root));
                                    RelatedLocation { location: location.clone(), message: format!("policy {}", policy.address) }
                                })
                                .collect();
                            related.push(RelatedLocation {
                                location: attachment.root.clone(),
                                message: format!("attached by {}", attachment.address),
                            });
                            hits.push(ScanHit {
                                observation: e,
                                path: AttributePath::from_json(&l["path"]).unwrap_or_else(AttributePath::root),
                                message: format!(
                                    "classic load balancer listener on port {} uses SSL negotiation policy {}: {}",
                                    l["shown"].as_str().unwrap_or_default(),
                                    name.as_str().unwrap_or_default(),
                                    admits.join(", ")
                                ),
                                severity: Some(if high { Severity::High } else { Severity::Medium }),
                                related,
                            });
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_policies() {
        assert_eq!(legacy_reference("ELBSecurityPolicy-2016-08"), Some("TLS 1.0"));
        assert_eq!(legacy_reference("ELBSecurityPolicy-2015-05"), Some("TLS 1.0"));
        assert_eq!(legacy_reference("ELBSample-OpenSSLDefaultCipherPolicy"), Some("TLS 1.0"));
        assert_eq!(legacy_reference("ELBSecurityPolicy-TLS-1-1-2017-01"), Some("TLS 1.1"));
        assert_eq!(legacy_reference("ELBSecurityPolicy-TLS-1-2-2017-01"), None);
        assert_eq!(legacy_reference("ELBSecurityPolicy-2016-080"), None);
    }

    #[test]
    fn cipher_attributes() {
        assert!(cipher_name("DES-CBC3-SHA"));
        assert!(cipher_name("ECDHE-RSA-AES128-GCM-SHA256"));
        assert!(!cipher_name("Protocol-TLSv1.2"));
        assert!(!cipher_name("Server-Defined-Cipher-Order"));
        assert!(!cipher_name("Reference-Security-Policy"));
        assert!(!cipher_name("RC4"));
    }
}
