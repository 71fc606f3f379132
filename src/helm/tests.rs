//! Loader tests over the fixture charts in `tests/data/helm/` (copied to a temporary scan
//! root, where archives are generated), and over the Prometheus community charts corpus.
#![allow(clippy::unwrap_used, clippy::type_complexity)]

use std::path::{Path, PathBuf};

use serde_json::json;

use super::archive::{build_tar, gzip};
use super::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A scan root holding the fixtures, with `parent/charts/tagged-0.1.0.tgz` generated.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/helm"), dir.path());
    let tar = build_tar(&[
        ("tagged/Chart.yaml", b'0', b"apiVersion: v2\nname: tagged\nversion: 0.1.0\n"),
        ("tagged/values.yaml", b'0', b"port: 80\n"),
        ("tagged/templates/t.yaml", b'0', b"kind: Tagged\n"),
    ]);
    std::fs::write(dir.path().join("parent/charts/tagged-0.1.0.tgz"), gzip(&tar)).unwrap();
    dir
}

fn tree(root: &Path) -> Vec<PathBuf> {
    ["parent", "lib", "sibling", "cyc-a", "cyc-b", "v1chart"].iter().map(|d| root.join(d)).collect()
}

fn load(root: &Path, chart: &str, options: &HelmOptions) -> LoadedChart {
    load_chart(root, &root.join(chart), &tree(root), options).unwrap()
}

fn path(p: &str) -> Vec<String> {
    p.split('.').map(str::to_string).collect()
}

/// `file:line` of where a value was written.
fn at(c: &LoadedChart, p: &str) -> String {
    let loc = c.origin(&path(p)).unwrap_or_else(|| panic!("no origin for {p}"));
    format!("{}:{}", loc.file, loc.start.line)
}

fn sub<'c>(c: &'c LoadedChart, name: &str) -> &'c LoadedChart {
    c.subcharts.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no subchart {name}"))
}

#[test]
fn parent_chart_object_templates_and_files() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    assert_eq!(c.name, "parent");
    assert_eq!(c.display_dir, "parent");
    assert_eq!(c.chart["Name"], "parent");
    assert_eq!(c.chart["Version"], "1.0.0");
    assert_eq!(c.chart["AppVersion"], "2.1");
    assert_eq!(c.chart["APIVersion"], "v2");
    assert_eq!(c.chart["Type"], "application");
    assert_eq!(c.chart["KubeVersion"], ">=1.20.0-0");
    assert_eq!(c.chart["Keywords"], json!(["web", "test"]));
    assert_eq!(c.chart["Maintainers"], json!([{"Name": "Ops", "Email": "ops@example.com", "URL": ""}]));
    assert_eq!(c.chart["Annotations"], json!({"team": "platform"}));
    assert_eq!(c.chart["Dependencies"][1]["Alias"], "sub2");
    assert_eq!(c.chart["Dependencies"][0]["ImportValues"], json!(["data", {"child": "info", "parent": "fromSub"}]));
    let names: Vec<(&str, &str, bool)> = c.templates.iter().map(|t| (t.name.as_str(), t.display_path.as_str(), t.partial)).collect();
    assert_eq!(
        names,
        [
            ("parent/templates/NOTES.txt", "parent/templates/NOTES.txt", false),
            ("parent/templates/_helpers.tpl", "parent/templates/_helpers.tpl", true),
            ("parent/templates/deploy.yaml", "parent/templates/deploy.yaml", false),
            ("parent/templates/sub/dir/x.yaml", "parent/templates/sub/dir/x.yaml", false),
        ]
    );
    assert_eq!(c.templates[1].text, "{{- define \"parent.name\" -}}{{ .Chart.Name }}{{- end -}}\n");
    // .helmignore drops *.bak and docs/; hidden template files are always ignored.
    let files: Vec<&str> = c.files.keys().map(String::as_str).collect();
    assert_eq!(files, [".helmignore", "README.md", "crds/README.txt", "crds/widget.yaml", "files/config.ini"]);
    assert_eq!(c.crd_files(), [("crds/widget.yaml", b"kind: CustomResourceDefinition\n".as_slice())]);
    assert_eq!(c.display_path("crds/widget.yaml"), "parent/crds/widget.yaml");
    assert_eq!(c.files["files/config.ini"], b"[main]\nkey = value\n");
    let s = sub(&c, "sub");
    assert_eq!(s.templates[0].name, "parent/charts/sub/templates/svc.yaml");
    assert_eq!(s.templates[0].display_path, "parent/charts/sub/templates/svc.yaml");
    assert_eq!(s.display_dir, "parent/charts/sub");
}

