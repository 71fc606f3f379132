//! Renders every chart under a directory with the in-process Helm template engine and reports
//! how many templates render, and the most common error causes.
//!
//! ```text
//! cargo run --example helm_render -- [CHARTS_DIR] [-v]
//! ```
//!
//! Each chart (a directory with `Chart.yaml`) gets one template set with its templates and
//! those of its unpacked subcharts (`charts/*/`); `.Values` comes from `values.yaml` (for a
//! subchart: its own `values.yaml` overlaid with the parent's `<subchart>:` section and
//! `global`), `.Chart` from `Chart.yaml` with Helm's capitalised keys, `.Release` and
//! `.Capabilities` as `helm template` sets them (Kubernetes v1.30.0).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stridegate::helm::template::{RenderLimits, TemplateSet, Value};

const DEFAULT_DIR: &str = "/work/shared/corpora/prometheus-helm-charts/charts";

fn yaml_json(text: &str) -> serde_json::Value {
    let lines = stridegate::source::LineIndex::new(text);
    let parsed = stridegate::parse::yaml::parse(text, &lines, &stridegate::parse::Limits::default());
    parsed.documents.into_iter().next().map(|d| d.value).unwrap_or(serde_json::Value::Null)
}

fn merge_json(base: &mut serde_json::Value, over: &serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(bv) if bv.is_object() && v.is_object() => merge_json(bv, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) if !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

fn chart_value(meta: &serde_json::Value) -> Value {
    let mut m = BTreeMap::new();
    if let Some(obj) = meta.as_object() {
        for (k, v) in obj {
            let key = match k.as_str() {
                "apiVersion" => "APIVersion".to_string(),
                other => {
                    let mut c = other.chars();
                    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
                }
            };
            m.insert(key, Value::from_json(v));
        }
    }
    m.insert("IsRoot".into(), Value::bool(true));
    Value::map(m)
}

fn strs(pairs: &[(&str, Value)]) -> Value {
    Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn capabilities() -> Value {
    let kube = strs(&[("Version", "v1.30.0".into()), ("Major", "1".into()), ("Minor", "30".into()), ("GitVersion", "v1.30.0".into())]);
    let groups = [
        "v1",
        "admissionregistration.k8s.io/v1",
        "apiextensions.k8s.io/v1",
        "apiregistration.k8s.io/v1",
        "apps/v1",
        "authentication.k8s.io/v1",
        "authorization.k8s.io/v1",
        "autoscaling/v1",
        "autoscaling/v2",
        "batch/v1",
        "certificates.k8s.io/v1",
        "coordination.k8s.io/v1",
        "discovery.k8s.io/v1",
        "events.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1",
        "networking.k8s.io/v1",
        "node.k8s.io/v1",
        "policy/v1",
        "rbac.authorization.k8s.io/v1",
        "scheduling.k8s.io/v1",
        "storage.k8s.io/v1",
    ];
    let api = Value::api_versions(groups.iter().map(|s| s.to_string()).collect());
    let helm = strs(&[("Version", "v3.14.0".into()), ("GitCommit", "".into()), ("GoVersion", "go1.21".into())]);
    strs(&[("KubeVersion", kube), ("APIVersions", api), ("HelmVersion", helm)])
}

fn walk_files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk_files(&p, base, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push((rel.to_string_lossy().replace('\\', "/"), p));
        }
    }
}

struct Chart {
    /// Template name prefix, e.g. "prometheus" or "prometheus/charts/kube-state-metrics".
    prefix: String,
    dir: PathBuf,
    values: serde_json::Value,
    meta: serde_json::Value,
}

