//! Discovery: walk the given paths (honouring `.gitignore`, `.ignore`, `.stridegateignore` and
//! `--exclude`), and classify every file that could hold infrastructure code. Nothing found
//! here vanishes: each candidate later ends up analyzed, skipped with a reason, or failed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::WalkState;
use ignore::overrides::OverrideBuilder;

/// What kind of file a candidate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileClass {
    /// `.yaml`/`.yml`: Kubernetes manifests (or unrelated YAML, skipped after parsing).
    Yaml,
    /// `.json`: Kubernetes manifests or IAM policies (or unrelated JSON).
    Json,
    /// Terraform (`.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`).
    Terraform,
    /// A file inside a Helm chart (`Chart.yaml`'s directory): templates are never parsed as
    /// plain YAML.
    HelmChart {
        /// The chart directory, relative to the scan root.
        chart: String,
    },
}

/// One file to account for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where to read it.
    pub path: PathBuf,
    /// Path shown in reports: relative to the scan root, `/`-separated.
    pub display: String,
    /// Classification.
    pub class: FileClass,
}

/// A problem met while walking (unreadable directory, broken symlink...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    /// Path shown in reports.
    pub display: String,
    /// What happened.
    pub message: String,
    /// True when this means content may have been missed (the scan is incomplete).
    pub incomplete: bool,
}

/// Result of discovery.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to analyze, sorted by display path.
    pub candidates: Vec<Candidate>,
    /// Problems, sorted by display path.
    pub problems: Vec<WalkProblem>,
}

/// Discovery options.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Glob patterns to exclude (gitignore syntax, relative to each root).
    pub exclude: Vec<String>,
    /// Do not read `.gitignore`/`.ignore` files.
    pub no_ignore: bool,
    /// Worker threads for the walk (0 = automatic).
    pub threads: usize,
}

/// Errors that stop discovery (usage errors: bad glob, missing path).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    /// A given path does not exist.
    #[error("path `{0}` does not exist")]
    #[diagnostic(code(stridegate::usage::path), help("check the path passed to `stridegate scan`"))]
    Missing(String),
    /// An exclude pattern is not a valid glob.
    #[error("invalid --exclude pattern `{pattern}`: {message}")]
    #[diagnostic(code(stridegate::usage::exclude))]
    BadGlob {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
}

fn is_candidate_name(name: &str) -> Option<FileClass> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tf") || lower.ends_with(".tf.json") || lower.ends_with(".tfvars") || lower.ends_with(".tfvars.json") {
        Some(FileClass::Terraform)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(FileClass::Yaml)
    } else if lower.ends_with(".json") {
        Some(FileClass::Json)
    } else if lower.ends_with(".tpl") && name.contains('_') {
        // Helm helper templates (`_helpers.tpl`) are part of a chart.
        Some(FileClass::Yaml)
    } else {
        None
    }
}

/// The directory a scan of `root` shows paths relative to: `root` itself, or a file's parent.
pub fn base_of(root: &Path) -> PathBuf {
    if root.is_file() { root.parent().unwrap_or(Path::new("")).to_path_buf() } else { root.to_path_buf() }
}

