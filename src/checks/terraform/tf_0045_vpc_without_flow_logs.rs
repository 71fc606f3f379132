//! TF-0045 `vpc-without-flow-logs`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0045-vpc-without-flow-logs/metadata.yaml` (`stridegate explain TF-0045`).
//!
//! A flow log's `vpc_id` is one of three things:
//! - a reference to an `aws_vpc` of the scan (`aws_vpc.main.id`, through `count`/`for_each`):
//!   that VPC is covered;
//! - a reference to another resource type (`aws_default_vpc.x.id`) or a literal id
//!   (`vpc-0123...`): a VPC created by the configuration has no id before it is
//!   applied, so a literal names a VPC managed elsewhere: either covers no VPC of the scan;
//! - anything else (a module output, a variable, a data source, an expression stridegate cannot
//!   follow): it may name any VPC of its root module, so the root module's VPCs without a
//!   resolved flow log are *unverifiable*, neither passed nor reported.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{referenced_resource, root_unit, split_module_prefix};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::model::{AttributePath, Resource, is_unknown};

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(FlowLogs))
}

struct FlowLogs;

/// The reason of an unknown value, for messages (`module.vpc.vpc_id`).
fn reason(v: &Value) -> String {
    v.get(crate::model::UNKNOWN_KEY).and_then(Value::as_str).map_or_else(|| "a value stridegate cannot follow".to_string(), str::to_string)
}

impl ScanCheck for FlowLogs {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = split_module_prefix(&r.address);
        let unit = root_unit(r);
        match r.kind.as_str() {
            "aws_vpc" => Some(Observation::new(r, json!({"role": "vpc", "unit": unit, "prefix": prefix, "base": base}), &[])),
            "aws_flow_log" => {
                // A flow log without `vpc_id` logs a subnet or a network interface: it neither
                // covers a VPC nor hides one.
                let target = match r.value.get("vpc_id") {
                    None | Some(Value::Null) => return None,
                    Some(v) => v,
                };
                let facts = match (target, referenced_resource(target)) {
                    (_, Some(resource)) if resource.starts_with("aws_vpc.") => {
                        json!({"role": "log", "unit": unit, "covers": format!("{prefix}{resource}")})
                    }
                    // Another resource (`aws_default_vpc.x.id`): not a VPC of the rule.
                    (_, Some(_)) => return None,
                    // A literal id names a VPC managed elsewhere.
                    (Value::String(_), _) => return None,
                    (v, _) if is_unknown(v) => json!({"role": "log", "unit": unit, "opaque": reason(v)}),
                    // A number, a list...: not a VPC id at all.
                    _ => return None,
                };
                Some(Observation::new(r, facts, &[]))
            }
            _ => None,
        }
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        for (i, vpc) in uncovered(obs) {
            if opaque_log(obs, vpc).is_none() {
                hits.push(ScanHit {
                    observation: i,
                    path: AttributePath::root(),
                    message: format!("VPC {} has no aws_flow_log: its network traffic is not recorded", vpc.address),
                    severity: None,
                    related: Vec::new(),
                });
            }
        }
    }

    fn unverifiable(&self, obs: &[Observation], out: &mut Vec<ScanHit>) {
        for (i, vpc) in uncovered(obs) {
            if let Some(log) = opaque_log(obs, vpc) {
                out.push(ScanHit {
                    observation: i,
                    path: AttributePath::root(),
                    message: format!(
                        "VPC {} may be logged by {}, whose vpc_id ({}) cannot be matched to a VPC",
                        vpc.address,
                        log.address,
                        log.facts["opaque"].as_str().unwrap_or_default()
                    ),
                    severity: None,
                    related: Vec::new(),
                });
            }
        }
    }
}

/// The VPC instances no flow log references, once each.
fn uncovered(obs: &[Observation]) -> Vec<(usize, &Observation)> {
    let covered: BTreeSet<(&str, &str)> =
        obs.iter().filter_map(|o| Some((o.facts.get("unit")?.as_str()?, o.facts.get("covers")?.as_str()?))).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "vpc") {
        let unit = o.facts["unit"].as_str().unwrap_or_default();
        let key = format!("{}{}", o.facts["prefix"].as_str().unwrap_or_default(), o.facts["base"].as_str().unwrap_or_default());
        if covered.contains(&(unit, key.as_str())) || !seen.insert((unit.to_string(), o.address.clone())) {
            continue;
        }
        out.push((i, o));
    }
    out
}

/// The first flow log of the VPC's root module whose `vpc_id` cannot be followed.
fn opaque_log<'a>(obs: &'a [Observation], vpc: &Observation) -> Option<&'a Observation> {
    obs.iter().find(|o| o.facts.get("opaque").is_some() && o.facts["unit"] == vpc.facts["unit"])
}
