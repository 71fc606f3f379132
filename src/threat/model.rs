//! The threat-model format: YAML (`*.threat-model.yaml`, or any YAML under `threat-models/`)
//! in the seeds' structure — trust levels, components bound to IaC resources, entry and exit
//! points, assets, data flows, trust boundaries, and STRIDE-LM threats whose mitigations carry
//! evidence (rules that must hold) or an attestation. The JSON Schema in
//! `schemas/threat-model.schema.json` describes the same format for editors.
//!
//! Loading never panics: YAML is read with the scanner's span-keeping parser, so every error
//! (a syntax error, a field of the wrong type, an unknown field, a dangling reference, an
//! unknown rule id) carries the file, line and column it is about.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{AttributePath, Location, SourceFile, SpanNode};
use crate::rules::meta::Stride;

/// The schema (draft-07) of the format, shipped in the binary.
pub const SCHEMA: &str = include_str!("../../schemas/threat-model.schema.json");

/// A threat model.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatModel {
    /// Format version (1).
    pub version: u32,
    /// The system modelled.
    pub system: String,
    /// Who owns the model.
    #[serde(default)]
    pub owner: Option<String>,
    /// What the system does.
    #[serde(default)]
    pub description: Option<String>,
    /// Last review, `YYYY-MM-DD`.
    #[serde(default)]
    pub reviewed: Option<String>,
    /// The infrastructure code the model covers, relative to the model file.
    #[serde(default)]
    pub scope: Option<String>,
    /// Attestations older than this many days are stale (default 365).
    #[serde(default)]
    pub attestation_max_age_days: Option<u32>,
    /// Access rights the system recognizes.
    #[serde(default)]
    pub trust_levels: Vec<TrustLevel>,
    /// Components, bound to IaC resources.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Interfaces through which attackers interact with the system.
    #[serde(default)]
    pub entry_points: Vec<Point>,
    /// Interfaces through which data leaves the system.
    #[serde(default)]
    pub exit_points: Vec<Point>,
    /// What attackers want.
    #[serde(default)]
    pub assets: Vec<Asset>,
    /// Data flows between components and points.
    #[serde(default)]
    pub data_flows: Vec<DataFlow>,
    /// Trust boundaries.
    #[serde(default)]
    pub boundaries: Vec<Boundary>,
    /// STRIDE-LM threats with their mitigations.
    #[serde(default)]
    pub threats: Vec<Threat>,
}

/// A trust level.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrustLevel {
    /// Identifier.
    pub id: String,
    /// Who has it.
    #[serde(default)]
    pub description: Option<String>,
}

/// What a component is, in data-flow-diagram terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    /// Code that runs: services, pods, functions, load balancers.
    Process,
    /// Where data rests: databases, buckets, queues, logs.
    DataStore,
    /// Something outside the system's control: users, SaaS, a CDN.
    ExternalEntity,
    /// A boundary drawn as a component (a VPC, a cluster).
    Boundary,
}

impl ComponentKind {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Process => "process",
            ComponentKind::DataStore => "data-store",
            ComponentKind::ExternalEntity => "external-entity",
            ComponentKind::Boundary => "boundary",
        }
    }
}

/// A component.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Identifier.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Kind.
    pub kind: ComponentKind,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
    /// Trust level it runs with.
    #[serde(default)]
    pub trust_level: Option<String>,
    /// The IaC resources it is made of.
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

/// Selects IaC resources. Every field given must match (globs: `*` and `?`); at least one
/// field is required.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// `kubernetes`, `terraform` or `iam`.
    #[serde(default)]
    pub platform: Option<String>,
    /// Kubernetes kind or Terraform resource type (`Deployment`, `aws_db_instance`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Resource address (`aws_s3_bucket.logs`, `module.db.*`, `Deployment/iot/*`).
    #[serde(default)]
    pub address: Option<String>,
    /// Resource name.
    #[serde(default)]
    pub name: Option<String>,
    /// Kubernetes namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Kubernetes labels that must all be present with these values.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Terraform tags that must all be present with these values.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// File path, relative to the scanned directory.
    #[serde(default)]
    pub path: Option<String>,
}

