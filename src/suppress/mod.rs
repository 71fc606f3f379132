//! Governed suppressions: inline comments, Kubernetes annotations and external entries (from
//! the configuration), each with a required justification and an optional expiry.
//!
//! - **Comments** (`# stridegate:ignore K8S-0001,K8S-0002 reason="..." until=2027-03-01`; also
//!   `//`, one-line `/* */` and Helm `{{/* */}}`). Rules are given by id or name; there is no
//!   `all`: a reviewer sees every rule a suppression accepts, and a new rule is never silenced
//!   by an old comment. A trailing comment applies to its own line; a comment alone on its line
//!   applies to the next line that is not a comment or `---` (blank lines stop it). A directive
//!   applies to a finding when that line is the finding's line or the first line of the
//!   finding's resource (the HCL block, the YAML document's object, the rendered object's
//!   template line) or one of the blocks that produced the resource (a Terraform `module`
//!   call, a `helm_release`, a kustomization: [`Finding::call_sites`]), so a comment above a
//!   block or document covers everything in it.
//! - **Annotations** (`metadata.annotations["stridegate.dev/ignore"]` on a Kubernetes object,
//!   or on a workload's pod template): entries separated by `;` or newlines, each
//!   `RULES reason="..." until=...`. They apply to findings on that object.
//! - **External** entries ([`External`]): rule + path glob (+ resource address, + JSON pointer),
//!   for files without comments (JSON policies, plan JSON).
//!
//! A suppression without a reason does not suppress unless [`SuppressOptions::require_reason`]
//! is off; it is reported. An `until` date in the past (the day itself still counts) makes the
//! finding active again with a note in its message. Suppressed findings move to
//! [`ScanReport::suppressed`](crate::scan::ScanReport::suppressed), each with its
//! [`Suppression`]; every suppression's status is in
//! [`ScanReport::suppressions`](crate::scan::ScanReport::suppressions).
//!
//! - **Peer comments** (opt-in, [`SuppressOptions::peer`]): Checkov's `checkov:skip=ID:reason`
//!   and Trivy's (tfsec's) `trivy:ignore:ID`, for a team migrating from those tools. The peer id
//!   maps onto the rules that list it in `mirrors`. A Checkov comment applies to the resource
//!   block or document it is written in (as in Checkov), or else like a stridegate comment; its
//!   reason is the text after the id's `:`. A Trivy comment applies like a stridegate comment
//!   and carries no reason: it is accepted without one, and its record says so. Checkov's
//!   Kubernetes annotations (`checkov.io/skip1: CKV_K8S_16=reason`) apply like ours. Without the
//!   opt-in, peer comments are not listed at all (they are the peer tool's business).

pub mod parse;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::finding::Finding;
use crate::model::{AttributePath, PathSegment, Platform, Resource, SourceFile, SpanChildren, SpanNode};

/// The annotation key for suppressions on a Kubernetes object.
pub const ANNOTATION: &str = "stridegate.dev/ignore";

/// The environment variable that sets "today" (`YYYY-MM-DD`) for expiry checks, so tests and
/// reproducible runs do not depend on the clock.
pub const TODAY_ENV: &str = "STRIDEGATE_TODAY";

/// How suppressions are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressOptions {
    /// Apply suppressions (`--no-suppressions` turns this off: every finding is active).
    pub enabled: bool,
    /// A suppression without `reason` does not suppress (and is reported).
    pub require_reason: bool,
    /// Today, in days since 1970-01-01: an `until` before it has expired.
    pub today: i64,
    /// Every rule id and name that exists (selected or not), lowercase ([`rule_names`]), to
    /// tell an unknown rule from one that did not run; `None`: the rules that ran.
    pub known_rules: Option<Arc<HashSet<String>>>,
    /// Honour peer tools' comments (`checkov:skip=`, `trivy:ignore:`) through these aliases
    /// (configuration `honour-peer-comments`); `None`: peer comments are ignored.
    pub peer: Option<Arc<PeerAliases>>,
}

/// Peer check ids (from rules' `mirrors`) to the rules that mirror them, for peer comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerAliases(BTreeMap<String, Vec<String>>);

impl PeerAliases {
    /// The aliases of `rules`.
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a crate::rules::meta::RuleMeta>) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in rules {
            for a in m.aliases() {
                let ids = map.entry(Self::key(a.tool, a.id)).or_default();
                if !ids.contains(&m.id) {
                    ids.push(m.id.clone());
                }
            }
        }
        Self(map)
    }

    /// The ids of the rules mirroring `tool`'s check `id` (empty when none does). Checkov ids
    /// compare in any case; Trivy and tfsec share one namespace where `AVD-KSV-0017`,
    /// `KSV-0017`, `ksv017` and `KSV17` are the same check.
    pub fn rules_for(&self, tool: &str, id: &str) -> &[String] {
        self.0.get(&Self::key(tool, id)).map_or(&[], Vec::as_slice)
    }

    fn key(tool: &str, id: &str) -> String {
        let id = id.trim().to_ascii_uppercase();
        match tool {
            "trivy" | "tfsec" => {
                let id = id.strip_prefix("AVD-").unwrap_or(&id).replace('-', "");
                // Drop the zeros that pad the trailing number (`KSV0017` → `KSV17`).
                let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
                let (name, number) = id.split_at(id.len() - digits);
                let number = number.trim_start_matches('0');
                format!("trivy:{name}{}", if number.is_empty() && digits > 0 { "0" } else { number })
            }
            other => format!("{other}:{id}"),
        }
    }
}

