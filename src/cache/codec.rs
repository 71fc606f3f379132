//! The cached form of what one analysis unit produced: compact serde mirrors of the report
//! types (tuples serialize as JSON arrays), converted field by field so that a field added to
//! a report type fails to compile here instead of being silently dropped from the cache.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::checks::Observation;
use crate::finding::{Finding, RelatedLocation};
use crate::model::{AttributePath, Location, PathSegment};
use crate::rules::meta::{RuleMeta, Severity, Stride};
use crate::scan::report::{FileRecord, Outcome, SkipReason};
use crate::source::{ByteSpan, Position};
use crate::terraform::NotAnalyzed;

/// What a unit contributed to the report, as restored from (or stored into) the cache.
#[derive(Debug, Default)]
pub struct UnitData {
    /// One record per file of the unit.
    pub records: Vec<FileRecord>,
    /// Resource-scoped findings (before suppressions).
    pub findings: Vec<Finding>,
    /// Undecidable controls.
    pub unverifiable: Vec<Finding>,
    /// Whole-scan observations, as (engine rule index, observation).
    pub observations: Vec<(usize, Observation)>,
    /// Bytes read.
    pub bytes: u64,
    /// Parts not analyzed.
    pub not_analyzed: Vec<NotAnalyzed>,
}

/// (file, span start, span end, start line, start column, end line, end column).
type CLoc = (String, usize, usize, usize, usize, usize, usize);

/// Related locations (location, why).
type CRelated = Vec<(CLoc, String)>;

/// A rule's engine index, name and STRIDE categories.
type RuleInfo = (usize, Arc<str>, Arc<[Stride]>);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum CSeg {
    I(usize),
    K(String),
}

#[derive(Serialize, Deserialize)]
struct CFinding {
    r: String,
    s: Severity,
    m: String,
    l: CLoc,
    res: String,
    a: Vec<CSeg>,
    p: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rel: Vec<(CLoc, String)>,
}

#[derive(Serialize, Deserialize)]
struct CObservation {
    r: String,
    address: String,
    kind: String,
    namespace: Option<String>,
    name: Option<String>,
    facts: serde_json::Value,
    root: CLoc,
    anchors: Vec<(Vec<CSeg>, CLoc, bool)>,
    related: Vec<(Vec<CSeg>, CRelated)>,
}

#[derive(Serialize, Deserialize)]
enum CSkip {
    NotInfrastructure,
    HelmChart(String),
    KustomizeInput(String),
    TfvarsNotAutoLoaded,
    Empty,
    NotFollowed(String),
    CalledModule(Vec<String>),
}

#[derive(Serialize, Deserialize)]
enum COutcome {
    Analyzed(usize),
    Skipped(CSkip),
    Failed(String, Option<CLoc>, usize),
}

/// What a unit produced, borrowed, for storing.
#[derive(Debug, Clone, Copy)]
pub struct UnitView<'a> {
    /// One record per file of the unit.
    pub records: &'a [FileRecord],
    /// Resource-scoped findings (before suppressions).
    pub findings: &'a [Finding],
    /// Undecidable controls.
    pub unverifiable: &'a [Finding],
    /// Whole-scan observations, as (engine rule index, observation).
    pub observations: &'a [(usize, Observation)],
    /// Bytes read.
    pub bytes: u64,
    /// Parts not analyzed.
    pub not_analyzed: &'a [NotAnalyzed],
}

/// The cached form of [`UnitData`].
#[derive(Serialize, Deserialize)]
pub(super) struct CUnit {
    records: Vec<(String, COutcome)>,
    findings: Vec<CFinding>,
    unverifiable: Vec<CFinding>,
    observations: Vec<CObservation>,
    bytes: u64,
    /// (file, line, unit, reason, limit).
    not_analyzed: Vec<(String, usize, String, String, Option<String>)>,
}

/// Rule metadata needed to restore findings and observations: the engine's rule index, name
/// and STRIDE categories by id.
pub(super) struct Rules {
    by_id: HashMap<String, RuleInfo>,
    ids: Vec<String>,
}

