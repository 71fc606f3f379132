//! Threat-model check reports: JSON (a stable contract, see `docs/threat-models.md`) and the
//! terminal. Every string from the model or the scanned code is escaped for the terminal.

use std::fmt::Write as _;

use super::check::{CheckReport, DriftKind, Outcome, Status};
use super::model::ModelError;
use crate::report::escape::terminal_safe as safe;

/// Version of the JSON contract.
pub const JSON_VERSION: u32 = 1;

/// The check as JSON.
pub fn json(report: &CheckReport) -> String {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("version".to_string(), JSON_VERSION.into());
        map.insert("tool".to_string(), serde_json::json!({"name": "stridegate", "version": crate::VERSION}));
    }
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// Model errors as JSON (the same contract, with only `errors`).
pub fn errors_json(model: &str, errors: &[ModelError]) -> String {
    let value = serde_json::json!({
        "version": JSON_VERSION,
        "tool": {"name": "stridegate", "version": crate::VERSION},
        "model": model,
        "errors": errors,
        "mitigations": [],
        "drift": [],
        "gaps": [],
    });
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// Model errors for the terminal, one per line (`file:line:column: message`).
pub fn errors_text(errors: &[ModelError]) -> String {
    let mut out = String::new();
    for e in errors {
        let _ =
            writeln!(out, "{}:{}:{}: error: {}", safe(&e.location.file), e.location.start.line, e.location.start.column, safe(&e.message));
    }
    out
}

/// The check for the terminal.
pub fn text(report: &CheckReport, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "threat model: {} ({})", safe(&report.system), safe(&report.model));
    let _ = writeln!(out, "checked against: {}", safe(&report.scanned));
    let _ = writeln!(out);
    let mut current = String::new();
    for m in &report.mitigations {
        if m.threat != current {
            current = m.threat.clone();
            let _ = writeln!(out, "{} [{}] {}", safe(&m.threat), m.category.as_str(), safe(&m.threat_title));
        }
        let mark = match m.status {
            Status::Verified => "verified    ",
            Status::Violated => "VIOLATED    ",
            Status::Unverifiable => "unverifiable",
            Status::Attested => "attested    ",
        };
        let _ = writeln!(out, "  {mark} {} {}", safe(&m.id), safe(&m.text));
        let _ = writeln!(out, "               {}", safe(&m.reason));
        for e in &m.evidence {
            let show = match e.result {
                Outcome::Fail | Outcome::Unknown => true,
                Outcome::Pass => verbose,
            };
            if show {
                let what = e.result.as_str();
                let message = e.message.as_deref().map(|m| format!(": {}", safe(m))).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "               {what} {} {}:{} {}{message}",
                    e.rule,
                    safe(&e.location.file),
                    e.location.start.line,
                    safe(&e.resource)
                );
            }
        }
    }
    if !report.drift.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "drift: {}", report.drift.len());
        for d in &report.drift {
            let kind = match d.kind {
                DriftKind::UnboundResource => "unbound resource",
                DriftKind::UndeclaredExposure => "undeclared exposure",
                DriftKind::FindingInMitigatedCategory => "finding in a mitigated category",
                DriftKind::EmptyBinding => "binding matches nothing",
            };
            let _ =
                writeln!(out, "  {}:{}: {kind}: {}: {}", safe(&d.location.file), d.location.start.line, safe(&d.resource), safe(&d.detail));
        }
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "STRIDE-per-element gaps: {}", report.gaps.len());
        for g in &report.gaps {
            let _ = writeln!(
                out,
                "  {}:{}: {} `{}` has no {} threat",
                safe(&g.location.file),
                g.location.start.line,
                g.element_kind,
                safe(&g.element),
                g.missing.as_str()
            );
        }
    }
    let _ = writeln!(out);
    let count = |s: Status| report.mitigations.iter().filter(|m| m.status == s).count();
    let _ = writeln!(
        out,
        "{} mitigations: {} verified, {} violated, {} unverifiable, {} attested; {} drift, {} gaps",
        report.mitigations.len(),
        count(Status::Verified),
        count(Status::Violated),
        count(Status::Unverifiable),
        count(Status::Attested),
        report.drift.len(),
        report.gaps.len()
    );
    let _ = writeln!(out, "by STRIDE-LM category:");
    for (category, c) in &report.summary {
        let _ = writeln!(
            out,
            "  {category:<24} {} verified, {} violated, {} unverifiable, {} attested",
            c.verified, c.violated, c.unverifiable, c.attested
        );
    }
    if report.scan_incomplete {
        let _ = writeln!(out, "the scan behind this check is incomplete: some input could not be analyzed (`stridegate scan` shows what)");
    }
    out
}