impl Default for SuppressOptions {
    fn default() -> Self {
        Self { enabled: true, require_reason: true, today: today(), known_rules: None, peer: None }
    }
}

/// Today in days since 1970-01-01: [`TODAY_ENV`] when set to a date, else the system clock.
pub fn today() -> i64 {
    std::env::var(TODAY_ENV).ok().and_then(|s| crate::threat::model::parse_date(&s)).unwrap_or_else(crate::threat::model::today)
}

/// A suppression from the configuration file (`[[suppress]]`), for files without comments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct External {
    /// Rule id or name.
    pub rule: String,
    /// Glob of the finding's file, relative to the scan root (`*` stays within a directory,
    /// `**` crosses directories).
    pub path: String,
    /// The resource address (`aws_iam_policy.admin`, `Deployment/prod/web`; `*` and `?` are
    /// wildcards), when only one resource is meant.
    pub resource: Option<String>,
    /// A JSON pointer (`/Statement/0/Action`) the finding's attribute path must equal or lie
    /// under.
    pub pointer: Option<String>,
    /// Justification.
    pub reason: Option<String>,
    /// Expiry, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// Where it was written (`stridegate.toml:12`).
    pub origin: String,
}

/// Where a suppression comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A comment in the scanned file.
    Comment,
    /// A Kubernetes annotation.
    Annotation,
    /// The configuration file.
    External,
}

impl SuppressionKind {
    /// The SARIF `suppression.kind`: `inSource` or `external`.
    pub fn sarif_kind(self) -> &'static str {
        match self {
            SuppressionKind::Comment | SuppressionKind::Annotation => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// Why a finding is suppressed (on a suppressed finding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Comment, annotation or configuration.
    pub kind: SuppressionKind,
    /// The reason given (empty only when reasons are not required and none was given).
    pub justification: String,
    /// Expiry as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Where the suppression is written (`k8s/web.yaml:12`, `stridegate.toml:3`).
    pub origin: String,
}

/// The state of one suppression after the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It suppresses at least one finding.
    Used,
    /// Its rules ran and it matches no finding: remove it.
    Unused,
    /// None of its rules ran in this scan (`--select`/`--skip`): nothing to say.
    NotRun,
    /// Its `until` is past: the findings it matches are active again.
    Expired,
    /// No reason given while reasons are required: it suppresses nothing.
    MissingReason,
    /// It names a rule that does not exist (it still applies to the others it names).
    UnknownRule,
    /// Malformed: it suppresses nothing.
    Invalid,
}

impl Status {
    /// True for states a maintainer must act on (the `suppressions` command fails on them).
    pub fn is_problem(self) -> bool {
        !matches!(self, Status::Used | Status::NotRun)
    }

    /// Lowercase name as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Used => "used",
            Status::Unused => "unused",
            Status::NotRun => "rules not run",
            Status::Expired => "expired",
            Status::MissingReason => "missing reason",
            Status::UnknownRule => "unknown rule",
            Status::Invalid => "invalid",
        }
    }
}

/// One suppression as written, with what the scan made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionRecord {
    /// Comment, annotation or configuration.
    pub kind: SuppressionKind,
    /// Where (`file:line`).
    pub origin: String,
    /// File, for comments and annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
    /// Line, for comments and annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Rules as written.
    pub rules: Vec<String>,
    /// Reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Expiry as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// State.
    pub status: Status,
    /// Findings it suppressed (or, expired, would have).
    pub matched: usize,
    /// Details of a problem (the parse error, the unknown rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a suppression applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Target {
    /// Findings on this line of this file, or in a resource starting there.
    Line { file: Arc<str>, line: usize },
    /// Findings on these lines of this file (`first..=last`), or in a resource starting there:
    /// a Checkov comment's enclosing block or document.
    Lines { file: Arc<str>, first: usize, last: usize },
    /// Findings on this resource (its file, its address).
    Resource { file: Arc<str>, address: String },
    /// Matches nothing (a comment with no line after it).
    Nothing,
    /// An external entry (index into the externals).
    External(usize),
}

/// A suppression found in a scanned file (comment or annotation), collected while the file is
/// in memory and matched once the scan's findings are known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Found {
    // Crate-visible for the incremental cache (src/cache/codec.rs), which stores and restores them.
    pub(crate) kind: SuppressionKind,
    pub(crate) file: Arc<str>,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) target: Target,
    pub(crate) parsed: Result<parse::Parsed, String>,
}

/// The suppressions written in `resources`: comments in the files their spans point into
/// (a rendered Helm object's template, not its rendered text), and annotations.
pub fn collect(resources: &[Resource]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut seen: HashSet<*const SourceFile> = HashSet::new();
    for r in resources {
        let mut files = Vec::new();
        if r.spans.origin.is_none() {
            files.push(r.file.clone());
        }
        origin_files(&r.spans, &mut files);
        for file in files {
            if seen.insert(Arc::as_ptr(&file)) {
                let peer = parse::peer_comments(&file.text);
                if !peer.is_empty() {
                    peer_found(&file.path, peer, resources, &mut out);
                }
                for d in parse::comments(&file.text) {
                    let target = d.target.map_or(Target::Nothing, |line| Target::Line { file: file.path.clone(), line });
                    out.push(Found {
                        kind: SuppressionKind::Comment,
                        file: file.path.clone(),
                        line: d.line,
                        column: d.column,
                        target,
                        parsed: d.parsed,
                    });
                }
            }
        }
        if r.platform == Platform::Kubernetes {
            annotations(r, &mut out);
        }
    }
    out
}

