//! Checking a threat model against a scan: each mitigation is verified, violated,
//! unverifiable or attested; resources the model does not describe and internet exposure it
//! does not declare are drift; STRIDE-per-element gaps are listed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use super::model::{Binding, ComponentKind, LoadedModel, ModelError, PathPart, glob_match, parse_date, path, today};
use crate::engine::Engine;
use crate::finding::Finding;
use crate::model::{Location, Platform, ResourceSummary};
use crate::rules::meta::{RuleMeta, Stride};
use crate::scan::ScanReport;

/// Default age after which an attestation is stale.
pub const DEFAULT_ATTESTATION_MAX_AGE_DAYS: u32 = 365;

/// What became of a mitigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Its rules ran on at least one bound resource and none failed there.
    Verified,
    /// A rule failed on a bound resource.
    Violated,
    /// Nothing decided it: a value is unknown, no resource is bound, no rule applies, or an
    /// attestation is stale.
    Unverifiable,
    /// Vouched for by a person, within the allowed age.
    Attested,
}

impl Status {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Violated => "violated",
            Status::Unverifiable => "unverifiable",
            Status::Attested => "attested",
        }
    }
}

/// What one rule said of one bound resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The rule ran and found nothing.
    Pass,
    /// The rule found a violation.
    Fail,
    /// The rule could not decide (an unknown value, or the rule failed).
    Unknown,
}

impl Outcome {
    /// The kebab-case name (as in JSON).
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceItem {
    /// Rule id.
    pub rule: String,
    /// Pass, fail or unknown.
    pub result: Outcome,
    /// The resource's address.
    pub resource: String,
    /// Where (the finding's line for a failure, the resource's first line otherwise).
    pub location: Location,
    /// The finding's or the unverifiable control's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The decision on one mitigation.
#[derive(Debug, Clone, Serialize)]
pub struct MitigationResult {
    /// Threat id.
    pub threat: String,
    /// Threat title.
    pub threat_title: String,
    /// STRIDE-LM category of the threat.
    pub category: Stride,
    /// Mitigation id.
    pub id: String,
    /// What the team claims.
    pub text: String,
    /// The decision.
    pub status: Status,
    /// Why, in words.
    pub reason: String,
    /// Where the mitigation is written in the model.
    pub model_location: Location,
    /// The rules that were asked to hold.
    pub rules: Vec<String>,
    /// What each rule said of each bound resource (failures first).
    pub evidence: Vec<EvidenceItem>,
    /// The attestation, when there is one: who, when, age in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested: Option<AttestationResult>,
}

/// An attestation as judged.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationResult {
    /// Who.
    pub by: String,
    /// When.
    pub date: String,
    /// Age in days.
    pub age_days: i64,
    /// Older than the allowed age.
    pub stale: bool,
}

/// Kinds of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// An in-scope resource no component or point binds.
    UnboundResource,
    /// An internet-reachable resource no entry point declares.
    UndeclaredExposure,
    /// A finding on a component in a STRIDE category the model says is mitigated there.
    FindingInMitigatedCategory,
    /// A binding that matches no resource of the scan.
    EmptyBinding,
}

impl DriftKind {
    /// The kebab-case name (as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::UnboundResource => "unbound-resource",
            DriftKind::UndeclaredExposure => "undeclared-exposure",
            DriftKind::FindingInMitigatedCategory => "finding-in-mitigated-category",
            DriftKind::EmptyBinding => "empty-binding",
        }
    }
}

/// Where the model and the code disagree.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    /// What kind.
    pub kind: DriftKind,
    /// The resource (or the binding's element).
    pub resource: String,
    /// Where.
    pub location: Location,
    /// Details.
    pub detail: String,
}

/// A STRIDE-per-element gap: an element with no threat in a category that applies to it.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// The element id.
    pub element: String,
    /// Its kind (`process`, `data-store`, `entry-point`...).
    pub element_kind: String,
    /// The category no threat covers.
    pub missing: Stride,
    /// Where the element is written.
    pub location: Location,
}

