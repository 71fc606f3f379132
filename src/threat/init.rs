//! `threat-model init`: a draft threat model from the infrastructure code alone. Resources are
//! grouped into components (Kubernetes workloads one by one; Terraform resources by role and
//! type: data stores, edges, compute, identity, DNS, network), internet exposure becomes entry
//! points, Kubernetes namespaces become trust boundaries, and each element gets STRIDE-per-
//! element threats whose mitigations cite the rules that can prove them on its resources. The
//! draft passes `check`; every generated part is commented so a reviewer knows what to edit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::engine::Engine;
use crate::model::{Platform, ResourceSummary};
use crate::rules::meta::Stride;

use super::model::{ComponentKind, quoted as q, slug};

/// The role of a resource in a data-flow diagram.
fn role(r: &ResourceSummary) -> Option<(ComponentKind, &'static str)> {
    let k = r.kind.as_str();
    if r.platform == Platform::Kubernetes {
        return match k {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod" | "ReplicaSet" | "ReplicationController" => {
                Some((ComponentKind::Process, "workload"))
            }
            // Ambassador/Emissary and Istio traffic configuration is part of the edge it configures.
            "Service" | "Ingress" | "Gateway" | "HTTPRoute" | "TLSContext" | "Host" | "Mapping" | "VirtualService" | "DestinationRule" => {
                Some((ComponentKind::Process, "edge"))
            }
            "Secret" | "ConfigMap" | "PersistentVolumeClaim" | "PersistentVolume" => Some((ComponentKind::DataStore, "config")),
            "Namespace" | "NetworkPolicy" | "PeerAuthentication" | "AuthorizationPolicy" => Some((ComponentKind::Boundary, "network")),
            "ServiceAccount" | "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => Some((ComponentKind::Process, "identity")),
            _ => None,
        };
    }
    if r.platform == Platform::Iam {
        return None; // policy documents live inside the resources that carry them
    }
    if k == "variable" || k.starts_with("provider.") {
        return None; // configuration of the module, not a component
    }
    let any = |parts: &[&str]| parts.iter().any(|p| k.contains(p));
    Some(if k.starts_with("backend.") {
        (ComponentKind::DataStore, "state")
    } else if any(&["_iam_", "_role", "_policy", "service_account", "_identity"]) {
        (ComponentKind::Process, "identity")
    } else if any(&["_record", "_zone", "_domain"]) && !any(&["opensearch", "elasticsearch"]) {
        (ComponentKind::ExternalEntity, "dns")
    } else if any(&[
        "_vpc",
        "subnet",
        "route",
        "security_group",
        "network_acl",
        "nat_gateway",
        "internet_gateway",
        "firewall",
        "_network",
        "_peering",
        "_endpoint",
        "_eip",
    ]) {
        (ComponentKind::Boundary, "network")
    } else if any(&["_lb", "_alb", "_elb", "loadbalancer", "cloudfront", "api_gateway", "apigateway", "forwarding_rule", "_cdn", "_waf"]) {
        (ComponentKind::Process, "edge")
    } else if any(&[
        "_db_",
        "_database",
        "_rds_",
        "dynamodb",
        "_s3_",
        "storage",
        "elasticache",
        "opensearch",
        "elasticsearch",
        "_sql",
        "redis",
        "secretsmanager",
        "_secret",
        "_log_group",
        "_kms_",
        "_ebs_",
        "_volume",
        "_backup",
        "_efs_",
        "_sqs_",
        "_sns_",
        "bucket",
    ]) {
        (ComponentKind::DataStore, "data")
    } else if k == "module" {
        // A module call: for a registry module that is not installed, the only trace of
        // what it creates.
        (ComponentKind::Process, "module")
    } else {
        (ComponentKind::Process, "compute")
    })
}

struct Draft {
    id: String,
    name: String,
    kind: ComponentKind,
    /// (binding YAML lines, resources it covers)
    bindings: Vec<String>,
    resources: Vec<usize>,
    namespace: Option<String>,
}

