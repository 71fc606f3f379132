//! Native Terraform rules that need the whole scan: network paths across subnets, route
//! tables, routes and their associations.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::model::{AttributePath, Resource, is_unknown};

/// Ids of the rules implemented here.
pub const IDS: &[&str] = &["TF-0026", "TF-0028", "TF-0029", "TF-0030", "TF-0031"];

/// The implementation of `id`, if it is one of ours.
pub fn native(id: &str, settings: &crate::config::RuleSettings) -> Option<NativeCheck> {
    match id {
        "TF-0026" => Some(NativeCheck::Scan(Box::new(DataSubnetInternetRoute { settings: settings.clone() }))),
        "TF-0031" => Some(NativeCheck::Scan(Box::new(StateBucketUnprotected))),
        "TF-0028" => Some(NativeCheck::Scan(Box::new(RequiresCompanion {
            subjects: &["digitalocean_database_cluster"],
            companions: &[("digitalocean_database_firewall", "cluster_id", None)],
            message: "database cluster {subject} has no digitalocean_database_firewall: it accepts connections from any address",
        }))),
        "TF-0029" => Some(NativeCheck::Scan(Box::new(RequiresCompanion {
            subjects: &["aws_route53_zone", "digitalocean_domain", "cloudflare_zone"],
            companions: &[
                ("aws_route53_record", "zone_id", Some(("type", "CAA"))),
                ("digitalocean_record", "domain", Some(("type", "CAA"))),
                ("cloudflare_record", "zone_id", Some(("type", "CAA"))),
                ("cloudflare_dns_record", "zone_id", Some(("type", "CAA"))),
            ],
            message: "DNS zone {subject} has no CAA record: any certificate authority may issue certificates for it",
        }))),
        "TF-0030" => Some(NativeCheck::Scan(Box::new(RequiresCompanion {
            subjects: &["aws_secretsmanager_secret"],
            companions: &[("aws_secretsmanager_secret_rotation", "secret_id", None)],
            message: "secret {subject} has no aws_secretsmanager_secret_rotation: it is never rotated",
        }))),
        _ => None,
    }
}

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

/// TF-0026: a data subnet whose route table sends 0.0.0.0/0 or ::/0 to a NAT gateway, an
/// internet gateway, an egress-only internet gateway or a transit gateway.
struct DataSubnetInternetRoute {
    /// The data-tier words that mark subnet names and tags (`[settings] data-tier-words`).
    settings: crate::config::RuleSettings,
}

