//! The incremental cache, through the binary on temporary copies of the fixtures: hits,
//! misses after an edit, damaged stores, and invalidation by rules and options.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SHOP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/shop");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A copy of `fixtures/shop/<sub>` (or the whole shop for "").
fn shop(sub: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy_dir(&Path::new(SHOP).join(sub), &root);
    (dir, root)
}

/// What one run reported.
struct Run {
    json: Value,
    stderr: String,
    /// (restored, analyzed) from the `--verbose` cache line.
    counts: Option<(usize, usize)>,
}

impl Run {
    /// Findings and file records: what must not depend on the cache.
    fn outcome(&self) -> (Value, Value, Value) {
        (self.json["findings"].clone(), self.json["files"].clone(), self.json["not_analyzed"].clone())
    }

    fn rules(&self) -> Vec<(String, String)> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["location"]["file"].as_str().unwrap().to_string()))
            .collect()
    }
}

fn scan(root: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .arg("scan")
        .arg(root)
        .args(["-f", "json", "--fail-on", "none", "--no-progress", "-v"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(matches!(out.status.code(), Some(0 | 3)), "exit {:?}: {stderr}", out.status.code());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("cache: ")?;
        let (hits, rest) = rest.split_once(" units restored, ")?;
        let (misses, _) = rest.split_once(" analyzed")?;
        Some((hits.parse().ok()?, misses.parse().ok()?))
    });
    Run { json, stderr, counts }
}

fn cached(root: &Path, cache: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--cache-dir", cache.to_str().unwrap()];
    args.extend_from_slice(extra);
    scan(root, &args)
}

fn store(cache: &Path) -> PathBuf {
    cache.join("units.bin")
}

#[test]
fn a_rerun_restores_every_unit_with_the_same_report() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let fresh = scan(&root, &["--no-cache"]);
    assert_eq!(fresh.counts, None, "no cache line without a cache: {}", fresh.stderr);
    let first = cached(&root, &cache, &[]);
    let (hits, misses) = first.counts.unwrap();
    assert_eq!(hits, 0);
    assert!(misses > 5, "every unit analyzed: {}", first.stderr);
    let second = cached(&root, &cache, &[]);
    assert_eq!(second.counts, Some((misses, 0)), "{}", second.stderr);
    assert!(!fresh.json["findings"].as_array().unwrap().is_empty());
    assert_eq!(second.outcome(), fresh.outcome());
    assert_eq!(first.outcome(), fresh.outcome());
    // Nothing was written into the scanned tree.
    assert!(!root.join(".stridegate").exists());
}

#[test]
fn the_default_cache_lives_in_the_root_and_is_not_scanned() {
    let (_dir, root) = shop("k8s");
    let first = scan(&root, &["--cache"]);
    assert!(root.join(".stridegate/cache/units.bin").is_file());
    assert_eq!(std::fs::read_to_string(root.join(".stridegate/.gitignore")).unwrap().lines().last(), Some("*"));
    let second = scan(&root, &["--cache"]);
    let (hits, misses) = second.counts.unwrap();
    assert_eq!((hits, misses), (first.counts.unwrap().1, 0), "{}", second.stderr);
    assert_eq!(second.outcome(), first.outcome());
    let files = second.json["files"].as_array().unwrap();
    assert!(files.iter().all(|f| !f["path"].as_str().unwrap().contains(".stridegate")), "{files:?}");
}

#[test]
fn an_edit_reanalyzes_only_that_file_and_updates_its_findings() {
    let (dir, root) = shop("k8s");
    let cache = dir.path().join("cache");
    let first = cached(&root, &cache, &[]);
    let units = first.counts.unwrap().1;
    assert!(first.rules().contains(&("K8S-0002".to_string(), "orders-db.yaml".to_string())));
    let db = root.join("orders-db.yaml");
    let text = std::fs::read_to_string(&db).unwrap();
    assert!(text.contains("privileged: true"));
    std::fs::write(&db, text.replace("privileged: true", "privileged: false")).unwrap();
    let second = cached(&root, &cache, &[]);
    assert_eq!(second.counts, Some((units - 1, 1)), "{}", second.stderr);
    assert!(!second.rules().contains(&("K8S-0002".to_string(), "orders-db.yaml".to_string())));
    assert_eq!(second.outcome(), scan(&root, &["--no-cache"]).outcome());
    // A touch (same content, new times) stays a hit.
    let text = std::fs::read(&db).unwrap();
    std::fs::write(&db, text).unwrap();
    let third = cached(&root, &cache, &[]);
    assert_eq!(third.counts, Some((units, 0)), "{}", third.stderr);
}