/// The STRIDE-LM categories expected for a component kind (STRIDE per element, plus lateral
/// movement for processes and boundaries).
fn categories(kind: ComponentKind) -> &'static [Stride] {
    use Stride::*;
    match kind {
        ComponentKind::Process => {
            &[Spoofing, Tampering, Repudiation, InformationDisclosure, DenialOfService, ElevationOfPrivilege, LateralMovement]
        }
        ComponentKind::DataStore => &[Tampering, Repudiation, InformationDisclosure, DenialOfService],
        ComponentKind::ExternalEntity => &[Spoofing, Repudiation],
        ComponentKind::Boundary => &[InformationDisclosure, LateralMovement],
    }
}

fn category_title(s: Stride, name: &str) -> String {
    match s {
        Stride::Spoofing => format!("Someone impersonates {name} or its callers"),
        Stride::Tampering => format!("{name} or its data is modified without authorization"),
        Stride::Repudiation => format!("Actions on {name} cannot be traced to who did them"),
        Stride::InformationDisclosure => format!("Data of {name} is exposed to someone not entitled to it"),
        Stride::DenialOfService => format!("{name} is made unavailable"),
        Stride::ElevationOfPrivilege => format!("An attacker in {name} gains privileges it was not granted"),
        Stride::LateralMovement => format!("A compromise of {name} spreads to other components"),
    }
}

