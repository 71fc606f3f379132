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

use std::collections::{BTreeMap, BTreeSet};

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
                        json!({"role": "log", "unit": unit, "prefix": prefix, "target": resource})
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
        for (i, vpc, opaque) in uncovered(obs) {
            if opaque.is_none() {
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
        for (i, vpc, opaque) in uncovered(obs) {
            if let Some((log, why)) = opaque {
                out.push(ScanHit {
                    observation: i,
                    path: AttributePath::root(),
                    message: format!("VPC {} may be logged by {}, {why}", vpc.address, log.address),
                    severity: None,
                    related: Vec::new(),
                });
            }
        }
    }
}

/// (root module, address) pairs.
type Keys = BTreeSet<(String, String)>;

/// A flow log that may cover a VPC, and why it cannot be told.
type Undecided<'a> = (&'a Observation, String);

/// The VPCs (`module prefix` + `aws_vpc.name`) each root module's resolved flow logs cover,
/// and the flow logs whose reference matches several VPCs (reported like unresolvable ones).
///
/// An unknown value's reason names a resource in the scope where it was created, which is not
/// always the flow log's module: `vpc_id = var.vpc_id` in a module receives the caller's
/// `aws_vpc.main.id`, and `module.net.vpc_id` gives the module's `aws_vpc.this.id`. A
/// reference is therefore matched in the flow log's own module first, then, when no VPC has
/// that name there, to the one VPC of that name elsewhere in the root module; several
/// candidates make it ambiguous.
fn coverage(obs: &[Observation]) -> (Keys, Keys) {
    let vpcs: BTreeSet<(&str, String)> = obs
        .iter()
        .filter(|o| o.facts["role"] == "vpc")
        .map(|o| {
            let key = format!("{}{}", o.facts["prefix"].as_str().unwrap_or_default(), o.facts["base"].as_str().unwrap_or_default());
            (o.facts["unit"].as_str().unwrap_or_default(), key)
        })
        .collect();
    let mut covered = BTreeSet::new();
    let mut ambiguous = BTreeSet::new();
    for log in obs.iter().filter(|o| o.facts["role"] == "log") {
        let (Some(unit), Some(target)) = (log.facts["unit"].as_str(), log.facts["target"].as_str()) else { continue };
        let own = format!("{}{target}", log.facts["prefix"].as_str().unwrap_or_default());
        if vpcs.contains(&(unit, own.clone())) {
            covered.insert((unit.to_string(), own));
            continue;
        }
        let suffix = format!(".{target}");
        let elsewhere: Vec<&String> =
            vpcs.iter().filter(|(u, key)| *u == unit && (key == target || key.ends_with(&suffix))).map(|(_, key)| key).collect();
        match elsewhere.as_slice() {
            [one] => {
                covered.insert((unit.to_string(), (*one).clone()));
            }
            [] => {}
            _ => {
                ambiguous.insert((unit.to_string(), log.address.clone()));
            }
        }
    }
    (covered, ambiguous)
}

/// The VPC instances no flow log references, once each, with the flow log of their root
/// module that may cover them (one whose `vpc_id` cannot be followed or matches several VPCs)
/// and why.
fn uncovered(obs: &[Observation]) -> Vec<(usize, &Observation, Option<Undecided<'_>>)> {
    let (covered, ambiguous) = coverage(obs);
    // The first such flow log of each root module.
    let mut opaque: BTreeMap<&str, Undecided<'_>> = BTreeMap::new();
    for o in obs.iter().filter(|o| o.facts["role"] == "log") {
        let unit = o.facts["unit"].as_str().unwrap_or_default();
        let why = if let Some(reason) = o.facts.get("opaque").and_then(Value::as_str) {
            format!("whose vpc_id ({reason}) cannot be matched to a VPC")
        } else if ambiguous.contains(&(unit.to_string(), o.address.clone())) {
            format!("whose vpc_id ({}) names a VPC of several modules", o.facts["target"].as_str().unwrap_or_default())
        } else {
            continue;
        };
        opaque.entry(unit).or_insert((o, why));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "vpc") {
        let unit = o.facts["unit"].as_str().unwrap_or_default();
        let key = format!("{}{}", o.facts["prefix"].as_str().unwrap_or_default(), o.facts["base"].as_str().unwrap_or_default());
        if covered.contains(&(unit.to_string(), key)) || !seen.insert((unit, o.address.as_str())) {
            continue;
        }
        out.push((i, o, opaque.get(unit).cloned()));
    }
    out
}