#[test]
fn whole_scan_rules_run_on_restored_observations() {
    let (dir, root) = shop("k8s");
    let cache = dir.path().join("cache");
    let egress = ("K8S-0020".to_string(), "namespace.yaml".to_string());
    let first = cached(&root, &cache, &[]);
    assert!(first.rules().contains(&egress), "{:?}", first.rules());
    // A new file with a default-deny egress policy: namespace.yaml is restored from the cache,
    // and its finding (a whole-scan rule) goes away.
    std::fs::write(
        root.join("egress.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
    )
    .unwrap();
    let second = cached(&root, &cache, &[]);
    assert_eq!(second.counts, Some((first.counts.unwrap().1, 1)), "{}", second.stderr);
    assert!(!second.rules().contains(&egress), "{:?}", second.rules());
    assert_eq!(second.outcome(), scan(&root, &["--no-cache"]).outcome());
}

#[test]
fn terraform_helm_and_kustomize_units_are_reanalyzed_when_the_tree_changes() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let first = cached(&root, &cache, &[]);
    // A file only Terraform's file() or a chart could read: not a candidate of the scan.
    std::fs::write(root.join("infra/notes.txt"), "x").unwrap();
    let second = cached(&root, &cache, &[]);
    let (hits, misses) = second.counts.unwrap();
    assert!(misses > 0 && hits > 0, "documents restored, other units analyzed: {}", second.stderr);
    assert_eq!(hits + misses, first.counts.unwrap().1);
    assert_eq!(second.outcome(), first.outcome());
}

/// Damages the store with `damage`, then checks the next run notes it, reports what a scan
/// without cache reports, and leaves a store the run after restores completely.
fn recovers_from(damage: impl Fn(&mut Vec<u8>), note: &str) {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let first = cached(&root, &cache, &[]);
    let units = first.counts.unwrap().1;
    let mut bytes = std::fs::read(store(&cache)).unwrap();
    damage(&mut bytes);
    std::fs::write(store(&cache), &bytes).unwrap();
    let second = cached(&root, &cache, &[]);
    assert!(second.stderr.contains("note: ") && second.stderr.contains(note), "{}", second.stderr);
    assert!(second.counts.unwrap().1 > 0, "something was re-analyzed: {}", second.stderr);
    assert_eq!(second.outcome(), first.outcome());
    let third = cached(&root, &cache, &[]);
    assert_eq!(third.counts, Some((units, 0)), "rebuilt: {}", third.stderr);
    assert!(!third.stderr.contains("note: "), "{}", third.stderr);
    assert_eq!(third.outcome(), first.outcome());
}

#[test]
fn a_truncated_store_is_detected_and_rebuilt() {
    recovers_from(|b| b.truncate(b.len() * 2 / 3), "damaged");
}

#[test]
fn a_garbled_entry_fails_its_checksum_and_is_reanalyzed() {
    // Flip a byte inside the last entry's payload (its length and framing stay intact).
    recovers_from(
        |b| {
            let at = b.len() - 20;
            b[at] = if b[at] == b'x' { b'y' } else { b'x' };
        },
        "checksum",
    );
}

#[test]
fn a_store_with_a_bad_header_is_rebuilt() {
    recovers_from(|b| b.splice(0..5, b"junk!".iter().copied()).for_each(drop), "bad header");
}

#[test]
fn an_empty_or_foreign_store_is_rebuilt() {
    recovers_from(|b| *b = b"\x00\xff not a cache".to_vec(), "damaged");
}

#[test]
fn a_rule_set_change_invalidates_the_cache() {
    let (dir, root) = shop("k8s");
    let cache = dir.path().join("cache");
    let first = cached(&root, &cache, &[]);
    let units = first.counts.unwrap().1;
    let skipped = cached(&root, &cache, &["--skip", "K8S-0002"]);
    assert_eq!(skipped.counts, Some((0, units)), "{}", skipped.stderr);
    assert!(skipped.stderr.contains("cache rebuilt"), "{}", skipped.stderr);
    assert!(!skipped.rules().iter().any(|(r, _)| r == "K8S-0002"));
    assert_eq!(skipped.outcome(), scan(&root, &["--no-cache", "--skip", "K8S-0002"]).outcome());
    // Back to every rule: rebuilt again (one store per rule set).
    let back = cached(&root, &cache, &[]);
    assert_eq!(back.counts, Some((0, units)), "{}", back.stderr);
    assert_eq!(back.outcome(), first.outcome());
}

