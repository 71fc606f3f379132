//! Rule documentation, generated from metadata and fixtures only (so every documented example
//! is a tested example): `stridegate rules`, `stridegate explain`, `docs/rules/*.md`.

use std::fmt::Write as _;

use super::{Implementation, Rule, RuleSet};

/// `stridegate rules`: one line per rule.
pub fn table(set: &RuleSet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<10} {:<9} {:<48} TITLE", "ID", "SEVERITY", "STRIDE");
    for r in &set.rules {
        let m = &r.meta;
        let stride = m.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
        let _ = writeln!(out, "{:<10} {:<9} {:<48} {}", m.id, m.severity.to_string(), stride, m.title);
    }
    let _ = writeln!(out, "\n{} rules; `stridegate explain <ID>` shows one in full", set.rules.len());
    crate::report::escape::terminal_safe_text(&out).into_owned()
}

/// `stridegate rules --format json`: the metadata of every rule.
pub fn json(set: &RuleSet) -> String {
    /// A rule's metadata plus its aliases, parsed from `mirrors`.
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        #[serde(flatten)]
        meta: &'a super::meta::RuleMeta,
        aliases: Vec<super::meta::Alias<'a>>,
    }
    let entries: Vec<_> = set.rules.iter().map(|r| Entry { meta: r.meta.as_ref(), aliases: r.meta.aliases() }).collect();
    let mut s = serde_json::to_string_pretty(&entries).unwrap_or_default();
    s.push('\n');
    s
}

/// A Markdown table of all rules (for the README and docs).
pub fn markdown_index(set: &RuleSet) -> String {
    let mut out = String::from("| ID | Name | Severity | STRIDE | Title |\n| --- | --- | --- | --- | --- |\n");
    for r in &set.rules {
        let m = &r.meta;
        let stride = m.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let status = match m.status {
            super::meta::Status::Stable => String::new(),
            other => format!(" ({other})"),
        };
        let _ = writeln!(out, "| [{}](docs/rules/{}.md) | `{}` | {} | {} | {}{status} |", m.id, m.id, m.name, m.severity, stride, m.title);
    }
    out
}

/// The README's rule summary: per family, the id range, the count and the preview and
/// deprecated rules (between `<!-- rules:start -->` and `<!-- rules:end -->`).
pub fn readme_summary(set: &RuleSet) -> String {
    let mut families: std::collections::BTreeMap<&str, Vec<&Rule>> = std::collections::BTreeMap::new();
    for r in &set.rules {
        let family = r.meta.id.split_once('-').map_or(r.meta.id.as_str(), |(f, _)| f);
        families.entry(family).or_default().push(r);
    }
    let mut out = String::from("| Family | Rules | Ids | Preview | Deprecated |\n| --- | --- | --- | --- | --- |\n");
    for (family, rules) in &families {
        let first = rules.first().map_or("", |r| r.meta.id.as_str());
        let last = rules.last().map_or("", |r| r.meta.id.as_str());
        let with = |status: super::meta::Status| {
            let ids: Vec<&str> = rules.iter().filter(|r| r.meta.status == status).map(|r| r.meta.id.as_str()).collect();
            if ids.is_empty() { "—".to_string() } else { ids.join(", ") }
        };
        let _ = writeln!(
            out,
            "| {family} | {} | {first}..{} | {} | {} |",
            rules.len(),
            last.rsplit_once('-').map_or(last, |(_, n)| n),
            with(super::meta::Status::Preview),
            with(super::meta::Status::Deprecated)
        );
    }
    let _ = writeln!(out, "\n{} rules in all; [docs/rules/](docs/rules/README.md) documents each one.", set.rules.len());
    out
}

fn fence_lang(name: &str) -> &'static str {
    if name.ends_with(".json") {
        "json"
    } else if name.ends_with(".tf") {
        "hcl"
    } else {
        "yaml"
    }
}

/// `stridegate explain <ID>`: the rule's full documentation in Markdown.
pub fn explain(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# {} {}\n", m.id, m.name);
    let _ = writeln!(out, "**{}**\n", m.title);
    let stride = m.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let implementation = match rule.implementation {
        Implementation::Rego { .. } => "Rego",
        Implementation::Native => "native (Rust)",
    };
    let _ = writeln!(
        out,
        "Severity: {} · STRIDE: {} · Applies to: {} {} · Scope: {:?} · Implementation: {} · Status: {} · Since: {}\n",
        m.severity,
        stride,
        m.applies_to.platform,
        match &m.applies_to.policy_types {
            Some(types) => format!("{} ({} policies)", m.applies_to.kinds.join(", "), types.join(", ")),
            None => m.applies_to.kinds.join(", "),
        },
        m.scope,
        implementation,
        m.status,
        m.since
    );
    match m.status {
        super::meta::Status::Preview => {
            let _ = writeln!(out, "> This rule is in preview: its findings and options may still change.\n");
        }
        super::meta::Status::Deprecated => {
            let _ = writeln!(out, "> This rule is deprecated: it will be removed in a future version.\n");
        }
        super::meta::Status::Stable => {}
    }
    let _ = writeln!(out, "## What it does\n\n{}\n", m.what.trim());
    let _ = writeln!(out, "## Why is this bad?\n\n{}\n", m.why.trim());
    let _ = writeln!(out, "## How to fix it\n\n{}\n", m.fix.trim());
    if let Some(c) = &m.control {
        let _ = writeln!(out, "## Control\n\n{c}\n");
    }
    if let Some(fail) = rule.fixtures.iter().find(|f| f.is_fail()) {
        let _ = writeln!(out, "## Example (fails)\n\n```{}\n{}```\n", fence_lang(&fail.name), fail.display_text());
    }
    if let Some(pass) = rule.fixtures.iter().find(|f| !f.is_fail()) {
        let _ = writeln!(out, "## Use instead (passes)\n\n```{}\n{}```\n", fence_lang(&pass.name), pass.display_text());
    }
    if !m.mirrors.is_empty() {
        let _ = writeln!(
            out,
            "## Equivalent checks in other tools\n\n{}\n\n`stridegate explain <ID>` also finds this rule by these ids.\n",
            m.mirrors.iter().map(|s| format!("- {s}")).collect::<Vec<_>>().join("\n")
        );
    }
    let _ = writeln!(out, "## References\n\n{}", m.references.iter().map(|s| format!("- <{s}>")).collect::<Vec<_>>().join("\n"));
    // Rules given with --rules come from outside: their text is shown, never interpreted.
    crate::report::escape::terminal_safe_text(&out).into_owned()
}

/// `stridegate explain <ALIAS>` when several rules mirror that peer check: one line each.
pub fn alias_matches(key: &str, rules: &[&Rule]) -> String {
    let mut out = format!("{} rules mirror `{key}`; `stridegate explain <ID>` shows one:\n\n", rules.len());
    for r in rules {
        let _ = writeln!(out, "{:<10} {:<9} {}", r.meta.id, r.meta.severity.to_string(), r.meta.title);
    }
    crate::report::escape::terminal_safe_text(&out).into_owned()
}
