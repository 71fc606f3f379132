//! Which analysis units a scan reports on: all of them (a plain scan), the units a set of
//! changed files belongs to (`--changed FILE...`, `--changed-since REF`), or one shard of them
//! (`--shard K/N`).
//!
//! Every mode plans every unit of the scan root, so cross-resource and whole-scan rules see
//! what a full scan sees:
//!
//! * a unit **reported on** is built and checked by every rule, and its files get records;
//! * every other unit gives **context**: it is built and only the whole-scan rules observe its
//!   resources (no per-resource rule runs, no record, no finding of its own). When no
//!   whole-scan rule is enabled, context units are not built at all.
//!
//! Whole-scan rules then finish over all observations, and findings are kept as follows:
//!
//! * changed files: a finding is kept when its location or one of its related locations is
//!   in a changed file, so for each changed file the findings equal those of a full scan
//!   filtered the same way ([`mentions`]);
//! * shards: a per-resource finding belongs to the shard of the unit that built the resource;
//!   a whole-scan finding to the shard(s) whose units observed a resource with that address at
//!   that location, so the shards together report exactly the full scan's findings (a finding
//!   two shards report is deduplicated by `stridegate merge`).
//!
//! A changed file selects the unit that reads it: the document itself, the Terraform module
//! directory holding it (and, for a called module, every module that calls it, transitively),
//! the Helm chart holding it, every kustomization whose build read it. Files a unit reads
//! that planning cannot see (a chart a `helm_release` renders, a policy `file()` loads, a
//! registry module under `.terraform/modules`) are caught after building: in changed-files
//! mode every other unit is built as context, and one whose resources were written in (or
//! relate to) a changed file is then checked by every rule and reported on ([`touches`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::finding::Finding;
use crate::frontend::Unit;
use crate::model::{Resource, SpanChildren, SpanNode};