#[test]
fn values_coalesce_globals_and_null_deletion() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    assert_eq!(c.values["global"], json!({"region": "eu", "shared": {"a": 1}}));
    assert_eq!(c.values["image"], json!({"tag": "1.0"}));
    assert_eq!(c.values["sub2"], json!({"enabled": false}));
    let s = sub(&c, "sub");
    assert_eq!(
        s.values,
        json!({
            "enabled": true, "replicas": 3,
            "global": {"region": "eu", "shared": {"a": 1, "b": 2}, "subOnly": "x"},
            "exports": {"data": {"exported": "yes-from-sub"}},
            "info": {"keep": "child", "added": "child"}
        })
    );
    assert_eq!(s.values, c.values["sub"], "the parent sees the subchart's final values under its key");
    assert_eq!(sub(&c, "lib").values, json!({"global": {"region": "eu", "shared": {"a": 1}}}));
    assert_eq!(sub(&c, "sibling").values["sibling"], json!(true));
    // Provenance: parent overrides, subchart defaults, globals copied down.
    assert_eq!(at(&c, "sub.replicas"), "parent/values.yaml:9");
    assert_eq!(at(s, "replicas"), "parent/values.yaml:9");
    assert_eq!(at(s, "global.subOnly"), "parent/charts/sub/values.yaml:8");
    assert_eq!(at(s, "global.region"), "parent/values.yaml:2");
    assert_eq!(at(s, "global.shared.b"), "parent/charts/sub/values.yaml:7");
    assert_eq!(at(s, "info.added"), "parent/charts/sub/values.yaml:14");
    assert!(s.origin(&path("removeMe")).is_none());
    let loc = c.origin(&path("image.tag")).unwrap();
    assert_eq!((loc.start.line, loc.start.column, loc.end.column), (6, 3, 13), "key and value of `tag: \"1.0\"`");
}

#[test]
fn conditions_tags_and_first_resolvable_condition() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    let enabled: Vec<&str> = c.subcharts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(enabled, ["sub", "lib", "sibling"]);
    assert_eq!(
        c.disabled,
        [
            ("sub2".to_string(), "condition `sub2.enabled` is false".to_string()),
            ("tagged".to_string(), "tags `extras` are false".to_string())
        ]
    );
    // A true tag enables; a null deletes `sub2.enabled`, so the next condition path decides.
    let options = HelmOptions { set: vec!["tags.extras=true".into(), "sub2.enabled=null".into()], ..HelmOptions::default() };
    let c = load(root.path(), "parent", &options);
    let enabled: Vec<&str> = c.subcharts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(enabled, ["sub", "sub2", "tagged", "lib", "sibling"]);
    assert!(c.disabled.is_empty());
    let t = sub(&c, "tagged");
    assert_eq!(t.templates[0].name, "parent/charts/tagged/templates/t.yaml");
    assert_eq!(t.templates[0].display_path, "parent/charts/tagged-0.1.0.tgz!/tagged/templates/t.yaml");
    assert_eq!(at(t, "port"), "parent/charts/tagged-0.1.0.tgz!/tagged/values.yaml:1");
    // Alias: the same chart under another name, in values, .Chart and template names.
    let s2 = sub(&c, "sub2");
    assert_eq!(s2.chart["Name"], "sub2");
    assert_eq!(s2.templates[0].name, "parent/charts/sub2/templates/svc.yaml");
    assert_eq!(s2.values["replicas"], json!(1));
    assert_eq!(c.values["sub2"]["replicas"], json!(1));
}

