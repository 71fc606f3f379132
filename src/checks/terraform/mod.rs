//! Native Terraform rules (one file per rule, `tf_<id>_<name>.rs`) and what they share:
//! resource references, module prefixes and root units, and [`RequiresCompanion`] (a resource
//! that another resource must reference). The rules are registered in `checks::NATIVE_RULES`.

mod bucket_setting;
pub mod tf_0026_data_subnet_with_internet_route;
pub mod tf_0028_database_cluster_without_firewall;
pub mod tf_0029_dns_zone_without_caa_record;
pub mod tf_0030_secret_without_rotation;
pub mod tf_0031_state_bucket_unprotected;
pub mod tf_0045_vpc_without_flow_logs;
pub mod tf_0046_s3_bucket_without_versioning;
pub mod tf_0047_s3_bucket_without_access_logging;
pub mod tf_0048_classic_load_balancer_plaintext_or_weak_tls;
pub mod tf_0055_secret_in_resource_argument;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Observation, ScanCheck, ScanHit};
use crate::model::{AttributePath, Resource, is_unknown};

/// Resource types whose `subnet_ids` host a data store.
const DATA_SUBNET_GROUPS: &[&str] = &[
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
    "aws_redshift_subnet_group",
    "aws_docdb_subnet_group",
    "aws_neptune_subnet_group",
    "aws_dms_replication_subnet_group",
];

/// Route targets that give a subnet a path to or from the internet.
const INTERNET_TARGETS: &[(&str, &str)] = &[
    ("nat_gateway_id", "a NAT gateway"),
    ("gateway_id", "an internet gateway"),
    ("egress_only_gateway_id", "an egress-only internet gateway"),
    ("transit_gateway_id", "a transit gateway"),
];

/// The `type.name` a reference points at, from an unknown value's reason
/// (`aws_subnet.data[…].id` → `aws_subnet.data`), or from a module-qualified one.
pub(crate) fn referenced_resource(v: &Value) -> Option<String> {
    let reason = v.get(crate::model::UNKNOWN_KEY)?.as_str()?;
    let reason = reason.strip_prefix("${").unwrap_or(reason);
    let mut parts = reason.split('.');
    let t = parts.next()?;
    let n = parts.next()?;
    let n = n.split('[').next()?;
    if t.is_empty() || n.is_empty() || matches!(t, "var" | "local" | "data" | "module" | "each" | "count") {
        return None;
    }
    Some(format!("{t}.{n}"))
}

/// Every resource referenced by `v` (a single value or a list).
fn referenced_resources(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(referenced_resource).collect(),
        other => referenced_resource(other).into_iter().collect(),
    }
}

fn is_anywhere(v: Option<&Value>) -> bool {
    matches!(v.and_then(Value::as_str), Some("0.0.0.0/0" | "::/0"))
}

/// The internet target of a route object, if any: (attribute, description).
fn internet_target(route: &Value) -> Option<(&'static str, &'static str)> {
    if !(is_anywhere(route.get("cidr_block"))
        || is_anywhere(route.get("ipv6_cidr_block"))
        || is_anywhere(route.get("destination_cidr_block"))
        || is_anywhere(route.get("destination_ipv6_cidr_block")))
    {
        return None;
    }
    INTERNET_TARGETS.iter().copied().find(|(attr, _)| match route.get(*attr) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty() && !s.starts_with("vpce-") && !s.starts_with("local"),
        Some(v) if is_unknown(v) => referenced_resource(v).is_none_or(|r| !r.starts_with("aws_vpc_endpoint.")),
        Some(_) => false,
    })
}

/// The root module an evaluated resource belongs to (the directory of the outermost call
/// site, or of its own file): resources of different root modules never join.
pub(crate) fn root_unit(r: &Resource) -> String {
    let file: &str = r.call_chain.first().map_or(&r.file.path, |(loc, _)| &loc.file);
    file.rsplit_once('/').map_or(".", |(dir, _)| dir).to_string()
}

/// The join key of `name` (a base address, or a reference resolved in `r`'s module) as seen
/// from `r`: its root module, its module instance and the name. [`shown`] gives it back
/// without the root module, for messages.
fn scoped(r: &Resource, name: &str) -> String {
    let (prefix, _) = module_and_base(&r.address);
    format!("{}|{prefix}{name}", root_unit(r))
}

/// A [`scoped`] key as shown in messages.
fn shown(key: &str) -> &str {
    key.split_once('|').map_or(key, |(_, shown)| shown)
}

/// `module.a["x"].aws_iam_role.ci[0]` → (`module.a["x"].`, `aws_iam_role.ci`).
pub(crate) fn module_and_base(address: &str) -> (String, String) {
    let mut prefix_end = 0;
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        // Skip the module name and any instance key, then the dot.
        let mut depth = 0usize;
        let mut end = r.len();
        for (i, c) in r.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '.' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let consumed = "module.".len() + end + 1;
        prefix_end += consumed.min(rest.len());
        rest = rest.get(consumed..).unwrap_or("");
    }
    let base = rest.split('[').next().unwrap_or(rest).to_string();
    (address.get(..prefix_end).unwrap_or("").to_string(), base)
}

/// `module.a.module.b[0].aws_x.y[0]` → (`module.a.module.b.`, `aws_x.y`): the module path
/// without instance keys, so every instance of a module call shares one prefix.
pub(crate) fn split_module_prefix(address: &str) -> (String, String) {
    let (prefix, base) = module_and_base(address);
    let mut plain = String::with_capacity(prefix.len());
    let mut depth = 0usize;
    for c in prefix.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    (plain, base)
}