/// An entry or exit point.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Identifier.
    pub id: String,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
    /// The component that exposes it.
    #[serde(default)]
    pub component: Option<String>,
    /// Trust levels that can use it.
    #[serde(default)]
    pub trust_levels: Vec<String>,
    /// The IaC resources that expose it (a load balancer, an Ingress).
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

/// An asset.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// Identifier.
    pub id: String,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
    /// How sensitive (`public`, `internal`, `confidential`, `secret`).
    #[serde(default)]
    pub sensitivity: Option<String>,
    /// Components that hold it.
    #[serde(default)]
    pub components: Vec<String>,
    /// Trust levels that may access it.
    #[serde(default)]
    pub trust_levels: Vec<String>,
}

/// A data flow.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataFlow {
    /// Identifier.
    pub id: String,
    /// Source: a component, entry point or exit point.
    pub from: String,
    /// Destination: a component, entry point or exit point.
    pub to: String,
    /// Protocol (`https`, `postgres`...).
    #[serde(default)]
    pub protocol: Option<String>,
    /// Claims (`tls`, `authenticated`, `mtls`...).
    #[serde(default)]
    pub claims: Vec<String>,
    /// What flows.
    #[serde(default)]
    pub description: Option<String>,
}

/// A trust boundary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// Identifier.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Components inside it.
    #[serde(default)]
    pub components: Vec<String>,
    /// Trust level inside it.
    #[serde(default)]
    pub trust_level: Option<String>,
}

/// A threat.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    /// Identifier.
    pub id: String,
    /// STRIDE-LM category.
    pub category: Stride,
    /// One line.
    pub title: String,
    /// Details.
    #[serde(default)]
    pub description: Option<String>,
    /// What it targets: components, entry or exit points, assets or data flows.
    #[serde(default)]
    pub targets: Vec<String>,
    /// How it is mitigated.
    #[serde(default)]
    pub mitigations: Vec<Mitigation>,
}

/// A mitigation and its evidence.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// Identifier (defaults to `<threat>.<n>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What the team claims.
    pub text: String,
    /// Rules that must hold on the target components' resources.
    #[serde(default)]
    pub evidence: Option<Evidence>,
    /// Manual evidence, for what no IaC can show.
    #[serde(default)]
    pub attested: Option<Attestation>,
}

/// Rules that prove a mitigation: explicit ids, whole families (id prefixes such as `K8S`),
/// or every rule of some STRIDE categories.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Rule ids.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Rule families (`K8S`, `TF`, `IAM`).
    #[serde(default)]
    pub families: Vec<String>,
    /// STRIDE-LM categories: every rule of them.
    #[serde(default)]
    pub stride: Vec<Stride>,
}

/// Someone vouches for a mitigation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// Who.
    pub by: String,
    /// When, `YYYY-MM-DD` (not `on`: YAML 1.1 readers take `on` for `true`).
    pub date: String,
    /// How it was checked.
    #[serde(default)]
    pub note: Option<String>,
}

/// A problem in a model, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub location: Location,
}

/// A loaded model with the spans of what was written, to point at its lines.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// The model.
    pub model: ThreatModel,
    /// The file.
    pub file: Arc<SourceFile>,
    /// Spans of the YAML as written.
    pub spans: SpanNode,
}

impl LoadedModel {
    /// Where `path` (`threats[2].mitigations[0]`) was written (its deepest existing part).
    pub fn locate(&self, path: &AttributePath) -> Location {
        let (node, _) = self.spans.resolve(path);
        self.file.location(node.key.map_or(node.span, |k| k.cover(ByteSpanExt::first_line(node.span, &self.file.text))))
    }
}

/// Span helpers.
trait ByteSpanExt {
    fn first_line(self, text: &str) -> Self;
}

