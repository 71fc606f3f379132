//! The Kustomize builder on fixtures (tests/data/kustomize) and on the kustomizegoat corpus.
//!
//! Expected outputs in tests/data/kustomize/expected/ were printed by `kubectl kustomize`
//! (Kustomize v5.5.0) on the same fixtures; the builder must produce the same objects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use stridegate::kustomize::{self, Built, BuiltObject, Limits};
use stridegate::model::{AttributePath, PathSegment, Platform, Resource, SourceFile};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kustomize");

/// A confined reader over `root` that records every path asked for.
struct Reader {
    root: PathBuf,
    asked: RefCell<Vec<String>>,
}

impl Reader {
    fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), asked: RefCell::new(Vec::new()) }
    }

    fn read(&self, display: &str) -> Result<Arc<SourceFile>, String> {
        self.asked.borrow_mut().push(display.to_string());
        if display.starts_with('/') || display.split('/').any(|p| p == "..") {
            return Err("outside the scan root".to_string());
        }
        let text = std::fs::read_to_string(self.root.join(display)).map_err(|e| e.to_string())?;
        Ok(Arc::new(SourceFile::new(display, text)))
    }

    fn build(&self, dir: &str) -> Built {
        kustomize::build(dir, &|p| self.read(p), &Limits::default())
    }
}

fn id(v: &Value) -> String {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("~").to_string();
    format!("{}/{}/{}", s("/kind"), s("/metadata/namespace"), s("/metadata/name"))
}

fn by_id(objects: &[BuiltObject]) -> BTreeMap<String, Value> {
    objects.iter().map(|o| (id(&o.value), o.value.clone())).collect()
}

fn expected(name: &str) -> BTreeMap<String, Value> {
    let path = Path::new(FIXTURES).join("expected").join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let parsed = stridegate::parse::yaml::parse(&text, &stridegate::source::LineIndex::new(&text), &Default::default());
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    parsed.documents.into_iter().map(|d| (id(&d.value), d.value)).collect()
}

fn object<'b>(built: &'b Built, id_: &str) -> &'b BuiltObject {
    built.objects.iter().find(|o| id(&o.value) == id_).unwrap_or_else(|| panic!("no {id_} in {:?}", by_id(&built.objects).keys()))
}

fn path(s: &str) -> AttributePath {
    AttributePath(
        s.split('.')
            .map(|seg| match seg.parse::<usize>() {
                Ok(i) => PathSegment::Index(i),
                Err(_) => PathSegment::Key(seg.replace('~', ".")),
            })
            .collect(),
    )
}

/// File, line and related notes (with their file and line) of the value at `at`
/// (`~` stands for a dot inside a key).
fn provenance(o: &BuiltObject, at: &str) -> (String, usize, Vec<String>) {
    let r = Resource {
        platform: Platform::Kubernetes,
        kind: String::new(),
        namespace: None,
        name: None,
        address: String::new(),
        value: o.value.clone(),
        spans: o.spans.clone(),
        file: o.file.clone(),
        call_chain: Vec::new(),
    };
    let p = path(at);
    let (loc, found) = r.locate(&p);
    assert!(found, "{at} not found");
    let related = r.related_at(&p).into_iter().map(|(l, m)| format!("{}:{}: {m}", l.file, l.start.line)).collect();
    (loc.file.to_string(), loc.start.line, related)
}

#[test]
fn base_builds_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("base");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("base.yaml"));
    assert_eq!(built.kustomization, "base/kustomization.yaml");
    assert_eq!(built.consumed, ["base/deployment.yaml", "base/kustomization.yaml", "base/rbac.yaml", "base/service.yaml"]);
}