#[test]
fn an_option_change_invalidates_the_cache() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let units = cached(&root, &cache, &[]).counts.unwrap().1;
    for args in [&["--max-file-size", "4M"][..], &["--var", "region=eu-west-1"], &["--limit", "eval-depth=100"], &["--helm-set", "x=1"]] {
        let run = cached(&root, &cache, args);
        assert_eq!(run.counts, Some((0, units)), "{args:?}: {}", run.stderr);
    }
    assert_eq!(cached(&root, &cache, &["--helm-set", "x=1"]).counts, Some((units, 0)));
}

#[cfg(unix)]
#[test]
fn a_state_directory_through_a_symlink_is_never_written() {
    let (dir, root) = shop("k8s");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join(".stridegate")).unwrap();
    let run = scan(&root, &["--cache"]);
    assert!(run.stderr.contains("is a symlink: the cache is not used"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert!(!run.json["findings"].as_array().unwrap().is_empty());
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let (dir, root) = shop("k8s");
    let cache = dir.path().join("cache");
    let run = scan(&root, &["--no-cache"]);
    assert_eq!(run.counts, None);
    assert!(!cache.exists() && !root.join(".stridegate").exists());
}

#[test]
fn the_readme_documents_every_cache_flag() {
    let help = Command::new(env!("CARGO_BIN_EXE_stridegate")).args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for flag in ["--cache", "--cache-dir", "--no-cache"] {
        assert!(help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")), "{flag} not in scan --help");
        assert!(readme.contains(&format!("`{flag}")), "{flag} not in README.md");
    }
    assert!(readme.contains(".stridegate/cache"));
}

/// The terminal report: snippets and highlighted columns come from restored byte spans.
fn terminal(root: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .arg("scan")
        .arg(root)
        .args(["--color", "never", "--fail-on", "none", "--no-progress"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_terminal_report_of_a_restored_scan_is_identical() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let fresh = terminal(&root, &["--no-cache"]);
    assert!(fresh.contains("K8S-0002"), "{fresh}");
    terminal(&root, &["--cache-dir", cache]);
    assert_eq!(cached(&root, Path::new(cache), &[]).counts.map(|(_, misses)| misses), Some(0));
    assert_eq!(terminal(&root, &["--cache-dir", cache]), fresh);
}

#[cfg(unix)]
#[test]
fn a_store_that_is_a_symlink_is_neither_followed_nor_written_through() {
    let (dir, root) = shop("k8s");
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "stridegate-cache 1\nnot for you\n").unwrap();
    std::fs::create_dir_all(root.join(".stridegate/cache")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join(".stridegate/cache/units.bin")).unwrap();
    let run = scan(&root, &["--cache"]);
    assert!(run.stderr.contains("is not a regular file"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "stridegate-cache 1\nnot for you\n");
    let meta = std::fs::symlink_metadata(root.join(".stridegate/cache/units.bin")).unwrap();
    assert!(meta.is_file(), "the link was replaced by a store");
    assert_eq!(scan(&root, &["--cache"]).counts.map(|(_, misses)| misses), Some(0));
}

#[test]
fn terraform_modules_that_read_only_their_files_survive_other_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let cache = dir.path().join("cache");
    let write = |path: &str, text: &str| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("a/main.tf", "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n");
    write(
        "b/main.tf",
        "resource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [trimspace(file(\"${path.module}/cidr.txt\"))]\n  }\n}\n",
    );
    write("b/cidr.txt", "10.0.0.0/8\n");
    write("k.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: k\n");
    let check = |expected: (usize, usize), why: &str| {
        let run = cached(&root, &cache, &[]);
        assert_eq!(run.counts, Some(expected), "{why}: {}", run.stderr);
        assert_eq!(run.outcome(), scan(&root, &["--no-cache"]).outcome(), "{why}");
        run
    };
    check((0, 3), "cold");
    let first = check((3, 0), "warm");
    assert!(!first.rules().iter().any(|(_, f)| f == "b/main.tf"), "{:?}", first.rules());
    write("b/cidr.txt", "0.0.0.0/0\n");
    let changed = check((2, 1), "the file b reads changed: b only");
    assert!(changed.rules().iter().any(|(_, f)| f == "b/main.tf"), "b's findings follow its policy file: {:?}", changed.rules());
    write("a/main.tf", "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n");
    check((1, 2), "a changed: a, and b (which may read anything)");
    write("k.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: k2\n");
    check((1, 2), "a document changed: it, and b (which may read anything)");
    write("c/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n");
    check((1, 3), "a is now called from c: a (as a called module), b and the new c");
}

#[test]
fn concurrent_runs_leave_a_valid_store() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let fresh = scan(&root, &["--no-cache"]);
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| cached(&root, &cache, &[]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert!(!run.stderr.contains("note: "), "{}", run.stderr);
        assert_eq!(run.outcome(), fresh.outcome());
    }
    let after = cached(&root, &cache, &[]);
    assert_eq!(after.counts.map(|(_, misses)| misses), Some(0), "{}", after.stderr);
    assert!(!after.stderr.contains("note: "), "{}", after.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("units.bin")], "no temporary files left");
}

/// A repository (`.git` marks its root, where the configuration search stops) with `files`.
fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

/// A cached JSON scan with the default fail threshold: (exit code, report, (restored, analyzed)).
fn gate(root: &Path, cache: &Path, extra: &[&str]) -> (Option<i32>, Value, Option<(usize, usize)>) {
    let out = Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .arg("scan")
        .arg(root)
        .args(["-f", "json", "--no-progress", "-v", "--cache-dir", cache.to_str().unwrap()])
        .args(extra)
        .env("STRIDEGATE_TODAY", "2026-06-01")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let counts = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("cache: ")?;
        let (hits, rest) = rest.split_once(" units restored, ")?;
        let (misses, _) = rest.split_once(" analyzed")?;
        Some((hits.parse().ok()?, misses.parse().ok()?))
    });
    (out.status.code(), json, counts)
}

