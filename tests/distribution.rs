//! The distribution files (GitHub Action, CI examples, integration docs, README) name `scan`
//! options: every one must exist, so that the documentation cannot drift from the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn scan_help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stridegate")).args(["scan", "--help"]).output().expect("binary runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The `--long-options` written on lines that run `stridegate scan` or pass it arguments.
fn scan_options(text: &str) -> BTreeSet<String> {
    let option = regex::Regex::new(r"(?:^|[\s\[,`(])(--[a-z][a-z0-9-]+)").unwrap();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let scan_line = line.contains("stridegate scan") || line.trim_start().starts_with("args:") || line.contains("scan \"${paths");
        if scan_line {
            // Options before `stridegate scan` belong to another command (`docker run --rm`).
            let line = line.find("stridegate scan").map_or(line, |i| &line[i..]);
            for c in option.captures_iter(line) {
                found.insert(c[1].to_string());
            }
        }
    }
    found
}

#[test]
fn documented_scan_options_exist() {
    let help = scan_help();
    let files = [
        "action.yml",
        "docs/examples/github-workflow.yml",
        "docs/examples/gitlab-ci.yml",
        "docs/integrations.md",
        "README.md",
        "Dockerfile",
    ];
    let mut checked = 0;
    for file in files {
        for opt in scan_options(&read(file)) {
            checked += 1;
            assert!(
                help.contains(&format!("{opt} "))
                    || help.contains(&format!("{opt}\n"))
                    || help.contains(&format!("{opt}="))
                    || help.contains(&format!("{opt} <")),
                "{file} uses `scan {opt}`, which `stridegate scan --help` does not list"
            );
        }
    }
    assert!(checked >= 10, "the option extraction found only {checked} options: the pattern is broken");
}

#[test]
fn action_inputs_referenced_are_declared() {
    let action = read("action.yml");
    let mut declared = BTreeSet::new();
    let mut in_inputs = false;
    for line in action.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_inputs = line.starts_with("inputs:");
        } else if in_inputs && line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':') {
            declared.insert(line.trim().trim_end_matches(':').to_string());
        }
    }
    let used: BTreeSet<String> =
        regex::Regex::new(r"inputs\.([a-z][a-z0-9-]*)").unwrap().captures_iter(&action).map(|c| c[1].to_string()).collect();
    assert!(declared.len() >= 5, "inputs not found in action.yml: {declared:?}");
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(undeclared.is_empty(), "action.yml uses undeclared inputs {undeclared:?}");
    // Inputs reach shell steps through `env:`, never pasted into `run:` scripts.
    let mut in_run = false;
    for line in action.lines() {
        let t = line.trim_start();
        if t.starts_with("run:") {
            in_run = true;
            assert!(!t.contains("${{"), "expression pasted into a run script: {line}");
        } else if in_run && (t.starts_with("- name:") || t.starts_with("if:") || t.starts_with("uses:")) {
            in_run = false;
        } else if in_run {
            assert!(!t.contains("${{"), "expression pasted into a run script: {line}");
        }
    }
}

#[test]
fn install_script_is_valid_bash() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh");
    match Command::new("bash").arg("-n").arg(&script).output() {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => eprintln!("bash not available: syntax not checked"),
    }
}
