//! `threat-model import`: a threat model written in Markdown in the seeds' style becomes the
//! YAML format. The Markdown has tables of components, entry points, exit points, assets and
//! trust levels, a numbered data flow, and STRIDE sections with numbered threats and
//! "Mitigation:" bullets. Text dumps of such a page (tables flattened into lines) are read too,
//! with a heuristic split of each row.
//!
//! Components are bound to IaC resources by what their names say (`AWS RDS` →
//! `aws_db_instance`...). Each mitigation is bound to the rules whose control vocabulary
//! (`controls:` in rule metadata) its text contains, with a comment explaining the binding.
//! What cannot be bound is left without evidence, marked for the reviewer to attest, never
//! dropped.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::model::{quoted as q, slug};
use crate::model::ResourceSummary;
use crate::rules::meta::{RuleMeta, Stride};

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The model, as YAML with explanatory comments.
    pub yaml: String,
    /// Mitigations found.
    pub mitigations: usize,
    /// Mitigations bound to at least one rule.
    pub bound: usize,
    /// Components found, and how many were bound to resources.
    pub components: usize,
    /// Components with at least one binding.
    pub components_bound: usize,
    /// Problems met while reading (a table row that could not be split...).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Components,
    EntryPoints,
    ExitPoints,
    Assets,
    TrustLevels,
    DataFlow,
    Threats(Stride),
}

fn section_of(title: &str) -> Option<Section> {
    let t = title.trim().trim_matches(|c: char| c == '#' || c == '*' || c == '_' || c.is_whitespace()).to_ascii_lowercase();
    Some(match t.as_str() {
        "components" => Section::Components,
        "entry points" => Section::EntryPoints,
        "exit points" => Section::ExitPoints,
        "assets" => Section::Assets,
        "trust levels" => Section::TrustLevels,
        "data flow" | "data flows" => Section::DataFlow,
        "spoofing" => Section::Threats(Stride::Spoofing),
        "tampering" => Section::Threats(Stride::Tampering),
        "repudiation" => Section::Threats(Stride::Repudiation),
        "information disclosure" => Section::Threats(Stride::InformationDisclosure),
        "denial of service" => Section::Threats(Stride::DenialOfService),
        "elevation of privilege" | "elevation of privileges" => Section::Threats(Stride::ElevationOfPrivilege),
        "lateral movement" => Section::Threats(Stride::LateralMovement),
        "threat model" | "thread model" | "threat categorization" | "threats" => Section::None,
        _ => return None,
    })
}

#[derive(Debug, Clone, Default)]
struct Row {
    id: String,
    description: String,
    trust: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct ThreatDraft {
    category: Option<Stride>,
    title: String,
    mitigations: Vec<String>,
}

/// Strips Markdown emphasis and code marks from a table cell.
fn clean(cell: &str) -> String {
    cell.trim().trim_matches(|c| c == '_' || c == '*' || c == '`').replace(['_', '*', '`'], "").replace("  ", " ").trim().to_string()
}

/// Where a flattened row `IdentifierDescription` splits: the last case boundary of the first
/// word that has one (`AWS DynamoDB|Main Database`, `AWS OpenSearch|Search Engine`).
fn split_flat(line: &str) -> Option<(String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut word_start = 0;
    let mut best: Option<usize> = None;
    for i in 0..=chars.len() {
        let end_of_word = i == chars.len() || chars.get(i).is_some_and(|c| c.is_whitespace());
        if end_of_word {
            if best.is_some() {
                break;
            }
            word_start = i + 1;
            continue;
        }
        if i <= word_start {
            continue;
        }
        let (Some(&prev), Some(&cur)) = (chars.get(i - 1), chars.get(i)) else { continue };
        let next = chars.get(i + 1).copied();
        let boundary = ((prev.is_lowercase() || prev.is_ascii_digit()) && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next.is_some_and(|n| n.is_lowercase() || n.is_ascii_digit()));
        if boundary {
            best = Some(i);
        }
    }
    let at = best?;
    let id: String = chars.get(..at)?.iter().collect();
    let rest: String = chars.get(at..)?.iter().collect();
    Some((id.trim().to_string(), rest.trim().to_string()))
}

/// Splits trust levels off the end of a flattened description (`...sessionAnonymous, Authenticated`).
fn split_trust(description: &str, known: &[String]) -> (String, Vec<String>) {
    let mut rest = description.trim_end().to_string();
    let mut found = Vec::new();
    loop {
        let before = rest.len();
        for k in known {
            if rest.ends_with(k.as_str()) {
                rest.truncate(rest.len() - k.len());
                found.insert(0, k.clone());
                rest = rest.trim_end().trim_end_matches(',').trim_end().to_string();
                break;
            }
        }
        if rest.len() == before {
            break;
        }
    }
    (rest, found)
}

/// Whether `phrase` occurs in `text` (both lowercase) as whole words.
fn has_phrase(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find(phrase)) {
        let start = from + pos;
        let end = start + phrase.len();
        let before = text.get(..start).and_then(|t| t.chars().next_back());
        let after = text.get(end..).and_then(|t| t.chars().next());
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return true;
        }
        from = start + phrase.len().max(1);
    }
    false
}

