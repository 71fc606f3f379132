//! The incremental cache: what each analysis unit produced (its file records, findings before
//! suppressions, the suppressions written in its files (matched after the scan, so suppression
//! options and `[[suppress]]` entries do not invalidate), undecidable controls, whole-scan
//! observations, parts not analyzed), stored
//! under `.stridegate/cache` in the scan root (or `--cache-dir`), so a rerun on an unchanged
//! repository skips parsing, evaluation and rules for every unit. Whole-scan rules still run,
//! on the restored observations.
//!
//! **Validity.** The store carries one key for everything global: the cache format, the
//! stridegate version and the running executable's size and modification time (so any rebuild
//! invalidates), the rule set (ids of the rules that run, their metadata and policy sources, the
//! shared Rego libraries), the configuration's rule settings ([`Engine::settings`]) and every
//! scan option that changes analysis (see
//! [`options_fingerprint`]). A different key discards the whole store. Each entry then names its
//! inputs:
//! - a YAML/JSON document unit depends on its one file: size, modification and change times and
//!   inode are compared first (a `stat`, no read), and only when they differ is the content
//!   hashed (SHA-256) and compared, so `touch` or a checkout of the same content stays a hit;
//! - a Helm chart or Kustomize build can read files outside the files it owns (values files,
//!   dependencies, bases, patches), and so can a Terraform module whose text mentions
//!   `module`, `file`, `helm` or `kustomiz` (module calls, `file()` and its kin, Helm releases):
//!   their entries also record the *tree fingerprint*, the metadata (path, type, size, times,
//!   inode, symlink target) of every file under the scan root (but `.git`, `node_modules` and
//!   `.stridegate`), and any change in the tree re-analyzes them. This is conservative (always
//!   correct, sometimes slower). Other Terraform modules depend on their own files and on the
//!   modules that call them (part of the unit's identity); documents on their file.
//!
//! **Trust.** The store is a header line and length-prefixed entries, each with its SHA-256.
//! A damaged or truncated store, an entry failing its checksum, an entry that does not parse
//! or names a rule the engine does not run: all are dropped, noted, and the unit is analyzed
//! again. Units whose result depends on time (a rule or unit timeout, a rule failure, the
//! scan's `--timeout`, an internal error) are never stored.
//!
//! **Writing.** The store is written to a new temporary file in the cache directory and
//! renamed over the old one, so a concurrent run sees either store, never a mix. A cache
//! directory inside the root is never created through a symlink. The store is bounded:
//! entries not used in the last [`MAX_AGE`] writes are evicted, and at most [`MAX_ENTRIES`]
//! entries and [`MAX_BYTES`] bytes are kept (most recently used first).

mod codec;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use codec::{UnitData, UnitView};

use crate::engine::Engine;
use crate::frontend::Unit;
use crate::rules::{Implementation, RuleSet};
use crate::scan::ScanOptions;

/// Version of the store's layout and entry format.
const FORMAT: u32 = 3;
/// First line of a store.
const MAGIC: &str = "stridegate-cache";
/// Name of the store in the cache directory.
const STORE: &str = "units.bin";
/// Entries not used in this many writes of the store are evicted.
pub const MAX_AGE: u64 = 8;
/// Most entries a store keeps.
pub const MAX_ENTRIES: usize = 200_000;
/// Most payload bytes a store keeps.
pub const MAX_BYTES: usize = 512 * 1024 * 1024;
/// Most files the tree fingerprint visits; a larger tree leaves Terraform, Helm and Kustomize
/// units uncached.
const MAX_TREE_FILES: usize = 1_000_000;

/// Where the cache lives and what the scan's rules are (set by the command line).
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// The cache directory; `None`: `.stridegate/cache` under the scan root.
    pub dir: Option<PathBuf>,
    /// [`rules_fingerprint`] of the loaded rule set.
    pub rules: String,
}

/// What the cache did in one scan (shown with `--verbose`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// The cache directory.
    pub dir: String,
    /// Units restored from the cache.
    pub hits: usize,
    /// Units analyzed (not in the cache, or their inputs changed).
    pub misses: usize,
    /// Units analyzed but not stored (their result depended on time, or their inputs could
    /// not be read).
    pub uncacheable: usize,
    /// Entries written.
    pub stored: usize,
    /// Why the store was discarded as a whole (other rules, options or executable).
    pub reset: Option<String>,
    /// Damage found and repaired (a corrupt store or entry), or a store that could not be
    /// written.
    pub notes: Vec<String>,
}

