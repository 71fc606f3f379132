//! The rule registry: rules live in `rules/<family>/<ID>-<name>/` as a Rego policy (or, for a
//! native rule, a `metadata.yaml` next to Rust code in [`crate::checks`]) plus `fail*`/`pass*`
//! fixtures. The built-in rules are embedded at build time; `--rules DIR` adds more with the
//! same layout and the same validation.

pub mod docs;
pub mod meta;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::parse::{Limits, yaml};
use crate::source::LineIndex;
use meta::RuleMeta;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// How a rule is implemented.
#[derive(Debug, Clone)]
pub enum Implementation {
    /// A Rego policy (source text and its file name, for error messages).
    Rego {
        /// Path of the policy, relative to its rules root.
        file: String,
        /// The policy text.
        source: String,
    },
    /// Rust code in [`crate::checks`], looked up by id.
    Native,
}

/// A fixture file beside a rule.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// File name (`fail.yaml`, `pass.hostpath.yaml`).
    pub name: String,
    /// Contents.
    pub text: String,
}

impl Fixture {
    /// True for `fail*` fixtures.
    pub fn is_fail(&self) -> bool {
        self.name.starts_with("fail")
    }

    /// The findings the fixture declares with `# expect: ID[=severity][, ...]` markers on the
    /// line each finding points at, sorted by line and rule.
    pub fn expectations(&self) -> Vec<Expectation> {
        self.markers("expect:")
    }

    /// The controls the fixture declares undecidable with `# unverifiable: ID` markers (a rule
    /// that cannot tell because a value is unknown), sorted by line and rule.
    pub fn unverifiable(&self) -> Vec<Expectation> {
        self.markers("unverifiable:")
    }

    fn markers(&self, tag: &str) -> Vec<Expectation> {
        let mut out = Vec::new();
        for (i, line) in self.text.lines().enumerate() {
            let Some(pos) = line.find(tag) else { continue };
            let before = line[..pos].trim_end();
            if !(before.ends_with('#') || before.ends_with("//")) {
                continue;
            }
            for item in line[pos + tag.len()..].split(',') {
                // JSON fixtures carry the marker in a string (`"//": "// expect: ID"`).
                let item = item.trim().trim_end_matches(['"', '\'']).trim();
                if item.is_empty() {
                    continue;
                }
                let (rule, severity) = match item.split_once('=') {
                    Some((r, s)) => (r.trim(), meta::Severity::parse(s.trim())),
                    None => (item, None),
                };
                out.push(Expectation { line: i + 1, rule: rule.to_string(), severity });
            }
        }
        out.sort();
        out
    }

    /// The fixture text without `# expect:` markers, for documentation.
    pub fn display_text(&self) -> String {
        let mut out = String::new();
        for line in self.text.lines() {
            let cleaned = match line
                .find("# expect:")
                .or_else(|| line.find("// expect:"))
                .or_else(|| line.find("# unverifiable:"))
                .or_else(|| line.find("// unverifiable:"))
            {
                Some(pos) => line[..pos].trim_end(),
                None => line,
            };
            out.push_str(cleaned);
            out.push('\n');
        }
        out
    }
}

/// One finding a fixture expects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expectation {
    /// 1-based line the finding must point at.
    pub line: usize,
    /// Rule id.
    pub rule: String,
    /// The severity the finding must have, when the marker says (`# expect: K8S-0001=medium`).
    pub severity: Option<meta::Severity>,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary.
    Builtin,
    /// Loaded with `--rules DIR`.
    User(String),
}

/// One rule: metadata, implementation, fixtures.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Metadata.
    pub meta: Arc<RuleMeta>,
    /// Rego or native.
    pub implementation: Implementation,
    /// Folder relative to its rules root (`kubernetes/K8S-0003-privileged-container`).
    pub dir: String,
    /// Fixtures found in the folder.
    pub fixtures: Vec<Fixture>,
    /// Built-in or user-supplied.
    pub origin: Origin,
}

/// A shared Rego module (`rules/lib/*.rego`).
#[derive(Debug, Clone)]
pub struct Library {
    /// Path relative to its rules root.
    pub file: String,
    /// The module text.
    pub source: String,
}

/// All rules of a scan.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Rules sorted by id.
    pub rules: Vec<Rule>,
    /// Shared Rego modules.
    pub libraries: Vec<Library>,
}