fn collect_charts(dir: &Path, prefix: String, parent_values: Option<&serde_json::Value>, out: &mut Vec<Chart>) {
    let meta = std::fs::read_to_string(dir.join("Chart.yaml")).map(|t| yaml_json(&t)).unwrap_or_default();
    let mut values = std::fs::read_to_string(dir.join("values.yaml")).map(|t| yaml_json(&t)).unwrap_or(serde_json::json!({}));
    if !values.is_object() {
        values = serde_json::json!({});
    }
    if let Some(pv) = parent_values {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(sub) = pv.get(&name) {
            merge_json(&mut values, sub);
        }
        if let Some(g) = pv.get("global") {
            let mut gl = serde_json::json!({"global": g});
            if let Some(own) = values.get("global") {
                let mut own = serde_json::json!({"global": own});
                merge_json(&mut own, &gl);
                gl = own;
            }
            merge_json(&mut values, &gl);
        }
    }
    let charts_dir = dir.join("charts");
    let mut subs = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&charts_dir) {
        let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("Chart.yaml").exists()).collect();
        entries.sort();
        subs = entries;
    }
    let this_values = values.clone();
    out.push(Chart { prefix: prefix.clone(), dir: dir.to_path_buf(), values, meta });
    for s in subs {
        let name = s.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        collect_charts(&s, format!("{prefix}/charts/{name}"), Some(&this_values), out);
    }
}