/// Resource types a component name points at (`AWS RDS` → RDS types), as binding globs.
fn binding_types(name: &str) -> Vec<&'static str> {
    let n = name.to_ascii_lowercase();
    let table: &[(&[&str], &[&'static str])] = &[
        (&["elb", "alb", "load balancer", "nlb"], &["aws_lb", "aws_alb", "aws_elb", "aws_lb_listener"]),
        (&["rds", "aurora"], &["aws_db_instance", "aws_rds_cluster*"]),
        (&["dynamodb"], &["aws_dynamodb_table"]),
        (&["s3"], &["aws_s3_bucket*"]),
        (&["eks"], &["aws_eks_*"]),
        (&["ec2"], &["aws_instance", "aws_launch_template", "aws_autoscaling_group"]),
        (&["opensearch", "elasticsearch"], &["aws_opensearch_domain", "aws_elasticsearch_domain"]),
        (&["cloudwatch"], &["aws_cloudwatch_*"]),
        (&["backup"], &["aws_backup_*"]),
        (&["vpc"], &["aws_vpc", "aws_subnet", "aws_route_table*", "aws_nat_gateway", "aws_internet_gateway", "aws_network_acl*"]),
        (&["secrets", "secrets manager"], &["aws_secretsmanager_*"]),
        (&["iam"], &["aws_iam_*", "@aws_iam_*"]),
        (&["cloudfront"], &["aws_cloudfront_distribution"]),
        (&["cloudflare"], &["cloudflare_*"]),
        (&["compute", "batch"], &["aws_batch_*"]),
        (&["ecs"], &["aws_ecs_*"]),
        (&["sts"], &["aws_iam_role*", "@aws_iam_role*"]),
        (&["digitalocean kubernetes"], &["digitalocean_kubernetes_cluster"]),
        (&["postgres", "postgresql", "database"], &["digitalocean_database_*", "aws_db_instance", "google_sql_database_instance"]),
    ];
    let mut out = Vec::new();
    for (words, types) in table {
        if words.iter().any(|w| has_phrase(&n, w)) {
            for t in *types {
                if !out.contains(t) {
                    out.push(*t);
                }
            }
        }
    }
    out
}

fn is_kubernetes(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (has_phrase(&n, "kubernetes") || has_phrase(&n, "k8s") || has_phrase(&n, "eks")) && !has_phrase(&n, "digitalocean kubernetes")
}

/// Imports Markdown `text`. `rules` give the control vocabulary; `inventory`, when given (the
/// resources found in the model's scope), keeps only bindings that match something.
pub fn import(text: &str, system: &str, scope: Option<&str>, rules: &[&RuleMeta], inventory: Option<&[ResourceSummary]>) -> Imported {
    let mut section = Section::None;
    let mut tables: Vec<(Section, Vec<Row>)> = Vec::new();
    let mut flows: Vec<String> = Vec::new();
    let mut threats: Vec<ThreatDraft> = Vec::new();
    let mut warnings = Vec::new();
    let mut in_mitigation = false;
    let mut flat_columns = 0usize;
    let mut in_comment = false;
    let mut trust_known: Vec<String> = Vec::new();
    // Trust levels first: flattened rows of other tables end with them.
    {
        let mut s = Section::None;
        for line in text.lines() {
            let t = line.trim();
            if let Some(x) = section_of(t.trim_start_matches('#')) {
                s = x;
                continue;
            }
            if s == Section::TrustLevels {
                let row = if t.starts_with('|') {
                    t.trim_matches('|').split('|').next().map(clean)
                } else if !t.is_empty() && !t.to_ascii_lowercase().starts_with("identifier") && !t.ends_with(':') {
                    split_flat(t).map(|(id, _)| id)
                } else {
                    None
                };
                if let Some(id) = row.filter(|id| !id.is_empty() && !id.starts_with(':') && !id.starts_with('-') && id != "Identifier") {
                    trust_known.push(id);
                }
            }
        }
    }
    let mut numbered_item: Option<String> = None;
    let flush_item = |item: &mut Option<String>, flows: &mut Vec<String>| {
        if let Some(i) = item.take() {
            flows.push(i);
        }
    };
    for raw in text.lines() {
        let line = raw.trim_end();
        let t = line.trim();
        if t.starts_with("<!--") {
            in_comment = !t.contains("-->");
            continue;
        }
        if in_comment {
            in_comment = !t.contains("-->");
            continue;
        }
        let heading = t.starts_with('#');
        if let Some(s) = section_of(if heading { t.trim_start_matches('#') } else { t }) {
            if heading || !t.contains(' ') || t.split_whitespace().count() <= 3 {
                flush_item(&mut numbered_item, &mut flows);
                section = s;
                flat_columns = 0;
                in_mitigation = false;
                continue;
            }
        } else if heading {
            flush_item(&mut numbered_item, &mut flows);
            section = Section::None;
            continue;
        }
        match section {
            Section::Components | Section::EntryPoints | Section::ExitPoints | Section::Assets | Section::TrustLevels => {
                let table = match tables.last_mut() {
                    Some((s, rows)) if *s == section => rows,
                    _ => {
                        tables.push((section, Vec::new()));
                        match tables.last_mut() {
                            Some((_, rows)) => rows,
                            None => continue,
                        }
                    }
                };
                if t.starts_with('|') {
                    let cells: Vec<String> = t.trim_matches('|').split('|').map(clean).collect();
                    let first = cells.first().cloned().unwrap_or_default();
                    if first.is_empty() || first.chars().all(|c| c == ':' || c == '-') || first.eq_ignore_ascii_case("identifier") {
                        continue;
                    }
                    let trust = cells.get(2).map(|c| c.split(',').map(clean).filter(|x| !x.is_empty()).collect()).unwrap_or_default();
                    table.push(Row { id: first, description: cells.get(1).cloned().unwrap_or_default(), trust });
                } else if t.to_ascii_lowercase().starts_with("identifier") && !t.contains(' ')
                    || t.to_ascii_lowercase().starts_with("identifierdescription")
                {
                    flat_columns = if t.to_ascii_lowercase().contains("trust") { 3 } else { 2 };
                } else if flat_columns > 0 && !t.is_empty() {
                    match split_flat(t) {
                        Some((id, rest)) => {
                            let (description, trust) =
                                if flat_columns == 3 { split_trust(&rest, &trust_known) } else { (rest, Vec::new()) };
                            table.push(Row { id, description, trust });
                        }
                        None => {
                            warnings.push(format!("table row `{t}` could not be split into columns; taken as an identifier"));
                            table.push(Row { id: t.to_string(), ..Row::default() });
                        }
                    }
                }
            }
            Section::DataFlow => {
                let numbered = t.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                if numbered {
                    flush_item(&mut numbered_item, &mut flows);
                    numbered_item = t.split_once(". ").map(|(_, rest)| rest.to_string());
                } else if let Some(item) = numbered_item.as_mut()
                    && !t.is_empty()
                {
                    item.push(' ');
                    item.push_str(t);
                }
            }
            Section::Threats(category) => {
                let numbered =
                    t.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit()));
                let lower = t.to_ascii_lowercase();
                if numbered {
                    in_mitigation = false;
                    let title = t.split_once(". ").map(|(_, r)| r.trim().to_string()).unwrap_or_default();
                    threats.push(ThreatDraft { category: Some(category), title, mitigations: Vec::new() });
                } else if lower.starts_with("mitigation") {
                    in_mitigation = true;
                } else if in_mitigation && (t.starts_with("- ") || t.starts_with("* ") || t.starts_with("• ")) {
                    let bullet = t.get(t.find(' ').map_or(0, |i| i + 1)..).unwrap_or_default().trim().to_string();
                    if let Some(th) = threats.last_mut() {
                        th.mitigations.push(bullet);
                    }
                } else if !t.is_empty() && !line.starts_with([' ', '\t']) {
                    // Text at the margin that is no list item ends the list; a short line
                    // without a final period is the next (unknown) heading of a text dump.
                    in_mitigation = false;
                    if t.split_whitespace().count() <= 5 && !t.ends_with(['.', ':', ',']) {
                        section = Section::None;
                    }
                } else if in_mitigation && !t.is_empty() {
                    // An indented continuation of the last bullet.
                    if let Some(m) = threats.last_mut().and_then(|th| th.mitigations.last_mut()) {
                        m.push(' ');
                        m.push_str(t);
                    }
                } else if !in_mitigation
                    && !t.is_empty()
                    && let Some(th) = threats.last_mut()
                {
                    th.title.push(' ');
                    th.title.push_str(t);
                }
            }
            Section::None => {}
        }
    }
    flush_item(&mut numbered_item, &mut flows);

    // A design document (C4 element lists, "security control:" bullets, Mermaid diagrams)
    // has neither tables nor STRIDE sections: read its elements, flows and controls instead.
    if tables.iter().all(|(_, rows)| rows.is_empty()) && threats.is_empty() {
        let design = read_design(text);
        if !design.elements.is_empty() {
            tables.push((Section::Components, design.elements));
            tables.push((Section::Assets, design.assets));
            flows.extend(design.flows);
            threats.extend(design.threats);
            warnings.extend(design.warnings);
        }
    }
    let rows = |s: Section| -> Vec<Row> { tables.iter().filter(|(x, _)| *x == s).flat_map(|(_, r)| r.clone()).collect() };
    let components = rows(Section::Components);
    let entries = rows(Section::EntryPoints);
    let exits = rows(Section::ExitPoints);
    let assets = rows(Section::Assets);
    let trust = rows(Section::TrustLevels);

    // Ids: one namespace for components, points and assets.
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut unique = |base: &str, prefix: &str| -> String {
        let mut id = slug(base);
        if id.is_empty() {
            id = prefix.to_string();
        }
        if used.contains(&id) {
            id = format!("{prefix}-{id}");
        }
        let mut n = 2;
        let base_id = id.clone();
        while used.contains(&id) {
            id = format!("{base_id}-{n}");
            n += 1;
        }
        used.insert(id.clone());
        id
    };
    let component_ids: Vec<(String, &Row)> = components.iter().map(|r| (unique(&r.id, "component"), r)).collect();
    let entry_ids: Vec<(String, &Row)> = entries.iter().map(|r| (unique(&r.id, "entry"), r)).collect();
    let exit_ids: Vec<(String, &Row)> = exits.iter().map(|r| (unique(&r.id, "exit"), r)).collect();
    let asset_ids: Vec<(String, &Row)> = assets.iter().map(|r| (unique(&r.id, "asset"), r)).collect();
    let trust_ids: Vec<(String, &Row)> = trust.iter().map(|r| (slug(&r.id), r)).collect();
    let trust_of = |name: &str| trust_ids.iter().find(|(_, r)| r.id.eq_ignore_ascii_case(name.trim())).map(|(id, _)| id.clone());

    let mut out = String::new();
    let _ = writeln!(out, "# Imported by `stridegate threat-model import`. Review the bindings (comments say why each");
    let _ = writeln!(out, "# was made) and attest what no rule can prove.");
    let _ = writeln!(out, "version: 1\nsystem: {}", q(system));
    if let Some(s) = scope {
        let _ = writeln!(out, "scope: {}", q(s));
    }
    if !trust_ids.is_empty() {
        let _ = writeln!(out, "\ntrust_levels:");
        for (id, r) in &trust_ids {
            let _ = writeln!(out, "  - id: {}\n    description: {}", q(id), q(&format!("{}: {}", r.id, r.description)));
        }
    }
    let mut components_bound = 0;
    if !component_ids.is_empty() {
        let _ = writeln!(out, "\ncomponents:");
        for (id, r) in &component_ids {
            let text = format!("{} {}", r.id, r.description).to_ascii_lowercase();
            let store =
                ["database", "storage", "logs", "backups", "secrets", "search engine", "bucket"].iter().any(|w| has_phrase(&text, w));
            let external = ["cloudflare", "okta", "github", "provider"].iter().any(|w| has_phrase(&text, w));
            let network = ["vpc", "network", "networking", "cluster"].iter().any(|w| has_phrase(&text, w)) && !store;
            let kind = if network {
                "boundary"
            } else if store {
                "data-store"
            } else if external {
                "external-entity"
            } else {
                "process"
            };
            let _ = writeln!(out, "  - id: {}\n    name: {}\n    kind: {kind}", q(id), q(&r.id));
            if !r.description.is_empty() {
                let _ = writeln!(out, "    description: {}", q(&r.description));
            }
            // `@pattern` binds by address: policy documents inside IAM resources have their own
            // kind but their carrier's address (`aws_iam_role.x.assume_role_policy`).
            let mut bindings: Vec<String> = binding_types(&r.id)
                .into_iter()
                .map(|t| match t.strip_prefix('@') {
                    Some(address) => format!("{{address: {}}}", q(address)),
                    None => format!("{{type: {}}}", q(t)),
                })
                .collect();
            if is_kubernetes(&r.id) {
                bindings.push("{platform: kubernetes}".to_string());
            }
            if let Some(inv) = inventory {
                bindings.retain(|b| binding_matches_any(b, inv));
            }
            if bindings.is_empty() {
                let _ = writeln!(out, "    # unbound: nothing in the name says which IaC resources make it up; add bindings");
            } else {
                components_bound += 1;
                let _ = writeln!(out, "    # bound by its name `{}`", r.id.replace('\n', " "));
                let _ = writeln!(out, "    bindings:");
                for b in bindings {
                    let _ = writeln!(out, "      - {b}");
                }
            }
        }
    }
    for (key, list) in [("entry_points", &entry_ids), ("exit_points", &exit_ids)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{key}:");
        for (id, r) in list {
            let _ = writeln!(out, "  - id: {}\n    description: {}", q(id), q(&format!("{}: {}", r.id, r.description)));
            let levels: Vec<String> = r.trust.iter().filter_map(|t| trust_of(t)).collect();
            if !levels.is_empty() {
                let _ = writeln!(out, "    trust_levels: [{}]", levels.iter().map(|l| q(l)).collect::<Vec<_>>().join(", "));
            }
        }
    }
    let mention = |text: &str| -> Vec<String> {
        let lower = text.to_ascii_lowercase();
        let mut found: Vec<(usize, String)> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        for (id, r) in component_ids.iter().chain(&entry_ids).chain(&exit_ids) {
            let name = r.id.to_ascii_lowercase();
            // An exit point named like an entry point (`API`) is the same word: first wins.
            if let Some(pos) = lower.find(&name)
                && !names.contains(&name)
            {
                names.push(name.clone());
                spans.push((pos, name.len(), id.clone()));
            }
        }
        // The longest name at a place wins (`API Server Container` over `API Server`).
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut end = 0;
        for (pos, len, id) in spans {
            if pos >= end || found.is_empty() {
                found.push((pos, id));
                end = pos + len;
            }
        }
        found.into_iter().map(|(_, id)| id).collect()
    };
    if !asset_ids.is_empty() {
        let _ = writeln!(out, "\nassets:");
        for (id, r) in &asset_ids {
            let _ = writeln!(out, "  - id: {}\n    description: {}", q(id), q(&format!("{}: {}", r.id, r.description)));
            let holders: Vec<String> = mention(&r.description).into_iter().filter(|m| component_ids.iter().any(|(c, _)| c == m)).collect();
            if !holders.is_empty() {
                let _ = writeln!(out, "    components: [{}]", holders.iter().map(|h| q(h)).collect::<Vec<_>>().join(", "));
            }
            let levels: Vec<String> = r.trust.iter().filter_map(|t| trust_of(t)).collect();
            if !levels.is_empty() {
                let _ = writeln!(out, "    trust_levels: [{}]", levels.iter().map(|l| q(l)).collect::<Vec<_>>().join(", "));
            }
        }
    }
    let mut flow_lines = Vec::new();
    let mut flow_pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, f) in flows.iter().enumerate() {
        let ends = mention(f);
        if let (Some(from), Some(to)) = (ends.first(), ends.get(1))
            && flow_pairs.insert((from.clone(), to.clone()))
        {
            flow_lines.push(format!("  - id: \"flow-{}\"\n    from: {}\n    to: {}\n    description: {}", i + 1, q(from), q(to), q(f)));
        }
    }
    if !flow_lines.is_empty() {
        let _ = writeln!(out, "\n# Data flows from the numbered list (the first two elements each step names).");
        let _ = writeln!(out, "data_flows:");
        for l in flow_lines {
            let _ = writeln!(out, "{l}");
        }
    }

    let mut mitigations = 0;
    let mut bound = 0;
    if !threats.is_empty() {
        let _ = writeln!(out, "\nthreats:");
        let mut counters: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for th in &threats {
            let Some(category) = th.category else { continue };
            let prefix = category.letter();
            let n = counters.entry(prefix).or_insert(0);
            *n += 1;
            let tid = format!("{prefix}-{n}");
            let _ = writeln!(out, "  - id: {}\n    category: {}\n    title: {}", q(&tid), category.as_str(), q(&th.title));
            // The seeds' threats are system-wide: every component, so a mitigation holds
            // wherever its rules apply. Narrow the targets to the components a threat is about.
            let targets: Vec<String> = component_ids.iter().map(|(id, _)| id.clone()).collect();
            if !targets.is_empty() {
                let _ = writeln!(out, "    # targets: every component (the document names no element for this threat; narrow it)");
            }
            if !targets.is_empty() {
                let _ = writeln!(out, "    targets: [{}]", targets.iter().map(|t| q(t)).collect::<Vec<_>>().join(", "));
            }
            if th.mitigations.is_empty() {
                continue;
            }
            let _ = writeln!(out, "    mitigations:");
            for (k, m) in th.mitigations.iter().enumerate() {
                mitigations += 1;
                let lower = m.to_ascii_lowercase();
                let mut matched: Vec<(&str, &str)> = Vec::new();
                for r in rules {
                    if let Some(phrase) = r.controls.iter().find(|p| has_phrase(&lower, p)) {
                        matched.push((r.id.as_str(), phrase.as_str()));
                    }
                }
                let _ = writeln!(out, "      - id: {}", q(&format!("{tid}.{}", k + 1)));
                let _ = writeln!(out, "        text: {}", q(m));
                if matched.is_empty() {
                    let _ = writeln!(
                        out,
                        "        # unbound: no rule's control vocabulary matches; attest it (attested: {{by: ..., date: ...}})"
                    );
                } else {
                    bound += 1;
                    let mut phrases: Vec<&str> = matched.iter().map(|(_, p)| *p).collect();
                    phrases.sort_unstable();
                    phrases.dedup();
                    let _ = writeln!(
                        out,
                        "        # bound by the control phrases {}",
                        phrases.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
                    );
                    let _ = writeln!(
                        out,
                        "        evidence: {{rules: [{}]}}",
                        matched.iter().map(|(id, _)| *id).collect::<Vec<_>>().join(", ")
                    );
                }
            }
        }
    }
    Imported { yaml: out, mitigations, bound, components: component_ids.len(), components_bound, warnings }
}

