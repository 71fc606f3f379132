//! Analysis units end to end: several paths, changed-files mode (`--changed`, as pre-commit
//! passes staged files, and `--changed-since REF` on a git repository built with the gix
//! library), and sharding with `stridegate merge`. The reference is always a full scan of the
//! same tree: for each changed file, changed-files mode must report exactly the full scan's
//! findings located in (or related to) that file; the shards together exactly the full scan's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::assert_valid_sarif;

fn stridegate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("binary runs")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); status {:?}; stderr: {}", o.status, String::from_utf8_lossy(&o.stderr)))
}

/// A finding as compared between runs: rule, file, line, column, resource, attribute, message.
type Key = (String, String, u64, u64, String, String, String);

fn key(f: &Value) -> Key {
    (
        f["rule_id"].as_str().unwrap().to_string(),
        f["location"]["file"].as_str().unwrap().to_string(),
        f["location"]["start"]["line"].as_u64().unwrap(),
        f["location"]["start"]["column"].as_u64().unwrap(),
        f["resource"].as_str().unwrap().to_string(),
        f["attribute"].as_str().unwrap().to_string(),
        f["message"].as_str().unwrap().to_string(),
    )
}

/// Whether a JSON finding is located in, or related to, `file`.
fn mentions(f: &Value, file: &str) -> bool {
    f["location"]["file"] == file || f["related"].as_array().into_iter().flatten().any(|r| r["location"]["file"] == file)
}

fn findings(report: &Value, filter: impl Fn(&Value) -> bool) -> BTreeSet<Key> {
    report["findings"].as_array().unwrap().iter().filter(|f| filter(f)).map(key).collect()
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A repository: the shop fixture (Kubernetes with a namespace policy file, a Helm chart,
/// Terraform, IAM) plus a Terraform module called from a root module, and a `.git` directory
/// so it is the repository root.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop"), dir.path());
    write(
        dir.path(),
        "platform/main.tf",
        "module \"logs\" {\n  source = \"./modules/logs\"\n  name   = \"shop-logs\"\n  public = true\n}\n",
    );
    write(
        dir.path(),
        "platform/modules/logs/main.tf",
        "variable \"name\" {}\nvariable \"public\" { default = false }\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = var.name\n}\n\nresource \"aws_s3_bucket_public_access_block\" \"logs\" {\n  bucket                  = aws_s3_bucket.logs.id\n  block_public_acls       = !var.public\n  block_public_policy     = !var.public\n  ignore_public_acls      = !var.public\n  restrict_public_buckets = !var.public\n}\n\nresource \"aws_security_group_rule\" \"ssh\" {\n  type        = \"ingress\"\n  from_port   = 22\n  to_port     = 22\n  protocol    = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n  security_group_id = \"sg-1\"\n}\n",
    );
    // A workload with findings of its own in web.yaml, in the namespace whose policies sit in
    // namespace.yaml.
    let web = std::fs::read_to_string(dir.path().join("k8s/web.yaml")).unwrap();
    write(
        dir.path(),
        "k8s/web.yaml",
        &format!(
            "{web}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: shop\nspec:\n  containers:\n    - name: debug\n      image: busybox\n      securityContext:\n        privileged: true\n"
        ),
    );
    gix::init(dir.path()).unwrap();
    dir
}

fn full_scan(root: &Path) -> Value {
    json_of(&stridegate(root, &["scan", ".", "--format", "json", "--fail-on", "none", "--no-progress"]))
}

/// `--changed FILES` reports, for each changed file, exactly the full scan's findings that
/// mention it, and nothing about other files.
fn assert_changed_equals_full(root: &Path, full: &Value, changed: &[&str]) -> Value {
    let mut args = vec!["scan", "--format", "json", "--fail-on", "none", "--no-progress", "--changed"];
    args.extend_from_slice(changed);
    let out = stridegate(root, &args);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{changed:?}: {:?} {}", out.status, String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    for file in changed {
        let got = findings(&report, |f| mentions(f, file));
        let want = findings(full, |f| mentions(f, file));
        assert_eq!(got, want, "findings mentioning {file} differ from the full scan's");
    }
    let stray: Vec<Key> = findings(&report, |f| !changed.iter().any(|c| mentions(f, c))).into_iter().collect();
    assert!(stray.is_empty(), "findings about unchanged files: {stray:?}");
    report
}

