//! Native (Rust) rules, for checks that Rego would make slow or awkward: whole-scan analyses
//! such as NetworkPolicy coverage. Each rule is one file here plus its folder under `rules/`
//! holding `metadata.yaml` and fixtures; [`native`] maps the rule id to its implementation.

pub mod iam;
pub mod kubernetes;
pub mod kubernetes_mesh;
pub mod kubernetes_rbac;
pub mod kubernetes_schema;
pub mod terraform;

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
        Self {
            address: resource.address.clone(),
            kind: resource.kind.clone(),
            namespace: resource.namespace.clone(),
            name: resource.name.clone(),
            facts,
            root,
            anchors,
        }
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

/// The implementation of the native rule `id`, if there is one.
pub fn native(id: &str) -> Option<NativeCheck> {
    kubernetes::native(id)
        .or_else(|| kubernetes_rbac::native(id))
        .or_else(|| kubernetes_mesh::native(id))
        .or_else(|| kubernetes_schema::native(id))
        .or_else(|| terraform::native(id))
        .or_else(|| iam::native(id))
}

/// Ids of every native rule implementation (the registry test checks them against `rules/`).
pub fn native_ids() -> Vec<&'static str> {
    kubernetes::IDS
        .iter()
        .chain(kubernetes_rbac::IDS)
        .chain(kubernetes_mesh::IDS)
        .chain(kubernetes_schema::IDS)
        .chain(terraform::IDS)
        .chain(iam::IDS)
        .copied()
        .collect()
}