/// Drafts a model for the resources in `inventory` (from a scan of `scope`, a path relative
/// to where the model will be written).
pub fn draft(inventory: &[ResourceSummary], engine: &Engine, system: &str, scope: &str) -> String {
    // Components.
    let mut components: Vec<Draft> = Vec::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in inventory.iter().enumerate() {
        let Some((kind, group)) = role(r) else { continue };
        let (key, name, binding, namespace) = if r.platform == Platform::Kubernetes && group == "workload" {
            let ns = r.namespace.clone().unwrap_or_else(|| "default".to_string());
            let name = r.name.clone().unwrap_or_else(|| r.address.clone());
            (
                format!("k8s/{ns}/{}/{name}", r.kind),
                format!("{} {name} ({ns})", r.kind),
                format!("{{platform: kubernetes, type: {}, namespace: {}, name: {}}}", q(&r.kind), q(&ns), q(&name)),
                Some(ns),
            )
        } else if r.platform == Platform::Kubernetes {
            let ns = r.namespace.clone();
            let scope_key = ns.clone().unwrap_or_else(|| "cluster".to_string());
            (
                format!("k8s/{scope_key}/{group}"),
                format!("Kubernetes {group} ({scope_key})"),
                match &ns {
                    Some(ns) => format!("{{platform: kubernetes, type: {}, namespace: {}}}", q(&r.kind), q(ns)),
                    None => format!("{{platform: kubernetes, type: {}}}", q(&r.kind)),
                },
                ns,
            )
        } else {
            (
                format!("tf/{group}/{}", r.kind),
                format!("{} ({group})", r.kind),
                format!("{{platform: terraform, type: {}}}", q(&r.kind)),
                None,
            )
        };
        let idx = *by_key.entry(key.clone()).or_insert_with(|| {
            components.push(Draft { id: String::new(), name, kind, bindings: Vec::new(), resources: Vec::new(), namespace });
            components.len() - 1
        });
        if let Some(c) = components.get_mut(idx) {
            if !c.bindings.contains(&binding) {
                c.bindings.push(binding);
            }
            c.resources.push(i);
        }
    }
    // Unique ids.
    let mut used = BTreeSet::new();
    for c in &mut components {
        let base = slug(&c.name);
        let mut id = if base.is_empty() { "component".to_string() } else { base };
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{}-{n}", slug(&c.name));
            n += 1;
        }
        c.id = id;
    }
    let component_of: BTreeMap<usize, usize> =
        components.iter().enumerate().flat_map(|(ci, c)| c.resources.iter().map(move |&ri| (ri, ci))).collect();

    let mut out = String::new();
    let _ = writeln!(out, "# Draft threat model generated by `stridegate threat-model init` from the code in {scope}.");
    let _ = writeln!(out, "# Review every part: rename components, merge or split them, describe assets and trust");
    let _ = writeln!(out, "# levels, add the data flows the code does not show, and replace generic threats with");
    let _ = writeln!(out, "# yours. Mitigations cite the rules that can prove them on the bound resources.");
    let _ = writeln!(out, "version: 1");
    let _ = writeln!(out, "system: {}", q(system));
    let _ = writeln!(out, "scope: {}", q(scope));
    let _ = writeln!(
        out,
        "\ntrust_levels:\n  - id: anonymous\n    description: Anyone on the internet\n  - id: internal\n    description: Components inside the system"
    );

    let _ = writeln!(out, "\ncomponents:");
    for c in &components {
        let _ = writeln!(out, "  - id: {}", q(&c.id));
        let _ = writeln!(out, "    name: {}", q(&c.name));
        let _ = writeln!(out, "    kind: {}", c.kind.as_str());
        let _ = writeln!(out, "    # {} resource(s)", c.resources.len());
        let _ = writeln!(out, "    bindings:");
        for b in &c.bindings {
            let _ = writeln!(out, "      - {b}");
        }
    }

    // Entry points: internet exposure, each with its resource.
    let exposed: Vec<(usize, &ResourceSummary)> = inventory.iter().enumerate().filter(|(_, r)| r.exposure.is_some()).collect();
    let mut entry_ids = Vec::new();
    if !exposed.is_empty() {
        let _ = writeln!(out, "\nentry_points:");
        let mut used_entry = BTreeSet::new();
        for (i, r) in &exposed {
            let mut id = format!("internet-{}", slug(&r.address));
            let mut n = 2;
            while !used_entry.insert(id.clone()) || used.contains(&id) {
                id = format!("internet-{}-{n}", slug(&r.address));
                n += 1;
            }
            let _ = writeln!(out, "  - id: {}", q(&id));
            let _ = writeln!(out, "    description: {}", q(r.exposure.as_deref().unwrap_or_default()));
            if let Some(c) = component_of.get(i).and_then(|&ci| components.get(ci)) {
                let _ = writeln!(out, "    component: {}", q(&c.id));
            }
            let _ = writeln!(out, "    trust_levels: [anonymous]");
            let _ = writeln!(out, "    bindings:\n      - {{address: {}, path: {}}}", q(&r.address), q(&r.location.file));
            entry_ids.push((id, component_of.get(i).copied()));
        }
    }

    // Data flows: from each entry point into its component, then between components whose
    // resources reference each other (a listener to its target group, a policy to the bucket
    // it grants, a rule to its security group) or that a Service selects.
    let mut flows: Vec<(String, String, String, String)> = entry_ids
        .iter()
        .filter_map(|(e, c)| {
            c.and_then(|ci| components.get(ci)).map(|c| (format!("{e}-in"), e.clone(), c.id.clone(), "internet".to_string()))
        })
        .collect();
    let dir = |r: &ResourceSummary| r.location.file.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
    let mut by_address: BTreeMap<(String, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in inventory.iter().enumerate() {
        let base = r.address.split('[').next().unwrap_or(&r.address);
        by_address.entry((dir(r), base)).or_default().push(i);
    }
    let mut pairs: BTreeSet<(usize, usize, &'static str)> = BTreeSet::new();
    for (i, r) in inventory.iter().enumerate() {
        let Some(&from) = component_of.get(&i) else { continue };
        for reference in &r.references {
            for &j in by_address.get(&(dir(r), reference.as_str())).into_iter().flatten() {
                if let Some(&to) = component_of.get(&j) {
                    pairs.insert((from, to, "references"));
                }
            }
        }
        if !r.selector.is_empty() {
            for (j, w) in inventory.iter().enumerate() {
                let selected = w.namespace == r.namespace && r.selector.iter().all(|(k, v)| w.pod_labels.get(k) == Some(v));
                if selected && let Some(&to) = component_of.get(&j) {
                    pairs.insert((from, to, "selects"));
                }
            }
        }
    }
    for (from, to, how) in pairs {
        let (Some(a), Some(b)) = (components.get(from), components.get(to)) else { continue };
        if from == to || a.kind == ComponentKind::Boundary || b.kind == ComponentKind::Boundary {
            continue;
        }
        if flows.iter().any(|(_, f, t, _)| *f == a.id && *t == b.id) {
            continue;
        }
        flows.push((format!("{}-to-{}", a.id, b.id), a.id.clone(), b.id.clone(), how.to_string()));
    }
    if !flows.is_empty() {
        let _ = writeln!(out, "\n# Flows the code shows: the internet into each exposed component, references between");
        let _ = writeln!(out, "# components' resources, Services into the workloads they select. Add the others.");
        let _ = writeln!(out, "data_flows:");
        for (id, from, to, how) in &flows {
            let _ = writeln!(out, "  - id: {}\n    from: {}\n    to: {}\n    description: {}", q(id), q(from), q(to), q(how));
        }
    }

    // Boundaries: Kubernetes namespaces.
    let mut namespaces: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in components.iter().filter(|c| c.kind != ComponentKind::Boundary) {
        if let Some(ns) = &c.namespace {
            namespaces.entry(ns.as_str()).or_default().push(c.id.as_str());
        }
    }
    // Terraform: a VPC holds the components whose resources reference it, directly or through
    // a subnet or security group of it.
    let mut vpcs: Vec<(String, BTreeSet<&str>)> = Vec::new();
    for (vi, v) in inventory
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.kind.as_str(), "aws_vpc" | "google_compute_network" | "azurerm_virtual_network" | "digitalocean_vpc"))
    {
        let base = v.address.split('[').next().unwrap_or(&v.address).to_string();
        let vdir = dir(v);
        let inside: BTreeSet<String> = inventory
            .iter()
            .filter(|r| dir(r) == vdir && r.references.contains(&base))
            .map(|r| r.address.split('[').next().unwrap_or(&r.address).to_string())
            .collect();
        let mut members: BTreeSet<&str> = BTreeSet::new();
        for (i, r) in inventory.iter().enumerate() {
            let direct = r.references.contains(&base);
            let through = r.references.iter().any(|x| inside.contains(x));
            if i != vi
                && dir(r) == vdir
                && (direct || through)
                && let Some(c) = component_of.get(&i).and_then(|&ci| components.get(ci))
                && c.kind != ComponentKind::Boundary
            {
                members.insert(c.id.as_str());
            }
        }
        if !members.is_empty() {
            vpcs.push((base, members));
        }
    }
    if !namespaces.is_empty() || !vpcs.is_empty() {
        let _ = writeln!(out, "\nboundaries:");
        for (vpc, ids) in &vpcs {
            let _ = writeln!(out, "  - id: {}\n    name: {}", q(&slug(&format!("network {vpc}"))), q(&format!("Network {vpc}")));
            let _ = writeln!(out, "    trust_level: internal");
            let _ = writeln!(out, "    components: [{}]", ids.iter().map(|i| q(i)).collect::<Vec<_>>().join(", "));
        }
        for (ns, ids) in &namespaces {
            let _ =
                writeln!(out, "  - id: {}\n    name: {}", q(&format!("namespace-{}", slug(ns))), q(&format!("Kubernetes namespace {ns}")));
            let _ = writeln!(out, "    trust_level: internal");
            let _ = writeln!(out, "    components: [{}]", ids.iter().map(|i| q(i)).collect::<Vec<_>>().join(", "));
        }
    }

    // Threats: STRIDE per element, with the rules that apply to the element's resources.
    let _ = writeln!(out, "\nthreats:");
    let mut any_threat = false;
    for c in &components {
        let kinds: BTreeSet<(Platform, &str)> =
            c.resources.iter().filter_map(|&i| inventory.get(i)).map(|r| (r.platform, r.kind.as_str())).collect();
        for category in categories(c.kind) {
            let mut rules: Vec<(&str, &str)> = Vec::new();
            for (platform, kind) in &kinds {
                for meta in engine.rules_for(*platform, kind) {
                    if meta.stride.contains(category) && !rules.iter().any(|(id, _)| *id == meta.id) {
                        rules.push((meta.id.as_str(), meta.title.as_str()));
                    }
                }
            }
            if rules.is_empty() {
                continue;
            }
            rules.sort();
            any_threat = true;
            let tid = format!("{}-{}", category.letter(), c.id);
            let _ = writeln!(out, "  - id: {}", q(&tid));
            let _ = writeln!(out, "    category: {}", category.as_str());
            let _ = writeln!(out, "    title: {}", q(&category_title(*category, &c.name)));
            let _ = writeln!(out, "    targets: [{}]", q(&c.id));
            let _ = writeln!(out, "    mitigations:");
            for (n, (id, title)) in rules.iter().enumerate() {
                let _ = writeln!(out, "      - id: {}", q(&format!("{tid}.{}", n + 1)));
                let _ = writeln!(out, "        text: {}", q(&format!("Not: {title}")));
                let _ = writeln!(out, "        evidence: {{rules: [{id}]}}");
            }
        }
    }
    if !any_threat {
        let _ = writeln!(out, "  []");
    }
    out
}