#[test]
fn import_values_both_forms_parent_wins() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    assert_eq!(c.values["exported"], json!("yes-from-sub"));
    assert_eq!(c.values["fromSub"], json!({"keep": "parent", "added": "child"}));
    assert_eq!(at(&c, "exported"), "parent/charts/sub/values.yaml:11");
    assert_eq!(at(&c, "fromSub.keep"), "parent/values.yaml:16");
    assert_eq!(at(&c, "fromSub.added"), "parent/charts/sub/values.yaml:14");
    // User values still win over imported ones.
    let c = load(root.path(), "parent", &HelmOptions { set: vec!["exported=mine".into()], ..HelmOptions::default() });
    assert_eq!(c.values["exported"], json!("mine"));
}

#[test]
fn user_values_files_then_set_then_set_string() {
    let root = fixtures();
    let f1 = root.path().join("one.yaml");
    let f2 = root.path().join("two.yaml");
    std::fs::write(&f1, "sub:\n  replicas: 5\n  extra: one\nimage:\n  tag: a\n").unwrap();
    std::fs::write(&f2, "image:\n  tag: b\n").unwrap();
    let options = HelmOptions {
        values_files: vec![f1.clone(), f2.clone()],
        set: vec!["sub.replicas=7,sub.removeMe=null".into()],
        set_string: vec!["sub.enabled=true".into()],
        ..HelmOptions::default()
    };
    let c = load(root.path(), "parent", &options);
    let s = sub(&c, "sub");
    assert_eq!(s.values["replicas"], json!(7));
    assert_eq!(s.values["extra"], json!("one"));
    assert_eq!(s.values["enabled"], json!("true"));
    assert_eq!(c.values["image"]["tag"], json!("b"));
    assert_eq!(at(&c, "image.tag"), format!("{}:2", f2.display()));
    assert_eq!(at(s, "extra"), format!("{}:3", f1.display()));
    assert_eq!(at(s, "replicas"), "<--helm-set #1>:1");
    assert_eq!(at(s, "enabled"), "<--helm-set-string #1>:1");
    // `--set sub.replicas=null` deletes the key, defaults included.
    let c = load(root.path(), "parent", &HelmOptions { set: vec!["sub.replicas=null".into()], ..HelmOptions::default() });
    assert!(sub(&c, "sub").values.get("replicas").is_none());
    // Bad user input is an error naming the flag.
    let err =
        load_chart(root.path(), &root.path().join("parent"), &[], &HelmOptions { set: vec!["a..b=1".into()], ..HelmOptions::default() })
            .unwrap_err();
    assert_eq!((err.display.as_str(), err.message.as_str()), ("--helm-set", "`a..b=1`: key `a..b=1` has an empty segment"));
}

#[test]
fn schema_violations_point_at_the_value() {
    let root = fixtures();
    let f = root.path().join("over.yaml");
    std::fs::write(&f, "image:\n  pullPolicy: Sometimes\n").unwrap();
    let options = HelmOptions { values_files: vec![f.clone()], set: vec!["image.tag=5".into()], ..HelmOptions::default() };
    let c = load(root.path(), "parent", &options);
    let schema: Vec<(String, String, String)> = c
        .problems
        .iter()
        .filter(|p| p.display == "parent/values.schema.json")
        .map(|p| {
            let l = p.location.as_ref().unwrap();
            (format!("{}:{}", l.file, l.start.line), p.message.clone(), p.fatal.to_string())
        })
        .collect();
    assert_eq!(
        schema,
        [
            (
                format!("{}:2", f.display()),
                "values do not match the chart's schema: `image.pullPolicy` \"Sometimes\" is not one of \"Always\", \"IfNotPresent\", \"Never\""
                    .to_string(),
                "false".to_string()
            ),
            ("<--helm-set #1>:1".to_string(), "values do not match the chart's schema: `image.tag` is an integer, not a string".to_string(), "false".to_string()),
        ]
    );
    // The defaults are valid.
    let c = load(root.path(), "parent", &HelmOptions::default());
    assert!(c.problems.iter().all(|p| p.display != "parent/values.schema.json"), "{:?}", c.problems);
}