/// What a design document yields.
#[derive(Debug, Default)]
struct Design {
    elements: Vec<Row>,
    assets: Vec<Row>,
    flows: Vec<String>,
    threats: Vec<ThreatDraft>,
    warnings: Vec<String>,
}

/// The STRIDE-LM category a security control addresses, from its words.
fn control_category(text: &str) -> Option<Stride> {
    let t = text.to_ascii_lowercase();
    let table: &[(Stride, &[&str])] = &[
        (Stride::Repudiation, &["logging", "logs", "audit", "auditing", "audit trail"]),
        (
            Stride::Spoofing,
            &["authentication", "authenticate", "mfa", "multi-factor", "saml", "oauth", "sso", "identity provider", "session"],
        ),
        (
            Stride::InformationDisclosure,
            &["encryption", "encrypted", "tls", "ssl", "https", "secure communication", "secrets", "credentials"],
        ),
        (Stride::DenialOfService, &["rate limiting", "rate limit", "ddos", "availability", "scaling", "firewall"]),
        (
            Stride::ElevationOfPrivilege,
            &["authorization", "least privilege", "iam", "roles", "permissions", "privileges", "access controls", "access control"],
        ),
        (
            Stride::Tampering,
            &[
                "input validation",
                "output encoding",
                "integrity",
                "signing",
                "image scanning",
                "image security",
                "static analysis",
                "sast",
                "sca",
                "linting",
            ],
        ),
    ];
    table.iter().find(|(_, words)| words.iter().any(|w| has_phrase(&t, w))).map(|(s, _)| *s)
}

