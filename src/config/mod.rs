//! `stridegate.toml`: the configuration file (rule selection, severity overrides, excludes,
//! the fail threshold, Helm values, rule settings, configured suppressions and Terraform state
//! ownership).
//!
//! The file is found by walking up from the first scanned path to the git root (a directory
//! holding `.git`) or the filesystem root ([`discover`]); `--config FILE` names one and
//! `--no-config` ignores it. It is deserialized with `deny_unknown_fields`, so an unknown key or
//! a wrong type is a [`ConfigError`] with file, line and column. Every option is described once,
//! in [`options::OPTIONS`], which generates `docs/configuration.md` and the file `stridegate
//! init` writes.

// A configuration error is built once, on the way out of the scan: its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::rules::meta::{RuleMeta, Severity, Stride};

pub mod options;
pub mod settings;

pub use settings::{RuleSettings, StateOwner};

/// File names looked for in each directory, in order.
pub const FILE_NAMES: [&str; 2] = ["stridegate.toml", ".stridegate.toml"];

/// Largest configuration file read.
const MAX_BYTES: u64 = 1024 * 1024;

/// A configuration error, with where it is.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}", self.headline())]
#[diagnostic(code(stridegate::config), help("docs/configuration.md describes every option; `stridegate init` writes a default file"))]
pub struct ConfigError {
    /// The configuration file as given or found.
    pub path: String,
    /// 1-based line (0 when the error is about the whole file).
    pub line: usize,
    /// 1-based column (0 when the error is about the whole file).
    pub column: usize,
    /// What is wrong and what is expected.
    pub message: String,
    #[source_code]
    source_text: miette::NamedSource<String>,
    #[label("here")]
    span: Option<miette::SourceSpan>,
}

impl ConfigError {
    /// `file:line:column: message`, or `file: message` for the whole file.
    fn headline(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.path, self.message)
        } else {
            format!("{}:{}:{}: {}", self.path, self.line, self.column, self.message)
        }
    }

    /// An error at byte range `span` of `text` (or about the whole file when `None`).
    fn at(path: &str, text: &str, span: Option<std::ops::Range<usize>>, message: impl Into<String>) -> Self {
        let (line, column) = span.as_ref().map_or((0, 0), |s| line_column(text, s.start));
        Self {
            path: path.to_string(),
            line,
            column,
            message: message.into(),
            source_text: miette::NamedSource::new(path, text.to_string()),
            span: span.map(|s| miette::SourceSpan::from((s.start, s.end.saturating_sub(s.start)))),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// One string of a list in the file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The text.
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    span: std::ops::Range<usize>,
}

/// A `[[suppress]]` entry, parsed and validated (matching is done by the suppression module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressEntry {
    /// Rule id or name.
    pub rule: String,
    /// Glob of the finding's file, relative to the configuration file's directory.
    pub path: String,
    /// Resource address (`aws_iam_policy.ci`, `Deployment/shop/web`).
    pub resource: Option<String>,
    /// JSON pointer of the finding's attribute (`/Statement/0/Resource`).
    pub pointer: Option<String>,
    /// Why the finding is accepted.
    pub reason: Option<String>,
    /// Last day the suppression applies (YYYY-MM-DD).
    pub until: Option<String>,
    /// Line of the entry in the configuration file.
    pub line: usize,
}

/// Rule selection for the findings in some paths (`[[overrides]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathOverride {
    /// Globs relative to the configuration file's directory.
    pub paths: Vec<Entry>,
    /// Only these rules report in those paths (empty: all).
    pub select: Vec<Entry>,
    /// These rules do not report in those paths.
    pub ignore: Vec<Entry>,
}

/// Values for one chart (`[helm.charts."DIR"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartValues {
    /// Values files, relative to the configuration file's directory.
    pub values: Vec<Entry>,
    /// `--set`-style expressions (`key=value`).
    pub set: Vec<String>,
    /// `--set-string`-style expressions.
    pub set_string: Vec<String>,
}