#[test]
fn overlay_builds_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/prod");
    assert_eq!(built.problems, vec![]);
    let got = by_id(&built.objects);
    let want = expected("prod.yaml");
    for (k, v) in &want {
        assert_eq!(got.get(k), Some(v), "{k}");
    }
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
    assert_eq!(
        built.consumed,
        [
            "base/deployment.yaml",
            "base/kustomization.yaml",
            "base/rbac.yaml",
            "base/service.yaml",
            "components/monitoring/kustomization.yaml",
            "components/monitoring/servicemonitor-config.yaml",
            "overlays/prod/db.env",
            "overlays/prod/host-network.json",
            "overlays/prod/kustomization.yaml",
            "overlays/prod/scrape-patch.yaml",
            "overlays/prod/security.yaml",
        ]
    );
}

#[test]
fn overlay_provenance_points_at_the_file_that_set_each_value() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/prod");
    let k = "overlays/prod/kustomization.yaml";
    let dep = object(&built, "Deployment/prod/prod-web");
    assert_eq!(dep.file.path.as_ref(), "base/deployment.yaml");
    // Set by a strategic-merge patch file.
    assert_eq!(
        provenance(dep, "spec.template.spec.containers.0.securityContext.privileged"),
        ("overlays/prod/security.yaml".into(), 11, vec![format!("{k}:23: patched by overlays/prod/security.yaml (listed in {k})")])
    );
    // Set by a JSON patch file (JSON syntax).
    assert_eq!(
        provenance(dep, "spec.template.spec.hostNetwork"),
        ("overlays/prod/host-network.json".into(), 2, vec![format!("{k}:25: patched by overlays/prod/host-network.json (listed in {k})")])
    );
    // Untouched values stay in the base.
    assert_eq!(provenance(dep, "spec.template.spec.containers.0.ports.0.containerPort"), ("base/deployment.yaml".into(), 14, vec![]));
    // Transformers: the kustomization line that asked.
    assert_eq!(
        provenance(dep, "spec.template.spec.containers.0.image"),
        (k.into(), 18, vec![format!("{k}:18: image set by images (nginx) in {k}")])
    );
    assert_eq!(provenance(dep, "spec.replicas"), (k.into(), 21, vec![format!("{k}:21: replicas set by replicas (web) in {k}")]));
    assert_eq!(provenance(dep, "metadata.namespace"), (k.into(), 7, vec![format!("{k}:7: namespace set by namespace in {k}")]));
    assert_eq!(provenance(dep, "metadata.labels.env").0, k);
    assert_eq!(provenance(dep, "metadata.labels.env").1, 13);
    assert_eq!(provenance(dep, "spec.selector.matchLabels.app").0, "base/kustomization.yaml");
    assert_eq!(provenance(dep, "spec.selector.matchLabels.app").1, 8);
    // The name stays where it was written, with the prefix noted.
    assert_eq!(
        provenance(dep, "metadata.name"),
        ("base/deployment.yaml".into(), 4, vec![format!("{k}:8: renamed by namePrefix \"prod-\" / nameSuffix \"\" in {k}")])
    );
    // An inline patch in a component points at its line inside the block scalar.
    let c = "components/monitoring/kustomization.yaml";
    assert_eq!(
        provenance(dep, "spec.template.metadata.annotations.prometheus~io/scrape"),
        (c.into(), 15, vec![format!("{c}:6: inline patch in {c}")])
    );
    // Inline JSON patch in the overlay.
    let svc = object(&built, "Service/prod/prod-web");
    assert_eq!(provenance(svc, "spec.type"), (k.into(), 33, vec![format!("{k}:30: inline patch in {k}")]));
    // Generators: literals at their line, env entries in the env file, merged keys kept.
    let cm = object(&built, "ConfigMap/prod/prod-web-config-k9tf8bmtbg");
    assert_eq!(cm.file.path.as_ref(), "base/kustomization.yaml");
    assert_eq!(provenance(cm, "data.LOG_LEVEL").0, "base/kustomization.yaml");
    assert_eq!(provenance(cm, "data.LOG_LEVEL").1, 12);
    assert_eq!(provenance(cm, "data.MODE").0, k);
    assert_eq!(provenance(cm, "data.MODE").1, 46);
    let secret = object(&built, "Secret/prod/prod-db-7788h576b7");
    assert_eq!(provenance(secret, "data.DB_PASSWORD").0, "overlays/prod/db.env");
    assert_eq!(provenance(secret, "data.DB_PASSWORD").1, 3);
    let scrape = object(&built, "ConfigMap/prod/prod-scrape-config");
    assert_eq!(scrape.file.path.as_ref(), "components/monitoring/servicemonitor-config.yaml");
    assert_eq!(provenance(scrape, "data.timeout").0, "overlays/prod/scrape-patch.yaml");
    assert_eq!(provenance(scrape, "data.timeout").1, 3);
}

