//! TF-0026 `data-subnet-with-internet-route`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0026-data-subnet-with-internet-route/metadata.yaml` (`stridegate explain TF-0026`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{DATA_SUBNET_GROUPS, internet_target, module_and_base, referenced_resource, referenced_resources, scoped, shown};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::model::{AttributePath, Resource};

/// The rule's implementation with `settings` (`[settings] data-tier-words`).
pub(crate) fn check(settings: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(DataSubnetInternetRoute { settings: settings.clone() }))
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
