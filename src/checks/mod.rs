//! Native (Rust) rules, for checks that Rego would make slow or awkward: whole-scan analyses
//! such as NetworkPolicy coverage. Each rule is one file here plus its folder under `rules/`
//! holding `metadata.yaml` and fixtures; [`native`] maps the rule id to its implementation.

pub mod iam;
pub mod kubernetes;
pub mod kubernetes_mesh;
pub mod kubernetes_rbac;
pub mod kubernetes_schema;
pub mod terraform;
pub mod terraform_aws;

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

/// What a whole-scan rule keeps of one resource. Observations hold extracted facts and
/// already-resolved locations, never the resource or its file, so memory stays proportional to
/// what the rule needs rather than to the size of the scan.
#[derive(Debug, Clone)]
pub struct Observation {
    /// Logical address of the resource.
    pub address: String,
    /// Kind/type.
    pub kind: String,
    /// Namespace, where the platform has one.
    pub namespace: Option<String>,
    /// Name, if any.
    pub name: Option<String>,
    /// Whatever the rule extracted.
    pub facts: Value,
    /// Location of the resource itself.
    pub root: Location,
    /// Locations of the attributes the rule may report on, with whether each exists.
    pub anchors: Vec<(AttributePath, Location, bool)>,
    /// Related locations of the resource at the root and at each anchor that has any (module
    /// call sites, the build or release that produced the object, the patch or values key that
    /// set the value), reported with findings there.
    pub related: Vec<(AttributePath, Vec<(Location, String)>)>,
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
        Self {
            address: resource.address.clone(),
            kind: resource.kind.clone(),
            namespace: resource.namespace.clone(),
            name: resource.name.clone(),
            facts,
            root,
            anchors,
            related,
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

/// The implementation of the native rule `id`, if there is one, with the default settings.
pub fn native(id: &str) -> Option<NativeCheck> {
    native_with(id, &crate::config::RuleSettings::default())
}

/// The implementation of the native rule `id` with `settings` (`[settings]` and
/// `[terraform.state]` of the configuration file).
pub fn native_with(id: &str, settings: &crate::config::RuleSettings) -> Option<NativeCheck> {
    kubernetes::native(id)
        .or_else(|| kubernetes_rbac::native(id))
        .or_else(|| kubernetes_mesh::native(id))
        .or_else(|| kubernetes_schema::native(id))
        .or_else(|| terraform::native(id, settings))
        .or_else(|| terraform_aws::native(id))
        .or_else(|| iam::native(id, settings))
}

/// Ids of every native rule implementation (the registry test checks them against `rules/`).
pub fn native_ids() -> Vec<&'static str> {
    kubernetes::IDS
        .iter()
        .chain(kubernetes_rbac::IDS)
        .chain(kubernetes_mesh::IDS)
        .chain(kubernetes_schema::IDS)
        .chain(terraform::IDS)
        .chain(terraform_aws::IDS)
        .chain(iam::IDS)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Platform, SourceFile};
    use crate::source::{ByteSpan, Position};
    use std::sync::Arc;

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
