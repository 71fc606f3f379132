//! SARIF 2.1.0 output, shaped for GitHub code scanning: relative URIs under `%SRCROOT%`,
//! rules with full metadata, `security-severity`, STRIDE tags, and a `primaryLocationLineHash`
//! derived from the finding's logical identity (rule, file, resource, attribute path) so that it
//! survives line shifts. Files that could not be analyzed become `toolExecutionNotifications`.
//!
//! **Severity.** GitHub code scanning reads `security-severity` from the *rule*
//! (`reportingDescriptor`), not from the result. A rule may raise or lower the severity of one
//! finding; such a finding is reported under a variant descriptor `<RULE-ID>/<severity>`
//! (`K8S-0016/high`) whose `security-severity` and default level are that severity, with a
//! `relationships` entry (`subset`) pointing to the base rule and `properties.rule` naming it.
//! So every result's level and `security-severity` agree with the rule GitHub reads.
//!
//! **Paths.** URIs are relative to `%SRCROOT%`, the repository root ([`SarifOptions::paths`]),
//! so they resolve in GitHub when a subdirectory is scanned. `automationDetails.id` is the
//! category (`--sarif-category`), one run per category when several SARIF files are uploaded.
//! With a baseline, each result carries `baselineState` (`unchanged` or `new`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, LogicalLocation, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, ReportingDescriptorReference,
    ReportingDescriptorRelationship, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use super::RepoPaths;
use crate::finding::Finding;
use crate::model::Location;
use crate::rules::meta::{RuleMeta, Severity};
use crate::scan::{Outcome, ScanReport};

pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub(crate) const SRCROOT: &str = "%SRCROOT%";

pub(crate) fn uri(path: &str) -> String {
    path.split('/').map(percent_encode).collect::<Vec<_>>().join("/")
}

pub(crate) fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@+=,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// stridegate as the SARIF tool component, with `rules`.
pub(crate) fn driver(rules: Vec<ReportingDescriptor>) -> ToolComponent {
    ToolComponent::builder()
        .name("stridegate")
        .version(crate::VERSION)
        .semantic_version(crate::VERSION)
        .information_uri("https://github.com/stridegate/stridegate")
        .rules(rules)
        .build()
}

pub(crate) fn region(l: &Location) -> Region {
    Region::builder()
        .start_line(i64::try_from(l.start.line).unwrap_or(1))
        .start_column(i64::try_from(l.start.column).unwrap_or(1))
        .end_line(i64::try_from(l.end.line).unwrap_or(1))
        .end_column(i64::try_from(l.end.column).unwrap_or(1))
        .build()
}

fn physical(l: &Location, paths: &RepoPaths) -> SarifLocation {
    SarifLocation::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri(&paths.path(&l.file))).uri_base_id(SRCROOT).build())
                .region(region(l))
                .build(),
        )
        .build()
}

/// Options of the SARIF output.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// Where the scan root sits in the repository (`%SRCROOT%`).
    pub paths: RepoPaths,
    /// `automationDetails.id` (a category ends with `/`); `None` leaves it out.
    pub category: Option<String>,
}

/// The id of the descriptor a finding of `rule_id` with `severity` is reported under: the
/// rule's own when the severity is the rule's default, else the variant `<id>/<severity>`.
pub fn descriptor_id(rule_id: &str, severity: Severity, default: Severity) -> String {
    if severity == default { rule_id.to_string() } else { format!("{rule_id}/{severity}") }
}

fn rule_descriptor(meta: &RuleMeta) -> ReportingDescriptor {
    rule_descriptor_at(meta, meta.severity)
}

