//! Embeds every file under `rules/` into the binary, so a fresh install needs no rule files.

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.ends_with(".snap") && !rel.ends_with(".snap.new") {
                out.push((rel, path.clone()));
            }
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let rules = manifest.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &rules, &mut files);
    let mut code = String::from(
        "/// Every file under `rules/`, as (path relative to `rules/`, contents).\npub static EMBEDDED_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, path) in &files {
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", path.display().to_string()));
        if let Some(parent) = path.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let out = out_dir.join("embedded_rules.rs");
    if let Err(e) = fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
    let tests = out_dir.join("fixture_tests.rs");
    if let Err(e) = fs::write(&tests, fixture_tests(&files)) {
        println!("cargo:warning=cannot write {}: {e}", tests.display());
    }
    let snapshots = out_dir.join("rule_snapshots.rs");
    if let Err(e) = fs::write(&snapshots, snapshot_tests(&files)) {
        println!("cargo:warning=cannot write {}: {e}", snapshots.display());
    }
}

/// One `snapshot_test!(name, "rule dir", "ID")` per rule folder holding a `fail*` fixture, for
/// tests/rules.rs: the rule's findings on its fail fixtures (spans, severities, messages) are
/// compared with `tests/snapshots/rules__<ID>.snap`.
fn snapshot_tests(files: &[(String, PathBuf)]) -> String {
    let mut code = String::new();
    let mut last = String::new();
    for (rel, _) in files {
        let parts: Vec<&str> = rel.split('/').collect();
        let [family, folder, file] = parts.as_slice() else { continue };
        if *family == "lib" || !file.starts_with("fail") || last == *folder {
            continue;
        }
        last = folder.to_string();
        let id: String = folder.splitn(3, '-').take(2).collect::<Vec<_>>().join("-");
        let ident = format!("snapshot_{}", id.to_ascii_lowercase().replace('-', "_"));
        code.push_str(&format!("snapshot_test!({ident}, {:?}, {id:?});\n", format!("{family}/{folder}")));
    }
    code
}

/// One `fixture_test!(name, "rule dir", "fixture")` per fixture file, for tests/rules.rs: a
/// failing fixture names itself (`k8s_0002_fail_yaml`) and `cargo test --test rules k8s_0002`
/// runs one rule's fixtures.
fn fixture_tests(files: &[(String, PathBuf)]) -> String {
    let mut code = String::new();
    for (rel, _) in files {
        let parts: Vec<&str> = rel.split('/').collect();
        let [family, folder, file] = parts.as_slice() else { continue };
        if *family == "lib" || !(file.starts_with("fail") || file.starts_with("pass")) {
            continue;
        }
        let id: String = folder.splitn(3, '-').take(2).collect::<Vec<_>>().join("_");
        let ident: String =
            format!("{id}_{file}").chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        code.push_str(&format!("fixture_test!({ident}, {:?}, {:?});\n", format!("{family}/{folder}"), file));
    }
    code
}