/// A problem in a rule folder.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(code(stridegate::rules::invalid), help("see docs/writing-rules.md for the rule folder layout and metadata fields"))]
pub struct RuleError {
    /// The offending file or folder.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The text of a built-in rule file (`iam/IAM-0004-.../policy.rego`, `lib/iam.rego`), for
/// native checks that reuse a Rego rule's data tables.
pub fn embedded_file(matches: impl Fn(&str) -> bool) -> Option<&'static str> {
    embedded::EMBEDDED_RULE_FILES.iter().find(|(p, _)| matches(p)).map(|(_, t)| *t)
}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<Self, Vec<RuleError>> {
        let files = embedded::EMBEDDED_RULE_FILES.iter().map(|(p, t)| ((*p).to_string(), (*t).to_string())).collect();
        Self::from_files(files, &Origin::Builtin)
    }

    /// Reads every rule under `dir` (same layout as the built-in `rules/`).
    pub fn from_dir(dir: &Path) -> Result<Self, Vec<RuleError>> {
        let mut files = Vec::new();
        let walker = ignore::WalkBuilder::new(dir).hidden(true).require_git(false).follow_links(false).sort_by_file_name(Ord::cmp).build();
        for entry in walker {
            let entry = entry.map_err(|e| vec![RuleError { path: dir.display().to_string(), message: e.to_string() }])?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| vec![RuleError { path: entry.path().display().to_string(), message: format!("cannot read: {e}") }])?;
            files.push((rel, text));
        }
        if files.is_empty() {
            return Err(vec![RuleError { path: dir.display().to_string(), message: "no rule files found".to_string() }]);
        }
        Self::from_files(files, &Origin::User(dir.display().to_string()))
    }

    /// Builds a rule set from `(relative path, contents)` pairs.
    pub fn from_files(files: Vec<(String, String)>, origin: &Origin) -> Result<Self, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut folders: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut libraries = Vec::new();
        for (path, text) in files {
            let parts: Vec<&str> = path.split('/').collect();
            if parts.contains(&"lib") {
                if path.ends_with(".rego") && !path.ends_with("_test.rego") {
                    libraries.push(Library { file: path.clone(), source: text });
                }
                continue;
            }
            if parts.len() < 2 {
                if !path.ends_with(".md") {
                    errors.push(RuleError { path, message: "files must live in a rule folder `<family>/<ID>-<name>/`".into() });
                }
                continue;
            }
            let (dir, file) = path.rsplit_once('/').unwrap_or(("", &path));
            folders.entry(dir.to_string()).or_default().push((file.to_string(), text));
        }
        let mut rules = Vec::new();
        for (dir, files) in folders {
            match load_rule(&dir, files, origin) {
                Ok(rule) => rules.push(rule),
                Err(mut e) => errors.append(&mut e),
            }
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let mut seen = HashSet::new();
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for r in &rules {
            if !seen.insert(r.meta.id.clone()) {
                errors.push(RuleError { path: r.dir.clone(), message: format!("rule id {} is used twice", r.meta.id) });
            }
            for a in r.meta.aliases() {
                let key = format!("{}:{}", a.tool, a.id.to_ascii_lowercase());
                match aliases.get(&key) {
                    Some(other) if *other != r.meta.id => errors.push(RuleError {
                        path: r.dir.clone(),
                        message: format!("alias {}:{} is already used by {other}: an alias names one rule", a.tool, a.id),
                    }),
                    _ => {
                        aliases.insert(key, r.meta.id.clone());
                    }
                }
            }
        }
        if errors.is_empty() { Ok(Self { rules, libraries }) } else { Err(errors) }
    }

    /// Adds `other`'s rules; ids must stay unique.
    pub fn extend(&mut self, other: RuleSet) -> Result<(), Vec<RuleError>> {
        let ids: HashSet<String> = self.rules.iter().map(|r| r.meta.id.clone()).collect();
        let clashes: Vec<RuleError> = other
            .rules
            .iter()
            .filter(|r| ids.contains(&r.meta.id))
            .map(|r| RuleError { path: r.dir.clone(), message: format!("rule id {} is already taken by a built-in rule", r.meta.id) })
            .collect();
        if !clashes.is_empty() {
            return Err(clashes);
        }
        self.rules.extend(other.rules);
        self.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        self.libraries.extend(other.libraries);
        Ok(())
    }

    /// Looks a rule up by id or name (case-insensitive id).
    pub fn find(&self, key: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id.eq_ignore_ascii_case(key) || r.meta.name == key)
    }

    /// The rules `key` names: the rule with that id or name, else every rule with that peer
    /// alias (`CKV_AWS_19`, `checkov:CKV_AWS_19`, case-insensitive). Within one rules directory
    /// an alias names one rule; a `--rules` directory may mirror a built-in rule's peer check.
    pub fn lookup(&self, key: &str) -> Vec<&Rule> {
        match self.find(key) {
            Some(r) => vec![r],
            None => self.rules.iter().filter(|r| r.meta.has_alias(key)).collect(),
        }
    }
}