#[test]
fn dependency_resolution_report() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    let resolved: Vec<(&str, Option<&str>, &str, &str, Option<&str>)> = c
        .resolved
        .iter()
        .map(|r| (r.name.as_str(), r.alias.as_deref(), r.found_version.as_str(), r.from.as_str(), r.note.as_deref()))
        .collect();
    assert_eq!(
        resolved,
        [
            ("sub", None, "1.2.3", "parent/charts/sub", None),
            ("sub", Some("sub2"), "1.2.3", "parent/charts/sub", None),
            ("tagged", None, "0.1.0", "parent/charts/tagged-0.1.0.tgz", None),
            ("lib", None, "1.4.0", "file://../lib (lib)", None),
            ("sibling", None, "2.0.0", "tree:sibling", Some("the scanned tree has version 2.0.0, which does not satisfy `^1.0.0`")),
        ]
    );
    assert_eq!(c.missing.len(), 2);
    let m = &c.missing[0];
    assert_eq!((m.name.as_str(), m.version.as_str(), m.repository.as_str()), ("ghost", "1.0.0", "https://example.com/charts"));
    assert_eq!(
        m.reason,
        "not in charts/ and no chart named `ghost` in the scanned tree (https://example.com/charts is not fetched offline)"
    );
    let loc = m.location.as_ref().unwrap();
    assert_eq!((&*loc.file, loc.start.line), ("parent/Chart.yaml", 34));
    let note = c.problems.iter().find(|p| p.message.starts_with("dependency `sibling`")).unwrap();
    assert_eq!(
        note.to_string(),
        "parent/Chart.yaml:31:5: dependency `sibling`: the scanned tree has version 2.0.0, which does not satisfy `^1.0.0`; using it anyway"
    );
    assert_eq!(note.message, "dependency `sibling`: the scanned tree has version 2.0.0, which does not satisfy `^1.0.0`; using it anyway");
    assert_eq!(note.location.as_ref().map(|l| l.start.line), Some(31));
    assert!(!note.fatal);
    assert!(!c.is_complete(), "a missing dependency makes the chart partial");
    assert_eq!(m.disabled, None);
    // A missing dependency disabled by its condition is listed but does not matter.
    assert_eq!(c.missing[1].name, "optional");
    assert_eq!(c.missing[1].disabled.as_deref(), Some("condition `optional.enabled` is false"));
    let enabled: Vec<(&str, bool)> = c.chart["Dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["Alias"].as_str().filter(|a| !a.is_empty()).or(d["Name"].as_str()).unwrap(), d["Enabled"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        enabled,
        [("sub", true), ("sub2", false), ("tagged", false), ("lib", true), ("sibling", true), ("ghost", true), ("optional", false)]
    );
}

#[test]
fn nested_conditions_are_scoped_and_undeclared_subcharts_load() {
    let root = fixtures();
    let c = load(root.path(), "nested", &HelmOptions::default());
    let names: Vec<&str> = c.subcharts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["mid", "extra"]);
    let mid = sub(&c, "mid");
    assert!(mid.subcharts.is_empty());
    assert_eq!(mid.disabled, [("leaf".to_string(), "condition `leaf.active` is false".to_string())]);
    assert!(c.is_complete());
    let c = load(root.path(), "nested", &HelmOptions { set: vec!["mid.leaf.active=true".into()], ..HelmOptions::default() });
    let leaf = sub(sub(&c, "mid"), "leaf");
    assert_eq!(leaf.templates[0].name, "nested/charts/mid/charts/leaf/templates/l.yaml");
    assert_eq!(leaf.values, json!({"active": true, "global": {}}), "a subchart always has `global`");
    assert_eq!(at(leaf, "active"), "<--helm-set #1>:1");
    assert_eq!(sub(&c, "extra").templates[0].name, "nested/charts/extra/templates/e.yaml");
}

#[test]
fn library_charts_define_only() {
    let root = fixtures();
    let c = load(root.path(), "parent", &HelmOptions::default());
    let lib = sub(&c, "lib");
    assert!(lib.is_library);
    assert_eq!(lib.chart["Type"], "library");
    let t: Vec<(&str, &str, bool)> = lib.templates.iter().map(|t| (t.name.as_str(), t.display_path.as_str(), t.partial)).collect();
    assert_eq!(
        t,
        [
            ("parent/charts/lib/templates/_labels.tpl", "lib/templates/_labels.tpl", true),
            ("parent/charts/lib/templates/configmap.yaml", "lib/templates/configmap.yaml", true),
        ]
    );
    let top = load(root.path(), "lib", &HelmOptions::default());
    assert!(top.is_library);
    assert_eq!(top.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(), ["library chart: it renders nothing by itself"]);
}