/// A loaded configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file (as given or found); `None` for the default configuration.
    pub path: Option<PathBuf>,
    /// Directory relative paths in the file are resolved against.
    pub dir: PathBuf,
    /// `fail-on`: `Some(None)` is `none` (report only).
    pub fail_on: Option<Option<Severity>>,
    /// `exclude`: globs, gitignore syntax, like `--exclude`.
    pub exclude: Vec<String>,
    /// `honour-peer-comments`: Checkov's and Trivy's suppression comments suppress the rules
    /// that mirror their checks.
    pub honour_peer_comments: bool,
    /// `[rules] select`.
    pub select: Vec<Entry>,
    /// `[rules] ignore`.
    pub ignore: Vec<Entry>,
    /// `[rules.severity]`: selector → severity.
    pub severity: Vec<(Entry, Severity)>,
    /// `[[overrides]]`.
    pub overrides: Vec<PathOverride>,
    /// `[helm]` for every chart.
    pub helm: ChartValues,
    /// `[helm.charts."DIR"]`, by directory relative to [`Config::dir`].
    pub charts: BTreeMap<String, ChartValues>,
    /// `[settings]` and `[terraform.state]`.
    pub settings: RuleSettings,
    /// `[[suppress]]`.
    pub suppress: Vec<SuppressEntry>,
    text: String,
}