/// One shard of a scan: `index` of `count`, both 1-based (`--shard 2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard (1..=count).
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` (1 ≤ K ≤ N ≤ 1024).
    pub fn parse(s: &str) -> Result<Self, String> {
        let err = || format!("`{s}` is not a shard like 1/4 (K/N with 1 <= K <= N <= 1024)");
        let (k, n) = s.trim().split_once('/').ok_or_else(err)?;
        let index: u32 = k.trim().parse().map_err(|_| err())?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || count == 0 || index > count || count > 1024 {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    /// The shard (1-based) a unit with stable key `key` belongs to: FNV-1a of the key modulo
    /// the shard count, the same on every machine and every run.
    pub fn of(key: &str, count: u32) -> u32 {
        let count = u64::from(count.max(1));
        // The remainder is below `count`, itself a u32.
        u32::try_from(crate::finding::fnv1a64(key.as_bytes()) % count).unwrap_or(0) + 1
    }

    /// Whether the unit with stable key `key` is this shard's.
    pub fn owns(&self, key: &str) -> bool {
        Shard::of(key, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Which units a scan reports on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Selection {
    /// Every unit (a plain scan).
    #[default]
    All,
    /// The units that read one of these files (display paths relative to the scan root; a
    /// directory stands for every file under it), and only findings that mention them.
    Changed(BTreeSet<String>),
    /// The units of one shard.
    Shard(Shard),
}

impl Selection {
    /// Whether `display` is one of the changed files (or under a changed directory). Always
    /// true for the other selections.
    pub fn covers(&self, display: &str) -> bool {
        match self {
            Selection::Changed(files) => is_changed(files, display),
            _ => true,
        }
    }
}

fn is_changed(files: &BTreeSet<String>, display: &str) -> bool {
    if files.contains(display) {
        return true;
    }
    let mut rest = display;
    while let Some((dir, _)) = rest.rsplit_once('/') {
        if files.contains(dir) {
            return true;
        }
        rest = dir;
    }
    files.contains(".")
}

/// Whether any part of `resource` was written in, or relates to, a file `selection` covers:
/// its file, its call chain, and the files and related locations of every built subtree.
pub fn touches(resource: &Resource, selection: &Selection) -> bool {
    if selection.covers(&resource.file.path) || resource.call_chain.iter().any(|(l, _)| selection.covers(&l.file)) {
        return true;
    }
    let mut stack: Vec<&SpanNode> = vec![&resource.spans];
    while let Some(node) = stack.pop() {
        if let Some(origin) = &node.origin
            && (selection.covers(&origin.file.path) || origin.related.iter().any(|(l, _)| selection.covers(&l.file)))
        {
            return true;
        }
        match &node.children {
            SpanChildren::Leaf => {}
            SpanChildren::Seq(items) => stack.extend(items.iter()),
            SpanChildren::Map(entries) => stack.extend(entries.iter().map(|(_, n)| n)),
        }
    }
    false
}

/// What a scan does with one planned unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Built, checked by every rule, reported on.
    Report,
    /// Built for the whole-scan rules' observations only.
    Context,
    /// Not built (not reported on, and no whole-scan rule needs it).
    Skip,
}

/// The role of each of `units` (same order) under `selection`. `observe_context`: whether
/// units not reported on must still be built for the whole-scan rules (always, for changed
/// files: see [`touches`]).
pub fn roles(units: &[Unit], selection: &Selection, observe_context: bool) -> Vec<Role> {
    let observe_context = observe_context || matches!(selection, Selection::Changed(_));
    let other = if observe_context { Role::Context } else { Role::Skip };
    match selection {
        Selection::All => vec![Role::Report; units.len()],
        Selection::Shard(shard) => units.iter().map(|u| if shard.owns(&u.key()) { Role::Report } else { other }).collect(),
        Selection::Changed(files) => {
            let mut report: Vec<bool> = units.iter().map(|u| u.inputs().iter().any(|f| is_changed(files, f))).collect();
            // A called Terraform module is analyzed through its callers: a change in it is
            // a change of every module that reaches it.
            let by_dir: BTreeMap<&str, usize> = units
                .iter()
                .enumerate()
                .filter_map(|(i, u)| match u {
                    Unit::Terraform(m) => Some((m.display(), i)),
                    _ => None,
                })
                .collect();
            let mut stack: Vec<usize> = (0..units.len()).filter(|&i| report.get(i).copied().unwrap_or(false)).collect();
            while let Some(i) = stack.pop() {
                if let Some(Unit::Terraform(m)) = units.get(i) {
                    for caller in m.callers() {
                        if let Some(&c) = by_dir.get(caller.as_str())
                            && let Some(flag) = report.get_mut(c)
                            && !*flag
                        {
                            *flag = true;
                            stack.push(c);
                        }
                    }
                }
            }
            report.into_iter().map(|r| if r { Role::Report } else { other }).collect()
        }
    }
}

/// Whether `finding` is located in, or has a related location in, a file `selection` covers.
pub fn mentions(finding: &Finding, selection: &Selection) -> bool {
    selection.covers(&finding.location.file) || finding.related.iter().any(|r| selection.covers(&r.location.file))
}

/// The directory a changed-files scan of `paths` runs in: the repository root, i.e. the
/// nearest ancestor of their common base holding `.git` (a directory, or a file in a linked
/// worktree or submodule); failing that the nearest holding a `stridegate.toml` or
/// `.stridegate.toml`; failing that the common base itself.
pub fn repository_root(paths: &[PathBuf]) -> Result<PathBuf, crate::discover::DiscoverError> {
    let base = crate::discover::common_base(paths)?;
    if let Some(git) = base.ancestors().find(|d| d.join(".git").exists()) {
        return Ok(git.to_path_buf());
    }
    if let Some(config) = base.ancestors().find(|d| d.join("stridegate.toml").is_file() || d.join(".stridegate.toml").is_file()) {
        return Ok(config.to_path_buf());
    }
    Ok(base)
}

/// `path`'s display path relative to `root` (both canonical): `None` when outside it or not
/// existing (a deleted file has nothing left to analyze).
pub fn display_under(root: &Path, path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let rel = canonical.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Some(if parts.is_empty() { ".".to_string() } else { parts.join("/") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parse() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "1", "1/2/3", "1/2000", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shard_assignment_is_stable_and_partitions() {
        // Stable: a fixed key maps to a fixed shard (FNV-1a, not a seeded hasher).
        assert_eq!(Shard::of("terraform:infra/network", 4), Shard::of("terraform:infra/network", 4));
        let keys: Vec<String> = (0..200).map(|i| format!("document:k8s/app-{i}.yaml")).collect();
        let mut counts = [0usize; 3];
        for k in &keys {
            let owners: Vec<u32> = (1..=3).filter(|&i| Shard { index: i, count: 3 }.owns(k)).collect();
            assert_eq!(owners.len(), 1, "{k} belongs to exactly one shard");
            counts[(owners[0] - 1) as usize] += 1;
        }
        // Spread: no shard is empty or holds nearly everything.
        assert!(counts.iter().all(|&c| (30..=110).contains(&c)), "{counts:?}");
    }

    #[test]
    fn changed_files_and_directories() {
        let files: BTreeSet<String> = ["k8s/web.yaml".to_string(), "infra".to_string()].into();
        let s = Selection::Changed(files);
        assert!(s.covers("k8s/web.yaml"));
        assert!(!s.covers("k8s/web.yaml.bak"));
        assert!(!s.covers("k8s/namespace.yaml"));
        assert!(s.covers("infra/main.tf"));
        assert!(s.covers("infra/modules/x/main.tf"));
        assert!(!s.covers("infrastructure/main.tf"));
        assert!(Selection::All.covers("anything"));
    }
}