/// Makes untrusted text safe inside Markdown (tables included): control characters shown
/// visibly, and the characters Markdown or HTML would interpret escaped.
pub fn markdown_safe(s: &str) -> String {
    let text = crate::report::escape::terminal_safe(s);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A file path inside a Markdown code span: controls escaped, backticks replaced.
fn code_span(s: &str) -> String {
    crate::report::escape::terminal_safe(s).replace('`', "'")
}

/// Text inside a Mermaid label (`"..."`): quotes and brackets as entities, controls escaped.
fn mermaid_label(s: &str) -> String {
    crate::report::escape::terminal_safe(s)
        .chars()
        .map(|c| match c {
            '"' => "#quot;".to_string(),
            '<' => "#lt;".to_string(),
            '>' => "#gt;".to_string(),
            '\n' | '\r' => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A Mermaid node id for an element id (letters, digits and `_` only, prefixed to stay unique).
fn mermaid_id(s: &str) -> String {
    let mut out = String::from("n_");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}

/// The check as GitHub-flavoured Markdown: a summary table per STRIDE-LM category, the data
/// flow as a Mermaid diagram with trust boundaries as subgraphs, one section per threat with
/// its evidence at `path:line`, drift and gaps.
pub fn markdown(report: &CheckReport, model: &super::model::ThreatModel) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Threat model check: {}\n", markdown_safe(&report.system));
    let _ = writeln!(out, "Model `{}`, checked against `{}`.\n", code_span(&report.model), code_span(&report.scanned));
    let _ = writeln!(out, "| STRIDE-LM category | verified | violated | unverifiable | attested |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for (category, c) in &report.summary {
        let _ = writeln!(out, "| {category} | {} | {} | {} | {} |", c.verified, c.violated, c.unverifiable, c.attested);
    }
    if report.scan_incomplete {
        let _ = writeln!(out, "\n> **The scan behind this check is incomplete**: some input could not be analyzed.");
    }
    // Data-flow diagram.
    let _ = writeln!(out, "\n## Data flow\n\n```mermaid\nflowchart LR");
    let mut placed = std::collections::BTreeSet::new();
    for b in &model.boundaries {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", mermaid_id(&b.id), mermaid_label(b.name.as_deref().unwrap_or(&b.id)));
        for c in &b.components {
            if let Some(comp) = model.components.iter().find(|x| x.id == *c)
                && placed.insert(c.clone())
            {
                let _ = writeln!(out, "    {}", mermaid_node(&comp.id, comp.name.as_deref(), comp.kind));
            }
        }
        let _ = writeln!(out, "  end");
    }
    for comp in &model.components {
        if comp.kind != super::model::ComponentKind::Boundary && placed.insert(comp.id.clone()) {
            let _ = writeln!(out, "  {}", mermaid_node(&comp.id, comp.name.as_deref(), comp.kind));
        }
    }
    for p in model.entry_points.iter().chain(&model.exit_points) {
        let _ = writeln!(out, "  {}>\"{}\"]", mermaid_id(&p.id), mermaid_label(&p.id));
        if let Some(c) = &p.component {
            let _ = writeln!(out, "  {} -.- {}", mermaid_id(&p.id), mermaid_id(c));
        }
    }
    for f in &model.data_flows {
        let label = [f.protocol.clone().unwrap_or_default(), f.claims.join(", ")]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(": ");
        if label.is_empty() {
            let _ = writeln!(out, "  {} --> {}", mermaid_id(&f.from), mermaid_id(&f.to));
        } else {
            let _ = writeln!(out, "  {} -->|\"{}\"| {}", mermaid_id(&f.from), mermaid_label(&label), mermaid_id(&f.to));
        }
    }
    let _ = writeln!(out, "```");
    // Threats.
    let _ = writeln!(out, "\n## Threats and mitigations");
    let mut current = String::new();
    for m in &report.mitigations {
        if m.threat != current {
            current = m.threat.clone();
            let _ = writeln!(out, "\n### {} {} ({})\n", markdown_safe(&m.threat), markdown_safe(&m.threat_title), m.category.as_str());
        }
        let badge = match m.status {
            Status::Verified => "✅ verified",
            Status::Violated => "❌ **violated**",
            Status::Unverifiable => "❔ unverifiable",
            Status::Attested => "📝 attested",
        };
        let _ = writeln!(out, "- {badge}: **{}** {} ({})", markdown_safe(&m.id), markdown_safe(&m.text), markdown_safe(&m.reason));
        for e in m.evidence.iter().filter(|e| e.result != Outcome::Pass) {
            let what = e.result.as_str();
            let message = e.message.as_deref().map(|x| format!(": {}", markdown_safe(x))).unwrap_or_default();
            let _ = writeln!(
                out,
                "  - {what} {} at `{}:{}` ({}){message}",
                e.rule,
                code_span(&e.location.file),
                e.location.start.line,
                markdown_safe(&e.resource)
            );
        }
        let passed = m.evidence.iter().filter(|e| e.result == Outcome::Pass).count();
        if passed > 0 {
            let _ = writeln!(out, "  - {passed} check(s) passed");
        }
    }
    if !report.drift.is_empty() {
        let _ = writeln!(out, "\n## Drift\n\n| kind | resource | where | detail |\n| --- | --- | --- | --- |");
        for d in &report.drift {
            let _ = writeln!(
                out,
                "| {} | {} | `{}:{}` | {} |",
                d.kind.as_str(),
                markdown_safe(&d.resource),
                code_span(&d.location.file),
                d.location.start.line,
                markdown_safe(&d.detail)
            );
        }
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(out, "\n## STRIDE-per-element gaps\n\n| element | kind | no threat of category |\n| --- | --- | --- |");
        for g in &report.gaps {
            let _ = writeln!(out, "| {} | {} | {} |", markdown_safe(&g.element), g.element_kind, g.missing.as_str());
        }
    }
    out
}

fn mermaid_node(id: &str, name: Option<&str>, kind: super::model::ComponentKind) -> String {
    use super::model::ComponentKind;
    let label = mermaid_label(name.unwrap_or(id));
    match kind {
        ComponentKind::DataStore => format!("{}[(\"{label}\")]", mermaid_id(id)),
        ComponentKind::ExternalEntity => format!("{}[/\"{label}\"/]", mermaid_id(id)),
        _ => format!("{}(\"{label}\")", mermaid_id(id)),
    }
}

/// The check as SARIF 2.1.0: violated mitigations and drift as results located in the code
/// (paths relative to the working directory, as the model's), the model's line as a related
/// location.
pub fn sarif(report: &CheckReport) -> String {
    use crate::report::sarif::{SCHEMA, SRCROOT, region, uri};
    use serde_json::json;
    use serde_sarif::sarif::{
        ArtifactLocation, Location as SarifLocation, Message, MultiformatMessageString, PhysicalLocation, ReportingConfiguration,
        ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    };
    let scanned = super::model::normalize_display(&report.scanned);
    let code_path = |file: &str| if scanned.is_empty() || scanned == "." { file.to_string() } else { format!("{scanned}/{file}") };
    let location = |file: String, l: &crate::model::Location, message: Option<String>, id: Option<i64>| {
        let mut loc = SarifLocation::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(uri(&file)).uri_base_id(SRCROOT).build())
                    .region(region(l))
                    .build(),
            )
            .build();
        loc.message = message.map(|m| Message::builder().text(m).build());
        loc.id = id;
        loc
    };
    let rules_meta: [(&str, &str, &str); 5] = [
        ("threat-model/violated-mitigation", "A mitigation of the threat model is violated by the code", "error"),
        ("threat-model/unbound-resource", "A resource is described by no component of the threat model", "note"),
        ("threat-model/undeclared-exposure", "An internet-reachable resource is declared by no entry point", "warning"),
        ("threat-model/finding-in-mitigated-category", "A finding in a STRIDE category the model says is mitigated", "warning"),
        ("threat-model/empty-binding", "A binding of the threat model matches no resource", "warning"),
    ];
    let rules: Vec<ReportingDescriptor> = rules_meta
        .iter()
        .map(|(id, text, level)| {
            ReportingDescriptor::builder()
                .id(*id)
                .short_description(MultiformatMessageString::builder().text(*text).build())
                .default_configuration(ReportingConfiguration::builder().level(json!(level)).build())
                .build()
        })
        .collect();
    let level = |l: &str| match l {
        "error" => ResultLevel::Error,
        "warning" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    };
    let mut results = Vec::new();
    for m in report.mitigations.iter().filter(|m| m.status == Status::Violated) {
        let model_loc =
            location(report.model.clone(), &m.model_location, Some(format!("mitigation {} of threat {}", m.id, m.threat)), Some(0));
        for e in m.evidence.iter().filter(|e| e.result == Outcome::Fail) {
            let text = format!(
                "Threat {} ({}): mitigation {} \"{}\" is violated: {} {}",
                m.threat,
                m.category.as_str(),
                m.id,
                m.text,
                e.rule,
                e.message.as_deref().unwrap_or_default()
            );
            let mut r = SarifResult::builder()
                .rule_id("threat-model/violated-mitigation")
                .level(level("error"))
                .message(Message::builder().text(text).build())
                .locations(vec![location(code_path(&e.location.file), &e.location, None, None)])
                .build();
            r.related_locations = Some(vec![model_loc.clone()]);
            r.rule_index = Some(0);
            results.push(r);
        }
    }
    for d in &report.drift {
        let (index, id) = match d.kind {
            DriftKind::UnboundResource => (1, "threat-model/unbound-resource"),
            DriftKind::UndeclaredExposure => (2, "threat-model/undeclared-exposure"),
            DriftKind::FindingInMitigatedCategory => (3, "threat-model/finding-in-mitigated-category"),
            DriftKind::EmptyBinding => (4, "threat-model/empty-binding"),
        };
        let file = if d.kind == DriftKind::EmptyBinding { report.model.clone() } else { code_path(&d.location.file) };
        let mut r = SarifResult::builder()
            .rule_id(id)
            .level(level(rules_meta.get(index).map_or("note", |r| r.2)))
            .message(Message::builder().text(format!("{}: {}", d.resource, d.detail)).build())
            .locations(vec![location(file, &d.location, None, None)])
            .build();
        r.rule_index = i64::try_from(index).ok();
        results.push(r);
    }
    let driver = crate::report::sarif::driver(rules);
    let run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    let log = Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build();
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
