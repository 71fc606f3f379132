//! `scripts/new-rule`: the next free id of a family, and a scaffold the registry loads and the
//! engine compiles (the script needs python3, as scripts/gen-docs.sh does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;

use stridegate::engine::Engine;
use stridegate::rules::RuleSet;
use stridegate::rules::meta::Status;

fn new_rule(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/new-rule");
    let out = Command::new("python3").arg(script).args(args).output().expect("python3 runs scripts/new-rule");
    assert!(out.status.success(), "scripts/new-rule {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn dry_run_names_the_next_free_id_of_the_builtin_family() {
    let set = RuleSet::builtin().unwrap();
    for (family, prefix) in [("terraform", "TF-"), ("kubernetes", "K8S-"), ("iam", "IAM-")] {
        let highest = set.rules.iter().filter_map(|r| r.meta.id.strip_prefix(prefix)).filter_map(|n| n.parse::<u32>().ok()).max().unwrap();
        let out = new_rule(&[family, "some-check", "--stride", "tampering", "--dry-run"]);
        let expected = format!("{prefix}{:04} {family}/{prefix}{:04}-some-check\n", highest + 1, highest + 1);
        assert_eq!(out, expected);
    }
}

#[test]
fn scaffolds_load_validate_and_compile() {
    let dir = tempfile::tempdir().unwrap();
    // Ids already taken in the target directory (gaps included) are skipped.
    std::fs::create_dir_all(dir.path().join("terraform/TF-0003-old")).unwrap();
    std::fs::create_dir_all(dir.path().join("terraform/TF-0007-older")).unwrap();
    let root = dir.path().to_str().unwrap();
    let out = new_rule(&["terraform", "open-thing", "--severity", "high", "--stride", "tampering", "--stride", "spoofing", "--root", root]);
    assert!(out.contains("TF-0008-open-thing") && out.contains("next steps"), "{out}");
    new_rule(&["kubernetes", "bad-pod", "--stride", "elevation-of-privilege", "--root", root]);
    new_rule(&["iam", "bad-policy", "--stride", "information-disclosure", "--root", root]);
    for empty in ["terraform/TF-0003-old", "terraform/TF-0007-older"] {
        std::fs::remove_dir(dir.path().join(empty)).unwrap();
    }
    let user = RuleSet::from_dir(dir.path()).unwrap_or_else(|e| panic!("scaffolds must load: {e:#?}"));
    let ids: Vec<&str> = user.rules.iter().map(|r| r.meta.id.as_str()).collect();
    assert_eq!(ids, ["IAM-0001", "K8S-0001", "TF-0008"]);
    let tf = &user.rules[2].meta;
    assert_eq!(tf.status, Status::Preview);
    assert_eq!(tf.since, env!("CARGO_PKG_VERSION"));
    assert_eq!(tf.severity.to_string(), "high");
    assert_eq!(tf.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["tampering", "spoofing"]);
    for r in &user.rules {
        assert!(r.fixtures.iter().any(|f| f.is_fail() && f.expectations().iter().any(|e| e.rule == r.meta.id)), "{}", r.meta.id);
        assert!(r.fixtures.iter().any(|f| !f.is_fail() && f.expectations().is_empty()), "{}", r.meta.id);
    }
    Engine::new(&user, |_| true).unwrap_or_else(|e| panic!("scaffolded policies must compile: {e:?}"));
    // A name that is not kebab-case is refused before anything is written.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/new-rule");
    let bad =
        Command::new("python3").arg(script).args(["terraform", "Bad_Name", "--stride", "tampering", "--root", root]).output().unwrap();
    assert!(!bad.status.success());
    assert!(!dir.path().join("terraform").read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains("Bad")));
}