/// Peer comments as suppressions: a Checkov comment inside a resource's block or document
/// applies to all of it (the innermost such resource of the unit); otherwise, and for Trivy,
/// like a stridegate comment.
fn peer_found(file: &Arc<str>, directives: Vec<parse::CommentDirective>, resources: &[Resource], out: &mut Vec<Found>) {
    // The first and last lines of every resource written in this file (its whole block or
    // document, where `Resource::locate` gives the first line only).
    let roots: Vec<(usize, usize)> = resources
        .iter()
        .filter_map(|r| {
            let source = r.spans.origin.as_ref().map_or(&r.file, |o| &o.file);
            let span = r.spans.span;
            (source.path == *file).then(|| {
                let first = source.lines.position(&source.text, span.start).line;
                let last = source.lines.position(&source.text, span.end.saturating_sub(1).max(span.start)).line;
                (first, last.max(first))
            })
        })
        .collect();
    for d in directives {
        let checkov = d.parsed.as_ref().is_ok_and(|p| p.rules.iter().any(|r| parse::peer_tool(r) == Some("checkov")));
        let enclosing = roots
            .iter()
            .filter(|(first, last)| checkov && *first <= d.line && d.line <= *last)
            .min_by_key(|(first, last)| (last - first, std::cmp::Reverse(*first)));
        let target = match (enclosing, d.target) {
            (Some(&(first, last)), _) => Target::Lines { file: file.clone(), first, last },
            (None, Some(line)) => Target::Line { file: file.clone(), line },
            (None, None) => Target::Nothing,
        };
        out.push(Found { kind: SuppressionKind::Comment, file: file.clone(), line: d.line, column: d.column, target, parsed: d.parsed });
    }
}

fn origin_files(node: &SpanNode, out: &mut Vec<Arc<SourceFile>>) {
    if let Some(o) = &node.origin
        && !out.iter().any(|f| Arc::ptr_eq(f, &o.file))
    {
        out.push(o.file.clone());
    }
    match &node.children {
        SpanChildren::Leaf => {}
        SpanChildren::Seq(items) => items.iter().for_each(|n| origin_files(n, out)),
        SpanChildren::Map(entries) => entries.iter().for_each(|(_, n)| origin_files(n, out)),
    }
}

fn annotations(r: &Resource, out: &mut Vec<Found>) {
    let mut metas = vec![AttributePath::root().key("metadata")];
    if let Some(p) = crate::kubernetes::pod_metadata_path_of(&r.kind, &r.value) {
        metas.push(p);
    }
    let (root, _) = r.locate(&AttributePath::root());
    for meta in metas {
        checkov_annotations(r, &meta, &root, out);
        let path = meta.key("annotations").key(ANNOTATION);
        let Some(serde_json::Value::String(text)) = r.get(&path) else { continue };
        let (at, _) = r.locate(&path);
        for parsed in parse::annotation_entries(text) {
            out.push(Found {
                kind: SuppressionKind::Annotation,
                file: at.file.clone(),
                line: at.start.line,
                column: at.start.column,
                target: Target::Resource { file: root.file.clone(), address: r.address.clone() },
                parsed,
            });
        }
    }
}

/// Checkov's Kubernetes annotations (`checkov.io/skip1: CKV_K8S_20=reason`), as peer
/// directives on the object (see [`parse::peer_comments`] for comments).
fn checkov_annotations(r: &Resource, meta: &AttributePath, root: &crate::model::Location, out: &mut Vec<Found>) {
    let annotations = meta.key("annotations");
    let Some(serde_json::Value::Object(map)) = r.get(&annotations) else { return };
    for (key, value) in map.iter().filter(|(k, _)| k.starts_with("checkov.io/skip")) {
        let (at, _) = r.locate(&annotations.key(key));
        let parsed = match value.as_str().map(|v| v.split_once('=').unwrap_or((v, ""))) {
            Some((id, reason)) if !id.trim().is_empty() && id.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let reason = reason.trim();
                Ok(parse::Parsed {
                    rules: vec![format!("checkov:{}", id.trim())],
                    reason: (!reason.is_empty()).then(|| reason.to_string()),
                    until: None,
                })
            }
            _ => Err(format!("`checkov:skip=` annotation `{key}` is not `CHECK_ID=reason`")),
        };
        out.push(Found {
            kind: SuppressionKind::Annotation,
            file: at.file.clone(),
            line: at.start.line,
            column: at.start.column,
            target: Target::Resource { file: root.file.clone(), address: r.address.clone() },
            parsed,
        });
    }
}

/// One suppression ready to match.
struct Candidate {
    kind: SuppressionKind,
    origin: String,
    file: Option<Arc<str>>,
    line: Option<usize>,
    /// Rule ids or names to match (for a peer comment, the rules mirroring its check).
    rules: Vec<String>,
    /// A peer comment's checks as written (`checkov:CKV_AWS_19`), shown instead of `rules`.
    written: Option<Vec<String>>,
    /// Suppresses without a reason (a Trivy comment, when peer comments are honoured).
    reason_exempt: bool,
    /// Shown in the record whatever the status (why it needs no reason).
    note: Option<String>,
    reason: Option<String>,
    until: Option<(String, i64)>,
    target: Target,
    /// Path glob, resource and pointer of an external entry.
    external: Option<(Option<globset::GlobMatcher>, Option<String>, Option<String>)>,
    error: Option<String>,
    matched: usize,
}

