//! Native (Rust) rules, for checks that Rego would make slow or awkward: whole-scan analyses
//! such as NetworkPolicy coverage. Each rule is one file, `<family>/<id>_<name>.rs` (the id
//! lowercased, the rule's folder name in snake case), exposing `check(settings)`, plus its folder
//! under `rules/` holding `metadata.yaml` and fixtures; what a family's rules share lives in
//! `<family>/mod.rs` (or a named helper module there). [`NATIVE_RULES`] is the one table that
//! maps rule ids to implementations.

pub mod iam;
pub mod kubernetes;
pub mod terraform;

use std::sync::Arc;

use serde_json::Value;

use crate::finding::RelatedLocation;
use crate::model::{AttributePath, Location, Resource};
use crate::rules::meta::Severity;

/// A violation reported by a resource-scoped check.
#[derive(Debug, Clone)]
pub struct Hit {
    /// What is wrong here.
    pub message: String,
    /// The offending attribute (or the missing one).
    pub path: AttributePath,
    /// Overrides the rule's default severity for this case.
    pub severity: Option<Severity>,
}

/// A rule evaluated on one resource at a time.
pub trait ResourceCheck: Send + Sync {
    /// Appends the violations found in `resource`.
    fn check(&self, resource: &Resource, hits: &mut Vec<Hit>);
}

/// Which resource an observation is about. Several whole-scan rules observe the same resource
/// (a Deployment is observed by four Kubernetes rules), and its observations share one copy
/// ([`Observation::share_resource`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Logical address of the resource.
    pub address: String,
    /// Kind/type.
    pub kind: String,
    /// Namespace, where the platform has one.
    pub namespace: Option<String>,
    /// Name, if any.
    pub name: Option<String>,
    /// Location of the resource itself.
    pub root: Location,
}

/// What a whole-scan rule keeps of one resource. Observations hold extracted facts and
/// already-resolved locations, never the resource or its file, so memory stays proportional to
/// what the rule needs rather than to the size of the scan. The resource's identity is read
/// through `Deref` (`o.address`, `o.kind`, `o.root`...).
#[derive(Debug, Clone)]
pub struct Observation {
    /// The resource observed.
    pub resource: Arc<Observed>,
    /// Whatever the rule extracted.
    pub facts: Value,
    /// Locations of the attributes the rule may report on, with whether each exists.
    pub anchors: Vec<(AttributePath, Location, bool)>,
    /// Related locations of the resource at the root and at each anchor that has any (module
    /// call sites, the build or release that produced the object, the patch or values key that
    /// set the value), reported with findings there.
    pub related: Vec<(AttributePath, Vec<(Location, String)>)>,
}

impl std::ops::Deref for Observation {
    type Target = Observed;

    fn deref(&self) -> &Observed {
        &self.resource
    }
}

impl Observation {
    /// Observes `resource`, keeping `facts` and the locations of `paths`.
    pub fn new(resource: &Resource, facts: Value, paths: &[AttributePath]) -> Self {
        let (root, _) = resource.locate(&AttributePath::root());
        let anchors = paths
            .iter()
            .map(|p| {
                let (loc, found) = resource.locate(p);
                (p.clone(), loc, found)
            })
            .collect();
        let related = std::iter::once(AttributePath::root())
            .chain(paths.iter().cloned())
            .filter_map(|p| {
                let r = resource.related_at(&p);
                (!r.is_empty()).then_some((p, r))
            })
            .collect();
        let observed = Observed {
            address: resource.address.clone(),
            kind: resource.kind.clone(),
            namespace: resource.namespace.clone(),
            name: resource.name.clone(),
            root,
        };
        Self { resource: Arc::new(observed), facts: compact_object(facts), anchors, related }
    }

    /// Shares `other`'s copy of the resource's identity when it is the same resource.
    pub fn share_resource(&mut self, other: &Observation) {
        if !Arc::ptr_eq(&self.resource, &other.resource) && self.resource == other.resource {
            self.resource = Arc::clone(&other.resource);
        }
    }

    /// The resource's related locations for a finding at `path` (those of the root when the
    /// path was not observed).
    pub fn related_at(&self, path: &AttributePath) -> &[(Location, String)] {
        let at = |p: &AttributePath| self.related.iter().find(|(q, _)| q == p).map(|(_, r)| r.as_slice());
        if self.anchors.iter().any(|(p, _, _)| p == path) { at(path).unwrap_or(&[]) } else { at(&AttributePath::root()).unwrap_or(&[]) }
    }

