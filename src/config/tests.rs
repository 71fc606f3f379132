#![allow(clippy::panic)] // tests fail loudly by design

use super::*;

fn err(text: &str) -> ConfigError {
    match parse("stridegate.toml", text) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => e,
    }
}

#[test]
fn empty_file_is_the_default_configuration() {
    let c = parse("stridegate.toml", "").map_err(|e| e.to_string());
    let c = c.as_ref().map(|c| (&c.settings, c.fail_on, c.select.len()));
    assert_eq!(c, Ok((&RuleSettings::default(), None, 0)));
}

#[test]
fn unknown_key_is_an_error_with_line_and_column() {
    let e = err("fail-on = \"high\"\n\n[rules]\nselekt = [\"K8S\"]\n");
    assert_eq!((e.line, e.column), (4, 1), "{e}");
    assert!(e.message.contains("selekt") && e.message.contains("expected one of"), "{e}");
}

#[test]
fn wrong_type_is_an_error_with_line() {
    let e = err("[settings]\nmax-session-duration = \"long\"\n");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("integer"), "{e}");
    let e = err("fail-on = \"urgent\"\n");
    assert_eq!(e.line, 1, "{e}");
    assert!(e.message.contains("critical"), "{e}");
}

#[test]
fn values_are_validated_with_positions() {
    let e = err("[settings]\nmax-session-duration = 60\n");
    assert_eq!((e.line, e.column), (2, 24), "{e}");
    let e = err("[[suppress]]\nrule = \"IAM-0001\"\npath = \"a.json\"\nuntil = \"2027-13-45\"\n");
    assert_eq!(e.line, 4, "{e}");
    let e = err("[[terraform.state.owners]]\nteam = \"a\"\nbucket = \"b\"\nprefixes = [\"x/*\"]\n");
    assert_eq!(e.line, 4, "{e}");
    let e = err(
        "[[terraform.state.owners]]\nteam = \"a\"\nbucket = \"b\"\nprefixes = [\"svc/\"]\n[[terraform.state.owners]]\nteam = \"c\"\nbucket = \"b\"\nprefixes = [\"svc/c/\"]\n",
    );
    assert!(e.message.contains("overlaps"), "{e}");
    let e = err("exclude = [\"[\"]\n");
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn suppress_entries_are_kept_with_their_line() {
    let c = parse(
        "stridegate.toml",
        "[[suppress]]\nrule = \"IAM-0001\"\npath = \"policies/*.json\"\npointer = \"/Statement/0\"\nreason = \"ci\"\nuntil = \"2027-03-01\"\n",
    );
    let c = c.map_err(|e| e.to_string());
    assert_eq!(
        c.map(|c| c.suppress),
        Ok(vec![SuppressEntry {
            rule: "IAM-0001".into(),
            path: "policies/*.json".into(),
            resource: None,
            pointer: Some("/Statement/0".into()),
            reason: Some("ci".into()),
            until: Some("2027-03-01".into()),
            line: 1,
        }])
    );
}

#[test]
fn helm_set_values_keep_their_types() {
    let c = parse("c.toml", "[helm]\nset = { \"image.tag\" = \"1,2\", replicas = 3, on = true }\n").map_err(|e| e.to_string());
    let c = c.map(|c| (c.helm.set, c.helm.set_string));
    assert_eq!(c, Ok((vec!["on=true".to_string(), "replicas=3".to_string()], vec!["image.tag=1\\,2".to_string()])));
}

#[test]
fn data_tier_words_match_whole_words_and_plurals() {
    let s = RuleSettings::default();
    for yes in ["db", "app-dbs", "Private-Data", "orders_postgres", "caches"] {
        assert!(s.is_data_tier(yes), "{yes}");
    }
    for no in ["dashboard", "metadata", "public", ""] {
        assert!(!s.is_data_tier(no), "{no}");
    }
}

#[test]
fn selectors_cover_ids_names_families_and_stride() {
    let Ok(set) = RuleSet::builtin() else { panic!("builtin rules") };
    let find = |id: &str| set.rules.iter().find(|r| r.meta.id == id).map(|r| r.meta.as_ref());
    let (Some(k1), Some(i1)) = (find("K8S-0001"), find("IAM-0001")) else { panic!("rules") };
    let sel = |t: &str| Selector::parse(t, &set);
    assert_eq!(sel("k8s-0001"), Some(Selector::Rule("K8S-0001".into())));
    assert_eq!(sel(&k1.name), Some(Selector::Rule("K8S-0001".into())));
    assert_eq!(sel("k8s"), Some(Selector::Family("K8S".into())));
    assert_eq!(sel("Tampering"), Some(Selector::Stride(Stride::Tampering)));
    assert_eq!(sel("K9S"), None);
    assert_eq!(sel(""), None);
    let family = Selector::Family("K8S".into());
    assert!(family.matches(k1) && !family.matches(i1));
    let cat = i1.stride[0];
    assert!(Selector::Stride(cat).matches(i1));
}

#[test]
fn unknown_selector_is_an_error_with_its_line() {
    let Ok(set) = RuleSet::builtin() else { panic!("builtin rules") };
    let Ok(c) = parse("stridegate.toml", "[rules]\nselect = [\n  \"K8S\",\n  \"no-such-rule\",\n]\n") else { panic!("parses") };
    let e = c.resolve(&set, &[], &[]).err().unwrap_or_default();
    assert!(e.contains("stridegate.toml:4:3") && e.contains("no-such-rule"), "{e}");
    let Ok(c) = parse("stridegate.toml", "[rules]\n\n[[suppress]]\nrule = \"K8S-9999\"\npath = \"*.yaml\"\n") else { panic!("parses") };
    let e = c.resolve(&set, &[], &[]).err().unwrap_or_default();
    assert!(e.contains("stridegate.toml:3:1") && e.contains("K8S-9999"), "{e}");
    let e = Config::default().resolve(&set, &[], &["bogus".into()]).err().unwrap_or_default();
    assert!(e.contains("bogus") && e.contains("--skip"), "{e}");
}

#[test]
fn template_parses_back_to_the_default_configuration() {
    let text = options::template();
    let parsed = parse("stridegate.toml", &text).map_err(|e| e.to_string());
    // `fail-on = "low"` is written out: it is what a scan without a file uses.
    let default = Config {
        path: Some("stridegate.toml".into()),
        text: text.clone(),
        dir: PathBuf::from("."),
        fail_on: Some(Some(Severity::Low)),
        ..Config::default()
    };
    assert_eq!(parsed, Ok(default));
    // Every documented key is accepted: uncomment the examples.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ') && !k.contains('`')) => {
                rest
            }
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let uncommented = uncommented.replace("[helm.charts.\"DIR\"]", "[helm.charts.\"charts/web\"]");
    assert!(parse("stridegate.toml", &uncommented).is_ok(), "{:?}\n{uncommented}", parse("stridegate.toml", &uncommented).err());
}

