//! `--changed-since REF`: which files of the working tree differ from a revision, read with a
//! git library (gix), never by running `git`.
//!
//! Only the scan's candidate files matter (the files discovery found, `.gitignore` honoured),
//! so instead of diffing indexes we compare each candidate's content with the blob REF's tree
//! holds at the same path: a candidate is changed when REF has no blob there or a different one.
//! This covers committed, staged and unstaged changes and untracked (not ignored) files at
//! once. Files deleted since REF are not reported on (nothing is left to analyze), but a
//! deletion still changes what the whole-scan rules see, and they see the working tree.
//! Content filters (`autocrlf`, `.gitattributes` filters) are not applied: a file they would
//! rewrite counts as changed, which only ever reports more.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::discover::Candidate;

/// Why the repository or the revision could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitError {
    /// No git repository holds the scanned paths.
    #[error("--changed-since: no git repository holds {path}: {message}")]
    #[diagnostic(
        code(stridegate::usage::git_repository),
        help("run stridegate inside a git working tree, or scan the changed files with --changed")
    )]
    NoRepository {
        /// The path searched from.
        path: String,
        /// What gix said.
        message: String,
    },
    /// A bare repository has no working tree to compare.
    #[error("--changed-since: the repository at {0} has no working tree")]
    #[diagnostic(code(stridegate::usage::git_repository))]
    Bare(String),
    /// The revision does not name a tree.
    #[error("--changed-since: `{rev}` is not a revision of this repository: {message}")]
    #[diagnostic(
        code(stridegate::usage::git_revision),
        help("give a branch, tag or commit that exists locally (in CI, fetch it first: actions/checkout with fetch-depth: 0)")
    )]
    BadRevision {
        /// The revision given.
        rev: String,
        /// What gix said.
        message: String,
    },
}

/// A git working tree opened for comparison.
pub struct Repository {
    repo: gix::Repository,
    workdir: PathBuf,
}

impl Repository {
    /// Opens the repository holding the common base of `paths` (the current directory when
    /// `paths` is empty).
    pub fn discover(paths: &[PathBuf]) -> Result<Self, GitError> {
        let from = if paths.is_empty() {
            PathBuf::from(".")
        } else {
            crate::discover::common_base(paths).map_err(|e| GitError::NoRepository { path: paths_list(paths), message: e.to_string() })?
        };
        let repo = gix::discover(&from).map_err(|e| GitError::NoRepository { path: from.display().to_string(), message: e.to_string() })?;
        let workdir = repo.workdir().ok_or_else(|| GitError::Bare(repo.path().display().to_string()))?;
        let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
        Ok(Repository { repo, workdir })
    }

    /// The working tree's root directory (canonical).
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// Display paths (relative to [`Repository::workdir`]) of the `candidates` whose content
    /// differs from the blob at the same path in `rev`'s tree, or which `rev` does not have.
    /// `candidates` must have been discovered from the working tree's root. A file larger
    /// than `max_size` is not read and counts as changed (the scan reports it anyway).
    pub fn changed_since(&self, rev: &str, candidates: &[Candidate], max_size: u64) -> Result<Vec<String>, GitError> {
        let bad = |message: String| GitError::BadRevision { rev: rev.to_string(), message };
        let id = self.repo.rev_parse_single(rev).map_err(|e| bad(e.to_string()))?;
        let object = id.object().map_err(|e| bad(e.to_string()))?;
        let tree = object.peel_to_tree().map_err(|e| bad(e.to_string()))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse().breadthfirst(&mut recorder).map_err(|e| bad(e.to_string()))?;
        let blobs: HashMap<String, gix::ObjectId> = recorder
            .records
            .into_iter()
            .filter(|e| e.mode.is_blob() || e.mode.is_link())
            .map(|e| (String::from_utf8_lossy(&e.filepath).into_owned(), e.oid))
            .collect();
        let kind = self.repo.object_hash();
        let mut changed = Vec::new();
        for c in candidates {
            let Some(old) = blobs.get(&c.display) else {
                changed.push(c.display.clone());
                continue;
            };
            let same = read_bounded(&c.path, max_size)
                .and_then(|bytes| gix::objs::compute_hash(kind, gix::objs::Kind::Blob, &bytes).ok())
                .is_some_and(|new| new == *old);
            if !same {
                changed.push(c.display.clone());
            }
        }
        changed.sort();
        Ok(changed)
    }
}

fn paths_list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// The file's bytes, or `None` when unreadable or over `max_size`.
fn read_bounded(path: &Path, max_size: u64) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(max_size.saturating_add(1)).read_to_end(&mut bytes).ok()?;
    (u64::try_from(bytes.len()).unwrap_or(u64::MAX) <= max_size).then_some(bytes)
}