impl Candidate {
    fn matches(&self, f: &Finding) -> bool {
        if !self.rules.iter().any(|r| r.eq_ignore_ascii_case(&f.rule_id) || **r == *f.rule_name) {
            return false;
        }
        match &self.target {
            Target::Nothing => false,
            Target::Line { file, line } => {
                let at = |l: &crate::model::Location| l.file == *file && l.start.line == *line;
                at(&f.location) || f.resource_location.as_ref().is_some_and(at) || f.call_sites.iter().any(at)
            }
            Target::Lines { file, first, last } => {
                let within = |l: &crate::model::Location| l.file == *file && (*first..=*last).contains(&l.start.line);
                within(&f.location) || f.resource_location.as_ref().is_some_and(within) || f.call_sites.iter().any(within)
            }
            Target::Resource { file, address } => {
                f.resource == *address && f.resource_location.as_ref().map_or(f.location.file == *file, |r| r.file == *file)
            }
            Target::External(_) => {
                let Some((glob, resource, pointer)) = &self.external else { return false };
                glob.as_ref().is_some_and(|g| g.is_match(&*f.location.file))
                    && resource.as_ref().is_none_or(|r| crate::threat::model::glob_match(r, &f.resource))
                    && pointer.as_ref().is_none_or(|p| pointer_covers(p, &f.attribute))
            }
        }
    }
}

/// True when JSON pointer `pointer` is `path` or one of its ancestors.
fn pointer_covers(pointer: &str, path: &AttributePath) -> bool {
    let mut tokens = Vec::new();
    if !pointer.is_empty() {
        let Some(rest) = pointer.strip_prefix('/') else { return false };
        tokens = rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    }
    tokens.len() <= path.len()
        && tokens.iter().zip(&path.0).all(|(t, seg)| match seg {
            PathSegment::Key(k) => t == k,
            PathSegment::Index(i) => *t == i.to_string(),
        })
}

/// What [`apply`] decided.
#[derive(Debug, Default)]
pub struct Applied {
    /// Active findings (expired suppressions noted in their message).
    pub findings: Vec<Finding>,
    /// Suppressed findings, each with its [`Finding::suppression`].
    pub suppressed: Vec<Finding>,
    /// Every suppression with its status, sorted by place.
    pub records: Vec<SuppressionRecord>,
}