#[test]
fn cycles_v1_requirements_and_broken_chart_yaml() {
    let root = fixtures();
    let a = load(root.path(), "cyc-a", &HelmOptions::default());
    assert_eq!(a.subcharts.len(), 1);
    let b = &a.subcharts[0];
    assert_eq!(b.name, "cyc-b");
    assert_eq!(b.missing.len(), 1);
    assert_eq!(b.missing[0].reason, "`file://../cyc-a` is a dependency cycle");

    let old = load(root.path(), "v1chart", &HelmOptions::default());
    assert_eq!(old.chart["APIVersion"], "v1");
    assert_eq!(old.chart["Version"], "0.3.10", "numbers keep their text");
    assert_eq!(old.chart["AppVersion"], "1.10");
    assert_eq!(old.resolved.len(), 1);
    assert_eq!(old.resolved[0].from, "tree:sibling");
    assert_eq!(old.resolved[0].note, None);
    assert_eq!(sub(&old, "sibling").templates[0].name, "oldie/charts/sibling/templates/s.yaml");

    let err = load_chart(root.path(), &root.path().join("broken"), &[], &HelmOptions::default()).unwrap_err();
    assert_eq!(err.display, "broken/Chart.yaml");
    assert!(err.fatal);
    assert!(err.message.starts_with("invalid YAML: "), "{}", err.message);
    assert_eq!(err.location.map(|l| l.start.line), Some(4));
}

#[test]
fn odd_charts_report_problems_with_places() {
    let root = tempfile::tempdir().unwrap();
    let c = root.path().join("odd");
    std::fs::create_dir_all(c.join("templates")).unwrap();
    std::fs::create_dir_all(c.join("charts/bad")).unwrap();
    std::fs::write(c.join("Chart.yaml"), "apiVersion: v2\nname: odd\nversion: 1.0.0\n").unwrap();
    // requirements.yaml only counts for apiVersion v1 charts.
    std::fs::write(c.join("requirements.yaml"), "dependencies:\n  - name: ghost\n    version: 1.0.0\n").unwrap();
    std::fs::write(c.join("values.yaml"), "- a list\n").unwrap();
    std::fs::write(c.join("values.schema.json"), "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}\n").unwrap();
    std::fs::write(c.join("templates/bin.yaml"), [0xff, 0xfe, b'x']).unwrap();
    std::fs::write(c.join("charts/bad/Chart.yaml"), "apiVersion: v2\nversion: 1.0.0\n").unwrap();
    std::fs::create_dir_all(c.join("charts/notachart")).unwrap();
    std::fs::write(c.join("charts/notachart/README.md"), "x").unwrap();
    let got = load_chart(root.path(), &c, &[], &HelmOptions::default()).unwrap();
    assert!(got.missing.is_empty());
    assert!(got.subcharts.is_empty());
    let p: Vec<(String, &str, &str, bool)> = got
        .problems
        .iter()
        .map(|p| {
            (
                p.location.as_ref().map(|l| format!("{}:{}", l.file, l.start.line)).unwrap_or_default(),
                p.display.as_str(),
                p.message.as_str(),
                p.fatal,
            )
        })
        .collect();
    assert_eq!(
        p,
        [
            ("odd/values.yaml:1".to_string(), "odd/values.yaml", "values.yaml is not a mapping", true),
            (
                "odd/values.schema.json:3".to_string(),
                "odd/values.schema.json",
                "values.schema.json is not valid JSON, values not checked: key must be a string at line 3 column 18",
                false,
            ),
            ("odd/charts/bad/Chart.yaml:1".to_string(), "odd/charts/bad/Chart.yaml", "Chart.yaml has no `name`", true),
            (String::new(), "odd/charts/notachart", "folder in charts/ has no Chart.yaml; not a subchart", false),
            (String::new(), "odd/templates/bin.yaml", "template is not UTF-8; not rendered", true),
        ]
    );
    assert!(got.templates.is_empty());
    assert!(!got.is_complete());
}