fn load_rule(dir: &str, files: Vec<(String, String)>, origin: &Origin) -> Result<Rule, Vec<RuleError>> {
    let err = |message: String| vec![RuleError { path: dir.to_string(), message }];
    let folder = dir.rsplit('/').next().unwrap_or(dir);
    let mut policy = None;
    let mut metadata_yaml = None;
    let mut fixtures = Vec::new();
    for (name, text) in files {
        match name.as_str() {
            "policy.rego" => policy = Some(text),
            "metadata.yaml" => metadata_yaml = Some(text),
            n if n.starts_with("fail") || n.starts_with("pass") => fixtures.push(Fixture { name, text }),
            n if n.ends_with(".md") || n.ends_with("_test.rego") => {}
            _ => return Err(err(format!("unexpected file `{name}` (expected policy.rego or metadata.yaml, and fail*/pass* fixtures)"))),
        }
    }
    // `fail.yaml`/`pass.yaml` (the documented examples) first, then the others by name.
    fixtures.sort_by(|a, b| (!is_primary(&a.name), &a.name).cmp(&(!is_primary(&b.name), &b.name)));
    let (meta_text, implementation) = match (policy, metadata_yaml) {
        (Some(source), None) => {
            let meta = extract_rego_metadata(&source).ok_or_else(|| err("policy.rego has no `# METADATA` comment block".into()))?;
            (meta, Implementation::Rego { file: format!("{dir}/policy.rego"), source })
        }
        (None, Some(meta)) => (meta, Implementation::Native),
        (Some(_), Some(_)) => return Err(err("a rule has either policy.rego or metadata.yaml, not both".into())),
        (None, None) => return Err(err("no policy.rego or metadata.yaml".into())),
    };
    let (meta_file, first_line) = match &implementation {
        Implementation::Rego { source, .. } => {
            // The YAML starts on the line after `# METADATA`.
            let header = source.lines().position(|l| l.trim() == "# METADATA").unwrap_or(0);
            ("policy.rego", header + 2)
        }
        Implementation::Native => ("metadata.yaml", 1),
    };
    let meta = parse_metadata_located(&meta_text).map_err(|(line, message)| {
        let path = match line {
            Some(l) => format!("{dir}/{meta_file}:{}", first_line + l - 1),
            None => format!("{dir}/{meta_file}"),
        };
        vec![RuleError { path, message }]
    })?;
    let mut problems = meta.validate();
    if folder != format!("{}-{}", meta.id, meta.name) {
        problems.push(format!("folder must be named `{}-{}`", meta.id, meta.name));
    }
    if let Implementation::Rego { source, .. } = &implementation {
        let expected = meta.rego_package();
        if !source.lines().any(|l| l.trim() == format!("package {expected}")) {
            problems.push(format!("policy must declare `package {expected}`"));
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|message| RuleError { path: dir.to_string(), message }).collect());
    }
    Ok(Rule { meta: Arc::new(meta), implementation, dir: dir.to_string(), fixtures, origin: origin.clone() })
}

fn is_primary(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, _)| stem == "fail" || stem == "pass")
}

/// The YAML inside a policy's leading `# METADATA` comment block.
pub fn extract_rego_metadata(source: &str) -> Option<String> {
    let mut lines = source.lines().skip_while(|l| l.trim().is_empty());
    if lines.next()?.trim() != "# METADATA" {
        return None;
    }
    let mut out = String::new();
    for line in lines {
        let Some(rest) = line.strip_prefix('#') else { break };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    Some(out)
}

/// Parses and type-checks rule metadata (unknown fields are errors).
pub fn parse_metadata(text: &str) -> Result<RuleMeta, String> {
    parse_metadata_located(text).map_err(|(line, message)| match line {
        Some(l) => format!("line {l}: {message}"),
        None => message,
    })
}

/// [`parse_metadata`], with the 1-based line of the metadata text an error is about, when the
/// error names a top-level field (`status: beta` → the `status:` line).
fn parse_metadata_located(text: &str) -> Result<RuleMeta, (Option<usize>, String)> {
    let parsed = yaml::parse(text, &LineIndex::new(text), &Limits::default());
    if let Some(e) = parsed.error {
        return Err((None, format!("metadata is not valid YAML: {e}")));
    }
    let doc = parsed.documents.into_iter().next().ok_or((None, "metadata is empty".to_string()))?;
    serde_path_to_error::deserialize(doc.value).map_err(|e| {
        let field = e.path().iter().next().and_then(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            _ => None,
        });
        let line = field.and_then(|key| {
            text.lines().position(|l| l.strip_prefix(key.as_str()).is_some_and(|rest| rest.starts_with(':'))).map(|i| i + 1)
        });
        (line, format!("invalid metadata: {}", e.inner()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_from_markers() {
        let f = Fixture {
            name: "fail.yaml".into(),
            text: "a: 1\nb: 2 # expect: K8S-0001\nc: x # expect: K8S-0002, K8S-0002=high\n# expect nothing here\n".into(),
        };
        let got: Vec<_> = f.expectations().into_iter().map(|e| (e.line, e.rule, e.severity)).collect();
        assert_eq!(
            got,
            vec![(2, "K8S-0001".into(), None), (3, "K8S-0002".into(), None), (3, "K8S-0002".into(), Some(meta::Severity::High))]
        );
        assert_eq!(f.display_text(), "a: 1\nb: 2\nc: x\n# expect nothing here\n");
    }

    #[test]
    fn metadata_block_extraction() {
        let src = "# METADATA\n# id: X-0001\n# name: a\n\npackage p\n";
        assert_eq!(extract_rego_metadata(src).unwrap(), "id: X-0001\nname: a\n");
        assert!(extract_rego_metadata("package p\n").is_none());
    }
}