#[test]
fn remote_bases_are_reported_not_fetched() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/remote");
    let msgs: Vec<(Option<usize>, &str, bool)> = built.problems.iter().map(|p| (p.line, p.message.as_str(), p.fatal)).collect();
    assert_eq!(
        msgs,
        [
            (Some(2), "remote base \"https://github.com/example/infra//base?ref=v1.2.0\" is not analyzed (never fetched)", false),
            (Some(2 + 1), "remote base \"github.com/example/other/base\" is not analyzed (never fetched)", false),
        ]
    );
    assert!(built.problems.iter().all(|p| p.path == "overlays/remote/kustomization.yaml"));
    assert_eq!(by_id(&built.objects), expected("base.yaml"));
    assert!(r.asked.borrow().iter().all(|p| !p.contains("example")), "{:?}", r.asked.borrow());
}

#[test]
fn a_base_outside_the_scan_root_is_reported_not_read() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/outside");
    assert_eq!(built.problems.len(), 1, "{:?}", built.problems);
    let p = &built.problems[0];
    assert_eq!((p.path.as_str(), p.line, p.fatal), ("overlays/outside/kustomization.yaml", Some(2), false));
    assert_eq!(p.message, "\"../../../../../etc/k8s\" (from overlays/outside) is outside the scan root: not read");
    assert_eq!(built.objects.len(), 5);
    assert!(r.asked.borrow().iter().all(|p| !p.contains("..") && !p.contains("etc")), "{:?}", r.asked.borrow());
}

#[test]
fn a_cycle_is_reported_and_not_followed() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/cycle-a");
    assert_eq!(built.problems.len(), 1, "{:?}", built.problems);
    let p = &built.problems[0];
    assert_eq!((p.path.as_str(), p.line), ("overlays/cycle-b/kustomization.yaml", Some(2)));
    assert_eq!(p.message, "kustomization cycle: overlays/cycle-a -> overlays/cycle-b -> overlays/cycle-a (not followed)");
    assert_eq!(by_id(&built.objects).keys().collect::<Vec<_>>(), ["ServiceAccount/~/a"]);
}

#[test]
fn helm_charts_become_requests() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/helm");
    assert!(built.objects.is_empty());
    assert_eq!(built.helm_charts.len(), 2);
    let local = &built.helm_charts[0];
    assert_eq!(local.kustomization, "overlays/helm/kustomization.yaml");
    assert_eq!(local.line, 2);
    assert_eq!(local.name, "local-chart");
    assert_eq!(local.repo, None);
    assert_eq!(local.release_name.as_deref(), Some("demo"));
    assert_eq!(local.namespace.as_deref(), Some("apps"));
    assert_eq!(local.chart_home.as_deref(), Some("overlays/helm/charts"));
    assert_eq!(local.chart_dir.as_deref(), Some("overlays/helm/charts/local-chart"));
    assert_eq!(local.values_files, ["overlays/helm/values.yaml"]);
    assert_eq!(local.values_inline, Some(json!({"replicaCount": 2})));
    let remote = &built.helm_charts[1];
    assert_eq!(
        (remote.name.as_str(), remote.repo.as_deref(), remote.version.as_deref()),
        ("redis", Some("https://charts.example.com"), Some("17.0.0"))
    );
    let msgs: Vec<(Option<usize>, &str)> = built.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
    assert_eq!(
        msgs,
        [
            (Some(11), "crds: ignored (OpenAPI schemas of custom resources are not used)"),
            (Some(8), "helm chart \"redis\" comes from a repository: analyzed only if a local copy exists under overlays/helm/charts"),
        ]
    );
    assert!(built.consumed.contains(&"overlays/helm/values.yaml".to_string()));
}