/// Matches `findings` against the suppressions found in files and the external ones.
/// `ran` holds the ids and names of the rules that ran. Order of findings is kept.
pub fn apply(
    findings: Vec<Finding>,
    found: Vec<Found>,
    externals: &[External],
    options: &SuppressOptions,
    ran: &HashSet<String>,
) -> Applied {
    if !options.enabled {
        return Applied { findings, ..Applied::default() };
    }
    // The same file can be read by several units (a Kustomize base, a module called twice).
    let found: BTreeSet<Found> = found.into_iter().collect();
    let mut candidates: Vec<Candidate> = found
        .into_iter()
        .filter_map(|f| {
            // Peer comments only count when honoured; then their ids become the mirroring rules.
            let peer = parse::is_peer(&f.parsed);
            let aliases = if peer { Some(options.peer.as_ref()?) } else { None };
            let (mut rules, reason, until, error) = match f.parsed {
                Ok(p) => (p.rules, p.reason, p.until, None),
                Err(e) => (Vec::new(), None, None, Some(e)),
            };
            let mut written = None;
            let mut note = None;
            if let Some(aliases) = aliases {
                let mapped: Vec<String> = rules
                    .iter()
                    .filter_map(|r| r.split_once(':'))
                    .flat_map(|(tool, id)| aliases.rules_for(tool, id).iter().cloned())
                    .collect();
                if rules.iter().any(|r| parse::peer_tool(r) != Some("checkov")) && error.is_none() {
                    note = Some("no reason: Trivy comments carry none (accepted by `honour-peer-comments`)".to_string());
                }
                written = Some(std::mem::replace(&mut rules, mapped));
            }
            Some(Candidate {
                kind: f.kind,
                origin: format!("{}:{}", f.file, f.line),
                file: Some(f.file),
                line: Some(f.line),
                rules,
                written,
                reason_exempt: note.is_some(),
                note,
                reason,
                until,
                target: f.target,
                external: None,
                error,
                matched: 0,
            })
        })
        .collect();
    for (i, e) in externals.iter().enumerate() {
        let glob = globset::GlobBuilder::new(&e.path).literal_separator(true).build().map(|g| g.compile_matcher());
        let mut error = glob.as_ref().err().map(|err| format!("`path = \"{}\"` is not a valid glob: {err}", e.path));
        let until = match &e.until {
            None => None,
            Some(u) => match crate::threat::model::parse_date(u) {
                Some(days) => Some((u.clone(), days)),
                None => {
                    error.get_or_insert_with(|| format!("`until = \"{u}\"` is not a date (YYYY-MM-DD)"));
                    None
                }
            },
        };
        if let Some(p) = &e.pointer
            && !p.is_empty()
            && !p.starts_with('/')
        {
            error.get_or_insert_with(|| format!("`pointer = \"{p}\"` is not a JSON pointer (it starts with `/`)"));
        }
        candidates.push(Candidate {
            kind: SuppressionKind::External,
            origin: e.origin.clone(),
            file: None,
            line: None,
            rules: vec![e.rule.clone()],
            written: None,
            reason_exempt: false,
            note: None,
            reason: e.reason.as_ref().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
            until,
            target: Target::External(i),
            external: Some((glob.ok(), e.resource.clone(), e.pointer.clone())),
            error,
            matched: 0,
        });
    }
    let usable = |c: &Candidate| c.error.is_none() && (c.reason.is_some() || c.reason_exempt || !options.require_reason);
    let expired = |c: &Candidate| c.until.as_ref().is_some_and(|(_, d)| *d < options.today);
    // Index by file (comments) and address (annotations) so each finding is tried only
    // against the suppressions that can match it.
    let mut by_file: HashMap<Arc<str>, Vec<usize>> = HashMap::new();
    let mut by_address: HashMap<String, Vec<usize>> = HashMap::new();
    let mut everywhere = Vec::new();
    for (i, c) in candidates.iter().enumerate().filter(|(_, c)| usable(c)) {
        match &c.target {
            Target::Line { file, .. } | Target::Lines { file, .. } => by_file.entry(file.clone()).or_default().push(i),
            Target::Resource { address, .. } => by_address.entry(address.clone()).or_default().push(i),
            Target::External(_) => everywhere.push(i),
            Target::Nothing => {}
        }
    }
    let mut out = Applied::default();
    let mut tried: Vec<usize> = Vec::new();
    // Suppressed findings (few) are moved out; the others stay where they are (a second vector
    // of every finding would double the scan's largest allocation).
    let mut findings = findings;
    out.suppressed = findings
        .extract_if(.., |f| {
            let mut note = None;
            let mut suppression = None;
            tried.clear();
            tried.extend(by_file.get(&f.location.file).into_iter().flatten());
            for other in f.resource_location.iter().chain(&f.call_sites).filter(|l| l.file != f.location.file) {
                tried.extend(by_file.get(&other.file).into_iter().flatten());
            }
            tried.extend(by_address.get(&f.resource).into_iter().flatten());
            tried.extend(&everywhere);
            tried.sort_unstable();
            tried.dedup();
            for &i in &tried {
                let Some(c) = candidates.get_mut(i) else { continue };
                if !c.matches(f) {
                    continue;
                }
                c.matched += 1;
                if expired(c) {
                    if note.is_none() {
                        note = Some(format!("suppression at {} expired on {}", c.origin, c.until.as_ref().map_or("", |(u, _)| u.as_str())));
                    }
                    continue;
                }
                suppression = Some(Suppression {
                    kind: c.kind,
                    justification: c.reason.clone().unwrap_or_else(|| {
                        c.written.as_ref().map(|w| format!("{} comment (no reason given)", w.join(","))).unwrap_or_default()
                    }),
                    until: c.until.as_ref().map(|(u, _)| u.clone()),
                    origin: c.origin.clone(),
                });
                break;
            }
            match suppression {
                Some(s) => {
                    f.suppression = Some(Box::new(s));
                    true
                }
                None => {
                    if let Some(n) = note {
                        let _ = write!(f.message, " ({n})");
                    }
                    false
                }
            }
        })
        .collect();
    out.findings = findings;
    let known = options.known_rules.as_deref().unwrap_or(ran);
    out.records = candidates
        .into_iter()
        .map(|c| {
            let unknown: Vec<&str> = c.rules.iter().filter(|r| !known.contains(&r.to_ascii_lowercase())).map(String::as_str).collect();
            let (status, detail) = if let Some(e) = &c.error {
                (Status::Invalid, Some(e.clone()))
            } else if c.reason.is_none() && options.require_reason && !c.reason_exempt {
                let how = match (&c.written, c.kind) {
                    (Some(_), SuppressionKind::Annotation) => "write it after the check id: `checkov.io/skip1: ID=reason`",
                    (Some(_), _) => "write it after the check id: `checkov:skip=ID: reason`",
                    (None, _) => "add reason=\"...\"",
                };
                (Status::MissingReason, Some(format!("a reason is required: {how}")))
            } else if let Some(written) = c.written.as_ref().filter(|_| c.rules.is_empty()) {
                // A check no stridegate rule mirrors: the comment is the peer tool's business.
                (Status::NotRun, Some(format!("no stridegate rule mirrors {}", written.join(", "))))
            } else if !unknown.is_empty() {
                (Status::UnknownRule, Some(format!("no rule named {}", unknown.join(", "))))
            } else if expired(&c) {
                (Status::Expired, None)
            } else if c.matched > 0 {
                (Status::Used, c.note.clone())
            } else if !c.rules.iter().any(|r| ran.contains(&r.to_ascii_lowercase())) {
                (Status::NotRun, c.note.clone())
            } else {
                (Status::Unused, Some("matches no finding".to_string()))
            };
            let rules = c.written.unwrap_or(c.rules);
            SuppressionRecord {
                kind: c.kind,
                origin: c.origin,
                file: c.file,
                line: c.line,
                rules,
                reason: c.reason,
                until: c.until.map(|(u, _)| u),
                status,
                matched: c.matched,
                detail,
            }
        })
        .collect();
    out.records.sort_by(|a, b| (a.file.is_none(), &a.file, a.line, &a.origin).cmp(&(b.file.is_none(), &b.file, b.line, &b.origin)));
    out
}