    /// The stored location for `path` (falls back to the resource itself).
    pub fn anchor(&self, path: &AttributePath) -> (&Location, bool) {
        self.anchors.iter().find(|(p, _, _)| p == path).map_or((&self.root, path.is_empty()), |(_, l, found)| (l, *found))
    }
}

/// `facts` with its top-level object sized to its keys: `json!` grows a map by doubling, and
/// every observation of the scan is held until the end (a one-key map would take three times
/// its size).
fn compact_object(facts: Value) -> Value {
    match facts {
        Value::Object(map) => {
            let mut exact = serde_json::Map::with_capacity(map.len());
            exact.extend(map);
            Value::Object(exact)
        }
        other => other,
    }
}

/// A violation reported by a whole-scan check.
#[derive(Debug, Clone)]
pub struct ScanHit {
    /// Index of the observation the finding is about.
    pub observation: usize,
    /// The attribute (must be one of the observed paths, or the root).
    pub path: AttributePath,
    /// What is wrong.
    pub message: String,
    /// Overrides the rule's default severity.
    pub severity: Option<Severity>,
    /// Other places that explain the finding.
    pub related: Vec<RelatedLocation>,
}

/// A rule that sees every matching resource of the scan.
pub trait ScanCheck: Send + Sync {
    /// Extracts what the rule needs from one resource (called in parallel).
    fn observe(&self, resource: &Resource) -> Option<Observation>;
    /// Reports violations once every resource has been observed. `observations` are sorted
    /// by file and position, so results are deterministic.
    fn finish(&self, observations: &[Observation], hits: &mut Vec<ScanHit>);

    /// Reports the controls the rule cannot decide because a value is unknown (not
    /// violations; see the scan report's `unverifiable`). Most rules have none.
    fn unverifiable(&self, _observations: &[Observation], _out: &mut Vec<ScanHit>) {}
}

/// A native rule implementation.
pub enum NativeCheck {
    /// Per resource.
    Resource(Box<dyn ResourceCheck>),
    /// Whole scan.
    Scan(Box<dyn ScanCheck>),
}

/// Builds a native rule's implementation from the rule settings (`[settings]` and
/// `[terraform.state]` of the configuration file).
pub type Constructor = fn(&crate::config::RuleSettings) -> NativeCheck;

/// Every native rule: its id and its constructor, the `check` function of its file. This is
/// the only place a native rule's id appears in code; the registry test checks the ids against
/// the metadata under `rules/`.
pub static NATIVE_RULES: &[(&str, Constructor)] = &[
    ("IAM-0006", iam::iam_0006_malformed_policy_document::check),
    ("IAM-0020", iam::iam_0020_state_access_not_team_scoped::check),
    ("IAM-0021", iam::iam_0021_privilege_escalation_across_policies::check),
    ("K8S-0016", kubernetes::k8s_0016_service_account_token_automounted::check),
    ("K8S-0019", kubernetes::k8s_0019_namespace_without_default_deny_ingress::check),
    ("K8S-0020", kubernetes::k8s_0020_namespace_without_default_deny_egress::check),
    ("K8S-0021", kubernetes::k8s_0021_workload_not_selected_by_network_policy::check),
    ("K8S-0029", kubernetes::k8s_0029_cluster_admin_for_service_account_or_broad_group::check),
    ("K8S-0030", kubernetes::k8s_0030_powerful_role_for_broad_group::check),
    ("K8S-0046", kubernetes::k8s_0046_istio_namespace_without_strict_mtls::check),
    ("K8S-0053", kubernetes::k8s_0053_unknown_or_mistyped_security_field::check),
    ("TF-0026", terraform::tf_0026_data_subnet_with_internet_route::check),
    ("TF-0028", terraform::tf_0028_database_cluster_without_firewall::check),
    ("TF-0029", terraform::tf_0029_dns_zone_without_caa_record::check),
    ("TF-0030", terraform::tf_0030_secret_without_rotation::check),
    ("TF-0031", terraform::tf_0031_state_bucket_unprotected::check),
    ("TF-0045", terraform::tf_0045_vpc_without_flow_logs::check),
    ("TF-0046", terraform::tf_0046_s3_bucket_without_versioning::check),
    ("TF-0047", terraform::tf_0047_s3_bucket_without_access_logging::check),
    ("TF-0048", terraform::tf_0048_classic_load_balancer_plaintext_or_weak_tls::check),
    ("TF-0055", terraform::tf_0055_secret_in_resource_argument::check),
];