/// (rule, file, line) of each finding in `list`.
fn placed(list: &Value) -> Vec<(String, String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A pod with two privileged containers (K8S-0002 on lines 8 and 12): the first suppressed by
/// a trailing comment; then a ConfigMap with a suppression that matches nothing.
const SUPPRESSED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: a
      securityContext: {privileged: true} # stridegate:ignore K8S-0002 reason=\"init needs it\"
      image: a
    - name: b
      securityContext:
        privileged: true
      image: b
---
# stridegate:ignore K8S-0002 reason=\"old\"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
";

/// A module whose resource TF-0001 reports, called from a root module whose call is
/// suppressed by the comment above it (matched through the finding's call sites).
const SG_MODULE: &str = "variable \"cidr\" {}
resource \"aws_security_group\" \"ssh\" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = [var.cidr]
  }
}
";
const SG_ROOT: &str = "# stridegate:ignore TF-0001 reason=\"lab account\"
module \"open\" {
  source = \"./modules/sg\"
  cidr   = \"0.0.0.0/0\"
}
";

#[test]
fn a_warm_run_reports_the_same_suppressions_and_exit_code() {
    let files = [("pod.yaml", SUPPRESSED_POD), ("infra/main.tf", SG_ROOT), ("infra/modules/sg/main.tf", SG_MODULE)];
    let (dir, root) = repo_with(&files);
    let cache = dir.path().join("cache");
    let select = ["--select", "K8S-0002,TF-0001"];
    let (code, cold, counts) = gate(&root, &cache, &select);
    let (hits, misses) = counts.unwrap();
    assert_eq!((code, hits), (Some(1), 0), "{cold}");
    assert!(misses >= 2);
    assert_eq!(placed(&cold["findings"]), [("K8S-0002".to_string(), "pod.yaml".to_string(), 12)]);
    let suppressed = placed(&cold["suppressed"]);
    assert_eq!(
        suppressed,
        [("TF-0001".to_string(), "infra/modules/sg/main.tf".to_string(), 7), ("K8S-0002".to_string(), "pod.yaml".to_string(), 8)]
    );
    let statuses = |v: &Value| -> Vec<(String, u64, String)> {
        v["suppressions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (s["file"].as_str().unwrap_or_default().to_string(), s["line"].as_u64().unwrap(), s["status"].as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(statuses(&cold).iter().map(|s| s.2.as_str()).collect::<Vec<_>>(), ["used", "used", "unused"], "{}", cold["suppressions"]);

    let (warm_code, warm, counts) = gate(&root, &cache, &select);
    assert_eq!(counts, Some((misses, 0)), "every unit restored");
    assert_eq!(warm_code, code);
    assert_eq!(warm["findings"], cold["findings"]);
    assert_eq!(warm["suppressed"], cold["suppressed"]);
    assert_eq!(warm["suppressions"], cold["suppressions"]);
    assert_eq!(statuses(&warm), statuses(&cold));

    // Removing the suppression is an edit of the pod: it is analyzed again and reports both
    // (and so is the root module, which calls a module and depends on the whole tree).
    std::fs::write(root.join("pod.yaml"), SUPPRESSED_POD.replace(" # stridegate:ignore K8S-0002 reason=\"init needs it\"", "")).unwrap();
    let (_, edited, counts) = gate(&root, &cache, &select);
    assert_eq!(counts, Some((misses - 2, 2)));
    assert_eq!(placed(&edited["findings"]).len(), 2, "{}", edited["findings"]);
}

#[test]
fn no_suppressions_on_a_warm_run_shows_the_findings_from_the_cache() {
    let (dir, root) = repo_with(&[("pod.yaml", SUPPRESSED_POD)]);
    let cache = dir.path().join("cache");
    let select = ["--select", "K8S-0002"];
    let (_, cold, counts) = gate(&root, &cache, &select);
    let units = counts.unwrap().1;
    assert_eq!(placed(&cold["suppressed"]).len(), 1);

    let mut audit = select.to_vec();
    audit.push("--no-suppressions");
    let (code, v, counts) = gate(&root, &cache, &audit);
    assert_eq!(counts, Some((units, 0)), "suppression options do not invalidate the cache");
    assert_eq!(code, Some(1));
    assert_eq!(placed(&v["findings"]).len(), 2, "{}", v["findings"]);
    assert_eq!(v["suppressed"], Value::Array(vec![]));
    assert_eq!(v["suppressions"], Value::Array(vec![]));

    // The entry written before still holds the suppressions, and one written by an audit run
    // holds them too.
    let (_, again, counts) = gate(&root, &cache, &select);
    assert_eq!(counts, Some((units, 0)));
    assert_eq!(again["suppressed"], cold["suppressed"]);
    assert_eq!(again["suppressions"], cold["suppressions"]);
    let other = dir.path().join("audit-cache");
    let (_, v, _) = gate(&root, &other, &audit);
    assert_eq!(placed(&v["findings"]).len(), 2);
    let (_, restored, counts) = gate(&root, &other, &select);
    assert_eq!(counts, Some((units, 0)));
    assert_eq!(restored["suppressed"], cold["suppressed"]);
    assert_eq!(restored["suppressions"], cold["suppressions"]);
}

#[test]
fn a_rule_setting_change_in_the_configuration_invalidates_the_cache() {
    let role = "resource \"aws_iam_role\" \"batch\" {\n  name                 = \"batch\"\n  assume_role_policy   = \"{}\"\n  max_session_duration = 18000\n}\n";
    let (dir, root) = repo_with(&[("role.tf", role)]);
    let cache = dir.path().join("cache");
    let has_iam_0015 = |v: &Value| placed(&v["findings"]).iter().any(|(r, _, _)| r == "IAM-0015");
    let (_, cold, counts) = gate(&root, &cache, &[]);
    assert!(has_iam_0015(&cold), "{}", cold["findings"]);
    let units = counts.unwrap().1;
    let (_, _, counts) = gate(&root, &cache, &[]);
    assert_eq!(counts, Some((units, 0)), "unchanged: every unit restored");

    std::fs::write(root.join("stridegate.toml"), "[settings]\nmax-session-duration = 21600\n").unwrap();
    let (_, changed, counts) = gate(&root, &cache, &[]);
    assert_eq!(counts.map(|c| c.0), Some(0), "nothing restored after a settings change");
    assert!(!has_iam_0015(&changed), "{}", changed["findings"]);
    std::fs::write(root.join("stridegate.toml"), "[settings]\nmax-session-duration = 5400\n").unwrap();
    let (_, stricter, counts) = gate(&root, &cache, &[]);
    assert_eq!(counts.map(|c| c.0), Some(0));
    assert!(has_iam_0015(&stricter), "{}", stricter["findings"]);
}

#[test]
fn a_shard_restores_its_reported_units_with_the_same_findings() {
    let (dir, root) = shop("");
    let cache = dir.path().join("cache");
    let full = cached(&root, &cache, &[]);
    let units = full.counts.unwrap().1;
    for shard in ["1/2", "2/2"] {
        let fresh = scan(&root, &["--no-cache", "--shard", shard]);
        let warm = cached(&root, &cache, &["--shard", shard]);
        let (hits, misses) = warm.counts.unwrap();
        // Reported units come from the cache; units only observed for whole-scan rules
        // (context) are built again and not counted.
        assert!(hits > 0 && hits < units && misses == 0, "{shard}: {}", warm.stderr);
        assert_eq!(warm.outcome(), fresh.outcome(), "{shard}");
    }
}