#[test]
fn roots_are_kustomizations_no_other_uses() {
    let r = Reader::new(FIXTURES);
    let dirs: Vec<String> = [
        "base",
        "components/monitoring",
        "overlays/prod",
        "overlays/remote",
        "overlays/outside",
        "overlays/cycle-a",
        "overlays/cycle-b",
        "overlays/helm",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let roots = kustomize::roots(&dirs, &|p| r.read(p));
    // A cycle has no natural root: its first member in the list stands for it.
    assert_eq!(roots, ["overlays/prod", "overlays/remote", "overlays/outside", "overlays/cycle-a", "overlays/helm"]);
}

/// Every kustomization of the kustomizegoat corpus builds or says why.
#[test]
fn kustomizegoat_corpus() {
    let root = Path::new("/work/shared/corpora/kustomizegoat");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let r = Reader::new(root);
    let dirs = ["kustomize/base", "kustomize/overlays/dev", "kustomize/overlays/test", "kustomize/overlays/prod"];
    let mut summary = Vec::new();
    for dir in dirs {
        let built = r.build(dir);
        assert!(!built.objects.is_empty() || !built.problems.is_empty(), "{dir}: neither objects nor problems");
        assert!(built.problems.is_empty(), "{dir}: {:?}", built.problems);
        summary.push((dir, by_id(&built.objects).into_keys().collect::<Vec<_>>()));
    }
    eprintln!("{summary:#?}");
    let ids = |i: usize| summary[i].1.clone();
    assert_eq!(ids(0), ["Deployment/kustomizegoat/kustomizegoat", "Service/kustomizegoat/goatlb"]);
    assert_eq!(ids(1), ["Deployment/kustomizegoat-dev/kustomizegoat", "Service/kustomizegoat-dev/goatlb"]);
    assert_eq!(ids(3), ["Deployment/kustomizegoat-prod/kustomizegoat", "Service/kustomizegoat-prod/goatlb"]);
    let prod = r.build("kustomize/overlays/prod");
    let dep = object(&prod, "Deployment/kustomizegoat-prod/kustomizegoat");
    assert_eq!(dep.value.pointer("/spec/replicas"), Some(&json!(2)));
    assert_eq!(dep.value.pointer("/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem"), Some(&json!(true)));
    assert_eq!(
        provenance(dep, "spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem").0,
        "kustomize/overlays/prod/deployment.yaml"
    );
    assert_eq!(provenance(dep, "spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem").1, 49);
    assert_eq!(provenance(dep, "spec.replicas"), ("kustomize/base/deployment.yaml".into(), 9, vec![]));
    let roots = kustomize::roots(&dirs.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &|p| r.read(p));
    assert_eq!(roots, ["kustomize/overlays/dev", "kustomize/overlays/test", "kustomize/overlays/prod"]);
    assert!(!prod.consumed.contains(&"kustomize/base/storage.yaml".to_string()));
}

/// Kustomize's less obvious behaviours, pinned by `kubectl kustomize`: keyed lists put the
/// patch's items first, lists of custom resources are replaced, `$retainKeys` is copied,
/// `$patch: replace`/`delete`, JSON `copy`/`move`/append, Namespace objects renamed to the
/// namespace, digests, suffixes with hashes, generator behaviours and options, references in
/// StatefulSets and Ingresses.
#[test]
fn edge_cases_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("edge/overlay");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("edge.yaml"));
    let k = "edge/overlay/kustomization.yaml";
    let sts = object(&built, "StatefulSet/team/db-v2");
    // A new container from an inline patch, at its line in the block scalar.
    assert_eq!(provenance(sts, "spec.template.spec.containers.0.image"), (k.into(), 26, vec![format!("{k}:16: inline patch in {k}")]));
    // A merged container keeps the base's lines where the patch did not write.
    assert_eq!(provenance(sts, "spec.template.spec.containers.1.name").0, "edge/base/app.yaml");
    assert_eq!(provenance(sts, "spec.template.spec.containers.1.ports.1.name").1, 38);
    assert_eq!(provenance(sts, "spec.template.spec.containers.1.resources.limits.memory").1, 40);
    // The image digest comes from the images entry.
    assert_eq!(provenance(sts, "spec.template.spec.containers.1.image").1, 12);
    // A value appended by a JSON patch.
    assert_eq!(provenance(sts, "spec.template.spec.tolerations.1.operator").1, 57);
    let ns = object(&built, "Namespace/~/team");
    assert_eq!(provenance(ns, "metadata.name"), (k.into(), 5, vec![format!("{k}:5: namespace set by namespace in {k}")]));
}