/// The implementation of the native rule `id`, if there is one, with the default settings.
pub fn native(id: &str) -> Option<NativeCheck> {
    native_with(id, &crate::config::RuleSettings::default())
}

/// The implementation of the native rule `id` with `settings` (`[settings]` and
/// `[terraform.state]` of the configuration file).
pub fn native_with(id: &str, settings: &crate::config::RuleSettings) -> Option<NativeCheck> {
    NATIVE_RULES.iter().find(|(rule, _)| *rule == id).map(|(_, constructor)| constructor(settings))
}

/// Ids of every native rule implementation (the registry test checks them against `rules/`).
pub fn native_ids() -> Vec<&'static str> {
    NATIVE_RULES.iter().map(|(id, _)| *id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Platform, SourceFile};
    use crate::source::{ByteSpan, Position};
    use std::sync::Arc;

    /// The rule files of `src/checks/<family>/` (`<id>_<name>.rs`) as rule folder names
    /// (`TF-0026-data-subnet-with-internet-route`), with the family.
    fn rule_files() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
        let mut out = Vec::new();
        for family in ["iam", "kubernetes", "terraform"] {
            let prefix = if family == "kubernetes" {
                "k8s_"
            } else if family == "iam" {
                "iam_"
            } else {
                "tf_"
            };
            for entry in std::fs::read_dir(root.join(family)).into_iter().flatten().flatten() {
                let file = entry.file_name().to_string_lossy().to_string();
                if let Some(stem) = file.strip_suffix(".rs").filter(|s| s.starts_with(prefix)) {
                    let (id, name) = stem.split_at(prefix.len() + 4);
                    out.push((family.to_string(), format!("{}{}", id.to_ascii_uppercase().replace('_', "-"), name.replace('_', "-"))));
                }
            }
        }
        out
    }

    /// Every id of the table is registered once, has its rule folder under `rules/<family>/`
    /// with a `metadata.yaml`, and its file named after that folder; every rule file is in
    /// the table.
    #[test]
    fn native_rule_table_matches_rule_files_and_folders() {
        let ids: Vec<&str> = NATIVE_RULES.iter().map(|(id, _)| *id).collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "an id is registered twice: {ids:?}");
        let files = rule_files();
        assert_eq!(files.len(), ids.len(), "rule files {files:?} against table {ids:?}");
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        for (family, folder) in &files {
            assert!(rules.join(family).join(folder).join("metadata.yaml").is_file(), "no rules/{family}/{folder}/metadata.yaml");
            assert!(
                ids.iter().any(|id| folder.strip_prefix(id).is_some_and(|rest| rest.starts_with('-'))),
                "{folder} is not in NATIVE_RULES"
            );
        }
        for id in ids {
            assert!(native(id).is_some());
        }
        assert!(native("TF-9999").is_none());
    }

    /// Whole-scan findings carry the resource's related locations (a module call, the
    /// kustomization that built the object) like per-resource findings do.
    #[test]
    fn observations_keep_related_locations() {
        let file = Arc::new(SourceFile::new("base/deploy.yaml", "kind: Deployment\n".to_string()));
        let at = Position { line: 3, column: 1 };
        let built_by =
            (Location { file: "overlay/kustomization.yaml".into(), span: ByteSpan::default(), start: at, end: at }, "built".to_string());
        let resource = Resource {
            platform: Platform::Kubernetes,
            kind: "Deployment".into(),
            namespace: Some("prod".into()),
            name: Some("web".into()),
            address: "Deployment/prod/web".into(),
            value: serde_json::json!({"kind": "Deployment"}),
            spans: crate::model::SpanNode::leaf(ByteSpan::new(0, 16)),
            file,
            call_chain: vec![built_by.clone()],
        };
        let spec = AttributePath::root().key("spec");
        let o = Observation::new(&resource, Value::Null, std::slice::from_ref(&spec));
        assert_eq!(o.related_at(&spec), std::slice::from_ref(&built_by));
        assert_eq!(o.related_at(&AttributePath::root().key("other")), std::slice::from_ref(&built_by));
        let plain = Resource { call_chain: Vec::new(), ..resource };
        assert!(Observation::new(&plain, Value::Null, std::slice::from_ref(&spec)).related_at(&spec).is_empty());
    }
}