impl ScanCheck for DataSubnetInternetRoute {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let kind = r.kind.as_str();
        let base = scoped(r, &module_and_base(&r.address).1);
        let scope_refs = |refs: Vec<String>| -> Vec<String> { refs.iter().map(|x| scoped(r, x)).collect() };
        let scope_ref = |x: Option<String>| x.map(|x| scoped(r, &x));
        let facts = match kind {
            "aws_subnet" => {
                let tags = r.value.get("tags").cloned().unwrap_or(Value::Null);
                let name_tag = tags.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                let tier_tag = tags.get("Tier").or_else(|| tags.get("tier")).and_then(Value::as_str).unwrap_or_default().to_string();
                let named_data =
                    [r.name.as_deref().unwrap_or_default(), &name_tag, &tier_tag].iter().any(|n| self.settings.is_data_tier(n));
                json!({"role": "subnet", "base": base, "named_data": named_data})
            }
            k if DATA_SUBNET_GROUPS.contains(&k) => {
                let subnets = scope_refs(referenced_resources(r.value.get("subnet_ids").unwrap_or(&Value::Null)));
                json!({"role": "group", "subnets": subnets})
            }
            "aws_route_table" | "aws_default_route_table" => {
                let routes: Vec<Value> = r.value.get("route").and_then(Value::as_array).cloned().unwrap_or_default();
                let internet: Vec<Value> = routes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, route)| internet_target(route).map(|(attr, what)| json!({"index": i, "attr": attr, "what": what})))
                    .collect();
                json!({"role": "table", "base": base, "internet": internet})
            }
            "aws_route" => {
                let table = scope_ref(referenced_resource(r.value.get("route_table_id").unwrap_or(&Value::Null)));
                let internet = internet_target(&r.value).map(|(attr, what)| json!({"attr": attr, "what": what}));
                json!({"role": "route", "table": table, "internet": internet})
            }
            "aws_route_table_association" => {
                let subnet = scope_ref(referenced_resource(r.value.get("subnet_id").unwrap_or(&Value::Null)));
                let table = scope_ref(referenced_resource(r.value.get("route_table_id").unwrap_or(&Value::Null)));
                json!({"role": "association", "subnet": subnet, "table": table})
            }
            _ => return None,
        };
        // Locations the findings may point at.
        let mut paths = Vec::new();
        match facts["role"].as_str() {
            Some("table") => {
                for item in facts["internet"].as_array().into_iter().flatten() {
                    let i = usize::try_from(item["index"].as_u64().unwrap_or(0)).unwrap_or(0);
                    paths.push(AttributePath::root().key("route").index(i).key(item["attr"].as_str().unwrap_or_default()));
                }
            }
            Some("route") => {
                if let Some(attr) = facts["internet"]["attr"].as_str() {
                    paths.push(AttributePath::root().key(attr));
                }
            }
            _ => {}
        }
        Some(Observation::new(r, facts, &paths))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let role = |o: &Observation| o.facts["role"].as_str().unwrap_or_default().to_string();
        // Data subnets, with why they count as data subnets.
        let mut data_subnets: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| role(o) == "subnet") {
            if o.facts["named_data"] == Value::Bool(true) {
                data_subnets.entry(o.facts["base"].as_str().unwrap_or_default().to_string()).or_insert((i, "named as a data tier".into()));
            }
        }
        // Subnets by address (first instance), so groups find theirs without a scan per member.
        let mut subnet_by_base: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| role(o) == "subnet") {
            if let Some(base) = o.facts["base"].as_str() {
                subnet_by_base.entry(base).or_insert(i);
            }
        }
        for o in obs.iter().filter(|o| role(o) == "group") {
            for s in o.facts["subnets"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if let Some(i) = subnet_by_base.get(s) {
                    data_subnets.insert(s.to_string(), (*i, format!("used by {}", o.address)));
                }
            }
        }
        // Internet routes per route table: (observation, path, description).
        let mut internet: BTreeMap<String, Vec<(usize, AttributePath, String)>> = BTreeMap::new();
        for (i, o) in obs.iter().enumerate() {
            match role(o).as_str() {
                "table" => {
                    for item in o.facts["internet"].as_array().into_iter().flatten() {
                        let idx = usize::try_from(item["index"].as_u64().unwrap_or(0)).unwrap_or(0);
                        let attr = item["attr"].as_str().unwrap_or_default();
                        let path = AttributePath::root().key("route").index(idx).key(attr);
                        internet.entry(o.facts["base"].as_str().unwrap_or_default().to_string()).or_default().push((
                            i,
                            path,
                            item["what"].as_str().unwrap_or_default().to_string(),
                        ));
                    }
                }
                "route" => {
                    if let (Some(table), Some(attr)) = (o.facts["table"].as_str(), o.facts["internet"]["attr"].as_str()) {
                        internet.entry(table.to_string()).or_default().push((
                            i,
                            AttributePath::root().key(attr),
                            o.facts["internet"]["what"].as_str().unwrap_or_default().to_string(),
                        ));
                    }
                }
                _ => {}
            }
        }
        let mut reported: BTreeSet<(usize, String)> = BTreeSet::new();
        for assoc in obs.iter().filter(|o| role(o) == "association") {
            let (Some(subnet), Some(table)) = (assoc.facts["subnet"].as_str(), assoc.facts["table"].as_str()) else { continue };
            let Some((subnet_obs, why)) = data_subnets.get(subnet) else { continue };
            for (route_obs, path, what) in internet.get(table).into_iter().flatten() {
                if !reported.insert((*route_obs, format!("{subnet}|{path}"))) {
                    continue;
                }
                let mut related = Vec::new();
                if let Some(s) = obs.get(*subnet_obs) {
                    related.push(RelatedLocation { location: s.root.clone(), message: format!("data subnet {} ({why})", s.address) });
                }
                let (subnet, table) = (shown(subnet), shown(table));
                related
                    .push(RelatedLocation { location: assoc.root.clone(), message: format!("{} puts it behind {table}", assoc.address) });
                hits.push(ScanHit {
                    observation: *route_obs,
                    path: path.clone(),
                    message: format!("data subnet {subnet} ({why}) has a default route to {what} through {table}"),
                    severity: None,
                    related,
                });
            }
        }
    }
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