/// Counts per STRIDE-LM category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoryCounts {
    /// Verified mitigations.
    pub verified: usize,
    /// Violated mitigations.
    pub violated: usize,
    /// Unverifiable mitigations.
    pub unverifiable: usize,
    /// Attested mitigations.
    pub attested: usize,
}

/// The result of checking a model.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The model file.
    pub model: String,
    /// The system.
    pub system: String,
    /// What was scanned.
    pub scanned: String,
    /// Per mitigation, in model order.
    pub mitigations: Vec<MitigationResult>,
    /// Per STRIDE-LM category (only categories with mitigations).
    pub summary: BTreeMap<String, CategoryCounts>,
    /// Disagreements between model and code.
    pub drift: Vec<Drift>,
    /// STRIDE-per-element gaps.
    pub gaps: Vec<Gap>,
    /// Problems in the model found while checking (bindings that match nothing are drift).
    pub errors: Vec<ModelError>,
    /// The scan behind the check could not analyze everything.
    pub scan_incomplete: bool,
}

impl CheckReport {
    /// Whether a mitigation is violated.
    pub fn violated(&self) -> bool {
        self.mitigations.iter().any(|m| m.status == Status::Violated)
    }
}

/// Resources a binding selects.
fn matches(b: &Binding, r: &ResourceSummary) -> bool {
    let platform_ok = b.platform.as_deref().is_none_or(|p| {
        let name = match r.platform {
            Platform::Kubernetes => "kubernetes",
            Platform::Terraform => "terraform",
            Platform::Iam => "iam",
        };
        p == name
    });
    platform_ok
        && b.kind.as_deref().is_none_or(|k| glob_match(k, &r.kind))
        && b.address.as_deref().is_none_or(|a| glob_match(a, &r.address))
        && b.name.as_deref().is_none_or(|n| r.name.as_deref().is_some_and(|rn| glob_match(n, rn)))
        && b.namespace.as_deref().is_none_or(|n| r.namespace.as_deref().is_some_and(|rn| glob_match(n, rn)))
        && b.path.as_deref().is_none_or(|p| glob_match(p, &r.location.file))
        && b.labels.iter().all(|(k, v)| r.labels.get(k).is_some_and(|rv| glob_match(v, rv)))
        && b.tags.iter().all(|(k, v)| r.tags.get(k).is_some_and(|rv| glob_match(v, rv)))
}

/// A resource's identity for joining findings to it.
fn key(file: &str, address: &str) -> (String, String) {
    (file.to_string(), address.to_string())
}

/// STRIDE-LM categories each element kind should have threats for (STRIDE per element).
fn expected_categories(kind: &str) -> &'static [Stride] {
    use Stride::*;
    match kind {
        "process" => &[Spoofing, Tampering, Repudiation, InformationDisclosure, DenialOfService, ElevationOfPrivilege],
        "data-store" => &[Tampering, InformationDisclosure, DenialOfService],
        "external-entity" => &[Spoofing, Repudiation],
        "entry-point" => &[Spoofing, DenialOfService],
        "data-flow" => &[Tampering, InformationDisclosure],
        _ => &[],
    }
}

/// Checks `model` against `scan` (run with [`crate::scan::ScanOptions::inventory`]), judging
/// attestation ages as of today.
pub fn check(model: &LoadedModel, scan: &ScanReport, engine: &Engine, scanned: &str) -> CheckReport {
    check_as_of(model, scan, engine, scanned, today())
}