/// One line for `--verbose`: `cache: 9999 units restored, 1 analyzed (1 stored) in DIR`.
pub fn describe(stats: &CacheStats) -> String {
    let mut s = format!("cache: {} units restored, {} analyzed ({} stored", stats.hits, stats.misses, stats.stored);
    if stats.uncacheable > 0 {
        s.push_str(&format!(", {} not cacheable", stats.uncacheable));
    }
    s.push_str(&format!(") in {}", stats.dir));
    if let Some(reset) = &stats.reset {
        s.push_str(&format!("; cache rebuilt: {reset}"));
    }
    s
}

/// The fingerprint of a rule set: every rule's metadata and policy source and every shared
/// library. Which of the rules run is added by [`Cache::open`] from the engine.
pub fn rules_fingerprint(set: &RuleSet) -> String {
    let mut h = Sha256::new();
    for r in &set.rules {
        h.update(format!("{:?}\0{}\0", r.meta, r.dir).as_bytes());
        match &r.implementation {
            Implementation::Rego { file, source } => {
                h.update(file.as_bytes());
                h.update([0]);
                h.update(source.as_bytes());
                h.update([0]);
            }
            Implementation::Native => h.update(b"native\0"),
        }
    }
    for l in &set.libraries {
        h.update(l.file.as_bytes());
        h.update([0]);
        h.update(l.source.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

/// The fingerprint of the scan options that change what a unit produces. The destructuring is
/// exhaustive: a new option fails to compile here until it is either hashed or listed as
/// irrelevant.
pub fn options_fingerprint(options: &ScanOptions) -> String {
    let ScanOptions {
        discover,
        max_file_size,
        limits,
        threads: _,
        progress: _,
        total: _,
        root,
        terraform_vars,
        terraform_env,
        analysis,
        // Units cut short by the timeout are never stored.
        timeout: _,
        inventory,
        helm,
        cache: _,
        // Entries hold every suppression found, before matching: suppression options and
        // the configuration's suppressions apply after the scan, to restored units as well.
        suppress: _,
        external_suppressions: _,
        // A unit that is reported on is analyzed the same whatever the selection (context
        // units are never cached); findings are filtered after the scan.
        selection: _,
    } = options;
    let mut h = Sha256::new();
    h.update(
        format!(
            "{:?}\0{:?}\0{max_file_size}\0{limits:?}\0{root:?}\0{}\0{terraform_env}\0{analysis:?}\0{inventory}\0{helm:?}\0",
            discover.exclude,
            discover.no_ignore,
            serde_json::Value::Object(terraform_vars.clone()),
        )
        .as_bytes(),
    );
    if *terraform_env {
        let mut vars: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
            .filter(|(k, _)| k.starts_with("TF_VAR_"))
            .collect();
        vars.sort();
        h.update(format!("{vars:?}").as_bytes());
    }
    // Values files may live outside the scan root (and its tree fingerprint).
    for f in &helm.values_files {
        match std::fs::read(f) {
            Ok(bytes) => h.update(Sha256::digest(&bytes)),
            Err(e) => h.update(e.to_string().as_bytes()),
        }
    }
    for f in &helm.values_inline {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
    }
    hex(&h.finalize())
}

/// The running executable's identity: its size and modification time (any rebuild of
/// stridegate, including its native rules, changes it).
fn executable_fingerprint() -> String {
    match std::env::current_exe().and_then(std::fs::metadata) {
        Ok(m) => format!("{}:{:?}", m.len(), m.modified().ok()),
        Err(_) => "unknown".to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A file's metadata: compared before hashing its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Meta {
    size: u64,
    mtime: i128,
    ctime: i128,
    ino: u64,
}

fn nanos(t: std::io::Result<SystemTime>) -> i128 {
    match t {
        Ok(t) => match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        },
        Err(_) => 0,
    }
}

fn meta_of(m: &std::fs::Metadata) -> Meta {
    #[cfg(unix)]
    let (ctime, ino) = {
        use std::os::unix::fs::MetadataExt;
        (i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()), m.ino())
    };
    #[cfg(not(unix))]
    let (ctime, ino) = (nanos(m.created()), 0);
    Meta { size: m.len(), mtime: nanos(m.modified()), ctime, ino }
}

/// One input of a unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Dep {
    /// Path relative to the scan root (`/`-separated).
    path: String,
    meta: Meta,
    /// SHA-256 of the content.
    hash: String,
}

/// One stored unit.
#[derive(Serialize, Deserialize)]
struct Entry {
    id: String,
    tree: Option<String>,
    deps: Vec<Dep>,
    unit: codec::CUnit,
}

/// An entry of the store read at start-up (checked when used).
struct Stored {
    used: u64,
    checksum: String,
    /// Id and payload in the store's bytes.
    id: Range<usize>,
    payload: Range<usize>,
}

/// The cache of one scan.
pub struct Cache {
    dir: PathBuf,
    root: PathBuf,
    key: String,
    run: u64,
    data: Vec<u8>,
    old: HashMap<String, Stored>,
    /// Entries written this run (id, payload).
    fresh: Mutex<Vec<(String, Vec<u8>)>>,
    /// Old entries used this run, kept as they are.
    kept: Mutex<HashSet<String>>,
    tree: OnceLock<Option<String>>,
    rules: codec::Rules,
    hits: AtomicUsize,
    misses: AtomicUsize,
    uncacheable: AtomicUsize,
    damaged: AtomicBool,
    reset: Option<String>,
    notes: Mutex<Vec<String>>,
}

/// What [`Cache::lookup`] found for a unit: its restored result, or what is needed to store
/// the result once the unit is analyzed.
pub struct Probe {
    id: String,
    tree: Option<String>,
    /// The inputs, hashed before the unit is analyzed; `None`: not cacheable.
    deps: Option<Vec<Dep>>,
    /// The restored result.
    pub hit: Option<UnitData>,
}

/// A unit's identity in the store: its kind and the files it owns.
fn identity(unit: &Unit) -> String {
    match unit {
        Unit::Document(c) => format!("document {:?} {}", c.class, c.display),
        Unit::Terraform(m) => format!("terraform {}\ncalled from {}", unit.files().join("\n"), m.callers().join("\n")),
        Unit::Kustomize(_) => format!("kustomize {}", unit.files().join("\n")),
        Unit::Helm(_) => format!("helm {}", unit.files().join("\n")),
    }
}

/// The unit's own files: (path relative to the root, where to read it).
fn own_files(unit: &Unit, root: &Path) -> Vec<(String, PathBuf)> {
    match unit {
        Unit::Document(c) => vec![(c.display.clone(), c.path.clone())],
        _ => unit.files().into_iter().map(|d| (d.clone(), root.join(&d))).collect(),
    }
}

/// Metadata of `path` as a dependency: a modification within the last seconds is recorded as
/// time zero, so the next run compares content (a file changed again within the clock's
/// granularity is never mistaken for unchanged).
fn dep_meta(path: &Path) -> Option<Meta> {
    let m = std::fs::metadata(path).ok()?;
    if !m.is_file() {
        return None;
    }
    let mut meta = meta_of(&m);
    let now = nanos(Ok(SystemTime::now()));
    if now - meta.mtime < 2_000_000_000 || now - meta.ctime < 2_000_000_000 {
        meta.mtime = 0;
    }
    Some(meta)
}

/// The SHA-256 of a file's content, and whether the content may make a Terraform module read
/// other files (a module call, `file()` and its kin, a Helm release, a Kustomize build: any
/// mention of `module`, `file`, `helm` or `kustomiz`, in any case, which is conservative).
fn content_hash(path: &Path, max: u64) -> Option<(String, bool)> {
    use std::io::Read;
    static REACHING: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(max.saturating_add(1)).read_to_end(&mut bytes).ok()?;
    let reaching =
        REACHING.get_or_init(|| regex::bytes::Regex::new("(?i)module|file|helm|kustomiz").ok()).as_ref().is_none_or(|r| r.is_match(&bytes));
    Some((hex(&Sha256::digest(&bytes)), reaching))
}

/// What a unit may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Only its own file (a YAML or JSON document).
    Own,
    /// Only its own files unless their text reaches further (a Terraform module).
    OwnUnlessReaching,
    /// Anything in the tree (a Helm chart, a Kustomize build).
    Tree,
}