#[test]
fn transformers_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("transformers");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("transformers.yaml"));
}

/// A reader over files held in memory.
fn memory(files: &[(&str, String)]) -> impl Fn(&str) -> Result<Arc<SourceFile>, String> {
    let files: BTreeMap<String, String> = files.iter().map(|(p, t)| (p.to_string(), t.clone())).collect();
    move |p: &str| files.get(p).map(|t| Arc::new(SourceFile::new(p, t.clone()))).ok_or_else(|| "not found".to_string())
}

#[test]
fn a_diamond_of_bases_is_bounded() {
    // Each level uses the next one twice: 2^15 builds if nothing bounded it.
    let mut files = Vec::new();
    for i in 0..15 {
        let text = format!("resources:\n- ../l{}\n- ../l{}\nnamePrefix: p{i}-\n", i + 1, i + 1);
        files.push((format!("l{i}/kustomization.yaml"), text));
    }
    files.push(("l15/kustomization.yaml".to_string(), "resources:\n- sa.yaml\n".to_string()));
    files.push(("l15/sa.yaml".to_string(), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n".to_string()));
    let refs: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let read = memory(&refs);
    let started = std::time::Instant::now();
    let built = kustomize::build("l0", &read, &Limits::default());
    assert!(started.elapsed().as_secs() < 10);
    let fatal: Vec<&str> = built.problems.iter().filter(|p| p.fatal).map(|p| p.message.as_str()).collect();
    assert_eq!(fatal, ["more than 500 kustomizations in one build: l14 and later ones not followed"]);
}

#[test]
fn deep_bases_are_bounded() {
    let files: Vec<(String, String)> =
        (0..40).map(|i| (format!("d{i}/kustomization.yaml"), format!("resources:\n- ../d{}\n", i + 1))).collect();
    let refs: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let built = kustomize::build("d0", &memory(&refs), &Limits::default());
    let fatal: Vec<(&str, Option<usize>, &str)> =
        built.problems.iter().filter(|p| p.fatal).map(|p| (p.path.as_str(), p.line, p.message.as_str())).collect();
    assert_eq!(fatal, [("d19/kustomization.yaml", Some(2), "bases nested deeper than 20 levels: d20 not followed")]);
}

#[test]
fn hostile_kustomizations_report_problems() {
    let cases: &[(&str, &str)] = &[
        ("kustomization.yaml", "resources: [\n"),
        ("kustomization.yaml", "- just\n- a list\n"),
        ("kustomization.yaml", "patches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/nope\"}]'\n  target: {kind: Pod, name: '(['}\n"),
        ("kustomization.yaml", "patchesStrategicMerge:\n- |-\n  kind: Pod\n  metadata: {name: missing}\n"),
        ("kustomization.yaml", "configMapGenerator:\n- name: x\n  envs: [../../etc/passwd]\n  literals: [NOEQUALS]\n"),
        ("kustomization.yaml", "replicas:\n- name: nothing\n  count: 2\nimages: [{}]\nlabels: [{pairs: {a: b}, fields: []}]\n"),
    ];
    for (name, text) in cases {
        let files = [(*name, text.to_string())];
        let read = memory(&files);
        let built = kustomize::build("", &read, &Limits::default());
        assert!(!built.problems.is_empty(), "{text}: no problem reported");
        assert!(built.problems.iter().all(|p| p.path == "kustomization.yaml" && !p.message.is_empty()), "{:?}", built.problems);
    }
    let read = memory(&[]);
    let built = kustomize::build("nowhere", &read, &Limits::default());
    assert_eq!(built.problems[0].message, "no kustomization file in this directory");
    assert!(built.problems[0].fatal);
}

/// Strategic-merge directives as Kustomize v5 applies them: `$patch: delete` removes a whole
/// object, `- $patch: replace` replaces a list, an item carrying `$patch: replace` among other
/// fields is ignored, `null` deletes a key, finalizers merge as a set; inline
/// `patchesStrategicMerge` entries and a multi-document patch file under `patches`.
#[test]
fn directives_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("directives");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("directives.yaml"));
    let k = "directives/kustomization.yaml";
    let pod = object(&built, "Pod/~/pod");
    assert_eq!(provenance(pod, "spec.hostPID"), (k.into(), 16, vec![format!("{k}:11: inline patch in {k}")]));
    assert_eq!(
        provenance(pod, "spec.containers.0.securityContext.privileged"),
        ("directives/multi.yaml".into(), 20, vec![format!("{k}:26: patched by directives/multi.yaml (listed in {k})")])
    );
    assert_eq!(provenance(pod, "spec.volumes.0.name"), (k.into(), 23, vec![format!("{k}:11: inline patch in {k}")]));
}