/// The scan summary's lines about suppressions: how many findings are suppressed and every
/// suppression that needs attention (unused, expired, missing reason, unknown rule, invalid).
pub fn summary_lines(suppressed: usize, records: &[SuppressionRecord]) -> String {
    use crate::report::escape::terminal_safe;
    let mut out = String::new();
    if suppressed > 0 {
        let _ = writeln!(
            out,
            "{suppressed} finding{} suppressed (--no-suppressions shows them as findings; -v lists them)",
            if suppressed == 1 { "" } else { "s" }
        );
    }
    const SHOWN: usize = 20;
    let problems: Vec<&SuppressionRecord> = records.iter().filter(|r| r.status.is_problem()).collect();
    for r in problems.iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "note: suppression at {} ({}) is {}{}",
            terminal_safe(&r.origin),
            terminal_safe(&r.rules.join(",")),
            r.status.as_str(),
            r.detail.as_ref().map(|d| format!(": {}", terminal_safe(d))).unwrap_or_default()
        );
    }
    if problems.len() > SHOWN {
        let _ = writeln!(
            out,
            "note: … and {} more suppressions needing attention (`stridegate suppressions` lists them)",
            problems.len() - SHOWN
        );
    }
    out
}

/// The verbose list of suppressed findings, one line each.
pub fn suppressed_list(suppressed: &[Finding]) -> String {
    use crate::report::escape::terminal_safe;
    let mut out = String::new();
    if suppressed.is_empty() {
        return out;
    }
    let _ = writeln!(out, "suppressed findings:");
    for f in suppressed {
        let s = f.suppression.as_ref();
        let _ = writeln!(
            out,
            "  {}:{}: {} {} [{}] — suppressed at {}: {}",
            terminal_safe(&f.location.file),
            f.location.start.line,
            terminal_safe(&f.rule_id),
            terminal_safe(&f.message),
            terminal_safe(&f.resource),
            terminal_safe(s.map_or("", |s| s.origin.as_str())),
            terminal_safe(s.map_or("", |s| s.justification.as_str())),
        );
    }
    out.push('\n');
    out
}

/// Ids and names of `rules`, lowercase (ids match in any case, like `--select`).
pub fn rule_names<'a>(rules: impl IntoIterator<Item = &'a crate::rules::meta::RuleMeta>) -> HashSet<String> {
    rules.into_iter().flat_map(|m| [m.id.to_ascii_lowercase(), m.name.to_ascii_lowercase()]).collect()
}