/// The descriptor of `meta` for findings of `severity` (a variant when it is not the default).
fn rule_descriptor_at(meta: &RuleMeta, severity: Severity) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert("security-severity".to_string(), json!(severity.security_severity()));
    props.insert("severity".to_string(), json!(severity.to_string()));
    if severity != meta.severity {
        props.insert("rule".to_string(), json!(meta.id));
    }
    props.insert("stride".to_string(), json!(meta.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    if let Some(c) = &meta.control {
        props.insert("control".to_string(), json!(c));
    }
    let mut tags = vec!["security".to_string(), meta.applies_to.platform.to_string()];
    tags.extend(meta.stride.iter().map(|s| format!("stride:{}", s.as_str())));
    let markdown = format!(
        "**{}**\n\n{}\n\n**Why this matters.** {}\n\n**How to fix.** {}\n\n{}",
        meta.title,
        meta.what.trim(),
        meta.why.trim(),
        meta.fix.trim(),
        meta.references.iter().map(|r| format!("- <{r}>")).collect::<Vec<_>>().join("\n")
    );
    ReportingDescriptor::builder()
        .id(descriptor_id(&meta.id, severity, meta.severity))
        .name(meta.name.clone())
        .short_description(MultiformatMessageString::builder().text(meta.title.clone()).build())
        .full_description(MultiformatMessageString::builder().text(format!("{} {}", meta.what.trim(), meta.why.trim())).build())
        .help(MultiformatMessageString::builder().text(meta.fix.trim().to_string()).markdown(markdown).build())
        .help_uri(format!("{}/{}.md", crate::RULE_DOCS_BASE, meta.id))
        .default_configuration(ReportingConfiguration::builder().level(json!(severity.sarif_level())).build())
        .properties(PropertyBag::builder().tags(tags).additional_properties(props).build())
        .build()
}

fn result(f: &Finding, rule: Option<(usize, &RuleMeta)>, paths: &RepoPaths) -> SarifResult {
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("primaryLocationLineHash".to_string(), format!("{}:1", f.fingerprint()));
    fingerprints.insert("stridegate/v1".to_string(), f.fingerprint());
    let mut props = BTreeMap::new();
    props.insert("security-severity".to_string(), json!(f.severity.security_severity()));
    props.insert("severity".to_string(), json!(f.severity.to_string()));
    props.insert("attribute".to_string(), json!(f.attribute.to_string()));
    let tags: Vec<String> = f.stride.iter().map(|s| format!("stride:{}", s.as_str())).collect();
    let mut location = physical(&f.location, paths);
    location.logical_locations =
        Some(vec![LogicalLocation::builder().fully_qualified_name(f.resource.clone()).name(f.resource.clone()).kind("resource").build()]);
    let level = match f.severity.sarif_level() {
        "error" => ResultLevel::Error,
        "warning" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    };
    let rule_id = rule.map_or_else(|| f.rule_id.to_string(), |(_, m)| descriptor_id(&f.rule_id, f.severity, m.severity));
    let mut r = SarifResult::builder()
        .rule_id(rule_id)
        .level(level)
        .message(Message::builder().text(format!("{} ({})", f.message, f.resource)).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().tags(tags).additional_properties(props).build())
        .build();
    if let Some(i) = rule.and_then(|(i, _)| i64::try_from(i).ok()) {
        r.rule_index = Some(i);
    }
    if let Some(s) = &f.suppression {
        r.suppressions = sarif_suppression(s).map(|s| vec![s]);
    }
    r.baseline_state = f.baseline.map(|b| match b {
        crate::finding::BaselineState::Unchanged => json!("unchanged"),
        crate::finding::BaselineState::New => json!("new"),
    });
    if !f.related.is_empty() {
        r.related_locations = Some(
            f.related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    let mut l = physical(&rel.location, paths);
                    l.id = i64::try_from(i).ok();
                    l.message = Some(Message::builder().text(rel.message.clone()).build());
                    l
                })
                .collect(),
        );
    }
    r
}

/// A suppressed finding's SARIF `suppression`: accepted, in source or external, with its
/// justification and where it is written.
fn sarif_suppression(s: &crate::suppress::Suppression) -> Option<serde_sarif::sarif::Suppression> {
    let mut props = serde_json::Map::new();
    props.insert("origin".to_string(), json!(s.origin));
    if let Some(u) = &s.until {
        props.insert("until".to_string(), json!(u));
    }
    serde_json::from_value(json!({
        "kind": s.kind.sarif_kind(),
        "status": "accepted",
        "justification": s.justification,
        "properties": props,
    }))
    .ok()
}

/// Renders the report as a SARIF 2.1.0 log, paths relative to the scan root.
pub fn render(report: &ScanReport) -> String {
    render_with(report, &SarifOptions::default())
}