#[test]
fn deep_chains_and_alias_fan_out_are_bounded() {
    let root = tempfile::tempdir().unwrap();
    // c0 -> c1 -> ... -> c14, each found in the tree.
    let mut dirs = Vec::new();
    for i in 0..15 {
        let d = root.path().join(format!("c{i}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("Chart.yaml"),
            format!("apiVersion: v2\nname: c{i}\nversion: 1.0.0\ndependencies:\n  - name: c{}\n    version: 1.0.0\n", i + 1),
        )
        .unwrap();
        dirs.push(d);
    }
    let c = load_chart(root.path(), &dirs[0], &dirs, &HelmOptions::default()).unwrap();
    let mut depth = 0;
    let mut cur = &c;
    while let Some(next) = cur.subcharts.first() {
        depth += 1;
        cur = next;
    }
    assert_eq!(depth, 10);
    assert_eq!(cur.name, "c10");
    assert_eq!(
        cur.problems.iter().map(|p| (p.message.as_str(), p.fatal)).collect::<Vec<_>>(),
        [("subcharts nested deeper than 10 levels are not loaded", true)]
    );
    assert!(!c.is_complete());

    // 300 aliases of one subchart.
    let fan = root.path().join("fan");
    std::fs::create_dir_all(fan.join("charts/leaf")).unwrap();
    std::fs::write(fan.join("charts/leaf/Chart.yaml"), "apiVersion: v2\nname: leaf\nversion: 1.0.0\n").unwrap();
    let mut chart = String::from("apiVersion: v2\nname: fan\nversion: 1.0.0\ndependencies:\n");
    for i in 0..300 {
        chart.push_str(&format!("  - name: leaf\n    alias: leaf{i}\n    version: 1.0.0\n"));
    }
    std::fs::write(fan.join("Chart.yaml"), chart).unwrap();
    let c = load_chart(root.path(), &fan, &[], &HelmOptions::default()).unwrap();
    assert_eq!(c.subcharts.len(), 255);
    let fatal: Vec<&str> = c.problems.iter().filter(|p| p.fatal).map(|p| p.message.as_str()).collect();
    assert_eq!(fatal.len(), 45);
    assert_eq!(fatal[0], "more than 256 charts and subcharts");
}

#[test]
fn archives_inside_archives() {
    let root = tempfile::tempdir().unwrap();
    let inner = gzip(&build_tar(&[
        ("inner/Chart.yaml", b'0', b"apiVersion: v2\nname: inner\nversion: 1.0.0\n"),
        ("inner/templates/x.yaml", b'0', b"kind: X\n"),
        ("inner/templates/link.yaml", b'2', b""),
    ]));
    let outer = gzip(&build_tar(&[
        ("outer/Chart.yaml", b'0', b"apiVersion: v2\nname: outer\nversion: 2.0.0\n"),
        ("outer/values.yaml", b'0', b"inner:\n  k: v\n"),
        ("outer/charts/inner-1.0.0.tgz", b'0', &inner),
    ]));
    let top = root.path().join("top");
    std::fs::create_dir_all(top.join("charts")).unwrap();
    std::fs::write(top.join("Chart.yaml"), "apiVersion: v2\nname: top\nversion: 1.0.0\n").unwrap();
    std::fs::write(top.join("charts/outer-2.0.0.tgz"), outer).unwrap();
    let c = load_chart(root.path(), &top, &[], &HelmOptions::default()).unwrap();
    let inner = sub(sub(&c, "outer"), "inner");
    assert_eq!(inner.templates.len(), 1);
    assert_eq!(inner.templates[0].name, "top/charts/outer/charts/inner/templates/x.yaml");
    assert_eq!(inner.templates[0].display_path, "top/charts/outer-2.0.0.tgz!/outer/charts/inner-1.0.0.tgz!/inner/templates/x.yaml");
    assert_eq!(inner.values, json!({"k": "v", "global": {}}));
    assert_eq!(at(inner, "k"), "top/charts/outer-2.0.0.tgz!/outer/values.yaml:2");
    assert_eq!(
        inner.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(),
        ["top/charts/outer-2.0.0.tgz!/outer/charts/inner-1.0.0.tgz!/inner/templates/link.yaml: link entry not followed"]
    );
}

#[test]
fn hostile_archive_is_rejected_not_extracted() {
    let root = fixtures();
    let tar = build_tar(&[("evil/Chart.yaml", b'0', b"name: evil\nversion: 1.0.0\n"), ("evil/../../../outside.yaml", b'0', b"x")]);
    std::fs::write(root.path().join("sibling/charts/evil-1.0.0.tgz"), gzip(&tar)).unwrap_or_else(|_| {
        std::fs::create_dir_all(root.path().join("sibling/charts")).unwrap();
        std::fs::write(root.path().join("sibling/charts/evil-1.0.0.tgz"), gzip(&tar)).unwrap();
    });
    let c = load(root.path(), "sibling", &HelmOptions::default());
    assert!(c.subcharts.is_empty());
    let p: Vec<(&str, &str, bool)> = c.problems.iter().map(|p| (p.display.as_str(), p.message.as_str(), p.fatal)).collect();
    assert_eq!(
        p,
        [(
            "sibling/charts/evil-1.0.0.tgz",
            "sibling/charts/evil-1.0.0.tgz: path `evil/../../../outside.yaml` escapes the archive (`..`)",
            true
        )]
    );
    assert!(!root.path().join("outside.yaml").exists());
    assert!(!c.is_complete());
}

#[cfg(unix)]
#[test]
fn links_out_of_the_scan_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "s3cret").unwrap();
    let root = fixtures();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.path().join("sibling/secret.txt")).unwrap();
    std::os::unix::fs::symlink(root.path().join("parent/README.md"), root.path().join("sibling/readme-link.md")).unwrap();
    let c = load(root.path(), "sibling", &HelmOptions::default());
    let files: Vec<&str> = c.files.keys().map(String::as_str).collect();
    assert_eq!(files, ["readme-link.md"]);
    assert_eq!(c.problems[0].message, "sibling/secret.txt: link out of the scan root or dangling, not followed");
}