fn cause(msg: &str) -> String {
    // Drop positions and quoted names so that causes group.
    let m = msg.rsplit(": error calling ").next().unwrap_or(msg);
    let m = if let Some(i) = m.find(">: ") { &m[i + 3..] } else { m };
    let mut out = String::new();
    let mut in_quote = false;
    for c in m.chars() {
        if c == '"' {
            in_quote = !in_quote;
            out.push_str(if in_quote { "\"…" } else { "\"" });
            continue;
        }
        if !in_quote {
            out.push(if c.is_ascii_digit() { '#' } else { c });
        }
    }
    out.chars().take(140).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    // `--show=NAME`: print the output of the template NAME.
    let show = args.iter().find_map(|a| a.strip_prefix("--show=")).map(str::to_string);
    // `--out=DIR`: write every rendered template under DIR.
    let out_dir = args.iter().find_map(|a| a.strip_prefix("--out=")).map(PathBuf::from);
    let root = args.iter().find(|a| !a.starts_with('-')).cloned().unwrap_or_else(|| DEFAULT_DIR.to_string());
    let root = PathBuf::from(root);
    let Ok(rd) = std::fs::read_dir(&root) else {
        eprintln!("no charts at {}", root.display());
        return;
    };
    let mut chart_dirs: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("Chart.yaml").exists()).collect();
    chart_dirs.sort();
    let (mut ok, mut failed, mut parse_failed) = (0usize, 0usize, 0usize);
    let mut causes: HashMap<String, usize> = HashMap::new();
    let mut bytes = 0usize;
    let (mut segments, mut values_bytes) = (0usize, 0usize);
    let started = Instant::now();
    for cdir in &chart_dirs {
        let name = cdir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut charts = Vec::new();
        collect_charts(cdir, name.clone(), None, &mut charts);
        let mut set = TemplateSet::new();
        let mut to_run = Vec::new();
        for ch in &charts {
            let mut files = Vec::new();
            walk_files(&ch.dir.join("templates"), &ch.dir, &mut files);
            for (rel, path) in files {
                let tname = format!("{}/{rel}", ch.prefix);
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                if let Err(e) = set.add(&tname, &text) {
                    parse_failed += 1;
                    *causes.entry(format!("parse: {}", cause(&e.message))).or_default() += 1;
                    if verbose {
                        println!("PARSE {e}");
                    }
                    continue;
                }
                let base = rel.rsplit('/').next().unwrap_or(&rel).to_string();
                let ext_ok = [".yaml", ".yml", ".tpl", ".txt"].iter().any(|x| base.ends_with(x));
                if !base.starts_with('_') && ext_ok {
                    to_run.push((tname, ch));
                }
            }
        }
        if let Some(dir) = out_dir.as_ref().filter(|_| args.iter().any(|a| a == "--values-yaml")) {
            // Self-check aid: `toYaml .Values` of the top chart, to compare with values.yaml.
            let mut s = TemplateSet::new();
            s.add("values-dump", "{{ toYaml .Values }}").expect("static template");
            let dot = strs(&[("Values", Value::from_json(&charts[0].values))]);
            if let Ok(r) = s.execute("values-dump", &dot, &RenderLimits::default()) {
                let _ = std::fs::create_dir_all(dir.join("values"));
                let _ = std::fs::write(dir.join("values").join(format!("{name}.yaml")), r.text);
            }
        }
        for (tname, ch) in to_run {
            let mut files = Vec::new();
            walk_files(&ch.dir, &ch.dir, &mut files);
            let files: BTreeMap<String, Vec<u8>> = files
                .into_iter()
                .filter(|(r, _)| !r.starts_with("templates/") && !r.starts_with("charts/"))
                .filter_map(|(r, p)| std::fs::read(p).ok().map(|b| (r, b)))
                .collect();
            let release = strs(&[
                ("Name", "release-name".into()),
                ("Namespace", "default".into()),
                ("Service", "Helm".into()),
                ("IsInstall", true.into()),
                ("IsUpgrade", false.into()),
                ("Revision", 1i64.into()),
            ]);
            let template = strs(&[("Name", tname.as_str().into()), ("BasePath", format!("{}/templates", ch.prefix).into())]);
            let dot = strs(&[
                ("Values", Value::from_json_with_origin(&ch.values, &[])),
                ("Chart", chart_value(&ch.meta)),
                ("Release", release),
                ("Capabilities", capabilities()),
                ("Files", Value::files(files)),
                ("Template", template),
                ("Subcharts", Value::map(BTreeMap::new())),
            ]);
            let mut limits = RenderLimits { deadline: Some(Instant::now() + Duration::from_secs(10)), ..RenderLimits::default() };
            if let Some(n) = args.iter().find_map(|a| a.strip_prefix("--max-steps=")).and_then(|n| n.parse().ok()) {
                limits.max_steps = n;
            }
            match set.execute(&tname, &dot, &limits) {
                Ok(r) => {
                    segments += r.segments.len();
                    for (i, seg) in r.segments.iter().enumerate() {
                        let end = r.segments.get(i + 1).map_or(r.text.len(), |n| n.start);
                        if seg.values_path.is_some() {
                            values_bytes += end.saturating_sub(seg.start);
                        }
                    }
                    if show.as_deref() == Some(tname.as_str()) {
                        if args.iter().any(|a| a == "--provenance") {
                            // Each output line with the origin of its first byte.
                            let mut at = 0;
                            for line in r.text.split('\n') {
                                let origin = r.origin_at(at).map(|s| {
                                    format!(
                                        "{}:{}:{} {}",
                                        s.template.rsplit('/').next().unwrap_or(""),
                                        s.line,
                                        s.column,
                                        s.values_path.as_deref().map(|p| p.join(".")).unwrap_or_default()
                                    )
                                });
                                println!("{:<60} | {}", line.chars().take(60).collect::<String>(), origin.unwrap_or_default());
                                at += line.len() + 1;
                            }
                        } else {
                            println!("{}", r.text);
                        }
                    }
                    if let Some(dir) = &out_dir {
                        let path = dir.join(&tname);
                        if let Some(parent) = path.parent() {
                            let _ = std::fs::create_dir_all(parent);
                        }
                        let _ = std::fs::write(path, &r.text);
                    }
                    ok += 1;
                    bytes += r.text.len();
                }
                Err(e) => {
                    failed += 1;
                    *causes.entry(cause(&e.message)).or_default() += 1;
                    if verbose {
                        println!("FAIL {e}");
                    }
                }
            }
        }
    }
    let total = ok + failed;
    println!(
        "charts: {}, templates executed: {total}, rendered: {ok}, failed: {failed}, files failing to parse: {parse_failed}",
        chart_dirs.len()
    );
    println!("output: {bytes} bytes in {:.2?}", started.elapsed());
    println!(
        "provenance: {segments} segments; {values_bytes} bytes ({:.1}%) attributed to a values.yaml key",
        100.0 * values_bytes as f64 / bytes.max(1) as f64
    );
    let mut top: Vec<_> = causes.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (c, n) in top.iter().take(15) {
        println!("{n:5}  {c}");
    }
}