#[test]
fn built_objects_become_resources_with_the_kustomization_in_their_call_chain() {
    let r = Reader::new(FIXTURES);
    let built = r.build("overlays/prod");
    let resources = built.resources();
    let dep = resources.iter().find(|r| r.address == "Deployment/prod/prod-web").unwrap();
    assert_eq!(dep.file.path.as_ref(), "base/deployment.yaml");
    let chain: Vec<(String, usize, &str)> = dep.call_chain.iter().map(|(l, m)| (l.file.to_string(), l.start.line, m.as_str())).collect();
    assert_eq!(chain, [("overlays/prod/kustomization.yaml".to_string(), 1, "built by overlays/prod/kustomization.yaml")]);
    let (loc, found) = dep.locate(&path("spec.template.spec.hostNetwork"));
    assert!(found);
    assert_eq!((loc.file.as_ref(), loc.start.line), ("overlays/prod/host-network.json", 2));
    let related: Vec<String> = dep.related_at(&path("spec.template.spec.hostNetwork")).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        related,
        [
            "built by overlays/prod/kustomization.yaml",
            "patched by overlays/prod/host-network.json (listed in overlays/prod/kustomization.yaml)"
        ]
    );
    assert_eq!(resources.len(), built.objects.len());
}

/// Every prefix of every fixture file (kustomizations, patches, resources) builds without a
/// panic, and every problem names a file and says something.
#[test]
fn truncated_fixtures_never_panic() {
    let files = [
        "overlays/prod/kustomization.yaml",
        "overlays/prod/security.yaml",
        "overlays/prod/host-network.json",
        "components/monitoring/kustomization.yaml",
        "edge/overlay/kustomization.yaml",
        "edge/base/app.yaml",
        "directives/kustomization.yaml",
        "transformers/kustomization.yaml",
    ];
    let roots =
        ["overlays/prod", "overlays/prod", "overlays/prod", "overlays/prod", "edge/overlay", "edge/overlay", "directives", "transformers"];
    let mut builds = 0;
    for (file, root) in files.iter().zip(roots) {
        let full = std::fs::read_to_string(Path::new(FIXTURES).join(file)).unwrap();
        let mut cut = 0;
        while cut <= full.len() {
            if full.is_char_boundary(cut) {
                let text = full[..cut].to_string();
                let inner = Reader::new(FIXTURES);
                let read = |p: &str| if p == *file { Ok(Arc::new(SourceFile::new(p, text.clone()))) } else { inner.read(p) };
                let built = kustomize::build(root, &read, &Limits::default());
                assert!(
                    built.problems.iter().all(|p| !p.path.is_empty() && !p.message.is_empty()),
                    "{file}[..{cut}]: {:?}",
                    built.problems
                );
                builds += 1;
            }
            cut += 4;
        }
    }
    assert!(builds > 800, "{builds}");
}