impl ByteSpanExt for crate::source::ByteSpan {
    /// The span cut at its first line break.
    fn first_line(self, text: &str) -> Self {
        let end = text.get(self.start..self.end).and_then(|t| t.find('\n')).map_or(self.end, |i| self.start + i);
        crate::source::ByteSpan::new(self.start, end)
    }
}

/// A path of keys and indexes.
pub fn path(parts: &[PathPart<'_>]) -> AttributePath {
    let mut p = AttributePath::root();
    for part in parts {
        p = match part {
            PathPart::Key(k) => p.key(*k),
            PathPart::Index(i) => p.index(*i),
        };
    }
    p
}

/// One step of a [`path`].
#[derive(Debug, Clone, Copy)]
pub enum PathPart<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// Parses a threat model from YAML text. `known_rule` says whether a rule id exists (for
/// evidence); `families` lists the rule families.
pub fn load(file: Arc<SourceFile>, known_rule: &dyn Fn(&str) -> bool, families: &BTreeSet<String>) -> Result<LoadedModel, Vec<ModelError>> {
    let parsed = crate::parse::yaml::parse(&file.text, &file.lines, &crate::parse::Limits::default());
    let at = |span: crate::source::ByteSpan| file.location(span);
    if let Some(e) = parsed.error {
        let location = at(e.span.unwrap_or_default());
        return Err(vec![ModelError { message: format!("invalid YAML: {}", e.message), location }]);
    }
    let mut documents = parsed.documents.into_iter();
    let Some(doc) = documents.next() else {
        return Err(vec![ModelError { message: "empty threat model".to_string(), location: at(Default::default()) }]);
    };
    if documents.next().is_some() {
        return Err(vec![ModelError {
            message: "a threat model file holds one YAML document".to_string(),
            location: at(Default::default()),
        }]);
    }
    let spans = doc.spans;
    let model: ThreatModel = match serde_path_to_error::deserialize(&doc.value) {
        Ok(m) => m,
        Err(e) => {
            let location = locate_serde_path(&spans, e.path(), &file);
            return Err(vec![ModelError { message: e.inner().to_string(), location }]);
        }
    };
    let loaded = LoadedModel { model, file, spans };
    let errors = validate(&loaded, known_rule, families);
    if errors.is_empty() { Ok(loaded) } else { Err(errors) }
}

/// Where a serde error path points.
fn locate_serde_path(spans: &SpanNode, p: &serde_path_to_error::Path, file: &SourceFile) -> Location {
    use serde_path_to_error::Segment;
    let mut attr = AttributePath::root();
    for seg in p.iter() {
        attr = match seg {
            Segment::Seq { index } => attr.index(*index),
            Segment::Map { key } | Segment::Enum { variant: key } => attr.key(key.as_str()),
            Segment::Unknown => break,
        };
    }
    let (node, _) = spans.resolve(&attr);
    file.location(node.key.unwrap_or(node.span))
}

/// Checks references, ids and evidence; every error is located.
fn validate(m: &LoadedModel, known_rule: &dyn Fn(&str) -> bool, families: &BTreeSet<String>) -> Vec<ModelError> {
    use PathPart::{Index, Key};
    let model = &m.model;
    let mut errors = Vec::new();
    let mut error = |message: String, at: &[PathPart<'_>]| errors.push(ModelError { message, location: m.locate(&path(at)) });
    if model.version != 1 {
        error(format!("unsupported version {} (this stridegate reads version 1)", model.version), &[Key("version")]);
    }
    for (field, date) in [("reviewed", &model.reviewed)] {
        if let Some(d) = date
            && parse_date(d).is_none()
        {
            error(format!("`{d}` is not a date (YYYY-MM-DD)"), &[Key(field)]);
        }
    }
    // Unique ids per section, and one namespace for what threats and flows may reference.
    let mut element_ids: BTreeSet<&str> = BTreeSet::new();
    let sections: [(&str, Vec<&str>); 7] = [
        ("trust_levels", model.trust_levels.iter().map(|t| t.id.as_str()).collect()),
        ("components", model.components.iter().map(|c| c.id.as_str()).collect()),
        ("entry_points", model.entry_points.iter().map(|p| p.id.as_str()).collect()),
        ("exit_points", model.exit_points.iter().map(|p| p.id.as_str()).collect()),
        ("assets", model.assets.iter().map(|a| a.id.as_str()).collect()),
        ("data_flows", model.data_flows.iter().map(|f| f.id.as_str()).collect()),
        ("boundaries", model.boundaries.iter().map(|b| b.id.as_str()).collect()),
    ];
    for (section, ids) in &sections {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.iter().enumerate() {
            if !seen.insert(*id) {
                error(format!("duplicate id `{id}` in {section}"), &[Key(section), Index(i), Key("id")]);
            }
            if *section != "trust_levels" && *section != "boundaries" && !element_ids.insert(id) && seen.len() == i + 1 {
                error(format!("id `{id}` is used by two kinds of element"), &[Key(section), Index(i), Key("id")]);
            }
        }
    }
    let trust: BTreeSet<&str> = model.trust_levels.iter().map(|t| t.id.as_str()).collect();
    let components: BTreeSet<&str> = model.components.iter().map(|c| c.id.as_str()).collect();
    let points: BTreeSet<&str> = model.entry_points.iter().chain(&model.exit_points).map(|p| p.id.as_str()).collect();
    let check_trust = |error: &mut dyn FnMut(String, &[PathPart<'_>]), id: &str, at: &[PathPart<'_>]| {
        if !trust.contains(id) {
            error(format!("unknown trust level `{id}` (declare it under trust_levels)"), at);
        }
    };
    for (i, c) in model.components.iter().enumerate() {
        if let Some(t) = &c.trust_level {
            check_trust(&mut error, t, &[Key("components"), Index(i), Key("trust_level")]);
        }
        for (j, b) in c.bindings.iter().enumerate() {
            if let Some(message) = binding_problem(b) {
                error(message, &[Key("components"), Index(i), Key("bindings"), Index(j)]);
            }
        }
    }
    for (section, list) in [("entry_points", &model.entry_points), ("exit_points", &model.exit_points)] {
        for (i, p) in list.iter().enumerate() {
            if let Some(c) = &p.component
                && !components.contains(c.as_str())
            {
                error(format!("unknown component `{c}`"), &[Key(section), Index(i), Key("component")]);
            }
            for (j, t) in p.trust_levels.iter().enumerate() {
                check_trust(&mut error, t, &[Key(section), Index(i), Key("trust_levels"), Index(j)]);
            }
            for (j, b) in p.bindings.iter().enumerate() {
                if let Some(message) = binding_problem(b) {
                    error(message, &[Key(section), Index(i), Key("bindings"), Index(j)]);
                }
            }
        }
    }
    for (i, a) in model.assets.iter().enumerate() {
        for (j, c) in a.components.iter().enumerate() {
            if !components.contains(c.as_str()) {
                error(format!("unknown component `{c}`"), &[Key("assets"), Index(i), Key("components"), Index(j)]);
            }
        }
        for (j, t) in a.trust_levels.iter().enumerate() {
            check_trust(&mut error, t, &[Key("assets"), Index(i), Key("trust_levels"), Index(j)]);
        }
    }
    for (i, f) in model.data_flows.iter().enumerate() {
        for (end, id) in [("from", &f.from), ("to", &f.to)] {
            if !components.contains(id.as_str()) && !points.contains(id.as_str()) {
                error(format!("unknown component or point `{id}`"), &[Key("data_flows"), Index(i), Key(end)]);
            }
        }
    }
    for (i, b) in model.boundaries.iter().enumerate() {
        for (j, c) in b.components.iter().enumerate() {
            if !components.contains(c.as_str()) {
                error(format!("unknown component `{c}`"), &[Key("boundaries"), Index(i), Key("components"), Index(j)]);
            }
        }
        if let Some(t) = &b.trust_level {
            check_trust(&mut error, t, &[Key("boundaries"), Index(i), Key("trust_level")]);
        }
    }
    let mut threat_ids = BTreeSet::new();
    for (i, t) in model.threats.iter().enumerate() {
        if !threat_ids.insert(t.id.as_str()) {
            error(format!("duplicate threat id `{}`", t.id), &[Key("threats"), Index(i), Key("id")]);
        }
        for (j, target) in t.targets.iter().enumerate() {
            if !element_ids.contains(target.as_str()) {
                error(
                    format!("unknown target `{target}` (a component, entry or exit point, asset or data flow)"),
                    &[Key("threats"), Index(i), Key("targets"), Index(j)],
                );
            }
        }
        for (j, mitigation) in t.mitigations.iter().enumerate() {
            let at = |rest: &[PathPart<'static>]| {
                let mut v = vec![Key("threats"), Index(i), Key("mitigations"), Index(j)];
                v.extend_from_slice(rest);
                v
            };
            if let Some(e) = &mitigation.evidence {
                if e.rules.is_empty() && e.families.is_empty() && e.stride.is_empty() {
                    error("evidence names no rule, family or STRIDE category".to_string(), &at(&[Key("evidence")]));
                }
                for (k, r) in e.rules.iter().enumerate() {
                    if !known_rule(r) {
                        error(
                            format!("unknown rule `{r}` (`stridegate rules` lists them)"),
                            &at(&[Key("evidence"), Key("rules"), Index(k)]),
                        );
                    }
                }
                for (k, f) in e.families.iter().enumerate() {
                    if !families.contains(&f.to_ascii_uppercase()) {
                        let known: Vec<&str> = families.iter().map(String::as_str).collect();
                        error(
                            format!("unknown rule family `{f}` (families: {})", known.join(", ")),
                            &at(&[Key("evidence"), Key("families"), Index(k)]),
                        );
                    }
                }
            }
            if let Some(a) = &mitigation.attested
                && parse_date(&a.date).is_none()
            {
                error(format!("`{}` is not a date (YYYY-MM-DD)", a.date), &at(&[Key("attested"), Key("date")]));
            }
        }
    }
    errors
}

/// Why a binding cannot work, if it cannot.
fn binding_problem(b: &Binding) -> Option<String> {
    let empty = b.platform.is_none()
        && b.kind.is_none()
        && b.address.is_none()
        && b.name.is_none()
        && b.namespace.is_none()
        && b.labels.is_empty()
        && b.tags.is_empty()
        && b.path.is_none();
    if empty {
        return Some("a binding needs at least one of platform, type, address, name, namespace, labels, tags, path".to_string());
    }
    match b.platform.as_deref() {
        None | Some("kubernetes" | "terraform" | "iam") => None,
        Some(other) => Some(format!("unknown platform `{other}` (kubernetes, terraform or iam)")),
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1900..=9999).contains(&y) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today, in days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs() / 86_400).unwrap_or(0))
}

/// Matches `*` (any run) and `?` (one character) against `text`; everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|c| *c == '*')
}

/// A display path with `.` and `..` resolved lexically (`threat-models/../fixtures/x` →
/// `fixtures/x`), `/`-separated.
pub fn normalize_display(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if p.starts_with('/') { format!("/{joined}") } else { joined }
}

/// A YAML double-quoted string (JSON string escapes are valid YAML), for generated models.
pub(crate) fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// An id made of lowercase letters, digits and dashes (`AWS ELB` → `aws-elb`).
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The value at `key` as a string map (labels, tags), for bindings.
pub fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    match value {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.clone(), s.clone())),
                Value::Number(n) => Some((k.clone(), n.to_string())),
                Value::Bool(b) => Some((k.clone(), b.to_string())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_globs() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-12-02"), Some(20_789));
        assert_eq!(parse_date("2024-02-30").map(|d| d > 0), Some(true));
        assert!(parse_date("02/12/2026").is_none());
        assert!(glob_match("module.db.*", "module.db.aws_db_instance.main"));
        assert!(glob_match("*-db", "orders-db"));
        assert!(!glob_match("*-db", "orders-db2"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[x]", "[x]"));
    }
}