impl Rules {
    pub(super) fn new<'a>(rules: impl Iterator<Item = &'a Arc<RuleMeta>>) -> Self {
        let mut by_id = HashMap::new();
        let mut ids = Vec::new();
        for (i, m) in rules.enumerate() {
            by_id.insert(m.id.clone(), (i, Arc::from(m.name.as_str()), Arc::from(m.stride.as_slice())));
            ids.push(m.id.clone());
        }
        Self { by_id, ids }
    }
}

fn loc(l: &Location) -> CLoc {
    (l.file.to_string(), l.span.start, l.span.end, l.start.line, l.start.column, l.end.line, l.end.column)
}

fn unloc(l: CLoc, files: &mut HashMap<String, Arc<str>>) -> Location {
    let (file, s, e, sl, sc, el, ec) = l;
    let file = match files.get(&file) {
        Some(f) => f.clone(),
        None => {
            let f: Arc<str> = Arc::from(file.as_str());
            files.insert(file, f.clone());
            f
        }
    };
    Location { file, span: ByteSpan { start: s, end: e }, start: Position { line: sl, column: sc }, end: Position { line: el, column: ec } }
}

fn path(p: &AttributePath) -> Vec<CSeg> {
    p.0.iter()
        .map(|s| match s {
            PathSegment::Key(k) => CSeg::K(k.clone()),
            PathSegment::Index(i) => CSeg::I(*i),
        })
        .collect()
}

fn unpath(p: Vec<CSeg>) -> AttributePath {
    AttributePath(
        p.into_iter()
            .map(|s| match s {
                CSeg::K(k) => PathSegment::Key(k),
                CSeg::I(i) => PathSegment::Index(i),
            })
            .collect(),
    )
}

fn related(r: &[(Location, String)]) -> Vec<(CLoc, String)> {
    r.iter().map(|(l, m)| (loc(l), m.clone())).collect()
}

fn finding(f: &Finding) -> CFinding {
    let Finding { rule_id, rule_name: _, severity, stride: _, message, location, resource, attribute, attribute_present, related } = f;
    CFinding {
        r: rule_id.to_string(),
        s: *severity,
        m: message.clone(),
        l: loc(location),
        res: resource.clone(),
        a: path(attribute),
        p: *attribute_present,
        rel: related.iter().map(|r| (loc(&r.location), r.message.clone())).collect(),
    }
}

fn unfinding(f: CFinding, rules: &Rules, files: &mut HashMap<String, Arc<str>>) -> Option<Finding> {
    let (_, name, stride) = rules.by_id.get(&f.r)?;
    Some(Finding {
        rule_id: Arc::from(f.r.as_str()),
        rule_name: name.clone(),
        severity: f.s,
        stride: stride.clone(),
        message: f.m,
        location: unloc(f.l, files),
        resource: f.res,
        attribute: unpath(f.a),
        attribute_present: f.p,
        related: f.rel.into_iter().map(|(l, message)| RelatedLocation { location: unloc(l, files), message }).collect(),
    })
}

fn skip(s: &SkipReason) -> CSkip {
    match s {
        SkipReason::NotInfrastructure => CSkip::NotInfrastructure,
        SkipReason::HelmChart { chart } => CSkip::HelmChart(chart.clone()),
        SkipReason::KustomizeInput { kustomization } => CSkip::KustomizeInput(kustomization.clone()),
        SkipReason::TfvarsNotAutoLoaded => CSkip::TfvarsNotAutoLoaded,
        SkipReason::Empty => CSkip::Empty,
        SkipReason::NotFollowed { detail } => CSkip::NotFollowed(detail.clone()),
        SkipReason::CalledModule { callers } => CSkip::CalledModule(callers.clone()),
    }
}

fn unskip(s: CSkip) -> SkipReason {
    match s {
        CSkip::NotInfrastructure => SkipReason::NotInfrastructure,
        CSkip::HelmChart(chart) => SkipReason::HelmChart { chart },
        CSkip::KustomizeInput(kustomization) => SkipReason::KustomizeInput { kustomization },
        CSkip::TfvarsNotAutoLoaded => SkipReason::TfvarsNotAutoLoaded,
        CSkip::Empty => SkipReason::Empty,
        CSkip::NotFollowed(detail) => SkipReason::NotFollowed { detail },
        CSkip::CalledModule(callers) => SkipReason::CalledModule { callers },
    }
}