#[test]
fn rego_data_carries_every_setting() {
    let s = RuleSettings::default();
    let data = s.rego_data();
    assert_eq!(data["stridegate"]["settings"]["max_session_duration"], 14_400);
    assert_eq!(data["stridegate"]["settings"]["tls_ciphers"].as_array().map(Vec::len), Some(15));
    assert_eq!(data["stridegate"]["settings"]["data_tier_words"].as_array().map(Vec::len), Some(18));
}

#[test]
fn hostile_files_are_errors_not_crashes() {
    let deep = format!("exclude = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse("deep.toml", &deep).is_err());
    let deep = format!("x = {}1{}", "{a=".repeat(50_000), "}".repeat(50_000));
    assert!(parse("deep.toml", &deep).is_err());
    let e = err("[[overrides]]\npaths = []\n");
    assert_eq!(e.to_string(), "stridegate.toml:2:9: an [[overrides]] entry needs at least one glob in `paths`");
}

#[test]
fn excludes_are_re_anchored_at_the_scanned_directory() {
    let Ok(tmp) = tempfile::tempdir() else { panic!("tempdir") };
    let base = tmp.path().join("deploy/k8s");
    if std::fs::create_dir_all(&base).is_err() {
        panic!("mkdir");
    }
    let text = "exclude = [\"*.gen.yaml\", \"vendor/\", \"deploy/k8s/legacy/\", \"/deploy/k8s/old/*.yaml\", \"other/x/\", \"/deploy/\", \"!deploy/k8s/keep/\", \"*/k8s/tmp/\"]\n";
    let Ok(mut c) = parse("stridegate.toml", text) else { panic!("parses") };
    c.dir = tmp.path().to_path_buf();
    assert_eq!(
        c.exclude_relative_to(&base),
        ["*.gen.yaml", "vendor/", "/legacy/", "/old/*.yaml", "*", "!/keep/", "*/k8s/tmp/"].map(String::from).to_vec()
    );
    assert_eq!(c.exclude_relative_to(tmp.path()), c.exclude);
}