/// The deepest directory containing every one of `paths` (canonical), for a scan of several
/// paths at once; `None` when a path does not exist.
pub fn common_base(paths: &[PathBuf]) -> Result<PathBuf, DiscoverError> {
    let mut common: Option<PathBuf> = None;
    for p in paths {
        let canonical = std::fs::canonicalize(p).map_err(|_| DiscoverError::Missing(p.display().to_string()))?;
        let base = base_of(&canonical);
        common = Some(match common {
            None => base,
            Some(c) => c.components().zip(base.components()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect(),
        });
    }
    common.ok_or_else(|| DiscoverError::Missing(String::new()))
}

/// Walks every one of `paths` (files or directories) and classifies what it finds, with display
/// paths relative to their [`common_base`]; a file reached through two of the paths is listed
/// once.
pub fn discover_paths(paths: &[PathBuf], options: &DiscoverOptions) -> Result<(PathBuf, Discovered), DiscoverError> {
    let base = common_base(paths)?;
    let mut all = Discovered::default();
    for p in paths {
        let canonical = std::fs::canonicalize(p).map_err(|_| DiscoverError::Missing(p.display().to_string()))?;
        let found = discover_in(&canonical, &base, options)?;
        all.candidates.extend(found.candidates);
        all.problems.extend(found.problems);
    }
    all.candidates.sort_by(|a, b| a.display.cmp(&b.display));
    all.candidates.dedup_by(|a, b| a.display == b.display);
    all.problems.sort_by(|a, b| a.display.cmp(&b.display));
    all.problems.dedup();
    Ok((base, all))
}

/// Walks `root` and classifies what it finds. `root` may be a file.
pub fn discover(root: &Path, options: &DiscoverOptions) -> Result<Discovered, DiscoverError> {
    discover_in(root, &base_of(root), options)
}

/// Walks `root`, showing paths relative to `base` (an ancestor of `root`, or `root` itself).
fn discover_in(root: &Path, base: &Path, options: &DiscoverOptions) -> Result<Discovered, DiscoverError> {
    if std::fs::symlink_metadata(root).is_err() {
        return Err(DiscoverError::Missing(root.display().to_string()));
    }
    let base = base.to_path_buf();
    let mut overrides = OverrideBuilder::new(&base);
    for pattern in &options.exclude {
        overrides.add(&format!("!{pattern}")).map_err(|e| DiscoverError::BadGlob { pattern: pattern.clone(), message: e.to_string() })?;
    }
    let overrides =
        overrides.build().map_err(|e| DiscoverError::BadGlob { pattern: options.exclude.join(", "), message: e.to_string() })?;

    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .git_global(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .add_custom_ignore_filename(".stridegateignore")
        .overrides(overrides)
        .threads(crate::scan::effective_threads(options.threads))
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir()) && (name == ".git" || name == ".terraform" || name == "node_modules"))
        });

    // (path, is a symlink, is a regular file), candidate names only. The file type comes
    // with the directory entry: no second `stat` per file after the walk.
    let found: Mutex<Vec<(PathBuf, bool, bool)>> = Mutex::new(Vec::new());
    let problems: Mutex<Vec<WalkProblem>> = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => {
                    // Everything but directories: regular files, symlinks, and special files
                    // (FIFOs, sockets, devices), which are reported rather than read.
                    let is_symlink = e.path_is_symlink();
                    let file_type = e.file_type();
                    let is_dir = file_type.is_some_and(|t| t.is_dir());
                    let is_file = file_type.is_some_and(|t| t.is_file());
                    if !is_dir
                        && is_candidate_name(&e.file_name().to_string_lossy()).is_some()
                        && let Ok(mut f) = found.lock()
                    {
                        f.push((e.into_path(), is_symlink, is_file));
                    }
                }
                Err(err) => {
                    if let Ok(mut p) = problems.lock() {
                        p.push(walk_problem(&err, &base));
                    }
                }
            }
            WalkState::Continue
        })
    });
    let found = found.into_inner().unwrap_or_default();
    let mut problems = problems.into_inner().unwrap_or_default();

    // Helm charts: any directory holding a Chart.yaml.
    let charts: BTreeSet<PathBuf> = found
        .iter()
        .filter(|(p, _, _)| p.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|(p, _, _)| p.parent().map(Path::to_path_buf))
        .collect();

    let canonical_root = std::fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
    let mut candidates = Vec::new();
    for (path, is_symlink, is_file) in found {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let Some(mut class) = is_candidate_name(&name) else { continue };
        let display = display_path(&path, &base);
        if !is_symlink && !is_file {
            problems.push(WalkProblem {
                display,
                message: "not a regular file (FIFO, socket or device); not read".to_string(),
                incomplete: false,
            });
            continue;
        }
        if is_symlink {
            match std::fs::canonicalize(&path) {
                Err(e) => {
                    // ELOOP is 40 on Linux, 62 on macOS and the BSDs.
                    let message = if matches!(e.raw_os_error(), Some(40 | 62)) {
                        "symlink loop: the chain of links never reaches a file".to_string()
                    } else {
                        format!("broken symlink: {e}")
                    };
                    problems.push(WalkProblem { display, message, incomplete: true });
                    continue;
                }
                Ok(target) if !target.starts_with(&canonical_root) => {
                    problems.push(WalkProblem {
                        display,
                        message: "symlink points outside the scanned directory; not followed".to_string(),
                        incomplete: false,
                    });
                    continue;
                }
                Ok(target) if target.is_dir() => {
                    problems.push(WalkProblem { display, message: "symlinked directory; not followed".to_string(), incomplete: false });
                    continue;
                }
                Ok(target) if !target.is_file() => {
                    problems.push(WalkProblem {
                        display,
                        message: "symlink to a special file (FIFO, socket or device); not followed".to_string(),
                        incomplete: false,
                    });
                    continue;
                }
                Ok(_) => {}
            }
        }
        // The outermost chart holding the file (its ancestors, looked up: not every chart per file).
        if let Some(chart) = path.ancestors().skip(1).filter(|a| charts.contains(*a)).last() {
            class = FileClass::HelmChart { chart: display_path(chart, &base) };
        } else if name.ends_with(".tpl") {
            continue;
        }
        candidates.push(Candidate { path, display, class });
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    problems.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(Discovered { candidates, problems })
}