/// The cached form of `data`; `None` when an observation names a rule the engine does not run.
pub(super) fn encode(data: UnitView<'_>, rules: &Rules) -> Option<CUnit> {
    let UnitView { records, findings, unverifiable, observations, bytes, not_analyzed } = data;
    let mut obs = Vec::with_capacity(observations.len());
    for (i, o) in observations {
        let Observation { address, kind, namespace, name, facts, root, anchors, related: rel } = o;
        obs.push(CObservation {
            r: rules.ids.get(*i)?.clone(),
            address: address.clone(),
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            facts: facts.clone(),
            root: loc(root),
            anchors: anchors.iter().map(|(p, l, found)| (path(p), loc(l), *found)).collect(),
            related: rel.iter().map(|(p, r)| (path(p), related(r))).collect(),
        });
    }
    Some(CUnit {
        records: records
            .iter()
            .map(|r| {
                let outcome = match &r.outcome {
                    Outcome::Analyzed { resources } => COutcome::Analyzed(*resources),
                    Outcome::Skipped { reason } => COutcome::Skipped(skip(reason)),
                    Outcome::Failed { message, location, resources } => {
                        COutcome::Failed(message.clone(), location.as_ref().map(loc), *resources)
                    }
                };
                (r.path.clone(), outcome)
            })
            .collect(),
        findings: findings.iter().map(finding).collect(),
        unverifiable: unverifiable.iter().map(finding).collect(),
        observations: obs,
        bytes,
        not_analyzed: not_analyzed.iter().map(|n| (n.file.clone(), n.line, n.unit.clone(), n.reason.clone(), n.limit.clone())).collect(),
    })
}

/// Restores a unit; `None` when the entry names a rule the engine does not run (the entry is
/// then not trusted).
pub(super) fn decode(unit: CUnit, rules: &Rules) -> Option<UnitData> {
    let mut files = HashMap::new();
    let mut findings = Vec::with_capacity(unit.findings.len());
    for f in unit.findings {
        findings.push(unfinding(f, rules, &mut files)?);
    }
    let mut unverifiable = Vec::with_capacity(unit.unverifiable.len());
    for f in unit.unverifiable {
        unverifiable.push(unfinding(f, rules, &mut files)?);
    }
    let mut observations = Vec::with_capacity(unit.observations.len());
    for o in unit.observations {
        let (index, _, _) = rules.by_id.get(&o.r)?;
        let unrel = |r: Vec<(CLoc, String)>, files: &mut HashMap<String, Arc<str>>| -> Vec<(Location, String)> {
            r.into_iter().map(|(l, m)| (unloc(l, files), m)).collect()
        };
        let anchors = o.anchors.into_iter().map(|(p, l, found)| (unpath(p), unloc(l, &mut files), found)).collect();
        let related = o.related.into_iter().map(|(p, r)| (unpath(p), unrel(r, &mut files))).collect();
        observations.push((
            *index,
            Observation {
                address: o.address,
                kind: o.kind,
                namespace: o.namespace,
                name: o.name,
                facts: o.facts,
                root: unloc(o.root, &mut files),
                anchors,
                related,
            },
        ));
    }
    let records = unit
        .records
        .into_iter()
        .map(|(path, outcome)| FileRecord {
            path,
            outcome: match outcome {
                COutcome::Analyzed(resources) => Outcome::Analyzed { resources },
                COutcome::Skipped(reason) => Outcome::Skipped { reason: unskip(reason) },
                COutcome::Failed(message, location, resources) => {
                    Outcome::Failed { message, location: location.map(|l| unloc(l, &mut files)), resources }
                }
            },
        })
        .collect();
    Some(UnitData {
        records,
        findings,
        unverifiable,
        observations,
        bytes: unit.bytes,
        not_analyzed: unit
            .not_analyzed
            .into_iter()
            .map(|(file, line, unit, reason, limit)| NotAnalyzed { file, line, unit, reason, limit })
            .collect(),
    })
}