/// Renders the report as a SARIF 2.1.0 log (what [`write_with`] writes, as a string).
pub fn render_with(report: &ScanReport, options: &SarifOptions) -> String {
    let mut out = Vec::new();
    match write_with(report, options, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => {
            let mut s = serde_json::to_string(&Value::String(format!("cannot serialize SARIF: {e}"))).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// Writes the report as a SARIF 2.1.0 log to `out`. Results are built and written one at a
/// time, so memory does not grow with the number of findings (give a buffered writer).
pub fn write_with(report: &ScanReport, options: &SarifOptions, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let paths = &options.paths;
    let mut rules: Vec<ReportingDescriptor> = report.rules.iter().map(|m| rule_descriptor(m)).collect();
    // The first rule of each id (as a linear search finds it), looked up once per finding.
    let mut by_id: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(report.rules.len());
    for (i, m) in report.rules.iter().enumerate() {
        by_id.entry(&m.id).or_insert(i);
    }
    // Variant descriptors for findings whose severity is not their rule's default, in the
    // findings' order (deterministic), each once. Each finding's descriptor is decided here,
    // before any result is written (the rules come first in the log).
    let mut variants: BTreeMap<String, usize> = BTreeMap::new();
    let mut assigned: Vec<Option<(usize, &RuleMeta)>> = Vec::with_capacity(report.findings.len() + report.suppressed.len());
    for f in report.findings.iter().chain(&report.suppressed) {
        let base = by_id.get(&*f.rule_id).copied();
        let rule = base.and_then(|i| report.rules.get(i).map(|m| (i, m.as_ref())));
        let rule = match rule {
            Some((i, meta)) if meta.severity != f.severity => {
                let id = descriptor_id(&meta.id, f.severity, meta.severity);
                let index = *variants.entry(id).or_insert_with(|| {
                    let mut d = rule_descriptor_at(meta, f.severity);
                    d.relationships = Some(vec![
                        ReportingDescriptorRelationship::builder()
                            .target(
                                ReportingDescriptorReference::builder().id(meta.id.clone()).index(i64::try_from(i).unwrap_or(-1)).build(),
                            )
                            .kinds(vec!["subset".to_string()])
                            .build(),
                    ]);
                    rules.push(d);
                    rules.len() - 1
                });
                Some((index, meta))
            }
            other => other,
        };
        assigned.push(rule);
    }
    let mut notifications: Vec<Notification> = report
        .files
        .iter()
        .filter_map(|f| match &f.outcome {
            Outcome::Failed { message, location, .. } => {
                let loc = location.as_ref().map_or_else(
                    || {
                        SarifLocation::builder()
                            .physical_location(
                                PhysicalLocation::builder()
                                    .artifact_location(
                                        ArtifactLocation::builder().uri(uri(&paths.path(&f.path))).uri_base_id(SRCROOT).build(),
                                    )
                                    .build(),
                            )
                            .build()
                    },
                    |l| physical(l, paths),
                );
                Some(
                    Notification::builder()
                        .message(Message::builder().text(format!("{}: {message}", f.path)).build())
                        .level(json!("error"))
                        .locations(vec![loc])
                        .build(),
                )
            }
            _ => None,
        })
        .collect();
    notifications.extend(report.rule_failures.iter().map(|e| {
        Notification::builder()
            .message(Message::builder().text(format!("rule {} failed: {}", e.rule, e.message)).build())
            .level(json!("error"))
            .build()
    }));
    notifications.extend(report.not_analyzed.iter().map(|n| {
        let loc = SarifLocation::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(uri(&paths.path(&n.file))).uri_base_id(SRCROOT).build())
                    .region(Region::builder().start_line(i64::try_from(n.line).unwrap_or(1)).build())
                    .build(),
            )
            .build();
        Notification::builder()
            .message(Message::builder().text(format!("{}: {} not analyzed: {}", n.file, n.unit, n.reason)).build())
            // A limit reached makes the scan incomplete; anything else is informational.
            .level(json!(if n.limit.is_some() { "error" } else { "note" }))
            .locations(vec![loc])
            .build()
    }));
    // Suppressions that need attention (unused, expired, missing reason...) as warnings.
    notifications.extend(report.suppressions.iter().filter(|r| r.status.is_problem()).map(|r| {
        let mut n = Notification::builder()
            .message(
                Message::builder()
                    .text(format!(
                        "suppression at {} ({}) is {}{}",
                        r.origin,
                        r.rules.join(","),
                        r.status.as_str(),
                        r.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
                    ))
                    .build(),
            )
            .level(json!("warning"))
            .build();
        if let (Some(file), Some(line)) = (&r.file, r.line) {
            n.locations = Some(vec![
                SarifLocation::builder()
                    .physical_location(
                        PhysicalLocation::builder()
                            .artifact_location(ArtifactLocation::builder().uri(uri(file)).uri_base_id(SRCROOT).build())
                            .region(Region::builder().start_line(i64::try_from(line).unwrap_or(1)).build())
                            .build(),
                    )
                    .build(),
            ]);
        }
        n
    }));
    let mut invocation = Invocation::builder().execution_successful(!report.is_incomplete()).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = driver(rules);
    let mut run = Run::builder().tool(Tool::builder().driver(driver).build()).results(Vec::new()).invocations(vec![invocation]).build();
    // Reviewers read findings by category: counts per STRIDE-LM category as run properties.
    let stride: serde_json::Map<String, Value> = super::stride_counts(report).into_iter().map(|(s, n)| (s.to_string(), json!(n))).collect();
    let mut props = BTreeMap::new();
    props.insert("stride".to_string(), Value::Object(stride));
    run.properties = Some(PropertyBag::builder().additional_properties(props).build());
    if let Some(category) = &options.category {
        run.automation_details = Some(RunAutomationDetails::builder().id(category.clone()).build());
    }
    if !paths.prefix.is_empty() {
        // The root itself stays unnamed (an absolute path would leak the runner's layout):
        // consumers such as GitHub resolve `%SRCROOT%` to the repository checkout.
        let mut bases = BTreeMap::new();
        bases.insert(
            SRCROOT.to_string(),
            ArtifactLocation::builder()
                .description(Message::builder().text("The repository root (the directory holding .git, or --sarif-root).").build())
                .build(),
        );
        run.original_uri_base_ids = Some(bases);
    }
    let sarif = Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build();
    // The log without its results (`"results": []` marks their place), then the results
    // streamed into that place.
    let skeleton = serde_json::to_value(&sarif)?;
    let results = Results { report, assigned: &assigned, paths };
    serde_json::to_writer_pretty(&mut *out, &Spliced { skeleton: &skeleton, results: &results })?;
    out.write_all(b"\n")
}

/// The findings' SARIF results, each built when it is written.
struct Results<'a> {
    report: &'a ScanReport,
    /// Each finding's descriptor (index and rule), findings then suppressed findings.
    assigned: &'a [Option<(usize, &'a RuleMeta)>],
    paths: &'a RepoPaths,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let findings = self.report.findings.iter().chain(&self.report.suppressed);
        serializer.collect_seq(findings.zip(self.assigned).map(|(f, rule)| result(f, *rule, self.paths)))
    }
}

/// The log skeleton with `runs[*].results` replaced by the streamed results (one run).
struct Spliced<'a> {
    skeleton: &'a Value,
    results: &'a Results<'a>,
}

impl serde::Serialize for Spliced<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(log) = self.skeleton else { return serde::Serialize::serialize(self.skeleton, serializer) };
        let mut map = serializer.serialize_map(Some(log.len()))?;
        for (key, value) in log {
            match (key.as_str(), value) {
                ("runs", Value::Array(runs)) => map.serialize_entry(key, &Runs { runs, results: self.results })?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

/// `runs`, each with its `results` streamed.
struct Runs<'a> {
    runs: &'a [Value],
    results: &'a Results<'a>,
}

impl serde::Serialize for Runs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Run<'a>(&'a serde_json::Map<String, Value>, &'a Results<'a>);
        impl serde::Serialize for Run<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (key, value) in self.0 {
                    if key == "results" {
                        map.serialize_entry(key, self.1)?;
                    } else {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }
        let mut seq = serializer.serialize_seq(Some(self.runs.len()))?;
        for run in self.runs {
            match run {
                Value::Object(run) => seq.serialize_element(&Run(run, self.results))?,
                other => seq.serialize_element(other)?,
            }
        }
        seq.end()
    }
}
