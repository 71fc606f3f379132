//! The output formats and the output options end to end: several outputs in one run, JUnit,
//! GitHub annotations, Markdown and GitLab (insta snapshots on fixtures/shop), the terminal's
//! compact and quiet modes, and SARIF severity and repository-relative paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::assert_valid_sarif;

fn stridegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// A small well-formedness checker for the XML we write: balanced elements, quoted attributes,
/// no raw `<` or `&` outside markup and entities, one root. Returns the element names opened.
fn check_xml(xml: &str) -> Result<Vec<String>, String> {
    let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut opened = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    let check_text = |t: &str| -> Result<(), String> {
        let mut t = t;
        while let Some(i) = t.find('&') {
            let after = &t[i + 1..];
            let end = after.find(';').ok_or_else(|| format!("raw & in {t:?}"))?;
            let entity = &after[..end];
            let known = ["amp", "lt", "gt", "quot", "apos"].contains(&entity)
                || (entity.starts_with('#') && entity[1..].chars().all(|c| c.is_ascii_digit()) && end > 1);
            if !known {
                return Err(format!("unknown entity &{entity};"));
            }
            t = &after[end + 1..];
        }
        if t.contains('<') || t.contains('>') {
            return Err(format!("raw markup character in {t:?}"));
        }
        if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
            return Err(format!("control character in {t:?}"));
        }
        Ok(())
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            check_text(rest)?;
            if !rest.trim().is_empty() {
                return Err("text after the root".into());
            }
            break;
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        check_text(text)?;
        rest = &rest[lt + 1..];
        // A tag: up to the first `>` outside quotes.
        let mut in_quote = false;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => in_quote = !in_quote,
                '<' if in_quote => return Err("raw < in an attribute".into()),
                '>' if !in_quote => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or("unterminated tag")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or("close without open")?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("bad element name {name:?}"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = tag[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs.find("=\"").ok_or_else(|| format!("bad attribute in <{name} {attrs}>"))?;
            let after = &attrs[eq + 2..];
            let close = after.find('"').ok_or("unterminated attribute")?;
            check_text(&after[..close])?;
            attrs = after[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        opened.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(opened)
}

#[test]
fn xml_checker_rejects_malformed_documents() {
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    assert!(check_xml(&format!("{decl}<a><b/></a>\n")).is_ok());
    for bad in ["<a><b></a>", "<a x=\"<\"/>", "<a>&x;</a>", "<a>1 & 2</a>", "<a/><b/>", "<a>", "<a>\u{1b}</a>", "<a y=\"1/>"] {
        assert!(check_xml(&format!("{decl}{bad}\n")).is_err(), "{bad} must be rejected");
    }
}

#[test]
fn several_outputs_in_one_run_and_the_terminal_still_shown() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (sarif, json, junit, github, md, gitlab) =
        (file("r.sarif"), file("r.json"), file("r.xml"), file("gh.txt"), file("c.md"), file("gl-sast-report.json"));
    let out = stridegate(&[
        "scan",
        "fixtures/shop",
        "--format",
        &format!("sarif={sarif}"),
        "-f",
        &format!("json={json}"),
        "-f",
        &format!("junit={junit}"),
        "-f",
        &format!("github={github}"),
        "-f",
        &format!("markdown={md}"),
        "-f",
        &format!("gitlab={gitlab}"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("how to fix:") && text.contains("coverage:"), "the terminal report is on stdout:\n{text}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_valid_sarif(&sarif);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let n = json["findings"].as_array().unwrap().len();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), n);
    check_xml(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    assert!(std::fs::read_to_string(&github).unwrap().starts_with("::"));
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("## "));
    let gl: Value = serde_json::from_str(&std::fs::read_to_string(&gitlab).unwrap()).unwrap();
    assert_eq!(gl["vulnerabilities"].as_array().unwrap().len(), n);

    // The terminal report written to a file is not printed a second time.
    let out = stridegate(&["scan", "fixtures/shop", "-f", &format!("terminal={}", file("t.txt"))]);
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(file("t.txt")).unwrap().contains("how to fix:"));
    // Terminal and JSON both to stdout is ambiguous: a usage error before scanning.
    let out = stridegate(&["scan", "fixtures/shop", "-f", "terminal", "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    // -o goes with one format only.
    let out = stridegate(&["scan", "fixtures/shop", "-f", "json", "-f", &format!("sarif={}", file("s2.sarif")), "-o", &file("x")]);
    assert_eq!(out.status.code(), Some(2));
    let out = stridegate(&["scan", "fixtures/shop", "-f", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junit"));
}

#[test]
fn junit_snapshot_is_well_formed() {
    let out = stridegate(&["scan", "fixtures/shop", "--format", "junit", "--sarif-root", "fixtures/shop"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    let opened = check_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(opened[0], "testsuites");
    assert!(opened.iter().any(|e| e == "failure") && opened.iter().any(|e| e == "error"), "findings fail, broken.yaml errors");
    insta::assert_snapshot!("shop_junit", xml);
}

#[test]
fn github_snapshot_respects_the_per_level_caps() {
    let out = stridegate(&["scan", "fixtures/shop", "--format", "github", "--sarif-root", "fixtures/shop"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let mut per_level: HashMap<&str, usize> = HashMap::new();
    for line in text.lines() {
        let level = line.strip_prefix("::").and_then(|l| l.split([' ', ':']).next()).expect("every line is a command");
        *per_level.entry(level).or_default() += 1;
    }
    for (level, n) in &per_level {
        assert!(*n <= 10, "{n} {level} annotations: GitHub shows 10 per step");
    }
    insta::assert_snapshot!("shop_github", text);
}

#[test]
fn github_annotations_cap_and_summarize_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::new();
    for i in 0..15 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: n\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n      securityContext:\n        privileged: true\n"
        ));
    }
    std::fs::write(dir.path().join("pods.yaml"), yaml).unwrap();
    let out = stridegate(&["scan", dir.path().to_str().unwrap(), "--format", "github"]);
    let text = stdout(&out);
    let errors = text.lines().filter(|l| l.starts_with("::error ")).count();
    let notices: Vec<&str> = text.lines().filter(|l| l.starts_with("::notice ")).collect();
    assert_eq!(errors, 10, "{text}");
    assert!(notices.len() <= 10);
    let summary = notices.last().expect("a summary notice");
    assert!(summary.contains(" more errors") && summary.contains("not annotated"), "{summary}");
    assert!(summary.contains("error"), "{summary}");
}

#[test]
fn markdown_snapshot_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b");
    let out = stridegate(&[
        "scan",
        "fixtures/shop",
        "--exclude",
        "charts",
        "--write-baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
        "--sarif-root",
        "fixtures/shop",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = stridegate(&[
        "scan",
        "fixtures/shop",
        "--format",
        "markdown",
        "--baseline",
        baseline.to_str().unwrap(),
        "--sarif-root",
        "fixtures/shop",
    ]);
    let md = stdout(&out);
    assert!(md.contains("| Severity | New | Baseline |"), "{md}");
    insta::assert_snapshot!("shop_markdown_baseline", md);
}

#[test]
fn gitlab_snapshot() {
    let out = stridegate(&["scan", "fixtures/shop", "--format", "gitlab", "--sarif-root", "fixtures/shop"]);
    let mut doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in ["start_time", "end_time"] {
        let t = doc["scan"][key].as_str().unwrap();
        assert_eq!(t.len(), 19, "{t}");
        doc["scan"][key] = Value::from("<time>");
    }
    doc["scan"]["analyzer"]["version"] = Value::from("<version>");
    doc["scan"]["scanner"]["version"] = Value::from("<version>");
    let ids: Vec<&str> = doc["vulnerabilities"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|id| id.len() == 36 && id.matches('-').count() == 4), "{ids:?}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    for v in doc["vulnerabilities"].as_array().unwrap() {
        // Removed in schema 15.0.0: a report carrying them is rejected.
        for removed in ["category", "scanner", "cve"] {
            assert!(v.get(removed).is_none(), "{removed} in {v:#}");
        }
        assert!(v["identifiers"][0]["value"].is_string() && v["location"]["file"].is_string() && v["location"]["start_line"].is_u64());
    }
    insta::assert_json_snapshot!("shop_gitlab", doc);
}

#[test]
fn terminal_groups_by_file_and_shows_each_help_once() {
    let out = stridegate(&["scan", "fixtures/shop", "--color", "never"]);
    let text = stdout(&out);
    let json: Value = serde_json::from_str(&stdout(&stridegate(&["scan", "fixtures/shop", "--format", "json"]))).unwrap();
    let findings = json["findings"].as_array().unwrap();
    // One help per rule.
    let mut rules: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    rules.sort_unstable();
    rules.dedup();
    let help_section = &text[text.find("how to fix:").unwrap()..];
    for rule in &rules {
        assert_eq!(help_section.matches(&format!("  {rule} ")).count(), 1, "{rule}");
    }
    assert!(!text.contains("help:"), "no help repeated per finding");
    // Each file once, in path order.
    let headers: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("── ")).collect();
    let mut sorted = headers.clone();
    sorted.sort_unstable();
    assert_eq!(headers, sorted);
    assert!(text.contains("by STRIDE-LM category:"));
}

#[test]
fn compact_and_quiet() {
    let out = stridegate(&["scan", "fixtures/shop", "--compact"]);
    let text = stdout(&out);
    let json: Value = serde_json::from_str(&stdout(&stridegate(&["scan", "fixtures/shop", "--format", "json"]))).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": HIGH ") || l.contains(": MEDIUM ") || l.contains(": LOW ") || l.contains(": CRITICAL "))
        .collect();
    assert_eq!(lines.len(), findings.len(), "{text}");
    // In a file, the most severe first.
    let rank = |l: &str| ["CRITICAL", "HIGH", "MEDIUM", "LOW"].iter().position(|s| l.contains(&format!(": {s} "))).unwrap();
    for pair in lines.windows(2) {
        let file = |l: &str| l.split(':').next().unwrap().to_string();
        if file(pair[0]) == file(pair[1]) {
            assert!(rank(pair[0]) <= rank(pair[1]), "{pair:?}");
        }
    }
    let f = &findings[0];
    let expected = format!(
        "{}:{}:{}: {} {} {}",
        f["location"]["file"].as_str().unwrap(),
        f["location"]["start"]["line"],
        f["location"]["start"]["column"],
        f["severity"].as_str().unwrap().to_uppercase(),
        f["rule_id"].as_str().unwrap(),
        f["message"].as_str().unwrap()
    );
    assert!(text.contains(&expected), "{expected}\n{text}");

    let out = stridegate(&["scan", "fixtures/shop", "--quiet"]);
    let text = stdout(&out);
    assert!(!text.contains("K8S-") && text.contains("coverage:") && text.contains("k8s/broken.yaml"), "{text}");
    // Clean and complete: nothing at all.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\ndata: {}\n")
        .unwrap();
    let out = stridegate(&["scan", dir.path().to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", stdout(&out));
}

#[test]
fn summary_after_output_file_names_what_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\ndata: {}\n")
        .unwrap();
    let out = stridegate(&["scan", dir.path().to_str().unwrap(), "-f", "json", "-o", dir.path().join("r.json").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("see the errors above") && !err.contains("scan incomplete"), "{err}");
    let out = stridegate(&["scan", "fixtures/shop", "-f", "json", "-o", dir.path().join("r.json").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scan incomplete: 1 file could not be analyzed"), "{err}");
}

/// GitHub reads `security-severity` from the rule a result points to: no result may disagree
/// with it, including findings whose severity a rule raised or lowered.
#[test]
fn sarif_results_agree_with_their_rules() {
    let mut variants = 0;
    for fixture in [
        "fixtures/shop",
        "fixtures/seed-002-jazzhands",
        "fixtures/seed-003-se09",
        "fixtures/seed-004-mercury",
        "fixtures/terraform-modules",
    ] {
        let out = stridegate(&["scan", fixture, "--format", "sarif"]);
        let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_valid_sarif(&sarif);
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"]);
            assert_eq!(rule["properties"]["security-severity"], r["properties"]["security-severity"], "{fixture}: {r:#}");
            assert_eq!(rule["defaultConfiguration"]["level"], r["level"], "{fixture}: {r:#}");
            if let Some(base) = rule["properties"]["rule"].as_str() {
                variants += 1;
                let target = &rule["relationships"][0]["target"];
                assert_eq!(target["id"], base);
                assert_eq!(rules[target["index"].as_u64().unwrap() as usize]["id"], base);
            }
        }
    }
    assert!(variants > 0, "the fixtures hold findings whose severity differs from their rule's (issue 11: 5 of 43)");
}

#[test]
fn sarif_paths_are_relative_to_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let sub = repo.join("deploy/k8s");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir(repo.join(".git")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop/k8s/orders-db.yaml");
    std::fs::copy(src, sub.join("db.yaml")).unwrap();
    let out = stridegate(&["scan", sub.to_str().unwrap(), "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    assert_eq!(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "deploy/k8s/db.yaml");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
    assert_eq!(run["automationDetails"]["id"], "stridegate/deploy/k8s/");
    // An explicit root and category.
    let out = stridegate(&[
        "scan",
        sub.to_str().unwrap(),
        "--format",
        "sarif",
        "--sarif-root",
        repo.join("deploy").to_str().unwrap(),
        "--sarif-category",
        "iac/",
    ]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "k8s/db.yaml");
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "iac/");
    // A root that does not contain the scanned path is a usage error.
    let out =
        stridegate(&["scan", sub.to_str().unwrap(), "--format", "sarif", "--sarif-root", dir.path().join("elsewhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

/// Names from the scanned repository cannot break out of any format: a container name carrying
/// an ANSI sequence, XML and Markdown markup, a pipe and a forged workflow command.
#[test]
fn hostile_names_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let name = r#"x\u001b[2J</failure><x y='1'>|**b**[l](https://e.test)\n::error::forged\r%0A"#;
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{name}\"\n  namespace: n\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n      securityContext:\n        privileged: true\n"
    );
    std::fs::write(dir.path().join("pod.yaml"), yaml).unwrap();
    let root = dir.path().to_str().unwrap();
    let run = |format: &str| stdout(&stridegate(&["scan", root, "--format", format]));

    let xml = run("junit");
    check_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert!(xml.contains("\\u{1b}[2J&lt;/failure&gt;&lt;x y=&apos;1&apos;&gt;"), "{xml}");

    let gh = run("github");
    for line in gh.lines() {
        assert!(line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "), "{line}");
        assert!(!line.contains('\u{1b}') && !line.contains('\r'), "{line:?}");
    }
    assert!(!gh.lines().any(|l| l.starts_with("::error::forged")), "{gh}");
    assert!(gh.contains("%0A::error::forged%0D%250A"), "{gh}");

    let md = run("markdown");
    assert!(!md.contains('\u{1b}') && !md.contains("</failure>") && !md.contains("](https"), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ") && l.contains("privileged-container")).collect();
    assert_eq!(rows.len(), 1, "one table row, not broken by the newline: {md}");
    assert_eq!(rows[0].matches(" | ").count(), 3, "the pipe is escaped: {}", rows[0]);

    let compact = stdout(&stridegate(&["scan", root, "--compact"]));
    assert!(!compact.contains('\u{1b}') && compact.contains("\\x1b[2J"), "{compact}");
    let terminal = run("terminal");
    assert!(!terminal.contains('\u{1b}'), "{terminal}");
    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert!(gitlab["vulnerabilities"][0]["description"].as_str().unwrap().contains("\u{1b}[2J"), "JSON carries the exact text");
}