impl Cache {
    /// Opens the cache for a scan of `root` (canonical): reads the store if there is one and
    /// its key matches. `None` (with the reason) when the cache directory is unsafe.
    pub fn open(settings: &CacheSettings, root: &Path, options: &ScanOptions, engine: &Engine) -> Result<Self, String> {
        let dir = match &settings.dir {
            Some(d) => d.clone(),
            None => root.join(".stridegate").join("cache"),
        };
        let mut key = Sha256::new();
        key.update(format!("{MAGIC} {FORMAT}\0{}\0{}\0{}\0", crate::VERSION, executable_fingerprint(), settings.rules).as_bytes());
        for m in engine.rules() {
            key.update(m.id.as_bytes());
            key.update([0]);
        }
        // The configuration's rule settings change what rules find (and observe).
        key.update(format!("{:?}\0", engine.settings()).as_bytes());
        key.update(options_fingerprint(options).as_bytes());
        let key = hex(&key.finalize());
        let mut cache = Cache {
            dir,
            root: root.to_path_buf(),
            key,
            run: 1,
            data: Vec::new(),
            old: HashMap::new(),
            fresh: Mutex::new(Vec::new()),
            kept: Mutex::new(HashSet::new()),
            tree: OnceLock::new(),
            rules: codec::Rules::new(engine.rules()),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            uncacheable: AtomicUsize::new(0),
            damaged: AtomicBool::new(false),
            reset: None,
            notes: Mutex::new(Vec::new()),
        };
        check_dir(&cache.dir, &cache.root)?;
        cache.load();
        Ok(cache)
    }

