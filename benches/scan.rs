//! Benchmarks (divan): YAML parsing of one Deployment, evaluation of every rule on it, and whole
//! scans of a generated corpus of 1000 manifests with 1 and 2 threads.
//!
//! Run with `cargo bench --bench scan`; filter with e.g. `cargo bench --bench scan -- scan_corpus`.
//! The corpus is written by `scripts/gen-corpus.py` (needs `python3`) into a temporary
//! directory the first time a corpus benchmark runs, and removed at the end.

// Test code: a broken fixture or environment must stop the run loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use stridegate::discover::DiscoverOptions;
use stridegate::engine::{Engine, Output};
use stridegate::kubernetes;
use stridegate::model::{Resource, SourceFile};
use stridegate::parse::{Limits, yaml};
use stridegate::rules::RuleSet;
use stridegate::scan::{ScanOptions, scan};

/// Manifests in the corpus of the scan benchmarks.
const CORPUS_SIZE: usize = 1000;

/// A typical Deployment: two containers with probes, resources and security contexts (one of
/// them privileged, so that at least one rule reports something).
const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout-api
  namespace: checkout
  labels:
    app.kubernetes.io/name: checkout-api
    app.kubernetes.io/part-of: checkout
    team: payments
  annotations:
    deployment.kubernetes.io/revision: "12"
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: checkout-api
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: checkout-api
        app.kubernetes.io/part-of: checkout
    spec:
      serviceAccountName: checkout-api
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: api
          image: registry.example.com/checkout/api:2.1.7
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            - name: LOG_LEVEL
              value: info
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: checkout-db
                  key: url
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: 500m, memory: 512Mi}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            initialDelaySeconds: 10
            periodSeconds: 10
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            periodSeconds: 5
          volumeMounts:
            - name: config
              mountPath: /etc/app
              readOnly: true
            - name: tmp
              mountPath: /tmp
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
        - name: envoy
          image: docker.io/envoyproxy/envoy:v1.31.0
          args: ["--log-level", "info"]
          ports:
            - name: admin
              containerPort: 9901
          resources:
            requests: {cpu: 100m, memory: 128Mi}
          readinessProbe:
            tcpSocket: {port: 9901}
          securityContext:
            privileged: true
      volumes:
        - name: config
          configMap:
            name: checkout-api-config
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
"#;

fn main() {
    divan::main();
    // Remove the generated corpus (statics are never dropped).
    if let Some(dir) = CORPUS.get()
        && let Ok(mut guard) = dir.lock()
    {
        guard.take();
    }
}

fn builtin_engine() -> Engine {
    let set = match RuleSet::builtin() {
        Ok(s) => s,
        Err(errors) => panic!("built-in rules do not load: {errors:?}"),
    };
    Engine::new(&set, |_| true).unwrap_or_else(|e| panic!("rules do not compile: {e}"))
}

/// The Deployment as a resource, ready for the engine.
fn deployment_resource() -> Resource {
    let file = Arc::new(SourceFile::new("deployment.yaml", DEPLOYMENT.to_string()));
    let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    let doc = parsed.documents.into_iter().next().unwrap_or_else(|| panic!("no document"));
    let mut resources = kubernetes::resources_from_document(doc, &file);
    assert_eq!(resources.len(), 1);
    resources.remove(0)
}

/// (a) Parsing one typical Deployment into value and span trees.
#[divan::bench]
fn parse_deployment(bencher: Bencher) {
    let file = SourceFile::new("deployment.yaml", DEPLOYMENT.to_string());
    let limits = Limits::default();
    bencher.counter(BytesCount::of_str(DEPLOYMENT)).bench(|| yaml::parse(divan::black_box(&file.text), &file.lines, &limits));
}

/// (b) Every built-in rule on one Deployment (Rego input conversion included).
#[divan::bench]
fn evaluate_deployment(bencher: Bencher) {
    let engine = builtin_engine();
    let resource = deployment_resource();
    let mut worker = engine.worker();
    // Sanity: the benchmark must exercise rules that fire.
    let mut out = Output::default();
    engine.evaluate(&mut worker, &resource, &mut out);
    assert!(!out.findings.is_empty(), "no finding on the benchmark Deployment: is K8S-0002 loaded?");
    bencher.bench_local(|| {
        let mut out = Output::default();
        engine.evaluate(&mut worker, divan::black_box(&resource), &mut out);
        out
    });
}

static CORPUS: OnceLock<Mutex<Option<tempfile::TempDir>>> = OnceLock::new();

/// The generated corpus (created on first use).
fn corpus() -> PathBuf {
    let dir = CORPUS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-corpus.py");
        // Captured, so that the generator's summary line does not break divan's table.
        let out = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .arg(CORPUS_SIZE.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
        assert!(out.status.success(), "{} failed: {}\n{}", script.display(), out.status, String::from_utf8_lossy(&out.stderr));
        Mutex::new(Some(dir))
    });
    match dir.lock() {
        Ok(guard) => guard.as_ref().map(|d| d.path().to_path_buf()).unwrap_or_else(|| panic!("corpus already removed")),
        Err(_) => panic!("corpus lock poisoned"),
    }
}

/// (c) A whole scan (discovery, reading, parsing, every rule, report assembly) of the corpus.
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn scan_corpus(bencher: Bencher, threads: usize) {
    let root = corpus();
    let engine = builtin_engine();
    let options = ScanOptions { threads, discover: DiscoverOptions { threads, ..DiscoverOptions::default() }, ..ScanOptions::default() };
    // Warm the page cache and check the corpus is what we think it is.
    let report = scan(&root, &engine, &options).unwrap_or_else(|e| panic!("scan: {e}"));
    assert_eq!(report.files.len(), CORPUS_SIZE);
    assert!(
        !report.is_incomplete(),
        "generated corpus did not scan cleanly: {:?}",
        report.files.iter().find(|f| !matches!(f.outcome, stridegate::scan::Outcome::Analyzed { .. }))
    );
    bencher.counter(ItemsCount::new(CORPUS_SIZE)).counter(BytesCount::new(report.bytes)).bench(|| scan(&root, &engine, &options));
}