// ---------------------------------------------------------------------------------------------
// The file's shape.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<FailOnValue>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    honour_peer_comments: bool,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    helm: RawHelm,
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppress>>,
    #[serde(default)]
    terraform: RawTerraform,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum FailOnValue {
    None,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRules {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<Severity>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOverride {
    paths: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHelm {
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    set: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    charts: BTreeMap<String, RawChart>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawChart {
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    set: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    data_tier_words: Option<Vec<Spanned<String>>>,
    max_session_duration: Option<Spanned<i64>>,
    tls_ciphers: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSuppress {
    rule: String,
    path: Spanned<String>,
    resource: Option<String>,
    pointer: Option<Spanned<String>>,
    reason: Option<String>,
    until: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTerraform {
    #[serde(default)]
    state: RawState,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawState {
    #[serde(default)]
    owners: Vec<Spanned<RawOwner>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOwner {
    team: String,
    bucket: String,
    prefixes: Vec<Spanned<String>>,
}

// ---------------------------------------------------------------------------------------------
// Finding and loading.

/// Where a configuration comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Walk up from this path (`scan`'s first path).
    Discover(PathBuf),
    /// This file (`--config`).
    File(PathBuf),
    /// None (`--no-config`).
    None,
}

/// The configuration file that applies to `start`: the first `stridegate.toml` or
/// `.stridegate.toml` in `start`'s directory or its parents, stopping after a directory that
/// holds `.git` (the repository root) or at the filesystem root.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Loads the configuration from `source`: the default configuration when there is no file.
pub fn load(source: &Source) -> Result<Config, ConfigError> {
    let path = match source {
        Source::None => return Ok(Config::default()),
        Source::File(p) => p.clone(),
        Source::Discover(start) => match discover(start) {
            Some(p) => p,
            None => return Ok(Config::default()),
        },
    };
    let display = path.display().to_string();
    let whole = |message: String| ConfigError::at(&display, "", None, message);
    let meta = std::fs::metadata(&path).map_err(|e| whole(format!("cannot read the configuration file: {e}")))?;
    if !meta.is_file() {
        return Err(whole("the configuration file is not a regular file".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(whole(format!("the configuration file is larger than {MAX_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| whole(format!("cannot read the configuration file: {e}")))?;
    let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let mut config = parse(&display, &text)?;
    config.path = Some(path);
    config.dir = dir;
    Ok(config)
}

/// Parses configuration text (`display` names it in errors).
pub fn parse(display: &str, text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().replace('\n', "; ").replace("expected i64", "expected an integer");
        ConfigError::at(display, text, e.span(), message)
    })?;
    let err = |span: std::ops::Range<usize>, message: String| ConfigError::at(display, text, Some(span), message);
    let entry = |s: &Spanned<String>| {
        let (line, column) = line_column(text, s.span().start);
        Entry { text: s.get_ref().clone(), line, column, span: s.span() }
    };
    let entries = |list: &[Spanned<String>]| list.iter().map(entry).collect::<Vec<_>>();
    let check_glob = |s: &Spanned<String>| {
        globset::Glob::new(s.get_ref())
            .map(|_| ())
            .map_err(|e| err(s.span(), format!("`{}` is not a valid glob: {}", s.get_ref(), e.kind())))
    };
    let mut config = Config { path: Some(PathBuf::from(display)), dir: PathBuf::from("."), text: text.to_string(), ..Config::default() };
    config.honour_peer_comments = raw.honour_peer_comments;
    config.fail_on = raw.fail_on.map(|f| match f.into_inner() {
        FailOnValue::None => None,
        FailOnValue::Low => Some(Severity::Low),
        FailOnValue::Medium => Some(Severity::Medium),
        FailOnValue::High => Some(Severity::High),
        FailOnValue::Critical => Some(Severity::Critical),
    });
    for e in &raw.exclude {
        check_glob(e)?;
    }
    config.exclude = raw.exclude.iter().map(|e| e.get_ref().clone()).collect();
    config.select = entries(&raw.rules.select);
    config.ignore = entries(&raw.rules.ignore);
    for (key, severity) in &raw.rules.severity {
        let (line, column) = line_column(text, severity.span().start);
        config.severity.push((Entry { text: key.clone(), line, column, span: severity.span() }, *severity.get_ref()));
    }
    for o in &raw.overrides {
        if o.paths.get_ref().is_empty() {
            return Err(err(o.paths.span(), "an [[overrides]] entry needs at least one glob in `paths`".into()));
        }
        for p in o.paths.get_ref() {
            check_glob(p)?;
        }
        config.overrides.push(PathOverride { paths: entries(o.paths.get_ref()), select: entries(&o.select), ignore: entries(&o.ignore) });
    }
    config.helm = chart_values(&raw.helm.values, &raw.helm.set, &entry, &err)?;
    for (dir, chart) in &raw.helm.charts {
        config.charts.insert(dir.clone(), chart_values(&chart.values, &chart.set, &entry, &err)?);
    }
    config.settings = settings::from_raw(&raw.settings, &raw.terraform.state, &err)?;
    for s in &raw.suppress {
        let line = line_column(text, s.span().start).0;
        let r = s.get_ref();
        check_glob(&r.path)?;
        if let Some(p) = &r.pointer
            && !(p.get_ref().is_empty() || p.get_ref().starts_with('/'))
        {
            return Err(err(p.span(), format!("`{}` is not a JSON pointer (it starts with `/`, like /Statement/0/Resource)", p.get_ref())));
        }
        if let Some(u) = &r.until
            && crate::threat::model::parse_date(u.get_ref()).is_none()
        {
            return Err(err(u.span(), format!("`{}` is not a date (YYYY-MM-DD)", u.get_ref())));
        }
        config.suppress.push(SuppressEntry {
            rule: r.rule.clone(),
            path: r.path.get_ref().clone(),
            resource: r.resource.clone(),
            pointer: r.pointer.as_ref().map(|p| p.get_ref().clone()),
            reason: r.reason.clone(),
            until: r.until.as_ref().map(|u| u.get_ref().clone()),
            line,
        });
    }
    Ok(config)
}

fn chart_values(
    values: &[Spanned<String>],
    set: &BTreeMap<String, Spanned<toml::Value>>,
    entry: &impl Fn(&Spanned<String>) -> Entry,
    err: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<ChartValues, ConfigError> {
    let mut out = ChartValues { values: values.iter().map(entry).collect(), ..ChartValues::default() };
    for (key, value) in set {
        // `helm --set` syntax: commas separate expressions, so they are escaped in values.
        let escape = |s: &str| s.replace('\\', "\\\\").replace(',', "\\,");
        match value.get_ref() {
            toml::Value::String(s) => out.set_string.push(format!("{key}={}", escape(s))),
            toml::Value::Integer(i) => out.set.push(format!("{key}={i}")),
            toml::Value::Float(f) => out.set.push(format!("{key}={f}")),
            toml::Value::Boolean(b) => out.set.push(format!("{key}={b}")),
            _ => return Err(err(value.span(), format!("helm value `{key}`: expected a string, number or boolean"))),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Applying a configuration.

/// A rule selector: a rule (by id or name), a family (`K8S`) or a STRIDE category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// One rule, by id.
    Rule(String),
    /// Every rule whose id starts with `FAMILY-`.
    Family(String),
    /// Every rule mapped to this category.
    Stride(Stride),
}

impl Selector {
    /// Reads `text` against the rules of `set`: `None` when it names nothing.
    pub fn parse(text: &str, set: &RuleSet) -> Option<Self> {
        if let Some(rule) = set.find(text) {
            return Some(Selector::Rule(rule.meta.id.clone()));
        }
        let lower = text.to_ascii_lowercase();
        if let Some(s) = Stride::ALL.iter().find(|s| s.as_str() == lower) {
            return Some(Selector::Stride(*s));
        }
        let family = text.to_ascii_uppercase();
        if !family.is_empty() && set.rules.iter().any(|r| family_of(&r.meta.id) == family) {
            return Some(Selector::Family(family));
        }
        None
    }

    /// True when the selector covers `meta`.
    pub fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::Rule(id) => meta.id.eq_ignore_ascii_case(id),
            Selector::Family(f) => family_of(&meta.id).eq_ignore_ascii_case(f),
            Selector::Stride(s) => meta.stride.contains(s),
        }
    }

    /// How specific the selector is (a rule beats a family, which beats a category).
    fn rank(&self) -> u8 {
        match self {
            Selector::Rule(_) => 2,
            Selector::Family(_) => 1,
            Selector::Stride(_) => 0,
        }
    }
}

fn family_of(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// What a scan uses of a configuration once its selectors are checked against the rules.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Rules to run (empty: all).
    pub select: Vec<Selector>,
    /// Rules not to run.
    pub ignore: Vec<Selector>,
    /// Severity overrides, most specific first.
    pub severity: Vec<(Selector, Severity)>,
    /// Per-path selection: globs (relative to the configuration's directory), select, ignore.
    pub overrides: Vec<(globset::GlobSet, Vec<Selector>, Vec<Selector>)>,
    /// The configuration's directory, canonical (for per-path matching).
    pub dir: Option<PathBuf>,
}

impl Config {
    /// The source text the configuration was read from.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn error_at(&self, e: &Entry, message: String) -> ConfigError {
        let display = self.path.as_ref().map_or_else(|| "<command line>".to_string(), |p| p.display().to_string());
        ConfigError::at(&display, &self.text, Some(e.span.clone()), message)
    }

    /// Checks every selector against `set` and combines them with the command line's
    /// (`--select`, `--skip`, which extend the file's lists).
    pub fn resolve(&self, set: &RuleSet, cli_select: &[String], cli_ignore: &[String]) -> Result<Resolved, String> {
        let unknown = |what: &str, text: &str| {
            format!(
                "unknown rule `{text}` in {what}: expected a rule id, rule name, rule family (K8S, TF, IAM...) or STRIDE category (spoofing, tampering...); `stridegate rules` lists them"
            )
        };
        let from_file = |list: &[Entry], what: &str| -> Result<Vec<Selector>, String> {
            list.iter()
                .map(|e| {
                    Selector::parse(&e.text, set)
                        .ok_or_else(|| format!("{:?}", miette::Report::new(self.error_at(e, unknown(what, &e.text)))))
                })
                .collect()
        };
        let from_cli = |list: &[String], what: &str| -> Result<Vec<Selector>, String> {
            list.iter().map(|t| Selector::parse(t, set).ok_or_else(|| format!("error: {}", unknown(what, t)))).collect()
        };
        let mut resolved = Resolved {
            select: from_file(&self.select, "[rules] select")?,
            ignore: from_file(&self.ignore, "[rules] ignore")?,
            ..Resolved::default()
        };
        resolved.select.extend(from_cli(cli_select, "--select")?);
        resolved.ignore.extend(from_cli(cli_ignore, "--skip")?);
        for (e, severity) in &self.severity {
            let selector = Selector::parse(&e.text, set)
                .ok_or_else(|| format!("{:?}", miette::Report::new(self.error_at(e, unknown("[rules.severity]", &e.text)))))?;
            resolved.severity.push((selector, *severity));
        }
        resolved.severity.sort_by_key(|(s, _)| std::cmp::Reverse(s.rank()));
        for o in &self.overrides {
            let mut globs = globset::GlobSetBuilder::new();
            for p in &o.paths {
                let glob = globset::GlobBuilder::new(&p.text).literal_separator(true).build().map_err(|e| e.to_string())?;
                globs.add(glob);
            }
            let globs = globs.build().map_err(|e| e.to_string())?;
            resolved.overrides.push((globs, from_file(&o.select, "[[overrides]] select")?, from_file(&o.ignore, "[[overrides]] ignore")?));
        }
        for s in &self.suppress {
            if set.find(&s.rule).is_none() {
                let start: usize = self.text.split_inclusive('\n').take(s.line.saturating_sub(1)).map(str::len).sum();
                let end = self.text.get(start..).and_then(|t| t.find('\n')).map_or(self.text.len(), |n| start + n);
                let e = Entry { text: s.rule.clone(), line: s.line, column: 1, span: start..end };
                return Err(format!(
                    "{:?}",
                    miette::Report::new(
                        self.error_at(&e, format!("unknown rule `{}` in [[suppress]]; `stridegate rules` lists them", s.rule))
                    )
                ));
            }
        }
        resolved.dir = std::fs::canonicalize(&self.dir).ok();
        Ok(resolved)
    }

    /// `exclude` as patterns relative to `base`, the directory scanned paths are shown relative
    /// to (the file's patterns are relative to the file's directory). Patterns without a `/`
    /// before their end match at any depth and are kept; anchored patterns under `base` are
    /// re-anchored at it; anchored patterns elsewhere cannot match and are dropped, and one that
    /// covers `base` itself excludes everything.
    pub fn exclude_relative_to(&self, base: &Path) -> Vec<String> {
        let (Ok(dir), Ok(base)) = (std::fs::canonicalize(&self.dir), std::fs::canonicalize(base)) else { return self.exclude.clone() };
        let Ok(rel) = base.strip_prefix(&dir) else { return self.exclude.clone() };
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if rel.is_empty() {
            return self.exclude.clone();
        }
        let mut out = Vec::new();
        for pattern in &self.exclude {
            let (negated, p) = match pattern.strip_prefix('!') {
                Some(p) => ("!", p),
                None => ("", pattern.as_str()),
            };
            let anchored = p.trim_end_matches('/').contains('/');
            if !anchored || p.starts_with("**/") {
                out.push(pattern.clone());
                continue;
            }
            let parts: Vec<&str> = p.trim_start_matches('/').split('/').collect();
            let mut i = 0;
            while let (Some(part), Some(r)) = (parts.get(i), rel.get(i)) {
                if part.contains(['*', '?', '[']) {
                    // A wildcard before `base`: kept as written (best effort).
                    out.push(pattern.clone());
                    break;
                }
                if part != r {
                    break; // under another directory: cannot match under `base`
                }
                i += 1;
            }
            if out.last() == Some(pattern) {
                continue;
            }
            if i == rel.len() {
                let rest = parts.get(i..).unwrap_or_default().join("/");
                out.push(if rest.is_empty() { format!("{negated}*") } else { format!("{negated}/{rest}") });
            } else if parts.get(i).is_none_or(|p| p.is_empty()) {
                out.push(format!("{negated}*")); // an ancestor of `base`
            }
        }
        out
    }

    /// The `[[suppress]]` entries as suppressions matched against paths relative to `base` (the
    /// directory findings are shown relative to). An entry under another directory than `base`
    /// cannot match and is left out; a pattern with a wildcard before `base` is kept as written.
    pub fn suppressions_relative_to(&self, base: &Path) -> Vec<crate::suppress::External> {
        let rel: Vec<String> = match (std::fs::canonicalize(&self.dir), std::fs::canonicalize(base)) {
            (Ok(dir), Ok(base)) => match base.strip_prefix(&dir) {
                Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
                Err(_) => Vec::new(),
            },
            _ => Vec::new(),
        };
        let origin = self.path.as_ref().map_or_else(|| "stridegate.toml".to_string(), |p| p.display().to_string());
        let mut out = Vec::new();
        for e in &self.suppress {
            let pattern = e.path.trim_start_matches("./").trim_start_matches('/');
            let path = if rel.is_empty() || pattern.starts_with("**/") {
                Some(pattern.to_string())
            } else {
                let parts: Vec<&str> = pattern.split('/').collect();
                let mut i = 0;
                let mut kept = None;
                while let (Some(part), Some(r)) = (parts.get(i), rel.get(i)) {
                    if part.contains(['*', '?', '[']) {
                        kept = Some(pattern.to_string());
                        break;
                    }
                    if part != r {
                        break;
                    }
                    i += 1;
                }
                kept.or_else(|| (i == rel.len()).then(|| parts.get(i..).unwrap_or_default().join("/")))
            };
            if let Some(path) = path.filter(|p| !p.is_empty()) {
                out.push(crate::suppress::External {
                    rule: e.rule.clone(),
                    path,
                    resource: e.resource.clone(),
                    pointer: e.pointer.clone(),
                    reason: e.reason.clone(),
                    until: e.until.clone(),
                    origin: format!("{origin}:{}", e.line),
                });
            }
        }
        out
    }

    /// The Helm options the configuration adds to `helm` (the command line's, applied after the
    /// file's: later values win). Values files must stay inside the scan root (the deepest
    /// directory holding every one of `targets`).
    pub fn apply_helm(&self, helm: &mut crate::helm::HelmOptions, targets: &[PathBuf]) -> Result<(), ConfigError> {
        let root = || -> PathBuf {
            crate::discover::common_base(targets).unwrap_or_else(|_| targets.first().cloned().unwrap_or_else(|| PathBuf::from(".")))
        };
        let resolve = |e: &Entry| -> Result<PathBuf, ConfigError> {
            let root = root();
            let joined = self.dir.join(&e.text);
            let canonical = std::fs::canonicalize(&joined)
                .map_err(|err| self.error_at(e, format!("helm values file `{}`: {err}", joined.display())))?;
            if !canonical.starts_with(&root) {
                return Err(self.error_at(e, format!("helm values file `{}` is outside the scanned directory {}", e.text, root.display())));
            }
            Ok(canonical)
        };
        let mut files = Vec::new();
        for e in &self.helm.values {
            files.push(resolve(e)?);
        }
        files.append(&mut helm.values_files);
        helm.values_files = files;
        let mut set = self.helm.set.clone();
        set.append(&mut helm.set);
        helm.set = set;
        let mut set_string = self.helm.set_string.clone();
        set_string.append(&mut helm.set_string);
        helm.set_string = set_string;
        for (dir, chart) in &self.charts {
            let key = std::fs::canonicalize(self.dir.join(dir)).unwrap_or_else(|_| self.dir.join(dir));
            let mut per =
                crate::helm::ChartOverrides { set: chart.set.clone(), set_string: chart.set_string.clone(), ..Default::default() };
            for e in &chart.values {
                per.values_files.push(resolve(e)?);
            }
            helm.charts.insert(key, per);
        }
        Ok(())
    }
}

impl Resolved {
    /// True when the rule runs at all.
    pub fn runs(&self, meta: &RuleMeta) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s.matches(meta))) && !self.ignore.iter().any(|s| s.matches(meta))
    }

    /// Applies per-path selection and severity overrides to a scan's findings (and to its
    /// unverifiable controls). `base` is the directory findings' paths are relative to.
    pub fn apply(&self, report: &mut crate::scan::ScanReport, base: &Path) {
        let metas: BTreeMap<&str, &RuleMeta> = report.rules.iter().map(|m| (m.id.as_str(), m.as_ref())).collect();
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let keep = |f: &Finding| -> bool {
            let Some(meta) = metas.get(f.rule_id.as_ref()) else { return true };
            if self.overrides.is_empty() {
                return true;
            }
            let Some(rel) =
                self.dir.as_ref().and_then(|d| base.join(f.location.file.as_ref() as &str).strip_prefix(d).ok().map(Path::to_path_buf))
            else {
                return true;
            };
            self.overrides.iter().filter(|(globs, _, _)| globs.is_match(&rel)).all(|(_, select, ignore)| {
                (select.is_empty() || select.iter().any(|s| s.matches(meta))) && !ignore.iter().any(|s| s.matches(meta))
            })
        };
        let retarget = |f: &mut Finding| {
            if let Some(meta) = metas.get(f.rule_id.as_ref())
                && let Some(severity) = self.severity_of(meta)
            {
                f.severity = severity;
            }
        };
        report.findings.retain(keep);
        report.unverifiable.retain(keep);
        report.findings.iter_mut().for_each(retarget);
        report.unverifiable.iter_mut().for_each(retarget);
        // The rules' own severity too: SARIF consumers (GitHub) read the rule descriptor's.
        report.rules = report
            .rules
            .iter()
            .map(|m| match self.severity_of(m) {
                Some(severity) if severity != m.severity => std::sync::Arc::new(RuleMeta { severity, ..m.as_ref().clone() }),
                _ => m.clone(),
            })
            .collect();
    }

    /// The overridden severity of a rule (`[rules.severity]`), the most specific entry first.
    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
        self.severity.iter().find(|(s, _)| s.matches(meta)).map(|(_, severity)| *severity)
    }
}

#[cfg(test)]
mod tests;