/// The `stridegate suppressions` listing: one line per suppression (place, kind, rules,
/// status, matches, expiry, reason), then a count of those needing attention.
pub fn table(records: &[SuppressionRecord]) -> String {
    use crate::report::escape::terminal_safe;
    let mut out = String::new();
    if records.is_empty() {
        out.push_str("no suppressions\n");
        return out;
    }
    for r in records {
        let _ = write!(
            out,
            "{}: {} {} — {}",
            terminal_safe(&r.origin),
            match r.kind {
                SuppressionKind::Comment => "comment",
                SuppressionKind::Annotation => "annotation",
                SuppressionKind::External => "configuration",
            },
            terminal_safe(&r.rules.join(",")),
            r.status.as_str()
        );
        if r.status == Status::Used || r.status == Status::Expired {
            let _ = write!(out, " ({} finding{})", r.matched, if r.matched == 1 { "" } else { "s" });
        }
        if let Some(d) = &r.detail {
            let _ = write!(out, ": {}", terminal_safe(d));
        }
        if let Some(u) = &r.until {
            let _ = write!(out, "; until {}", terminal_safe(u));
        }
        if let Some(reason) = &r.reason {
            let _ = write!(out, "; reason: {}", terminal_safe(reason));
        }
        out.push('\n');
    }
    let problems = records.iter().filter(|r| r.status.is_problem()).count();
    let _ = writeln!(out, "{} suppression{}, {problems} needing attention", records.len(), if records.len() == 1 { "" } else { "s" });
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::model::Location;
    use crate::source::{ByteSpan, Position};

    fn loc(file: &str, line: usize) -> Location {
        Location { file: file.into(), span: ByteSpan::default(), start: Position { line, column: 1 }, end: Position { line, column: 2 } }
    }

    fn finding(rule: &str, file: &str, line: usize, resource_line: usize, attribute: AttributePath) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: format!("name-of-{rule}").into(),
            severity: crate::rules::meta::Severity::High,
            stride: Arc::new([]),
            message: "bad".into(),
            location: loc(file, line),
            resource: "aws_iam_policy.admin".into(),
            attribute,
            attribute_present: true,
            related: Vec::new(),
            resource_location: Some(loc(file, resource_line)),
            baseline: None,
            call_sites: Vec::new(),
            suppression: None,
        }
    }

    fn comment(file: &str, text: &str) -> Vec<Found> {
        parse::comments(text)
            .into_iter()
            .map(|d| Found {
                kind: SuppressionKind::Comment,
                file: file.into(),
                line: d.line,
                column: d.column,
                target: d.target.map_or(Target::Nothing, |line| Target::Line { file: file.into(), line }),
                parsed: d.parsed,
            })
            .collect()
    }

    fn options(today: &str) -> SuppressOptions {
        SuppressOptions {
            enabled: true,
            require_reason: true,
            today: crate::threat::model::parse_date(today).unwrap(),
            known_rules: None,
            peer: None,
        }
    }

    fn ran() -> HashSet<String> {
        ["a", "b", "name-of-a"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn line_block_and_name_matching() {
        // Line 2 suppresses the finding at line 3 (line above); the block comment on line 5
        // targets line 6, where the second finding's resource starts.
        let text = "x\n# stridegate:ignore A reason=\"r1\"\ny\n\n# stridegate:ignore name-of-A reason=r2\nresource {\n  z\n}\n";
        let fs = vec![finding("A", "f.tf", 3, 1, AttributePath::root()), finding("A", "f.tf", 7, 6, AttributePath::root())];
        let a = apply(fs, comment("f.tf", text), &[], &options("2026-01-01"), &ran());
        assert!(a.findings.is_empty(), "{:?}", a.findings);
        assert_eq!(a.suppressed.len(), 2);
        let s = a.suppressed[0].suppression.as_ref().unwrap();
        assert_eq!((s.kind, s.justification.as_str(), s.origin.as_str()), (SuppressionKind::Comment, "r1", "f.tf:2"));
        assert_eq!(a.suppressed[1].suppression.as_ref().unwrap().origin, "f.tf:5");
        assert!(a.records.iter().all(|r| r.status == Status::Used && r.matched == 1), "{:?}", a.records);
    }

    #[test]
    fn other_rule_other_file_or_other_line_is_not_suppressed() {
        let text = "# stridegate:ignore A reason=r\ny\n";
        let fs = vec![
            finding("B", "f.tf", 2, 1, AttributePath::root()),
            finding("A", "g.tf", 2, 1, AttributePath::root()),
            finding("A", "f.tf", 4, 3, AttributePath::root()),
        ];
        let a = apply(fs, comment("f.tf", text), &[], &options("2026-01-01"), &ran());
        assert_eq!(a.findings.len(), 3);
        assert_eq!(a.records[0].status, Status::Unused);
    }

    #[test]
    fn missing_reason_expiry_unknown_rule_and_disabled() {
        let text = "# stridegate:ignore A\na\n# stridegate:ignore A reason=r until=2025-12-31\nb\n# stridegate:ignore A,NOPE reason=r until=2026-01-01\nc\n# stridegate:ignore A bogus=1\nd\n";
        let fs = || {
            vec![
                finding("A", "f.yaml", 2, 2, AttributePath::root()),
                finding("A", "f.yaml", 4, 4, AttributePath::root()),
                finding("A", "f.yaml", 6, 6, AttributePath::root()),
                finding("A", "f.yaml", 8, 8, AttributePath::root()),
            ]
        };
        let a = apply(fs(), comment("f.yaml", text), &[], &options("2026-01-01"), &ran());
        let statuses: Vec<Status> = a.records.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Status::MissingReason, Status::Expired, Status::UnknownRule, Status::Invalid]);
        // The expiry day itself still counts; the day after does not.
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(a.suppressed[0].location.start.line, 6);
        assert_eq!(a.findings.len(), 3);
        assert_eq!(a.findings[1].message, "bad (suppression at f.yaml:3 expired on 2025-12-31)");
        assert_eq!(a.findings[0].message, "bad");

        let relaxed = SuppressOptions { require_reason: false, ..options("2026-01-01") };
        let a = apply(fs(), comment("f.yaml", text), &[], &relaxed, &ran());
        assert_eq!(a.suppressed.len(), 2);
        assert_eq!(a.suppressed[0].suppression.as_ref().unwrap().justification, "");

        let off = SuppressOptions { enabled: false, ..options("2026-01-01") };
        let a = apply(fs(), comment("f.yaml", text), &[], &off, &ran());
        assert_eq!((a.findings.len(), a.suppressed.len(), a.records.len()), (4, 0, 0));
    }

    #[test]
    fn not_run_is_not_unused() {
        // C exists but did not run (`--select`): nothing to say.
        let known = SuppressOptions { known_rules: Some(Arc::new(["a".to_string(), "c".to_string()].into())), ..options("2026-01-01") };
        let a = apply(Vec::new(), comment("f", "# stridegate:ignore C reason=r\nx\n"), &[], &known, &ran());
        assert_eq!(a.records[0].status, Status::NotRun);
        // Without the full list, only the rules that ran are known.
        let a = apply(Vec::new(), comment("f", "# stridegate:ignore C reason=r\nx\n"), &[], &options("2026-01-01"), &ran());
        assert_eq!(a.records[0].status, Status::UnknownRule);
        // A rule that ran, no finding: unused.
        let a = apply(Vec::new(), comment("f", "# stridegate:ignore A reason=r\nx\n"), &[], &known, &ran());
        assert_eq!(a.records[0].status, Status::Unused);
    }

    #[test]
    fn external_by_path_resource_and_pointer() {
        let stmt = AttributePath::root().key("Statement").index(0).key("Action");
        let fs = vec![
            finding("A", "policies/admin.json", 3, 1, stmt.clone()),
            finding("A", "policies/deep/admin.json", 3, 1, stmt.clone()),
            finding("A", "policies/other.json", 3, 1, AttributePath::root().key("Statement").index(1)),
        ];
        let ext = |path: &str, resource: Option<&str>, pointer: Option<&str>| External {
            rule: "A".into(),
            path: path.into(),
            resource: resource.map(Into::into),
            pointer: pointer.map(Into::into),
            reason: Some("owned by the platform team".into()),
            until: None,
            origin: "stridegate.toml:3".into(),
        };
        let a = apply(fs.clone(), Vec::new(), &[ext("policies/*.json", None, Some("/Statement/0"))], &options("2026-01-01"), &ran());
        // `*` does not cross directories; the pointer covers Statement/0 and below only.
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(&*a.suppressed[0].location.file, "policies/admin.json");
        assert_eq!(a.suppressed[0].suppression.as_ref().unwrap().kind, SuppressionKind::External);
        let a = apply(fs.clone(), Vec::new(), &[ext("policies/**", Some("aws_iam_*"), None)], &options("2026-01-01"), &ran());
        assert_eq!(a.suppressed.len(), 3);
        let a = apply(fs.clone(), Vec::new(), &[ext("policies/**", Some("other"), None)], &options("2026-01-01"), &ran());
        assert_eq!((a.suppressed.len(), a.records[0].status), (0, Status::Unused));
        let a = apply(fs, Vec::new(), &[ext("[", None, Some("Statement"))], &options("2026-01-01"), &ran());
        assert_eq!((a.suppressed.len(), a.records[0].status), (0, Status::Invalid));
        assert_eq!(a.records[0].origin, "stridegate.toml:3");
    }

    fn meta(id: &str, mirrors: &[&str]) -> crate::rules::meta::RuleMeta {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "n", "title": "t", "severity": "high", "stride": ["tampering"],
            "applies_to": {"platform": "kubernetes", "kinds": ["Pod"]},
            "what": "w", "why": "w", "fix": "f", "references": [], "mirrors": mirrors,
        }))
        .unwrap()
    }

    #[test]
    fn peer_aliases_match_checkov_in_any_case_and_trivy_ids_in_every_spelling() {
        let aliases = PeerAliases::new(&[
            meta("A-0001", &["checkov:CKV_K8S_16", "trivy:KSV-0017"]),
            meta("A-0002", &["trivy:AVD-AWS-0088", "checkov:CKV_K8S_16"]),
        ]);
        assert_eq!(aliases.rules_for("checkov", "ckv_k8s_16"), ["A-0001", "A-0002"]);
        assert!(aliases.rules_for("checkov", "CKV_K8S_1").is_empty());
        for id in ["KSV-0017", "AVD-KSV-0017", "ksv017", "KSV17", "avd-ksv-17"] {
            assert_eq!(aliases.rules_for("trivy", id), ["A-0001"], "{id}");
            assert_eq!(aliases.rules_for("tfsec", id), ["A-0001"], "{id}");
        }
        assert_eq!(aliases.rules_for("trivy", "AWS-088"), ["A-0002"]);
        assert!(aliases.rules_for("trivy", "KSV-0170").is_empty());
        assert!(aliases.rules_for("checkov", "KSV-0017").is_empty());
        assert!(aliases.rules_for("trivy", "").is_empty());
    }

    #[test]
    fn peer_comments_map_onto_mirroring_rules_only_when_honoured() {
        let text = "# checkov:skip=CKV_1: accepted\nx\n#trivy:ignore:KSV-0001\ny\n# checkov:skip=CKV_9: nobody mirrors it\nz\n";
        let found = || {
            parse::peer_comments(text)
                .into_iter()
                .map(|d| Found {
                    kind: SuppressionKind::Comment,
                    file: "f".into(),
                    line: d.line,
                    column: d.column,
                    target: d.target.map_or(Target::Nothing, |line| Target::Line { file: "f".into(), line }),
                    parsed: d.parsed,
                })
                .collect::<Vec<_>>()
        };
        let fs = || vec![finding("A", "f", 2, 2, AttributePath::root()), finding("A", "f", 4, 4, AttributePath::root())];
        let off = apply(fs(), found(), &[], &options("2026-01-01"), &ran());
        assert_eq!((off.findings.len(), off.records.len()), (2, 0));
        let on = SuppressOptions {
            peer: Some(Arc::new(PeerAliases::new(&[meta("A", &["checkov:CKV_1", "trivy:KSV-0001"])]))),
            ..options("2026-01-01")
        };
        let a = apply(fs(), found(), &[], &on, &ran());
        assert_eq!((a.findings.len(), a.suppressed.len()), (0, 2));
        let shown: Vec<(String, Status)> = a.records.iter().map(|r| (r.rules.join(","), r.status)).collect();
        assert_eq!(
            shown,
            [("checkov:CKV_1".into(), Status::Used), ("trivy:KSV-0001".into(), Status::Used), ("checkov:CKV_9".into(), Status::NotRun)]
        );
        assert_eq!(a.suppressed[0].suppression.as_ref().unwrap().justification, "accepted");
        assert!(a.records[1].detail.as_deref().unwrap().contains("no reason"));
        assert_eq!(a.records[2].detail.as_deref(), Some("no stridegate rule mirrors checkov:CKV_9"));
    }

    #[test]
    fn a_lines_target_covers_findings_and_resources_within_its_range() {
        let found = vec![Found {
            kind: SuppressionKind::Comment,
            file: "f.tf".into(),
            line: 3,
            column: 3,
            target: Target::Lines { file: "f.tf".into(), first: 2, last: 6 },
            parsed: Ok(parse::Parsed { rules: vec!["A".into()], reason: Some("r".into()), until: None }),
        }];
        let fs = vec![
            finding("A", "f.tf", 5, 2, AttributePath::root()),
            finding("A", "f.tf", 9, 4, AttributePath::root()),
            finding("A", "f.tf", 7, 7, AttributePath::root()),
            finding("A", "g.tf", 3, 3, AttributePath::root()),
        ];
        let a = apply(fs, found, &[], &options("2026-01-01"), &ran());
        let suppressed: Vec<usize> = a.suppressed.iter().map(|f| f.location.start.line).collect();
        assert_eq!(suppressed, [5, 9]);
    }

    #[test]
    fn pointer_escapes() {
        let p = AttributePath::root().key("a/b").key("c~d").index(2);
        assert!(pointer_covers("/a~1b/c~0d/2", &p));
        assert!(pointer_covers("/a~1b", &p));
        assert!(pointer_covers("", &p));
        assert!(!pointer_covers("/a~1b/c~0d/3", &p));
        assert!(!pointer_covers("a", &p));
    }
}