/// TF-0031: the S3 bucket that holds Terraform state (named by a `backend "s3"` block in the
/// scan) without versioning or without a complete public access block.
struct StateBucketUnprotected;

/// What a bucket-scoped companion resource points at: the bucket resource (by reference) or the
/// bucket name (a literal); `None` when neither can be known.
pub(crate) fn bucket_target(v: &Value) -> Option<Value> {
    match v {
        Value::String(name) => Some(json!({"name": name})),
        other => referenced_resource(other).map(|r| json!({"resource": r})),
    }
}

impl ScanCheck for StateBucketUnprotected {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = split_module_prefix(&r.address);
        let prefix = format!("{}|{prefix}", root_unit(r));
        let facts = match r.kind.as_str() {
            "backend.s3" => json!({"role": "backend", "bucket": r.value.get("bucket").and_then(Value::as_str)}),
            "aws_s3_bucket" => {
                let inline_versioning = r.value.get("versioning").and_then(Value::as_array).is_some_and(|v| {
                    v.iter().any(|b| b.get("enabled") == Some(&Value::Bool(true)) || b.get("enabled").is_some_and(is_unknown))
                });
                json!({"role": "bucket", "prefix": prefix, "base": base, "name": r.value.get("bucket").and_then(Value::as_str), "versioned": inline_versioning})
            }
            "aws_s3_bucket_versioning" => {
                let status =
                    r.value.get("versioning_configuration").and_then(Value::as_array).and_then(|v| v.first()).and_then(|c| c.get("status"));
                let enabled = match status {
                    Some(Value::String(s)) => s == "Enabled",
                    Some(v) if is_unknown(v) => true,
                    _ => false,
                };
                json!({"role": "versioning", "prefix": prefix, "target": bucket_target(r.value.get("bucket").unwrap_or(&Value::Null)), "ok": enabled})
            }
            "aws_s3_bucket_public_access_block" => {
                let all = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
                    .iter()
                    .all(|k| matches!(r.value.get(*k), Some(Value::Bool(true))) || r.value.get(*k).is_some_and(is_unknown));
                json!({"role": "pab", "prefix": prefix, "target": bucket_target(r.value.get("bucket").unwrap_or(&Value::Null)), "ok": all})
            }
            _ => return None,
        };
        Some(Observation::new(r, facts, &[]))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let role = |o: &Observation| o.facts["role"].as_str().unwrap_or_default().to_string();
        let state_names: BTreeSet<String> =
            obs.iter().filter(|o| role(o) == "backend").filter_map(|o| o.facts["bucket"].as_str().map(str::to_string)).collect();
        for (i, b) in obs.iter().enumerate().filter(|(_, o)| role(o) == "bucket") {
            let Some(name) = b.facts["name"].as_str() else { continue };
            if !state_names.contains(name) {
                continue;
            }
            let targets = |o: &Observation| match &o.facts["target"] {
                Value::Object(t) => {
                    t.get("name").and_then(Value::as_str) == Some(name)
                        || (o.facts["prefix"] == b.facts["prefix"] && t.get("resource") == Some(&b.facts["base"]))
                }
                _ => false,
            };
            for (kind, message) in [
                ("versioning", "has no versioning: an overwritten or deleted state file cannot be recovered"),
                ("pab", "has no complete public access block (all four settings true)"),
            ] {
                let companions: Vec<&Observation> = obs.iter().filter(|o| role(o) == kind).collect();
                // A companion whose bucket cannot be known may be this bucket's: stay silent.
                if companions.iter().any(|o| o.facts["target"].is_null()) {
                    continue;
                }
                let ok = companions.iter().any(|o| targets(o) && o.facts["ok"] == Value::Bool(true))
                    || (kind == "versioning" && b.facts["versioned"] == Value::Bool(true));
                if !ok {
                    hits.push(ScanHit {
                        observation: i,
                        path: AttributePath::root(),
                        message: format!("Terraform state bucket \"{name}\" {message}"),
                        severity: None,
                        related: Vec::new(),
                    });
                }
            }
        }
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
