//! Rule status on the command line: preview rules run only with `scan --preview`, a deprecated
//! rule that runs gets a note.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;
use std::process::{Command, Output};

fn write_rule(root: &Path, status: &str) {
    let dir = root.join("acme/ACME-0001-latest-image-tag");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = format!(
        "# METADATA\n# id: ACME-0001\n# name: latest-image-tag\n# title: Image uses the latest tag\n# severity: high\n# status: {status}\n\
# stride: [tampering]\n# applies_to:\n#   platform: kubernetes\n#   kinds: [\"@workloads\"]\n\
# what: Finds container images pinned to the mutable latest tag.\n# why: A mutable tag lets a registry push change what runs.\n\
# fix: Pin images to a version tag or, better, a digest.\n# references: [\"https://kubernetes.io/docs/concepts/containers/images/\"]\n\
package stridegate.rules.acme_0001\n\nimport data.stridegate.lib.kubernetes as k8s\nimport rego.v1\n\n\
deny contains {{\"msg\": \"image uses the latest tag\", \"path\": array.concat(c.path, [\"image\"])}} if {{\n  some c in k8s.containers\n  endswith(c.obj.image, \":latest\")\n}}\n"
    );
    std::fs::write(dir.join("policy.rego"), policy).unwrap();
    let pod =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:latest # expect: ACME-0001\n";
    std::fs::write(dir.join("fail.yaml"), pod).unwrap();
    std::fs::write(dir.join("pass.yaml"), pod.replace("latest # expect: ACME-0001", "1.27")).unwrap();
}

fn scan(rules: &Path, extra: &[&str]) -> Output {
    let target = rules.join("acme/ACME-0001-latest-image-tag/fail.yaml");
    Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(["scan", "--format", "json", "--select", "ACME-0001", "--rules"])
        .arg(rules)
        .arg(&target)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn findings(out: &Output) -> usize {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    report["findings"].as_array().map_or(0, Vec::len)
}

#[test]
fn preview_rules_run_only_with_preview() {
    let dir = tempfile::tempdir().unwrap();
    write_rule(dir.path(), "preview");
    let without = scan(dir.path(), &[]);
    assert_eq!(findings(&without), 0, "{}", String::from_utf8_lossy(&without.stderr));
    assert_eq!(without.status.code(), Some(0));
    let with = scan(dir.path(), &["--preview"]);
    assert_eq!(findings(&with), 1, "{}", String::from_utf8_lossy(&with.stderr));
    assert_eq!(with.status.code(), Some(1));
}

#[test]
fn deprecated_rules_run_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_rule(dir.path(), "deprecated");
    let out = scan(dir.path(), &[]);
    assert_eq!(findings(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: rule ACME-0001 is deprecated"), "{out:?}");
    write_rule(dir.path(), "stable");
    let out = scan(dir.path(), &[]);
    assert_eq!(findings(&out), 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("deprecated"), "{out:?}");
}