#[test]
fn several_paths_are_one_scan() {
    let repo = repository();
    let out = stridegate(repo.path(), &["scan", "k8s/web.yaml", "infra", "--format", "json", "--no-progress"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    let files: BTreeSet<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, BTreeSet::from(["infra/main.tf", "k8s/web.yaml"]));
    let located: BTreeSet<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["location"]["file"].as_str().unwrap()).collect();
    assert_eq!(located, BTreeSet::from(["infra/main.tf", "k8s/web.yaml"]));
}

#[test]
fn changed_manifest_is_analyzed_with_its_namespace() {
    let repo = repository();
    let full = full_scan(repo.path());
    // The namespace's default-deny policies sit in k8s/namespace.yaml: alone, web.yaml would
    // claim the namespace has none.
    let alone = json_of(&stridegate(repo.path(), &["scan", "k8s/web.yaml", "--format", "json", "--fail-on", "none", "--no-progress"]));
    let rules_alone: BTreeSet<String> = findings(&alone, |_| true).into_iter().map(|k| k.0).collect();
    assert!(rules_alone.contains("K8S-0019"), "control: alone, web.yaml lacks its namespace's policy: {rules_alone:?}");
    let report = assert_changed_equals_full(repo.path(), &full, &["k8s/web.yaml"]);
    let rules: BTreeSet<String> = findings(&report, |_| true).into_iter().map(|k| k.0).collect();
    assert!(!rules.contains("K8S-0019"), "the policy in namespace.yaml must count: {rules:?}");
    assert!(!rules.is_empty(), "web.yaml's own findings are reported");
    // Only the changed file's unit is reported on: no record for namespace.yaml.
    let files: Vec<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["k8s/web.yaml"]);
    // From a subdirectory, with a relative path, the repository root is still found.
    let from_sub = stridegate(&repo.path().join("k8s"), &["scan", "--format", "json", "--fail-on", "none", "--changed", "web.yaml"]);
    assert_eq!(findings(&json_of(&from_sub), |_| true), findings(&report, |_| true));
}

#[test]
fn changed_terraform_file_is_analyzed_within_its_module() {
    let repo = repository();
    let full = full_scan(repo.path());
    // A called module: analyzed through its caller (with `public = true` passed in).
    let report = assert_changed_equals_full(repo.path(), &full, &["platform/modules/logs/main.tf"]);
    assert!(!findings(&report, |_| true).is_empty(), "the module's findings through its caller are reported");
    assert_changed_equals_full(repo.path(), &full, &["platform/main.tf"]);
    assert_changed_equals_full(repo.path(), &full, &["infra/main.tf", "k8s/namespace.yaml"]);
}