#[test]
fn a_json_patch_cannot_double_an_object_forever() {
    let ops: String = (0..200).map(|i| format!("- {{op: copy, from: /data, path: /data/c{i}}}\n")).collect();
    let files = [
        (
            "kustomization.yaml",
            format!(
                "resources: [cm.yaml]\npatches:\n- target: {{kind: ConfigMap}}\n  patch: |-\n{}",
                ops.lines().map(|l| format!("    {l}\n")).collect::<String>()
            ),
        ),
        ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n".to_string()),
    ];
    let started = std::time::Instant::now();
    let built = kustomize::build("", &memory(&files), &Limits::default());
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(built.problems.len(), 1, "{:?}", built.problems);
    let p = &built.problems[0];
    assert_eq!((p.path.as_str(), p.line), ("kustomization.yaml", Some(3)));
    assert!(p.message.ends_with("operation 16: the object would exceed 200000 value nodes"), "{}", p.message);
    // Nesting is bounded too.
    let path = "/a".repeat(300);
    let files = [
        (
            "kustomization.yaml",
            format!(
                "resources: [cm.yaml]\npatches:\n- target: {{kind: ConfigMap}}\n  patch: '[{{\"op\": \"add\", \"path\": \"{path}\", \"value\": 1}}]'\n"
            ),
        ),
        ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n".to_string()),
    ];
    let built = kustomize::build("", &memory(&files), &Limits::default());
    assert!(built.problems[0].message.ends_with("operation 0: the result would nest deeper than 256 levels"), "{:?}", built.problems);
}

#[test]
fn rendered_charts_pass_through_the_transformers() {
    let r = Reader::new(FIXTURES);
    let asked = RefCell::new(Vec::new());
    let render = |req: &kustomize::HelmChartRequest| -> Option<Result<Vec<BuiltObject>, String>> {
        asked.borrow_mut().push(req.name.clone());
        let dir = req.chart_dir.as_deref()?;
        if req.repo.is_some() {
            return None;
        }
        // Stands in for the Helm renderer: the "rendered" template as it is.
        let file = r.read(&format!("{dir}/templates/deployment.yaml")).ok()?;
        let parsed = stridegate::parse::yaml::parse(&file.text, &file.lines, &Default::default());
        Some(Ok(parsed.documents.into_iter().map(|d| BuiltObject { value: d.value, spans: d.spans, file: file.clone() }).collect()))
    };
    let built = kustomize::build_with_helm("overlays/helm", &|p| r.read(p), &Limits::default(), Some(&render));
    assert_eq!(*asked.borrow(), ["local-chart", "redis"]);
    assert_eq!(by_id(&built.objects).keys().collect::<Vec<_>>(), ["Deployment/~/h-demo"]);
    let dep = object(&built, "Deployment/~/h-demo");
    let t = "overlays/helm/charts/local-chart/templates/deployment.yaml";
    assert_eq!(provenance(dep, "spec.template.spec.containers.0.image"), (t.into(), 10, vec![]));
    let msgs: Vec<&str> = built.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "crds: ignored (OpenAPI schemas of custom resources are not used)",
            "helm chart \"redis\" comes from a repository: analyzed only if a local copy exists under overlays/helm/charts"
        ]
    );
    assert_eq!(built.helm_charts.len(), 2);
}

/// A component's generator and JSON patch, env files read as Kustomize reads them (keys
/// left-trimmed, values verbatim), `replicas` on a StatefulSet, images with a registry port,
/// selectors created or not per kind, and a ClusterRoleBinding subject following its
/// service account into the new namespace.
#[test]
fn mixed_builds_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("mixed");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("mixed.yaml"));
    let secret = object(&built, "Secret/nsb/env-secret-g5772k7bbc");
    assert_eq!(provenance(secret, "data.QUOTED").0, "mixed/vars.env");
    assert_eq!(provenance(secret, "data.QUOTED").1, 2);
}