/// (companion type, attribute holding the reference, optional (attribute, required value)).
pub(crate) type Companion = (&'static str, &'static str, Option<(&'static str, &'static str)>);

/// A resource that must be accompanied by another resource referencing it (a database cluster
/// by its firewall, a DNS zone by a CAA record, a secret by its rotation). When a companion's
/// reference cannot be resolved (a literal id, a variable), nothing is reported: the control
/// may be in place and cannot be verified.
pub(crate) struct RequiresCompanion {
    /// The resource types that need a companion.
    pub(crate) subjects: &'static [&'static str],
    /// The resources that satisfy the requirement.
    pub(crate) companions: &'static [Companion],
    /// Message; `{subject}` is replaced by the subject's address.
    pub(crate) message: &'static str,
}

impl ScanCheck for RequiresCompanion {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = split_module_prefix(&r.address);
        let prefix = format!("{}|{prefix}", root_unit(r));
        if self.subjects.contains(&r.kind.as_str()) {
            return Some(Observation::new(r, json!({"role": "subject", "prefix": prefix, "base": base}), &[]));
        }
        let (_, attr, filter) = self.companions.iter().find(|(k, _, _)| *k == r.kind)?;
        if let Some((fattr, fvalue)) = filter {
            match r.value.get(*fattr) {
                Some(Value::String(s)) if s.eq_ignore_ascii_case(fvalue) => {}
                Some(v) if is_unknown(v) => {}
                _ => return None,
            }
        }
        // A companion that does not set the attribute targets something else (a flow log of a
        // subnet rather than of a VPC): it neither covers a subject nor hides one.
        let target = match r.value.get(*attr) {
            None | Some(Value::Null) => return None,
            Some(v) => v,
        };
        let resolved = referenced_resource(target);
        Some(Observation::new(r, json!({"role": "companion", "prefix": prefix, "target": resolved}), &[]))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let companions: Vec<&Observation> = obs.iter().filter(|o| o.facts["role"] == "companion").collect();
        // Any companion whose target cannot be resolved could be the one: stay silent.
        if companions.iter().any(|c| c.facts["target"].is_null()) {
            return;
        }
        let covered: BTreeSet<String> = companions
            .iter()
            .map(|c| format!("{}{}", c.facts["prefix"].as_str().unwrap_or_default(), c.facts["target"].as_str().unwrap_or_default()))
            .collect();
        let mut seen = BTreeSet::new();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "subject") {
            let key = format!("{}{}", o.facts["prefix"].as_str().unwrap_or_default(), o.facts["base"].as_str().unwrap_or_default());
            // One finding per subject instance, instances of different root modules apart.
            if covered.contains(&key) || !seen.insert(format!("{}{}", o.facts["prefix"].as_str().unwrap_or_default(), o.address)) {
                continue;
            }
            hits.push(ScanHit {
                observation: i,
                path: AttributePath::root(),
                message: self.message.replace("{subject}", &o.address),
                severity: None,
                related: Vec::new(),
            });
        }
    }
}

/// What a bucket-scoped companion resource points at: the bucket resource (by reference) or the
/// bucket name (a literal); `None` when neither can be known.
pub(crate) fn bucket_target(v: &Value) -> Option<Value> {
    match v {
        Value::String(name) => Some(json!({"name": name})),
        other => referenced_resource(other).map(|r| json!({"resource": r})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_from_unknown_reasons() {
        assert_eq!(referenced_resource(&json!({"$unknown": "aws_subnet.data[…].id"})).as_deref(), Some("aws_subnet.data"));
        assert_eq!(referenced_resource(&json!({"$unknown": "aws_route_table.private.id"})).as_deref(), Some("aws_route_table.private"));
        assert_eq!(referenced_resource(&json!({"$unknown": "var.subnet"})), None);
        assert_eq!(referenced_resource(&json!("subnet-123")), None);
    }

    #[test]
    fn module_prefixes() {
        assert_eq!(split_module_prefix("module.a.module.b[0].aws_x.y[\"k\"]"), ("module.a.module.b.".to_string(), "aws_x.y".to_string()));
        assert_eq!(split_module_prefix("aws_x.y"), (String::new(), "aws_x.y".to_string()));
        assert_eq!(split_module_prefix("module.a[\"x.y\"].aws_x.y"), ("module.a.".to_string(), "aws_x.y".to_string()));
    }

    #[test]
    fn internet_targets() {
        assert_eq!(
            internet_target(&json!({"cidr_block": "0.0.0.0/0", "nat_gateway_id": {"$unknown": "aws_nat_gateway.a.id"}})).map(|t| t.0),
            Some("nat_gateway_id")
        );
        assert_eq!(internet_target(&json!({"cidr_block": "10.0.0.0/8", "nat_gateway_id": "nat-1"})), None);
        assert_eq!(internet_target(&json!({"cidr_block": "0.0.0.0/0", "gateway_id": "vpce-123"})), None);
        assert_eq!(
            internet_target(&json!({"destination_cidr_block": "0.0.0.0/0", "gateway_id": {"$unknown": "aws_internet_gateway.gw.id"}}))
                .map(|t| t.0),
            Some("gateway_id")
        );
    }
}
