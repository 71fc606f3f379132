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
use crate::suppress::parse::Parsed;
use crate::suppress::{Found, SuppressionKind, Target};
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
    /// Suppressions written in the unit's files (comments, annotations), not yet matched.
    pub suppressions: Vec<Found>,
}

/// (index in the unit's file table, span start, span end, start line, start column, end line,
/// end column).
type CLoc = (usize, usize, usize, usize, usize, usize, usize);

/// An attribute path as one string: `k<length>:<key>` or `i<index>;` per segment (one
/// allocation to parse instead of one per segment).
type CPath = String;

/// Related locations (location, why).
type CRelated = Vec<(CLoc, String)>;

/// A rule's engine index, name and STRIDE categories.
type RuleInfo = (usize, Arc<str>, Arc<[Stride]>);

#[derive(Serialize, Deserialize)]
struct CFinding {
    r: String,
    s: Severity,
    m: String,
    l: CLoc,
    res: String,
    a: CPath,
    p: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rel: Vec<(CLoc, String)>,
    /// Where the resource starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rl: Option<CLoc>,
    /// The blocks that produced the resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cs: Vec<CLoc>,
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
    anchors: Vec<(CPath, CLoc, bool)>,
    related: Vec<(CPath, CRelated)>,
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

/// What a suppression applies to: a line of a file, a resource of a file, nothing.
#[derive(Serialize, Deserialize)]
enum CTarget {
    Line(usize, usize),
    Resource(usize, String),
    Nothing,
    Lines(usize, usize, usize),
}

/// A directive as written: (rules, reason, until as written and in days), or why it is
/// malformed.
type CParsed = Result<(Vec<String>, Option<String>, Option<(String, i64)>), String>;

/// A suppression found in a file: (annotation?, file, line, column, target, directive).
type CFound = (bool, usize, usize, usize, CTarget, CParsed);

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
    /// Suppressions written in the unit's files (comments, annotations), not yet matched.
    pub suppressions: &'a [Found],
}