fn display_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() { path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default() } else { s }
}

fn walk_problem(err: &ignore::Error, base: &Path) -> WalkProblem {
    let (path, message) = describe_walk_error(err);
    let display = path.map_or_else(|| base.display().to_string(), |p| display_path(&p, base));
    WalkProblem { display, message, incomplete: true }
}

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe_walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => describe_walk_error(err),
        ignore::Error::Loop { child, ancestor } => {
            (Some(child.clone()), format!("filesystem loop: {} points back to {}", child.display(), ancestor.display()))
        }
        ignore::Error::Io(e) => (None, format!("cannot read: {e}")),
        other => (None, other.to_string()),
    }
}

/// Whether `path` (lexically inside `root`) passes through a symbolic link at or below
/// `root`. Decided from the link entries alone, without following them: callers give a path
/// through a link one answer whatever its target, so nothing outside the scan is revealed.
pub fn through_symlink(path: &Path, root: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let mut current = root.to_path_buf();
    for component in rel.components() {
        current.push(component);
        if std::fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn special_files_are_reported_and_charts_are_outermost() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.yaml"), "kind: Pod\n").unwrap();
        std::fs::write(root.join("notes.txt"), "not a candidate\n").unwrap();
        for chart in ["c", "c/charts/sub"] {
            std::fs::create_dir_all(root.join(chart).join("templates")).unwrap();
            std::fs::write(root.join(chart).join("Chart.yaml"), "name: x\n").unwrap();
            std::fs::write(root.join(chart).join("templates/t.yaml"), "kind: Pod\n").unwrap();
        }
        let fifo = std::process::Command::new("mkfifo").arg(root.join("pipe.yaml")).status().is_ok_and(|s| s.success());
        let found = discover(root, &DiscoverOptions::default()).unwrap();
        let shown: Vec<(&str, &FileClass)> = found.candidates.iter().map(|c| (c.display.as_str(), &c.class)).collect();
        let chart = FileClass::HelmChart { chart: "c".to_string() };
        assert_eq!(
            shown,
            vec![
                ("a.yaml", &FileClass::Yaml),
                ("c/Chart.yaml", &chart),
                ("c/charts/sub/Chart.yaml", &chart),
                ("c/charts/sub/templates/t.yaml", &chart),
                ("c/templates/t.yaml", &chart),
            ]
        );
        if fifo {
            assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
            assert_eq!(found.problems[0].display, "pipe.yaml");
            assert!(found.problems[0].message.contains("not a regular file"));
        }
    }
}
