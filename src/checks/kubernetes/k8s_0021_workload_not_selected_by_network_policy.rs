//! K8S-0021 `workload-not-selected-by-network-policy`: what it does, why and how to fix it are in
//! `rules/kubernetes/K8S-0021-workload-not-selected-by-network-policy/metadata.yaml` (`stridegate explain K8S-0021`).

use super::{is_workload, namespace, observe_network_policy, observe_workload, observed_spec_path, role, selector_matches};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::kubernetes::UNKNOWN_NAMESPACE;
use crate::model::Resource;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(WorkloadNotSelectedByNetworkPolicy))
}

/// K8S-0021: a workload whose pods no NetworkPolicy selects.
struct WorkloadNotSelectedByNetworkPolicy;

impl ScanCheck for WorkloadNotSelectedByNetworkPolicy {
    fn observe(&self, resource: &Resource) -> Option<Observation> {
        match resource.kind.as_str() {
            "NetworkPolicy" => Some(observe_network_policy(resource)),
            _ if is_workload(resource) => observe_workload(resource),
            _ => None,
        }
    }

    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>) {
        let policies: Vec<&Observation> = observations.iter().filter(|o| role(o) == "network-policy").collect();
        for (i, o) in observations.iter().enumerate() {
            if role(o) != "workload" {
                continue;
            }
            let labels = &o.facts["labels"];
            if namespace(o) == UNKNOWN_NAMESPACE {
                continue;
            }
            let mut decided_unselected = true;
            for p in policies.iter().filter(|p| namespace(p) == namespace(o) || namespace(p) == UNKNOWN_NAMESPACE) {
                match selector_matches(&p.facts["podSelector"], labels) {
                    Some(false) => {}
                    Some(true) | None => {
                        decided_unselected = false;
                        break;
                    }
                }
            }
            if decided_unselected {
                let path = observed_spec_path(o)
                    .map(|mut p| {
                        p.0.pop();
                        p.key("metadata").key("labels")
                    })
                    .unwrap_or_default();
                let related = policies
                    .iter()
                    .filter(|p| namespace(p) == namespace(o))
                    .take(3)
                    .map(|p| RelatedLocation {
                        location: p.root.clone(),
                        message: format!("NetworkPolicy {} does not select these pods", p.name.as_deref().unwrap_or("?")),
                    })
                    .collect();
                hits.push(ScanHit {
                    observation: i,
                    path,
                    message: format!(
                        "no NetworkPolicy in namespace \"{}\" selects the pods of {} {}",
                        namespace(o),
                        o.kind,
                        o.name.as_deref().unwrap_or("(unnamed)")
                    ),
                    severity: None,
                    related,
                });
            }
        }
    }
}