/// Every chart of the Prometheus community corpus loads; prints dependency resolution.
#[test]
fn prometheus_corpus_charts_load() {
    let root = Path::new("/work/shared/corpora/prometheus-helm-charts");
    if !root.is_dir() {
        eprintln!("corpus absent: skipped");
        return;
    }
    let mut charts: Vec<PathBuf> = std::fs::read_dir(root.join("charts")).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    charts.retain(|c| c.join("Chart.yaml").is_file());
    charts.sort();
    let start = std::time::Instant::now();
    let (mut resolved, mut missing, mut templates, mut subcharts) = (0, 0, 0, 0);
    let index = TreeIndex::new(root, &charts);
    assert_eq!(index.len(), charts.len());
    for chart in &charts {
        let c =
            load_chart_with_index(root, chart, &index, &HelmOptions::default()).unwrap_or_else(|p| panic!("{}: {p:?}", chart.display()));
        subcharts += c.all().len() - 1;
        for d in c.all() {
            templates += d.templates.len();
            for r in &d.resolved {
                resolved += 1;
                eprintln!("resolved {} -> {} {} from {} {}", d.name, r.name, r.found_version, r.from, r.note.as_deref().unwrap_or(""));
            }
            for m in &d.missing {
                missing += 1;
                let off = m.disabled.as_deref().map(|r| format!(" [disabled: {r}]")).unwrap_or_default();
                eprintln!("missing  {} -> {} {} ({}): {}{off}", d.name, m.name, m.version, m.repository, m.reason);
            }
            for (name, why) in &d.disabled {
                eprintln!("disabled {} -> {name}: {why}", d.name);
            }
            let fatal: Vec<&ChartProblem> = d.problems.iter().filter(|p| p.fatal).collect();
            assert!(fatal.is_empty(), "{}: {fatal:?}", chart.display());
            for p in d.problems.iter().filter(|p| !p.fatal) {
                eprintln!("problem  {}: {}", p.display, p.message);
            }
        }
    }
    eprintln!(
        "{} charts, {subcharts} enabled subcharts, {resolved} dependencies resolved, {missing} missing, {templates} templates, {:?}",
        charts.len(),
        start.elapsed()
    );
    assert!(charts.len() >= 40);
}