#[test]
fn changed_helm_template_is_analyzed_within_its_chart() {
    let repo = repository();
    let full = full_scan(repo.path());
    let templates: Vec<String> = std::fs::read_dir(repo.path().join("charts/api/templates"))
        .unwrap()
        .map(|e| format!("charts/api/templates/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    assert!(!templates.is_empty());
    let mut reported = 0;
    for t in &templates {
        let report = assert_changed_equals_full(repo.path(), &full, &[t.as_str()]);
        reported += report["findings"].as_array().unwrap().len();
        // Rendered with its chart, never parsed as plain YAML.
        assert!(report["errors"].as_array().unwrap().is_empty(), "{t}: {}", report["errors"]);
    }
    assert!(reported > 0, "the chart's templates have findings");
    // A values file: findings whose value it sets (related locations) are reported.
    assert_changed_equals_full(repo.path(), &full, &["charts/api/values.yaml"]);
}

/// Every file of the repository fixtures, alone as the changed file, gives exactly what a full
/// scan reports about it: charts a Terraform `helm_release` renders, registry modules under
/// `.terraform/modules`, Kustomize bases shared by overlays, IAM policies joined across files.
#[test]
fn every_fixture_file_changed_alone_matches_the_full_scan() {
    fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                files_under(root, &entry.path(), out);
            } else {
                out.push(entry.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for fixture in ["terraform-helm-release", "terraform-modules", "kustomize-overlays", "seed-004-mercury", "helm-chart"] {
        let repo = tempfile::tempdir().unwrap();
        copy_dir(&fixtures.join(fixture), repo.path());
        gix::init(repo.path()).unwrap();
        let full = full_scan(repo.path());
        let mut files = Vec::new();
        files_under(repo.path(), repo.path(), &mut files);
        files.sort();
        for f in &files {
            let report = assert_changed_equals_full(repo.path(), &full, &[f.as_str()]);
            checked += report["findings"].as_array().unwrap().len();
        }
    }
    assert!(checked >= 10, "the fixtures' files have findings ({checked})");
}

#[test]
fn changed_files_without_infrastructure_pass() {
    let repo = repository();
    let out = stridegate(repo.path(), &["scan", "--changed", "README.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Commits the working tree of `repo` (every file but `.git`) with gix, on HEAD.
fn commit_all(repo: &gix::Repository, message: &str) -> gix::ObjectId {
    let workdir = repo.workdir().unwrap().to_path_buf();
    let mut editor = repo.edit_tree(gix::ObjectId::empty_tree(repo.object_hash())).unwrap();
    let mut stack = vec![workdir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
                continue;
            }
            let blob = repo.write_blob(std::fs::read(entry.path()).unwrap()).unwrap().detach();
            let rel = entry.path().strip_prefix(&workdir).unwrap().to_string_lossy().replace('\\', "/");
            editor.upsert(rel.as_str(), gix::object::tree::EntryKind::Blob, blob).unwrap();
        }
    }
    let tree = editor.write().unwrap().detach();
    let parents: Vec<gix::ObjectId> = repo.head_id().ok().map(|id| id.detach()).into_iter().collect();
    let who = gix::actor::SignatureRef { name: "test".into(), email: "test@example.com".into(), time: "1700000000 +0000" };
    repo.commit_as(who, who, "HEAD", message, tree, parents).unwrap().detach()
}

#[test]
fn changed_since_a_revision() {
    let dir = repository();
    let repo = gix::open(dir.path()).unwrap();
    let first = commit_all(&repo, "first");
    // Second commit: web.yaml changes (a privileged container added to its findings).
    let web = std::fs::read_to_string(dir.path().join("k8s/web.yaml")).unwrap();
    write(dir.path(), "k8s/web.yaml", &format!("{web}\n# changed\n"));
    commit_all(&repo, "second");
    // Not committed: a Terraform change; untracked: a new manifest.
    let tf = std::fs::read_to_string(dir.path().join("infra/main.tf")).unwrap();
    write(dir.path(), "infra/main.tf", &format!("{tf}\n# edited\n"));
    write(
        dir.path(),
        "k8s/new.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: new\n  namespace: shop\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n      securityContext:\n        privileged: true\n",
    );
    let full = full_scan(dir.path());
    let report_of = |rev: &str, paths: &[&str]| {
        let mut args = vec!["scan", "--format", "json", "--fail-on", "none", "--no-progress", "--changed-since", rev];
        args.extend_from_slice(paths);
        let out = stridegate(dir.path(), &args);
        assert!(matches!(out.status.code(), Some(0 | 3)), "{rev}: {:?} {}", out.status, String::from_utf8_lossy(&out.stderr));
        json_of(&out)
    };
    let changed = |report: &Value| -> BTreeSet<String> {
        report["findings"].as_array().unwrap().iter().map(|f| f["location"]["file"].as_str().unwrap().to_string()).collect()
    };
    // Since the first commit: the committed, the uncommitted and the untracked change.
    let since_first = report_of(&first.to_string(), &[]);
    let files = ["infra/main.tf", "k8s/new.yaml", "k8s/web.yaml"];
    assert_eq!(changed(&since_first), files.iter().map(|s| s.to_string()).collect());
    let want: BTreeSet<Key> = files.iter().flat_map(|f| findings(&full, |x| mentions(x, f))).collect();
    assert_eq!(findings(&since_first, |_| true), want);
    // Since HEAD (a branch name resolves too): only the working-tree changes.
    let since_head = report_of("HEAD", &[]);
    assert_eq!(changed(&since_head), BTreeSet::from(["infra/main.tf".to_string(), "k8s/new.yaml".to_string()]));
    // Paths restrict what is reported on.
    let only_k8s = report_of("HEAD", &["k8s"]);
    assert_eq!(changed(&only_k8s), BTreeSet::from(["k8s/new.yaml".to_string()]));
    // An unknown revision is a usage error naming it.
    let out = stridegate(dir.path(), &["scan", "--changed-since", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-branch"));
}

#[test]
fn changed_since_outside_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", "kind: Pod\n");
    // GIT_CEILING_DIRECTORIES keeps discovery from finding a repository above the temp dir.
    let out = Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(["scan", "--changed-since", "HEAD"])
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// SARIF results as compared between runs: rule, uri, region, message.
fn sarif_results(sarif: &Value) -> BTreeSet<(String, String, String, String)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"].to_string(),
                r["message"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn shards_merge_to_full(root: &Path, target: &str, count: u32) {
    let dir = tempfile::tempdir().unwrap();
    let full_out = stridegate(root, &["scan", target, "--format", "sarif", "--no-progress"]);
    let full: Value = serde_json::from_slice(&full_out.stdout).unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut nonempty = 0;
    for k in 1..=count {
        let path = dir.path().join(format!("shard-{k}.sarif"));
        let shard = format!("{k}/{count}");
        let out =
            stridegate(root, &["scan", target, "--format", "sarif", "--no-progress", "--shard", &shard, "-o", path.to_str().unwrap()]);
        assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{shard}: {}", String::from_utf8_lossy(&out.stderr));
        let part: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_valid_sarif(&part);
        let n = sarif_results(&part).len();
        assert!(
            n < sarif_results(&full).len() || count == 1,
            "shard {shard} holds all {n} results: {:?}",
            sarif_results(&part).iter().map(|r| &r.1).collect::<BTreeSet<_>>()
        );
        nonempty += usize::from(n > 0);
        files.push(path);
    }
    assert!(nonempty >= 2, "{target}: the findings must spread over several shards");
    let merged_path = dir.path().join("merged.sarif");
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend(["-o".to_string(), merged_path.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = stridegate(root, &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let merged: Value = serde_json::from_str(&std::fs::read_to_string(&merged_path).unwrap()).unwrap();
    assert_valid_sarif(&merged);
    assert_eq!(sarif_results(&merged), sarif_results(&full), "{target}: merged shards differ from the full run");
    // Same rules (deduplicated), same execution status, same failures, same STRIDE counts.
    assert_eq!(merged["runs"][0]["tool"]["driver"]["rules"], full["runs"][0]["tool"]["driver"]["rules"]);
    assert_eq!(merged["runs"][0]["invocations"][0]["executionSuccessful"], full["runs"][0]["invocations"][0]["executionSuccessful"]);
    let notes = |s: &Value| -> BTreeSet<String> {
        s["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().into_iter().flatten().map(Value::to_string).collect()
    };
    assert_eq!(notes(&merged), notes(&full));
    assert_eq!(merged["runs"][0]["properties"], full["runs"][0]["properties"]);
    // Full order too: the merged run lists results as the full run does.
    assert_eq!(merged["runs"][0]["results"], full["runs"][0]["results"], "{target}: result order or content differs");
}

#[test]
fn shards_merged_equal_a_full_run() {
    let repo = repository();
    shards_merge_to_full(repo.path(), ".", 2);
    shards_merge_to_full(repo.path(), ".", 3);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    shards_merge_to_full(&fixtures, "kustomize-overlays", 3);
    shards_merge_to_full(&fixtures, "seed-004-mercury", 2);
}

#[test]
fn bad_shard_and_merge_inputs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = stridegate(dir.path(), &["scan", ".", "--shard", "3/2"]);
    assert_eq!(out.status.code(), Some(2));
    write(dir.path(), "bad.sarif", "{\"version\": \"1.0\"}");
    let out = stridegate(dir.path(), &["merge", "bad.sarif"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a SARIF 2.1.0 log"));
    let out = stridegate(dir.path(), &["merge", "missing.sarif"]);
    assert_eq!(out.status.code(), Some(2));
}

/// docs/ci.md and the pre-commit hook only use flags the binary has: every `--flag` of a
/// `stridegate scan`/`merge` command line they show appears in that command's `--help`.
#[test]
fn documented_commands_use_existing_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let help = |cmd: &str| String::from_utf8(stridegate(root, &[cmd, "--help"]).stdout).unwrap();
    let (scan_help, merge_help) = (help("scan"), help("merge"));
    let mut checked = 0;
    for doc in ["docs/ci.md", ".pre-commit-hooks.yaml", "README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for line in text.lines() {
            let Some(at) = line.find("stridegate scan").or_else(|| line.find("stridegate merge")) else { continue };
            let command = &line[at..];
            let help = if command.starts_with("stridegate merge") { &merge_help } else { &scan_help };
            for flag in command.split_whitespace().filter(|w| w.starts_with("--")) {
                let flag = flag.split('=').next().unwrap().trim_end_matches([',', '`', ')']);
                assert!(help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")), "{doc}: `{flag}` is not a flag: {line}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} flags found: the docs' commands were not read");
}