/// Image references with tags and digests: a new tag drops the digest, a new name keeps
/// both, a digest replaces the tag, and a registry-qualified name is a different image.
#[test]
fn images_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("images");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("images.yaml"));
}

/// Selector labels reach existing affinity and topology-spread `matchLabels` (never created
/// where only `matchExpressions` exist); the image transformer rewrites `containers` and
/// `initContainers` at any depth of any kind; `null` values stay as written.
#[test]
fn selectors_and_images_in_custom_resources_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("selectors");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("selectors.yaml"));
    let thing = object(&built, "Thing/~/t");
    let k = "selectors/kustomization.yaml";
    assert_eq!(
        provenance(thing, "spec.deep.initContainers.0.image"),
        (k.into(), 6, vec![format!("{k}:6: image set by images (img) in {k}")])
    );
}

#[test]
fn components_are_never_roots() {
    let files = [
        ("app/kustomization.yaml", "resources: [../base]\n".to_string()),
        ("base/kustomization.yaml", "resources: []\n".to_string()),
        ("unused-component/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n".to_string()),
    ];
    let dirs: Vec<String> = ["app", "base", "unused-component"].iter().map(|s| s.to_string()).collect();
    assert_eq!(kustomize::roots(&dirs, &memory(&files)), ["app"]);
}

/// `replacements`, inline and from a file: whole values, one part of a delimited string,
/// list items selected by name, `reject`, and `create` for a missing field; the copied value
/// keeps the source's location.
#[test]
fn replacements_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("replacements");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("replacements.yaml"));
    let dep = object(&built, "Deployment/shop/api");
    let k = "replacements/kustomization.yaml";
    let vs = object(&built, "VirtualService/shop/api");
    // One part replaced by the namespace, which the namespace transformer set: the value points
    // at that line, with the replacement that copied it.
    assert_eq!(
        provenance(vs, "spec.http.0.route.0.destination.host"),
        (k.into(), 3, vec![format!("{k}:3: namespace set by namespace in {k}"), format!("{k}:16: set by replacements in {k}")])
    );
    assert_eq!(
        provenance(dep, "spec.template.spec.containers.0.image"),
        ("replacements/objs.yaml".into(), 6, vec![format!("{k}:28: set by replacements in {k}")])
    );
}

#[test]
fn long_lists_and_long_inline_patches_stay_fast() {
    let n = 5_000;
    let containers = |img: &str| (0..n).map(|i| format!("      - name: c{i}\n        image: {img}\n")).collect::<String>();
    let pod = format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{}", containers("a").replace("      ", "  "));
    let patch: String =
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{}", containers("b").replace("      ", "  "));
    let inline: String = patch.lines().map(|l| format!("    {l}\n")).collect();
    let files = [("kustomization.yaml", format!("resources: [pod.yaml]\npatches:\n- patch: |-\n{inline}")), ("pod.yaml", pod)];
    let started = std::time::Instant::now();
    let built = kustomize::build("", &memory(&files), &Limits::default());
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(built.problems, vec![]);
    let items = built.objects[0].value.pointer("/spec/containers").and_then(Value::as_array).unwrap();
    assert_eq!(items.len(), n);
    assert_eq!(items[n - 1], json!({"name": format!("c{}", n - 1), "image": "b"}));
    // The last image points at its line inside the inline patch.
    let (file, line, _) = provenance(&built.objects[0], &format!("spec.containers.{}.image", n - 1));
    assert_eq!((file.as_str(), line), ("kustomization.yaml", 3 + 6 + 2 * n));
}

/// `vars` resolved after the prefix and namespace (`fieldpath` spelled either way), unknown
/// `$(NAMES)` left alone, and webhook services left as written (Kustomize only rewrites them
/// when `configurations` ask).
#[test]
fn vars_build_like_kustomize() {
    let r = Reader::new(FIXTURES);
    let built = r.build("vars");
    assert_eq!(built.problems, vec![]);
    assert_eq!(by_id(&built.objects), expected("vars.yaml"));
}