/// Reads a design document: `- Name:`/`- Type:`/`- Security controls:` element lists,
/// `security control:` bullets, Mermaid `A --> B` edges and `Data Sensitivity` bullets.
fn read_design(text: &str) -> Design {
    let mut d = Design::default();
    let mut controls: Vec<(String, Option<String>)> = Vec::new(); // (control, element)
    let mut labels: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut in_sensitivity = false;
    let mut current: Option<String> = None;
    let node = |token: &str, labels: &mut std::collections::BTreeMap<String, String>| -> String {
        // `API(("API Server"))` → id API, label "API Server".
        let token = token.trim();
        let id: String = token.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        // The label: inside the node's brackets (`((...))`, `(...)`, `[...]`), quotes dropped.
        let rest = token.get(id.len()..).unwrap_or_default().trim();
        let open = rest.chars().take_while(|c| matches!(c, '(' | '[' | '{')).count();
        let inner = rest.get(open..rest.len().saturating_sub(open)).unwrap_or_default().trim().trim_matches('"');
        if !inner.is_empty() {
            let label = inner.replace("\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ");
            labels.insert(id.clone(), label);
        }
        id
    };
    for line in text.lines() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(name) = t.strip_prefix("- Name:") {
            let name = name.trim().to_string();
            if !name.is_empty() && !d.elements.iter().any(|e| e.id == name) {
                d.elements.push(Row { id: name.clone(), ..Row::default() });
            }
            current = Some(name);
            continue;
        }
        if let Some(kind) = t.strip_prefix("- Type:")
            && let Some(e) = d.elements.iter_mut().find(|e| Some(&e.id) == current.as_ref())
            && e.description.is_empty()
        {
            e.description = kind.trim().to_string();
            continue;
        }
        if let Some(list) = t.strip_prefix("- Security controls:") {
            let element = current.clone();
            for c in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let c = c.trim_end_matches('.').to_string();
                if !controls.iter().any(|(x, e)| *x == c && *e == element) {
                    controls.push((c, element.clone()));
                }
            }
            continue;
        }
        if let Some(pos) = lower.find("security control:") {
            let c = t.get(pos + "security control:".len()..).unwrap_or_default().trim().to_string();
            if !c.is_empty() && !controls.iter().any(|(x, _)| *x == c) {
                controls.push((c, None));
            }
            continue;
        }
        if lower.starts_with("data sensitivity") {
            in_sensitivity = true;
            continue;
        }
        if in_sensitivity {
            match t.strip_prefix("- ") {
                Some(item) if item.contains(':') => {
                    let (name, rest) = item.split_once(':').unwrap_or((item, ""));
                    d.assets.push(Row { id: name.trim().to_string(), description: rest.trim().to_string(), trust: Vec::new() });
                }
                _ => in_sensitivity = !t.is_empty() && t != "-",
            }
            continue;
        }
        // Mermaid edges: `A --> B`, `A --label--> B`.
        if let Some(arrow) = t.find("-->").or_else(|| t.find("--")) {
            let (left, right) = (t.get(..arrow).unwrap_or_default(), t.get(arrow..).unwrap_or_default());
            let right = right.rsplit_once('>').map_or("", |(_, r)| r);
            let (a, b) = (node(left.split("--").next().unwrap_or(left), &mut labels), node(right, &mut labels));
            if !a.is_empty() && !b.is_empty() {
                // Names as this diagram labels them (ids are reused across diagrams).
                let name = |id: &String| labels.get(id).cloned().unwrap_or_else(|| id.clone());
                edges.push((name(&a), name(&b)));
            }
            continue;
        }
        if lower.starts_with("graph ") || lower.starts_with("flowchart ") {
            labels.clear();
        }
    }
    for (a, b) in edges {
        d.flows.push(format!("{a} to {b}"));
    }
    // One threat per category, holding the controls that address it.
    let mut by_category: Vec<(Option<Stride>, Vec<String>)> = Vec::new();
    for (c, element) in controls {
        let category = control_category(&c);
        let text = match element {
            Some(e) => format!("{e}: {c}"),
            None => c,
        };
        match by_category.iter_mut().find(|(k, _)| *k == category) {
            Some((_, list)) => list.push(text),
            None => by_category.push((category, vec![text])),
        }
    }
    for (category, mitigations) in by_category {
        let (category, title) = match category {
            Some(c) => (c, format!("Threats the design's {} controls address", c.as_str().replace('-', " "))),
            None => {
                d.warnings
                    .push(format!("{} security controls name no STRIDE category; filed under tampering for review", mitigations.len()));
                (Stride::Tampering, "Controls whose STRIDE category the document does not say (review)".to_string())
            }
        };
        d.threats.push(ThreatDraft { category: Some(category), title, mitigations });
    }
    d
}

