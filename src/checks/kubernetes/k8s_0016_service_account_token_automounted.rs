//! K8S-0016 `service-account-token-automounted`: what it does, why and how to fix it are in
//! `rules/kubernetes/K8S-0016-service-account-token-automounted/metadata.yaml` (`stridegate explain K8S-0016`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{is_workload, namespace, observed_spec_path, role, spec_path_fact};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::kubernetes::{MappingAt, mapping_at, pod_spec_path_of};
use crate::model::{Resource, is_unknown};

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(ServiceAccountTokenAutomounted))
}

/// K8S-0016: pods that mount the service-account token.
struct ServiceAccountTokenAutomounted;

impl ScanCheck for ServiceAccountTokenAutomounted {
    fn observe(&self, resource: &Resource) -> Option<Observation> {
        match resource.kind.as_str() {
            "ServiceAccount" => {
                let automount = resource.value.get("automountServiceAccountToken").cloned().unwrap_or(Value::Null);
                Some(Observation::new(resource, json!({"role": "service-account", "automount": automount}), &[]))
            }
            _ if is_workload(resource) => {
                let spec_path = pod_spec_path_of(&resource.kind, &resource.value)?;
                // Only a pod spec that can be read tells whether a token is mounted (an absent,
                // unknown or wrongly typed one defines no pod that could be judged).
                let MappingAt::Mapping(spec) = mapping_at(&resource.value, &spec_path) else { return None };
                let automount = spec.get("automountServiceAccountToken").cloned().unwrap_or(Value::Null);
                let account = spec
                    .get("serviceAccountName")
                    .or_else(|| spec.get("serviceAccount"))
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string();
                let field = spec_path.key("automountServiceAccountToken");
                Some(Observation::new(
                    resource,
                    json!({"role": "workload", "automount": automount, "account": account, "spec_path": spec_path_fact(&spec_path)}),
                    &[field],
                ))
            }
            _ => None,
        }
    }

    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>) {
        let accounts: BTreeMap<(String, String), &Value> = observations
            .iter()
            .filter(|o| role(o) == "service-account")
            .map(|o| ((namespace(o).to_string(), o.name.clone().unwrap_or_default()), &o.facts["automount"]))
            .collect();
        for (i, o) in observations.iter().enumerate() {
            if role(o) != "workload" {
                continue;
            }
            let automount = &o.facts["automount"];
            let account = o.facts["account"].as_str().unwrap_or("default").to_string();
            let Some(path) = observed_spec_path(o).map(|p| p.key("automountServiceAccountToken")) else { continue };
            let message = match automount {
                Value::Bool(false) => continue,
                v if is_unknown(v) => continue,
                Value::Bool(true) => format!(
                    "pods of {} {} mount the token of service account \"{account}\" (automountServiceAccountToken: true)",
                    o.kind,
                    o.name.as_deref().unwrap_or("(unnamed)")
                ),
                _ => {
                    match accounts.get(&(namespace(o).to_string(), account.clone())) {
                        Some(Value::Bool(false)) => continue,
                        Some(v) if is_unknown(v) => continue,
                        _ => {}
                    }
                    format!(
                        "pods of {} {} mount the token of service account \"{account}\": set automountServiceAccountToken: false on the pod or the service account",
                        o.kind,
                        o.name.as_deref().unwrap_or("(unnamed)")
                    )
                }
            };
            hits.push(ScanHit { observation: i, path, message, severity: None, related: Vec::new() });
        }
    }
}