    fn note(&self, message: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(message);
        }
    }

    /// Reads the store: the header must match, entries are indexed (checked when used).
    fn load(&mut self) {
        let path = self.dir.join(STORE);
        // Only a regular file: a planted symlink or FIFO is never followed or opened.
        match std::fs::symlink_metadata(&path) {
            Ok(m) if !m.is_file() => {
                self.note(format!("{} is not a regular file: the cache is rebuilt", path.display()));
                self.damaged.store(true, Ordering::Relaxed);
                return;
            }
            _ => {}
        }
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                self.note(format!("cannot read the cache ({e}): every unit is analyzed"));
                return;
            }
        };
        let mut lines = LineReader { data: &data, pos: 0 };
        let version = lines.line().and_then(|magic| magic.split_once(' ').filter(|(m, _)| *m == MAGIC).map(|(_, v)| v.to_string()));
        if version.as_ref().is_some_and(|v| *v != FORMAT.to_string()) {
            self.reset = Some("it was written in another format".to_string());
            return;
        }
        let header = version.and_then(|_| serde_json::from_str::<Header>(lines.line()?).ok());
        let Some(header) = header else {
            self.note("the cache store is damaged (bad header): rebuilt".to_string());
            self.damaged.store(true, Ordering::Relaxed);
            return;
        };
        self.run = header.run.saturating_add(1);
        if header.key != self.key {
            self.reset = Some("the rules, the options or the stridegate executable changed".to_string());
            return;
        }
        while lines.pos < data.len() {
            match lines.entry() {
                Some((used, checksum, id, payload)) => match std::str::from_utf8(&data[id.clone()]) {
                    Ok(name) => {
                        self.old.insert(name.to_string(), Stored { used, checksum, id, payload });
                    }
                    Err(_) => {
                        self.damaged.store(true, Ordering::Relaxed);
                    }
                },
                None => {
                    self.note(format!("the cache store is damaged at byte {}: the rest of it is dropped and rebuilt", lines.pos));
                    self.damaged.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        self.data = data;
    }

    /// The metadata fingerprint of every file under the root (computed once, when a unit that
    /// can read beyond its own files is first looked up).
    fn tree(&self) -> Option<String> {
        self.tree
            .get_or_init(|| {
                let mut h = Sha256::new();
                let mut count = 0usize;
                let state = self.root.join(".stridegate");
                let mut stack = vec![self.root.clone()];
                while let Some(dir) = stack.pop() {
                    let Ok(entries) = std::fs::read_dir(&dir) else {
                        h.update(format!("unreadable {}\0", dir.display()).as_bytes());
                        continue;
                    };
                    let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
                    entries.sort_by_key(std::fs::DirEntry::file_name);
                    for e in entries {
                        let path = e.path();
                        let name = e.file_name();
                        // The cache itself, stridegate's state directory, and what scans never read.
                        if path == self.dir || path == state || name == ".git" || name == "node_modules" {
                            continue;
                        }
                        count += 1;
                        if count > MAX_TREE_FILES {
                            return None;
                        }
                        let Ok(m) = std::fs::symlink_metadata(&path) else { continue };
                        let ft = m.file_type();
                        let meta = meta_of(&m);
                        h.update(
                            format!("{}\0{}{}\0{meta:?}\0", path.display(), u8::from(ft.is_dir()), u8::from(ft.is_symlink())).as_bytes(),
                        );
                        if ft.is_symlink() {
                            if let Ok(target) = std::fs::read_link(&path) {
                                h.update(target.as_os_str().as_encoded_bytes());
                            }
                        } else if ft.is_dir() {
                            stack.push(path);
                        }
                    }
                }
                Some(hex(&h.finalize()))
            })
            .clone()
    }

    /// Looks `unit` up: a hit restores its result; a miss records its inputs (hashed now,
    /// before the unit reads them) so that [`Cache::store`] can save the result.
    pub fn lookup(&self, unit: &Unit, max_file_size: u64) -> Probe {
        let id = identity(unit);
        let scope = match unit {
            Unit::Document(_) => Scope::Own,
            Unit::Terraform(_) => Scope::OwnUnlessReaching,
            Unit::Kustomize(_) | Unit::Helm(_) => Scope::Tree,
        };
        let files = own_files(unit, &self.root);
        let mut metas = Vec::with_capacity(files.len());
        for (_, path) in &files {
            match dep_meta(path) {
                Some(m) => metas.push(m),
                None => return self.miss(id, None, None),
            }
        }
        if let Some(stored) = self.old.get(&id)
            && let Some(hit) = self.restore(&id, stored, scope, &files, &metas, max_file_size)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Probe { id, tree: None, deps: None, hit: Some(hit) };
        }
        let mut deps = Vec::with_capacity(files.len());
        let mut reaching = false;
        for ((display, path), meta) in files.into_iter().zip(metas) {
            let Some((hash, reaches)) = content_hash(&path, max_file_size) else { return self.miss(id, None, None) };
            reaching |= reaches;
            deps.push(Dep { path: display, meta, hash });
        }
        let tree = match scope {
            Scope::Own => None,
            Scope::OwnUnlessReaching if !reaching => None,
            _ => match self.tree() {
                Some(t) => Some(t),
                None => return self.miss(id, None, None),
            },
        };
        self.miss(id, tree, Some(deps))
    }

    fn miss(&self, id: String, tree: Option<String>, deps: Option<Vec<Dep>>) -> Probe {
        self.misses.fetch_add(1, Ordering::Relaxed);
        Probe { id, tree, deps, hit: None }
    }

    /// The stored result of `id` if it is intact and its inputs are unchanged.
    fn restore(
        &self,
        id: &str,
        stored: &Stored,
        scope: Scope,
        files: &[(String, PathBuf)],
        metas: &[Meta],
        max_file_size: u64,
    ) -> Option<UnitData> {
        let payload = self.data.get(stored.payload.clone())?;
        let name = self.data.get(stored.id.clone())?;
        if checksum(name, payload) != stored.checksum {
            self.damaged.store(true, Ordering::Relaxed);
            self.note(format!("a cache entry failed its checksum ({}): re-analyzed", id.replace('\n', ", ")));
            return None;
        }
        let mut entry: Entry = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                self.damaged.store(true, Ordering::Relaxed);
                self.note(format!("a cache entry does not parse ({e}): re-analyzed"));
                return None;
            }
        };
        if entry.id != id || entry.deps.len() != files.len() {
            return None;
        }
        // An entry without a tree fingerprint was stored for a unit that reads only its own
        // files (which are compared below: the same content still reads nothing else).
        match (&entry.tree, scope) {
            (None, Scope::Own | Scope::OwnUnlessReaching) => {}
            (Some(t), Scope::OwnUnlessReaching | Scope::Tree) if Some(t) == self.tree().as_ref() => {}
            _ => return None,
        }
        let mut refreshed = false;
        for ((dep, (display, path)), meta) in entry.deps.iter_mut().zip(files).zip(metas) {
            if dep.path != *display {
                return None;
            }
            // A zero modification time was recorded or read within the clock's granularity.
            if dep.meta == *meta && meta.mtime != 0 {
                continue;
            }
            // Metadata differ (touched, checked out again, or changed): compare content.
            if dep.meta.size != meta.size || content_hash(path, max_file_size)?.0 != dep.hash {
                return None;
            }
            dep.meta = *meta;
            refreshed = true;
        }
        if refreshed {
            // Same content, new metadata: store the new metadata so the next run needs no read.
            match serde_json::to_vec(&entry) {
                Ok(bytes) => {
                    if let Ok(mut f) = self.fresh.lock() {
                        f.push((id.to_string(), bytes));
                    }
                }
                Err(_) => return None,
            }
        } else if let Ok(mut k) = self.kept.lock() {
            k.insert(id.to_string());
        }
        let restored = codec::decode(entry.unit, &self.rules);
        if restored.is_none() {
            self.note("a cache entry names a rule that does not run: re-analyzed".to_string());
        }
        restored
    }

    /// Stores what a missed unit produced (`complete`: its result does not depend on time).
    pub fn store(&self, probe: Probe, data: UnitView<'_>, complete: bool) {
        let Probe { id, tree, deps, hit: _ } = probe;
        let (Some(deps), true) = (deps, complete) else {
            self.uncacheable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Some(unit) = codec::encode(data, &self.rules) else {
            self.uncacheable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let entry = Entry { id, tree, deps, unit };
        match serde_json::to_vec(&entry) {
            Ok(bytes) => {
                if let Ok(mut f) = self.fresh.lock() {
                    f.push((entry.id, bytes));
                }
            }
            Err(_) => {
                self.uncacheable.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Writes the store when anything changed (new entries, a discarded or damaged store,
    /// entries to evict) and returns what the cache did.
    pub fn finish(self) -> CacheStats {
        let fresh = self.fresh.into_inner().unwrap_or_default();
        let kept = self.kept.into_inner().unwrap_or_default();
        let mut notes = self.notes.into_inner().unwrap_or_default();
        let damaged = self.damaged.load(Ordering::Relaxed);
        let stale = self.old.values().any(|s| s.used.saturating_add(MAX_AGE) < self.run);
        let mut stats = CacheStats {
            dir: self.dir.display().to_string(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            uncacheable: self.uncacheable.load(Ordering::Relaxed),
            stored: fresh.len(),
            reset: self.reset.clone(),
            notes: Vec::new(),
        };
        if !fresh.is_empty() || damaged || stale || self.reset.is_some() {
            let written: HashSet<&str> = fresh.iter().map(|(id, _)| id.as_str()).collect();
            // Most recently used first: this run's entries, then the others by last use.
            let mut others: Vec<(&String, &Stored)> =
                self.old.iter().filter(|(id, s)| !written.contains(id.as_str()) && s.used.saturating_add(MAX_AGE) >= self.run).collect();
            others.sort_by_key(|(id, s)| (std::cmp::Reverse(if kept.contains(*id) { self.run } else { s.used }), id.as_str()));
            let mut out = format!("{MAGIC} {FORMAT}\n").into_bytes();
            let header = Header { key: self.key.clone(), run: self.run };
            out.extend(serde_json::to_vec(&header).unwrap_or_default());
            out.push(b'\n');
            let mut entries = 0usize;
            let mut bytes = 0usize;
            for (id, payload) in &fresh {
                if entries >= MAX_ENTRIES || bytes + payload.len() > MAX_BYTES {
                    break;
                }
                write_entry(&mut out, self.run, id.as_bytes(), payload, &checksum(id.as_bytes(), payload));
                entries += 1;
                bytes += payload.len();
            }
            for (id, s) in others {
                let (Some(name), Some(payload)) = (self.data.get(s.id.clone()), self.data.get(s.payload.clone())) else { continue };
                if entries >= MAX_ENTRIES || bytes + payload.len() > MAX_BYTES {
                    break;
                }
                let used = if kept.contains(id) { self.run } else { s.used };
                write_entry(&mut out, used, name, payload, &s.checksum);
                entries += 1;
                bytes += payload.len();
            }
            if let Err(e) = check_dir(&self.dir, &self.root) {
                notes.push(e);
            } else if let Err(e) = write_atomically(&self.dir, &out) {
                notes.push(format!("cannot write the cache in {}: {e}", self.dir.display()));
            }
        }
        stats.notes = notes;
        stats
    }
}

/// Refuses a cache directory reached through a symlink inside the scan root.
fn check_dir(dir: &Path, root: &Path) -> Result<(), String> {
    let Ok(rel) = dir.strip_prefix(root) else { return Ok(()) };
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("{} is a symlink: the cache is not used", at.display()));
        }
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Header {
    key: String,
    run: u64,
}

fn checksum(id: &[u8], payload: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(id);
    h.update([0]);
    h.update(payload);
    hex(&h.finalize())
}

/// `<used> <id length> <payload length> <checksum>\n<id><payload>\n`
fn write_entry(out: &mut Vec<u8>, used: u64, id: &[u8], payload: &[u8], checksum: &str) {
    out.extend(format!("{used} {} {} {checksum}\n", id.len(), payload.len()).as_bytes());
    out.extend(id);
    out.extend(payload);
    out.push(b'\n');
}

struct LineReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> LineReader<'a> {
    fn line(&mut self) -> Option<&'a str> {
        let rest = self.data.get(self.pos..)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        self.pos += end + 1;
        Some(line)
    }

    /// The next entry: (used, checksum, id range, payload range).
    fn entry(&mut self) -> Option<(u64, String, Range<usize>, Range<usize>)> {
        let line = self.line()?;
        let mut parts = line.split(' ');
        let used = parts.next()?.parse().ok()?;
        let id_len: usize = parts.next()?.parse().ok()?;
        let len: usize = parts.next()?.parse().ok()?;
        let checksum = parts.next()?.to_string();
        if parts.next().is_some() || checksum.len() != 64 {
            return None;
        }
        let id = self.pos..self.pos.checked_add(id_len)?;
        let payload = id.end..id.end.checked_add(len)?;
        if self.data.get(payload.end) != Some(&b'\n') {
            return None;
        }
        self.pos = payload.end + 1;
        Some((used, checksum, id, payload))
    }
}

/// Writes the store to a new temporary file in `dir` and renames it into place.
fn write_atomically(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if let Some(parent) = dir.parent()
        && parent.file_name().is_some_and(|n| n == ".stridegate")
        && std::fs::symlink_metadata(parent.join(".gitignore")).is_err()
        && let Ok(mut f) = std::fs::OpenOptions::new().write(true).create_new(true).open(parent.join(".gitignore"))
    {
        // Keep the cache out of version control (and out of discovery, which honours it).
        // `create_new` never follows a symlink.
        let _ = f.write_all(b"# Created by stridegate: the cache is not source.\n*\n");
    }
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let tmp = dir.join(format!(
        ".{STORE}.{}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos(Ok(SystemTime::now()))
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        // No fsync: a store damaged by a crash fails its checksums and is rebuilt.
        drop(f);
        std::fs::rename(&tmp, dir.join(STORE))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_stops_reading() {
        let mut out = Vec::new();
        write_entry(&mut out, 3, b"a", b"{}", &checksum(b"a", b"{}"));
        write_entry(&mut out, 4, b"bb", b"[1]", &checksum(b"bb", b"[1]"));
        let mut r = LineReader { data: &out, pos: 0 };
        let (used, sum, id, payload) = r.entry().unwrap_or_else(|| unreachable!());
        assert_eq!((used, &out[id], &out[payload.clone()]), (3, &b"a"[..], &b"{}"[..]));
        assert_eq!(sum, checksum(b"a", b"{}"));
        assert!(r.entry().is_some());
        assert!(r.entry().is_none());
        // Truncated in the middle of the second entry.
        let cut = &out[..out.len() - 3];
        let mut r = LineReader { data: cut, pos: 0 };
        assert!(r.entry().is_some());
        assert!(r.entry().is_none());
    }

    #[test]
    fn recent_modifications_force_a_content_check() {
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let f = dir.path().join("x.yaml");
        std::fs::write(&f, "a: 1\n").unwrap_or_else(|_| unreachable!());
        assert_eq!(dep_meta(&f).map(|m| m.mtime), Some(0));
    }
}