/// [`check`], judging attestation ages as of `as_of` (days since 1970-01-01), for
/// reproducible reports.
pub fn check_as_of(model: &LoadedModel, scan: &ScanReport, engine: &Engine, scanned: &str, as_of: i64) -> CheckReport {
    use PathPart::{Index, Key};
    let m = &model.model;
    let inventory = &scan.inventory;
    let mut drift = Vec::new();

    // Bindings: element id → resources (indexes into the inventory).
    let mut bound: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut any_bound: BTreeSet<usize> = BTreeSet::new();
    let mut declared_entry: BTreeSet<usize> = BTreeSet::new();
    let mut bind = |id: &str, bindings: &[Binding], section: &str, index: usize, drift: &mut Vec<Drift>| -> BTreeSet<usize> {
        let mut set = BTreeSet::new();
        for (j, b) in bindings.iter().enumerate() {
            let hits: Vec<usize> = inventory.iter().enumerate().filter(|(_, r)| matches(b, r)).map(|(i, _)| i).collect();
            if hits.is_empty() {
                drift.push(Drift {
                    kind: DriftKind::EmptyBinding,
                    resource: id.to_string(),
                    location: model.locate(&path(&[Key(section), Index(index), Key("bindings"), Index(j)])),
                    detail: format!("binding {} of `{id}` matches no resource in the scanned code", j + 1),
                });
            }
            set.extend(hits);
        }
        any_bound.extend(set.iter().copied());
        bound.entry(id.to_string()).or_default().extend(set.iter().copied());
        set
    };
    for (i, c) in m.components.iter().enumerate() {
        bind(&c.id, &c.bindings, "components", i, &mut drift);
    }
    for (i, p) in m.entry_points.iter().enumerate() {
        let set = bind(&p.id, &p.bindings, "entry_points", i, &mut drift);
        declared_entry.extend(set);
    }
    for (i, p) in m.exit_points.iter().enumerate() {
        bind(&p.id, &p.bindings, "exit_points", i, &mut drift);
    }
    // An entry point's component exposes it: that component's resources are declared too.
    for p in &m.entry_points {
        if let Some(c) = &p.component
            && let Some(set) = bound.get(c.as_str())
        {
            declared_entry.extend(set.iter().copied());
        }
    }
    // What each element id resolves to, in resources: components and points directly, assets
    // through the components that hold them, flows through both ends.
    let resolve = |id: &str| -> BTreeSet<usize> {
        let mut out: BTreeSet<usize> = bound.get(id).cloned().unwrap_or_default();
        if let Some(a) = m.assets.iter().find(|a| a.id == id) {
            for c in &a.components {
                out.extend(bound.get(c.as_str()).into_iter().flatten().copied());
            }
        }
        if let Some(f) = m.data_flows.iter().find(|f| f.id == id) {
            for end in [&f.from, &f.to] {
                out.extend(bound.get(end.as_str()).into_iter().flatten().copied());
            }
        }
        out
    };

    // Findings, unverifiable controls and rule failures by resource.
    let mut fails: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &scan.findings {
        fails.entry(key(&f.location.file, &f.resource)).or_default().push(f);
    }
    let mut unknowns: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &scan.unverifiable {
        unknowns.entry(key(&f.location.file, &f.resource)).or_default().push(f);
    }
    let all_rules: Vec<&Arc<RuleMeta>> = engine.rules().collect();
    let max_age = i64::from(m.attestation_max_age_days.unwrap_or(DEFAULT_ATTESTATION_MAX_AGE_DAYS));
    let now = as_of;

    let mut mitigations = Vec::new();
    for (ti, t) in m.threats.iter().enumerate() {
        let targets: BTreeSet<usize> = t.targets.iter().flat_map(|id| resolve(id)).collect();
        for (mi, mitigation) in t.mitigations.iter().enumerate() {
            let id = mitigation.id.clone().unwrap_or_else(|| format!("{}.{}", t.id, mi + 1));
            let model_location = model.locate(&path(&[Key("threats"), Index(ti), Key("mitigations"), Index(mi)]));
            let attested = mitigation.attested.as_ref().map(|a| {
                let age = parse_date(&a.date).map_or(0, |d| now - d);
                AttestationResult { by: a.by.clone(), date: a.date.clone(), age_days: age, stale: age > max_age }
            });
            let selected: Vec<&Arc<RuleMeta>> = match &mitigation.evidence {
                None => Vec::new(),
                Some(e) => all_rules
                    .iter()
                    .filter(|r| {
                        e.rules.iter().any(|id| id.eq_ignore_ascii_case(&r.id))
                            || e.families.iter().any(|f| r.id.split('-').next().is_some_and(|fam| fam.eq_ignore_ascii_case(f)))
                            || e.stride.iter().any(|s| r.stride.contains(s))
                    })
                    .copied()
                    .collect(),
            };
            let mut evidence = Vec::new();
            for &ri in &targets {
                let Some(r) = inventory.get(ri) else { continue };
                let applicable: BTreeSet<&str> = engine.rules_for(r.platform, &r.kind).map(|x| x.id.as_str()).collect();
                let k = key(&r.location.file, &r.address);
                for rule in selected.iter().filter(|x| applicable.contains(x.id.as_str())) {
                    let failed: Vec<&&Finding> = fails.get(&k).into_iter().flatten().filter(|f| *f.rule_id == *rule.id).collect();
                    let unknown: Vec<&&Finding> = unknowns.get(&k).into_iter().flatten().filter(|f| *f.rule_id == *rule.id).collect();
                    let rule_failed =
                        scan.rule_failures.iter().find(|f| f.rule == rule.id && f.message.starts_with(&format!("{}:", r.address)));
                    if !failed.is_empty() {
                        evidence.extend(failed.iter().map(|f| EvidenceItem {
                            rule: rule.id.clone(),
                            result: Outcome::Fail,
                            resource: r.address.clone(),
                            location: f.location.clone(),
                            message: Some(f.message.clone()),
                        }));
                    } else if !unknown.is_empty() || rule_failed.is_some() {
                        let message = unknown
                            .first()
                            .map(|f| f.message.clone())
                            .or_else(|| rule_failed.map(|f| format!("rule failed: {}", f.message)));
                        evidence.push(EvidenceItem {
                            rule: rule.id.clone(),
                            result: Outcome::Unknown,
                            resource: r.address.clone(),
                            location: unknown.first().map_or_else(|| r.location.clone(), |f| f.location.clone()),
                            message,
                        });
                    } else {
                        evidence.push(EvidenceItem {
                            rule: rule.id.clone(),
                            result: Outcome::Pass,
                            resource: r.address.clone(),
                            location: r.location.clone(),
                            message: None,
                        });
                    }
                }
            }
            evidence.sort_by(|a, b| {
                (&a.result, &a.location.file, a.location.start.line, &a.rule).cmp(&(
                    &b.result,
                    &b.location.file,
                    b.location.start.line,
                    &b.rule,
                ))
            });
            evidence.sort_by_key(|e| match e.result {
                Outcome::Fail => 0,
                Outcome::Unknown => 1,
                Outcome::Pass => 2,
            });
            let count = |o: Outcome| evidence.iter().filter(|e| e.result == o).count();
            let (status, reason) = if mitigation.evidence.is_some() {
                if count(Outcome::Fail) > 0 {
                    (Status::Violated, format!("{} finding(s) on bound resources", count(Outcome::Fail)))
                } else if targets.is_empty() {
                    (Status::Unverifiable, "no resource is bound to the threat's targets".to_string())
                } else if selected.is_empty() {
                    (Status::Unverifiable, "the evidence selects no rule that is enabled in this scan".to_string())
                } else if evidence.is_empty() {
                    (Status::Unverifiable, "none of the evidence rules applies to the bound resources".to_string())
                } else if count(Outcome::Unknown) > 0 {
                    (Status::Unverifiable, format!("{} check(s) depend on values that cannot be known here", count(Outcome::Unknown)))
                } else {
                    (
                        Status::Verified,
                        format!(
                            "{} check(s) passed on {} resource(s)",
                            count(Outcome::Pass),
                            evidence.iter().map(|e| &e.resource).collect::<BTreeSet<_>>().len()
                        ),
                    )
                }
            } else {
                match &attested {
                    Some(a) if a.stale => (
                        Status::Unverifiable,
                        format!("attested by {} on {}, {} days ago: older than {max_age} days", a.by, a.date, a.age_days),
                    ),
                    Some(a) => (Status::Attested, format!("attested by {} on {}", a.by, a.date)),
                    None => (Status::Unverifiable, "no evidence and no attestation (bind rules or attest it)".to_string()),
                }
            };
            mitigations.push(MitigationResult {
                threat: t.id.clone(),
                threat_title: t.title.clone(),
                category: t.category,
                id,
                text: mitigation.text.clone(),
                status,
                reason,
                model_location,
                rules: selected.iter().map(|r| r.id.clone()).collect(),
                evidence,
                attested,
            });
        }
    }

    // Drift: unbound resources (policy documents live inside other resources, and Terraform
    // `variable` and `provider` blocks configure the module: not listed).
    for (i, r) in inventory.iter().enumerate() {
        let configuration = r.platform == Platform::Terraform && (r.kind == "variable" || r.kind.starts_with("provider."));
        if !any_bound.contains(&i) && r.platform != Platform::Iam && !configuration {
            drift.push(Drift {
                kind: DriftKind::UnboundResource,
                resource: r.address.clone(),
                location: r.location.clone(),
                detail: format!("{} is bound to no component of the model", r.kind),
            });
        }
        if let Some(why) = &r.exposure
            && !declared_entry.contains(&i)
        {
            drift.push(Drift {
                kind: DriftKind::UndeclaredExposure,
                resource: r.address.clone(),
                location: r.location.clone(),
                detail: format!("{why}, but no entry point declares it"),
            });
        }
    }
    // Findings on a component in a category whose threats the model says are mitigated there.
    for t in &m.threats {
        if t.mitigations.is_empty() {
            continue;
        }
        let targets: BTreeSet<usize> = t.targets.iter().flat_map(|id| resolve(id)).collect();
        for &ri in &targets {
            let Some(r) = inventory.get(ri) else { continue };
            for f in fails.get(&key(&r.location.file, &r.address)).into_iter().flatten() {
                let covered = mitigations.iter().any(|x| x.threat == t.id && x.rules.iter().any(|id| *id == *f.rule_id));
                if f.stride.contains(&t.category) && !covered {
                    drift.push(Drift {
                        kind: DriftKind::FindingInMitigatedCategory,
                        resource: r.address.clone(),
                        location: f.location.clone(),
                        detail: format!(
                            "{} ({}) on a target of threat {} ({}), which the model says is mitigated",
                            f.rule_id,
                            f.message,
                            t.id,
                            t.category.as_str()
                        ),
                    });
                }
            }
        }
    }
    drift.sort_by(|a, b| {
        (a.kind, &a.location.file, a.location.start.line, &a.resource).cmp(&(b.kind, &b.location.file, b.location.start.line, &b.resource))
    });
    drift.dedup_by(|a, b| a.kind == b.kind && a.resource == b.resource && a.location == b.location && a.detail == b.detail);

    // STRIDE per element.
    let mut gaps = Vec::new();
    let mut elements: Vec<(String, String, Location)> = Vec::new();
    for (i, c) in m.components.iter().enumerate() {
        if c.kind != ComponentKind::Boundary {
            elements.push((c.id.clone(), c.kind.as_str().to_string(), model.locate(&path(&[Key("components"), Index(i)]))));
        }
    }
    for (i, p) in m.entry_points.iter().enumerate() {
        elements.push((p.id.clone(), "entry-point".to_string(), model.locate(&path(&[Key("entry_points"), Index(i)]))));
    }
    for (i, f) in m.data_flows.iter().enumerate() {
        elements.push((f.id.clone(), "data-flow".to_string(), model.locate(&path(&[Key("data_flows"), Index(i)]))));
    }
    for (id, kind, location) in elements {
        for category in expected_categories(&kind) {
            let covered = m.threats.iter().any(|t| {
                t.category == *category
                    && t.targets.iter().any(|x| *x == id || m.assets.iter().any(|a| a.id == *x && a.components.contains(&id)))
            });
            if !covered {
                gaps.push(Gap { element: id.clone(), element_kind: kind.clone(), missing: *category, location: location.clone() });
            }
        }
    }

    let mut summary: BTreeMap<String, CategoryCounts> = BTreeMap::new();
    for x in &mitigations {
        let c = summary.entry(x.category.as_str().to_string()).or_default();
        match x.status {
            Status::Verified => c.verified += 1,
            Status::Violated => c.violated += 1,
            Status::Unverifiable => c.unverifiable += 1,
            Status::Attested => c.attested += 1,
        }
    }
    CheckReport {
        model: model.file.path.to_string(),
        system: m.system.clone(),
        scanned: scanned.to_string(),
        mitigations,
        summary,
        drift,
        gaps,
        errors: Vec::new(),
        scan_incomplete: scan.is_incomplete(),
    }
}