/// Whether a binding (`{type: "aws_lb"}` or `{platform: kubernetes}`) matches a resource.
fn binding_matches_any(binding: &str, inventory: &[ResourceSummary]) -> bool {
    if binding.contains("platform: kubernetes") {
        return inventory.iter().any(|r| r.platform == crate::model::Platform::Kubernetes);
    }
    let Some(pattern) = binding.split('"').nth(1) else { return false };
    if binding.starts_with("{address:") {
        return inventory.iter().any(|r| super::model::glob_match(pattern, &r.address));
    }
    inventory.iter().any(|r| super::model::glob_match(pattern, &r.kind))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flattened_rows_split_at_the_case_boundary() {
        let cases = [
            ("CloudflareDomain Name, Firewall, CDN", "Cloudflare"),
            ("AWS ELBLoad Balancer", "AWS ELB"),
            ("AWS DynamoDBMain Database", "AWS DynamoDB"),
            ("AWS OpenSearchSearch Engine", "AWS OpenSearch"),
            ("AWS CloudWatchLogs", "AWS CloudWatch"),
            ("AWS S3Cloud Blob Storage", "AWS S3"),
            ("AWS EC2Physical Machine Instances", "AWS EC2"),
            ("ComputeJob Queues and Schedules Manager", "Compute"),
            ("AWS EKSK8s (Ingress Controller, Deployment Manager)", "AWS EKS"),
        ];
        for (line, id) in cases {
            assert_eq!(split_flat(line).unwrap().0, id, "{line}");
        }
        let known = vec!["Anonymous".to_string(), "Authenticated".to_string()];
        let (d, t) = split_trust("requires an active sessionAnonymous, Authenticated", &known);
        assert_eq!((d.as_str(), t), ("requires an active session", known.clone()));
    }

    #[test]
    fn phrases_match_whole_words() {
        assert!(has_phrase("information is encrypted at rest.", "encrypted at rest"));
        assert!(!has_phrase("an alternative", "nat"));
        assert!(has_phrase("no nat gateway here", "nat gateway"));
    }
}