/// The cached form of [`UnitData`].
#[derive(Serialize, Deserialize)]
pub(super) struct CUnit {
    /// Files that locations name.
    files: Vec<String>,
    records: Vec<(String, COutcome)>,
    findings: Vec<CFinding>,
    unverifiable: Vec<CFinding>,
    observations: Vec<CObservation>,
    bytes: u64,
    /// (file, line, unit, reason, limit).
    not_analyzed: Vec<(String, usize, String, String, Option<String>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<CFound>,
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

/// The file table of a unit being encoded.
#[derive(Default)]
struct Files {
    names: Vec<String>,
    index: HashMap<Arc<str>, usize>,
}

impl Files {
    fn file(&mut self, file: &Arc<str>) -> usize {
        match self.index.get(file) {
            Some(i) => *i,
            None => {
                self.names.push(file.to_string());
                self.index.insert(file.clone(), self.names.len() - 1);
                self.names.len() - 1
            }
        }
    }

    fn loc(&mut self, l: &Location) -> CLoc {
        let i = self.file(&l.file);
        (i, l.span.start, l.span.end, l.start.line, l.start.column, l.end.line, l.end.column)
    }

    /// `None` for a suppression from the configuration (never found in a unit).
    fn found(&mut self, f: &Found) -> Option<CFound> {
        let Found { kind, file, line, column, target, parsed } = f;
        let annotation = match kind {
            SuppressionKind::Comment => false,
            SuppressionKind::Annotation => true,
            SuppressionKind::External => return None,
        };
        let target = match target {
            Target::Line { file, line } => CTarget::Line(self.file(file), *line),
            Target::Resource { file, address } => CTarget::Resource(self.file(file), address.clone()),
            Target::Nothing => CTarget::Nothing,
            Target::Lines { file, first, last } => CTarget::Lines(self.file(file), *first, *last),
            Target::External(_) => return None,
        };
        let parsed = match parsed {
            Ok(Parsed { rules, reason, until }) => Ok((rules.clone(), reason.clone(), until.clone())),
            Err(e) => Err(e.clone()),
        };
        Some((annotation, self.file(file), *line, *column, target, parsed))
    }

    fn related(&mut self, r: &[(Location, String)]) -> CRelated {
        r.iter().map(|(l, m)| (self.loc(l), m.clone())).collect()
    }

    fn finding(&mut self, f: &Finding) -> CFinding {
        // A unit's findings are not yet suppressed or compared with a baseline (both happen
        // after the scan, on restored findings too).
        let Finding {
            rule_id,
            rule_name: _,
            severity,
            stride: _,
            message,
            location,
            resource,
            attribute,
            attribute_present,
            related,
            resource_location,
            call_sites,
            suppression: _,
            baseline: _,
        } = f;
        CFinding {
            r: rule_id.to_string(),
            s: *severity,
            m: message.clone(),
            l: self.loc(location),
            res: resource.clone(),
            a: path(attribute),
            p: *attribute_present,
            rel: related.iter().map(|r| (self.loc(&r.location), r.message.clone())).collect(),
            rl: resource_location.as_ref().map(|l| self.loc(l)),
            cs: call_sites.iter().map(|l| self.loc(l)).collect(),
        }
    }
}

fn unloc(l: CLoc, files: &[Arc<str>]) -> Option<Location> {
    let (file, s, e, sl, sc, el, ec) = l;
    Some(Location {
        file: files.get(file)?.clone(),
        span: ByteSpan { start: s, end: e },
        start: Position { line: sl, column: sc },
        end: Position { line: el, column: ec },
    })
}

fn path(p: &AttributePath) -> CPath {
    use std::fmt::Write as _;
    let mut s = String::new();
    for seg in &p.0 {
        let _ = match seg {
            PathSegment::Key(k) => write!(s, "k{}:{k}", k.len()),
            PathSegment::Index(i) => write!(s, "i{i};"),
        };
    }
    s
}

fn unfound(f: CFound, files: &[Arc<str>]) -> Option<Found> {
    let (annotation, file, line, column, target, parsed) = f;
    let target = match target {
        CTarget::Line(file, line) => Target::Line { file: files.get(file)?.clone(), line },
        CTarget::Resource(file, address) => Target::Resource { file: files.get(file)?.clone(), address },
        CTarget::Nothing => Target::Nothing,
        CTarget::Lines(file, first, last) => Target::Lines { file: files.get(file)?.clone(), first, last },
    };
    Some(Found {
        kind: if annotation { SuppressionKind::Annotation } else { SuppressionKind::Comment },
        file: files.get(file)?.clone(),
        line,
        column,
        target,
        parsed: parsed.map(|(rules, reason, until)| Parsed { rules, reason, until }),
    })
}

fn unpath(p: &str) -> Option<AttributePath> {
    let mut segments = Vec::new();
    let mut rest = p;
    while !rest.is_empty() {
        let (tag, after) = rest.split_at_checked(1)?;
        match tag {
            "k" => {
                let (len, after) = after.split_once(':')?;
                let (key, after) = after.split_at_checked(len.parse().ok()?)?;
                segments.push(PathSegment::Key(key.to_string()));
                rest = after;
            }
            "i" => {
                let (i, after) = after.split_once(';')?;
                segments.push(PathSegment::Index(i.parse().ok()?));
                rest = after;
            }
            _ => return None,
        }
    }
    Some(AttributePath(segments))
}

fn unrelated(r: CRelated, files: &[Arc<str>]) -> Option<Vec<(Location, String)>> {
    r.into_iter().map(|(l, m)| Some((unloc(l, files)?, m))).collect()
}

fn unfinding(f: CFinding, rules: &Rules, files: &[Arc<str>]) -> Option<Finding> {
    let (_, name, stride) = rules.by_id.get(&f.r)?;
    Some(Finding {
        rule_id: Arc::from(f.r.as_str()),
        rule_name: name.clone(),
        severity: f.s,
        stride: stride.clone(),
        message: f.m,
        location: unloc(f.l, files)?,
        resource: f.res,
        attribute: unpath(&f.a)?,
        attribute_present: f.p,
        related: f
            .rel
            .into_iter()
            .map(|(l, message)| Some(RelatedLocation { location: unloc(l, files)?, message }))
            .collect::<Option<Vec<_>>>()?,
        resource_location: match f.rl {
            Some(l) => Some(unloc(l, files)?),
            None => None,
        },
        call_sites: f.cs.into_iter().map(|l| unloc(l, files)).collect::<Option<Vec<_>>>()?,
        suppression: None,
        baseline: None,
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
    let UnitView { records, findings, unverifiable, observations, bytes, not_analyzed, suppressions } = data;
    let mut files = Files::default();
    let mut obs = Vec::with_capacity(observations.len());
    for (i, o) in observations {
        let Observation { resource, facts, anchors, related: rel } = o;
        let crate::checks::Observed { address, kind, namespace, name, root } = &**resource;
        obs.push(CObservation {
            r: rules.ids.get(*i)?.clone(),
            address: address.clone(),
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            facts: facts.clone(),
            root: files.loc(root),
            anchors: anchors.iter().map(|(p, l, found)| (path(p), files.loc(l), *found)).collect(),
            related: rel.iter().map(|(p, r)| (path(p), files.related(r))).collect(),
        });
    }
    let records = records
        .iter()
        .map(|r| {
            let outcome = match &r.outcome {
                Outcome::Analyzed { resources } => COutcome::Analyzed(*resources),
                Outcome::Skipped { reason } => COutcome::Skipped(skip(reason)),
                Outcome::Failed { message, location, resources } => {
                    COutcome::Failed(message.clone(), location.as_ref().map(|l| files.loc(l)), *resources)
                }
            };
            (r.path.clone(), outcome)
        })
        .collect();
    let findings = findings.iter().map(|f| files.finding(f)).collect();
    let unverifiable = unverifiable.iter().map(|f| files.finding(f)).collect();
    let suppressions = suppressions.iter().map(|f| files.found(f)).collect::<Option<Vec<_>>>()?;
    Some(CUnit {
        files: files.names,
        records,
        findings,
        unverifiable,
        observations: obs,
        bytes,
        not_analyzed: not_analyzed.iter().map(|n| (n.file.clone(), n.line, n.unit.clone(), n.reason.clone(), n.limit.clone())).collect(),
        suppressions,
    })
}

/// Restores a unit; `None` when the entry names a rule the engine does not run (the entry is
/// then not trusted).
pub(super) fn decode(unit: CUnit, rules: &Rules) -> Option<UnitData> {
    let files: Vec<Arc<str>> = unit.files.iter().map(|f| Arc::from(f.as_str())).collect();
    let files = files.as_slice();
    let mut findings = Vec::with_capacity(unit.findings.len());
    for f in unit.findings {
        findings.push(unfinding(f, rules, files)?);
    }
    let mut unverifiable = Vec::with_capacity(unit.unverifiable.len());
    for f in unit.unverifiable {
        unverifiable.push(unfinding(f, rules, files)?);
    }
    let mut observations = Vec::with_capacity(unit.observations.len());
    for o in unit.observations {
        let (index, _, _) = rules.by_id.get(&o.r)?;
        let anchors =
            o.anchors.into_iter().map(|(p, l, found)| Some((unpath(&p)?, unloc(l, files)?, found))).collect::<Option<Vec<_>>>()?;
        let related = o.related.into_iter().map(|(p, r)| Some((unpath(&p)?, unrelated(r, files)?))).collect::<Option<Vec<_>>>()?;
        observations.push((
            *index,
            Observation {
                resource: Arc::new(crate::checks::Observed {
                    address: o.address,
                    kind: o.kind,
                    namespace: o.namespace,
                    name: o.name,
                    root: unloc(o.root, files)?,
                }),
                facts: o.facts,
                anchors,
                related,
            },
        ));
    }
    let mut suppressions = Vec::with_capacity(unit.suppressions.len());
    for f in unit.suppressions {
        suppressions.push(unfound(f, files)?);
    }
    let mut records = Vec::with_capacity(unit.records.len());
    for (path, outcome) in unit.records {
        let outcome = match outcome {
            COutcome::Analyzed(resources) => Outcome::Analyzed { resources },
            COutcome::Skipped(reason) => Outcome::Skipped { reason: unskip(reason) },
            COutcome::Failed(message, location, resources) => {
                let location = match location {
                    Some(l) => Some(unloc(l, files)?),
                    None => None,
                };
                Outcome::Failed { message, location, resources }
            }
        };
        records.push(FileRecord { path, outcome });
    }
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
        suppressions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_whatever_their_keys_hold() {
        let p = AttributePath(vec![
            PathSegment::Key("spec".into()),
            PathSegment::Index(12),
            PathSegment::Key("k3:i4;".into()),
            PathSegment::Key(String::new()),
            PathSegment::Key("é\u{202e}\n".into()),
            PathSegment::Index(0),
        ]);
        assert_eq!(unpath(&path(&p)), Some(p));
        assert_eq!(unpath(""), Some(AttributePath::root()));
        for bad in ["x", "k9:ab", "i1", "ik", "k1:é"] {
            assert_eq!(unpath(bad), None, "{bad}");
        }
    }
}
