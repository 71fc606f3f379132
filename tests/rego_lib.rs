//! The shared Rego library beyond IAM (tests/iam_semantics.rs covers `rules/lib/iam.rego`):
//! `kubernetes`, `kubernetes_rbac`, `network`, `tls`, `secrets`, `terraform` and `nginx`,
//! evaluated directly with a regorus engine on crafted inputs. Table-driven; every table holds
//! edge cases (unknown values, empty lists, values of the wrong type), which must give an
//! answer, never an evaluation error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use std::path::Path;

use serde_json::{Value, json};

/// An engine with the extensions, the given `rules/lib/<name>.rego` files and the default rule
/// settings as `data.stridegate.settings`.
fn engine(libs: &[&str]) -> regorus::Engine {
    engine_with_settings(libs, stridegate::config::RuleSettings::default().rego_data())
}

fn engine_with_settings(libs: &[&str], data: Value) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    stridegate::engine::add_extensions(&mut engine).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/lib");
    for lib in libs {
        engine.add_policy_from_file(root.join(format!("{lib}.rego"))).unwrap_or_else(|e| panic!("{lib}: {e}"));
    }
    engine.add_data(regorus::Value::from_json_str(&data.to_string()).unwrap()).unwrap();
    engine
}

/// The value of `query` on `input`, as JSON (`null` when undefined). An evaluation error fails
/// the test: the library must answer on any input.
fn eval(engine: &mut regorus::Engine, input: &Value, query: &str) -> Value {
    engine.set_input(regorus::Value::from_json_str(&input.to_string()).unwrap());
    let results = engine
        .eval_query(query.to_string(), false)
        .unwrap_or_else(|e| panic!("{} on {}: {}", short(query), short(&input.to_string()), short(&e.to_string())));
    results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .map_or(Value::Null, |e| serde_json::from_str(&e.value.to_json_str().unwrap()).unwrap())
}

/// Evaluates every (input, query, expected) row and reports all mismatches at once.
fn check(engine: &mut regorus::Engine, rows: &[(Value, &str, Value)]) {
    let mut failures = Vec::new();
    for (input, query, expected) in rows {
        let got = eval(engine, input, query);
        if got != *expected {
            failures.push(format!(
                "{query}\n  input    {}\n  expected {expected}\n  got      {}",
                short(&input.to_string()),
                short(&got.to_string())
            ));
        }
    }
    assert!(failures.is_empty(), "{} mismatch(es):\n{}", failures.len(), failures.join("\n"));
}

/// `f(input.arg)` of a library package: the argument goes in the input (a long string is not
/// a query regorus parses).
fn call(package: &str, f: &str) -> String {
    format!("data.stridegate.lib.{package}.{f}(input.arg)")
}

/// The input carrying a function's argument for [`call`].
fn arg(v: &Value) -> Value {
    json!({ "arg": v })
}

/// `text`, cut to 200 characters for failure messages.
fn short(text: &str) -> String {
    if text.chars().count() <= 200 { text.to_string() } else { format!("{}…", text.chars().take(200).collect::<String>()) }
}

// ---------------------------------------------------------------------------------------------
// kubernetes.rego

const K8S: &str = "data.stridegate.lib.kubernetes";

#[test]
fn kubernetes_pod_spec_path_by_kind_and_by_shape() {
    let mut e = engine(&["kubernetes"]);
    let q = format!("{K8S}.pod_spec_path");
    let shaped = json!({"kind": "Rollout", "spec": {"template": {"spec": {"containers": []}}}});
    let jobby = json!({"kind": "ScaledJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}});
    check(
        &mut e,
        &[
            (json!({"kind": "Pod"}), &q, json!(["spec"])),
            (json!({"kind": "Deployment"}), &q, json!(["spec", "template", "spec"])),
            (json!({"kind": "CronJob"}), &q, json!(["spec", "jobTemplate", "spec", "template", "spec"])),
            (json!({"kind": "PodTemplate"}), &q, json!(["template", "spec"])),
            (json!({"kind": "Revision", "apiVersion": "serving.knative.dev/v1"}), &q, json!(["spec"])),
            (shaped, &q, json!(["spec", "template", "spec"])),
            (jobby, &q, json!(["spec", "jobTemplate", "spec", "template", "spec"])),
            // Not a pod-bearing object: undefined, not an error.
            (json!({"kind": "ConfigMap", "data": {"a": "b"}}), &q, Value::Null),
            (json!({"kind": "Revision", "apiVersion": "example.com/v1"}), &q, Value::Null),
            (json!({"kind": "Rollout", "spec": {"template": {"spec": {"containers": "web"}}}}), &q, Value::Null),
            (json!({"kind": 7}), &q, Value::Null),
            (json!({}), &q, Value::Null),
        ],
    );
}

#[test]
fn kubernetes_pod_spec_is_a_mapping_an_unknown_marker_or_undefined() {
    let mut e = engine(&["kubernetes"]);
    let q = format!("{K8S}.pod_spec");
    let not_a_mapping = json!({"$unknown": "the pod spec is not a mapping"});
    check(
        &mut e,
        &[
            (json!({"kind": "Pod", "spec": {"hostPID": true}}), &q, json!({"hostPID": true})),
            (json!({"kind": "Pod"}), &q, json!({})),
            (json!({"kind": "Pod", "spec": null}), &q, json!({})),
            (json!({"kind": "Pod", "spec": "oops"}), &q, not_a_mapping.clone()),
            (json!({"kind": "Pod", "spec": [1, 2]}), &q, not_a_mapping.clone()),
            // A level above the pod spec of the wrong type.
            (json!({"kind": "Deployment", "spec": {"template": 5}}), &q, not_a_mapping.clone()),
            (json!({"kind": "Deployment", "spec": true}), &q, not_a_mapping),
            (json!({"kind": "Service", "spec": {}}), &q, Value::Null),
            (
                json!({"kind": "Deployment", "spec": {"template": {"metadata": {"annotations": {"a": "b"}}}}}),
                &format!("{K8S}.pod_annotations"),
                json!({"a": "b"}),
            ),
            (
                json!({"kind": "Deployment", "spec": {"template": {"metadata": {"annotations": ["a"]}}}}),
                &format!("{K8S}.pod_annotations"),
                json!({"$unknown": "the pod annotations are not a mapping"}),
            ),
            (
                json!({"kind": "Deployment", "spec": {"template": {"metadata": "x"}}}),
                &format!("{K8S}.pod_annotations"),
                json!({"$unknown": "the pod annotations are not a mapping"}),
            ),
            (json!({"kind": "Pod", "metadata": {}}), &format!("{K8S}.pod_annotations"), json!({})),
        ],
    );
}

#[test]
fn kubernetes_containers_of_every_type_with_inherited_security_context() {
    let mut e = engine(&["kubernetes"]);
    let pod = json!({
        "kind": "Deployment",
        "spec": {"template": {"spec": {
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "fsGroup": 2000, "seccompProfile": null},
            "initContainers": [{"name": "setup", "securityContext": {"runAsUser": 0}}],
            "containers": [
                {"name": "app"},
                "not a container",
                {"$unknown": "var.sidecar"},
                {"name": 5, "securityContext": {"privileged": true, "runAsNonRoot": null}},
            ],
            "ephemeralContainers": [],
        }}}
    });
    let summary = format!("{{c.description: [c.path, c.sc] | some c in {K8S}.containers}}");
    let paths = format!("{{c.description: c.sc_paths | some c in {K8S}.containers}}");
    let base = ["spec", "template", "spec"];
    let at = |rest: &[Value]| -> Value { Value::Array(base.iter().map(|s| json!(s)).chain(rest.iter().cloned()).collect()) };
    check(
        &mut e,
        &[
            (
                pod.clone(),
                &summary,
                json!({
                    // Container fields win; only pod-level fields are inherited (not fsGroup),
                    // and fields written as null count as unset.
                    "init container \"setup\"": [at(&[json!("initContainers"), json!(0)]), {"runAsNonRoot": true, "runAsUser": 0}],
                    "container \"app\"": [at(&[json!("containers"), json!(0)]), {"runAsNonRoot": true, "runAsUser": 1000}],
                    "container \"5\"": [at(&[json!("containers"), json!(3)]), {"privileged": true, "runAsNonRoot": true, "runAsUser": 1000}],
                }),
            ),
            (
                pod,
                &paths,
                json!({
                    "init container \"setup\"": {
                        "runAsUser": at(&[json!("initContainers"), json!(0), json!("securityContext"), json!("runAsUser")]),
                        "runAsNonRoot": at(&[json!("securityContext"), json!("runAsNonRoot")]),
                    },
                    "container \"app\"": {
                        "runAsUser": at(&[json!("securityContext"), json!("runAsUser")]),
                        "runAsNonRoot": at(&[json!("securityContext"), json!("runAsNonRoot")]),
                    },
                    "container \"5\"": {
                        "privileged": at(&[json!("containers"), json!(3), json!("securityContext"), json!("privileged")]),
                        "runAsUser": at(&[json!("securityContext"), json!("runAsUser")]),
                        "runAsNonRoot": at(&[json!("securityContext"), json!("runAsNonRoot")]),
                    },
                }),
            ),
            // Lists of the wrong type, empty lists and an absent spec give no container.
            (json!({"kind": "Pod", "spec": {"containers": "web"}}), &format!("count({K8S}.containers)"), json!(0)),
            (json!({"kind": "Pod", "spec": {"containers": []}}), &format!("count({K8S}.containers)"), json!(0)),
            (json!({"kind": "Pod", "spec": {"containers": {"$unknown": "var.c"}}}), &format!("count({K8S}.containers)"), json!(0)),
            (json!({"kind": "Pod"}), &format!("count({K8S}.containers)"), json!(0)),
            (json!({"kind": "Pod", "spec": 3}), &format!("count({K8S}.containers)"), json!(0)),
            (json!({"kind": "Secret"}), &format!("count({K8S}.containers)"), json!(0)),
        ],
    );
}

#[test]
fn kubernetes_mappings_of_the_wrong_type_become_unknown_markers() {
    let mut e = engine(&["kubernetes"]);
    let obj = format!("[c.obj | some c in {K8S}.containers][0]");
    let unknown = format!("[c.sc_unknown | some c in {K8S}.containers][0]");
    let effective = |field: &str| format!("[{K8S}.effective(c, {field:?}) | some c in {K8S}.containers]");
    let pod = |sc: Value, pod_sc: Value| json!({"kind": "Pod", "spec": {"securityContext": pod_sc, "containers": [{"name": "a", "securityContext": sc}]}});
    check(
        &mut e,
        &[
            (
                pod(json!("privileged"), Value::Null),
                &obj,
                json!({"name": "a", "securityContext": {"$unknown": "securityContext is not a mapping"}}),
            ),
            (
                pod(json!({"capabilities": ["ALL"], "privileged": false}), Value::Null),
                &obj,
                json!({"name": "a", "securityContext": {"capabilities": {"$unknown": "securityContext.capabilities is not a mapping"}, "privileged": false}}),
            ),
            (pod(json!({"privileged": true}), Value::Null), &unknown, json!(false)),
            (pod(json!({"$unknown": "var.sc"}), Value::Null), &unknown, json!(true)),
            (pod(json!({}), json!({"$unknown": "var.pod_sc"})), &unknown, json!(true)),
            (pod(json!({}), json!("x")), &unknown, json!(true)),
            // A field set nowhere is undefined, unless a securityContext cannot be known.
            (pod(json!({"privileged": true}), Value::Null), &effective("privileged"), json!([true])),
            (pod(json!({}), Value::Null), &effective("privileged"), json!([])),
            (pod(json!({"$unknown": "var.sc"}), Value::Null), &effective("privileged"), json!([{"$unknown": "securityContext"}])),
            (pod(json!({}), json!({"runAsUser": 0})), &effective("runAsUser"), json!([0])),
            (
                pod(json!({}), Value::Null),
                &format!("[{K8S}.effective_path(c, \"privileged\") | some c in {K8S}.containers]"),
                json!([["spec", "containers", 0, "securityContext", "privileged"]]),
            ),
        ],
    );
}

#[test]
fn kubernetes_is_unknown_and_as_text_on_every_type() {
    let mut e = engine(&["kubernetes"]);
    let rows: Vec<(Value, String, Value)> = [
        (json!({"$unknown": "x"}), json!(true)),
        (json!({"$unknown": "x", "other": 1}), Value::Null),
        (json!({}), Value::Null),
        (json!("$unknown"), Value::Null),
        (json!(null), Value::Null),
        (json!([{"$unknown": "x"}]), Value::Null),
    ]
    .into_iter()
    .map(|(a, want)| (arg(&a), call("kubernetes", "is_unknown"), want))
    .chain(
        [(json!("a"), json!("a")), (json!(5), json!("5")), (json!(true), json!("true")), (json!(null), json!("null"))]
            .into_iter()
            .map(|(a, want)| (arg(&a), call("kubernetes", "as_text"), want)),
    )
    .collect();
    let rows: Vec<(Value, &str, Value)> = rows.iter().map(|(i, q, v)| (i.clone(), q.as_str(), v.clone())).collect();
    check(&mut e, &rows);
}

// ---------------------------------------------------------------------------------------------
// kubernetes_rbac.rego

const RBAC: &str = "data.stridegate.lib.kubernetes_rbac";

#[test]
fn rbac_policy_rules_read_only_strings_of_well_formed_rules() {
    let mut e = engine(&["kubernetes_rbac"]);
    let q = format!("sort([[r.index, r.path, r.verbs, r.groups, r.resource_set] | some r in {RBAC}.policy_rules])");
    let role = json!({"kind": "ClusterRole", "rules": [
        {"verbs": ["get", 5, "list"], "apiGroups": [""], "resources": ["pods", {"$unknown": "var.r"}, "*/scale"]},
        "not a rule",
        {"$unknown": "var.rule"},
        {"verbs": "get", "apiGroups": null, "resources": {"$unknown": "var.resources"}},
        {},
    ]});
    check(
        &mut e,
        &[
            (
                role,
                &q,
                json!([
                    [0, ["rules", 0], ["get", "list"], [""], ["*/scale", "pods"]],
                    [3, ["rules", 3], [], [], []],
                    [4, ["rules", 4], [], [], []],
                ]),
            ),
            (json!({"kind": "Role", "rules": []}), &q, json!([])),
            (json!({"kind": "Role"}), &q, json!([])),
            (json!({"kind": "Role", "rules": "all"}), &q, json!([])),
            (json!({"kind": "Role", "rules": {"$unknown": "var.rules"}}), &q, json!([])),
            // Positions are kept, to point at one element.
            (
                json!({"rules": [{"verbs": ["get", 1, "*"]}]}),
                &format!("[sort([[k, v] | some k, v in r.verb_entries]) | some r in {RBAC}.policy_rules]"),
                json!([[[0, "get"], [2, "*"]]]),
            ),
        ],
    );
}

#[test]
fn rbac_restricted_by_name_needs_a_non_empty_list_of_strings() {
    let mut e = engine(&["kubernetes_rbac"]);
    let rows: Vec<(Value, String, Value)> = [
        (json!({"resourceNames": ["web"]}), json!(true)),
        (json!({"resourceNames": ["web", "db"]}), json!(true)),
        (json!({"resourceNames": []}), Value::Null),
        (json!({"resourceNames": ["web", 5]}), Value::Null),
        (json!({"resourceNames": "web"}), Value::Null),
        (json!({"resourceNames": {"$unknown": "var.names"}}), Value::Null),
        (json!({"resourceNames": null}), Value::Null),
        (json!({}), Value::Null),
    ]
    .into_iter()
    .map(|(rule, want)| (arg(&rule), call("kubernetes_rbac", "restricted_by_name"), want))
    .collect();
    let rows: Vec<(Value, &str, Value)> = rows.iter().map(|(i, q, v)| (i.clone(), q.as_str(), v.clone())).collect();
    check(&mut e, &rows);
}

// ---------------------------------------------------------------------------------------------
// network.rego

#[test]
fn network_port_tables_name_ports_and_do_not_overlap() {
    let mut e = engine(&["network"]);
    let n = "data.stridegate.lib.network";
    check(
        &mut e,
        &[
            (json!({}), &format!("{n}.admin_ports[22]"), json!("SSH")),
            (json!({}), &format!("{n}.admin_ports[3389]"), json!("RDP")),
            (json!({}), &format!("{n}.admin_ports[10250]"), json!("kubelet API")),
            (json!({}), &format!("{n}.data_ports[5432]"), json!("PostgreSQL")),
            (json!({}), &format!("{n}.data_ports[6379]"), json!("Redis")),
            (json!({}), &format!("{n}.data_ports[27017]"), json!("MongoDB")),
            // Web ports are neither; keys are numbers, so a string port is not one.
            (json!({}), &format!("{n}.admin_ports[443]"), Value::Null),
            (json!({}), &format!("{n}.data_ports[80]"), Value::Null),
            (json!({}), &format!("{n}.admin_ports[\"22\"]"), Value::Null),
            (json!({}), &format!("{n}.admin_ports[null]"), Value::Null),
            (json!({}), &format!("count({{p | some p, _ in {n}.admin_ports; {n}.data_ports[p]}})"), json!(0)),
            (json!({}), &format!("count({n}.admin_ports) + count({n}.data_ports)"), json!(30)),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// tls.rego

#[test]
fn tls_allowed_ciphers_in_either_spelling_and_legacy_versions() {
    let mut e = engine(&["tls"]);
    let mut rows: Vec<(Value, String, Value)> = Vec::new();
    for (cipher, want) in [
        (json!("TLS_AES_128_GCM_SHA256"), json!(true)),
        (json!("ecdhe-rsa-aes128-gcm-sha256"), json!(true)),
        (json!("  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 "), json!(true)),
        (json!("ECDHE-RSA-AES128-SHA"), Value::Null),
        (json!("DES-CBC3-SHA"), Value::Null),
        (json!("TLS_RSA_WITH_AES_128_GCM_SHA256"), Value::Null),
        (json!(""), Value::Null),
        (json!(5), Value::Null),
        (json!(null), Value::Null),
        (json!(["TLS_AES_128_GCM_SHA256"]), Value::Null),
        (json!({"$unknown": "var.cipher"}), Value::Null),
    ] {
        rows.push((arg(&cipher), call("tls", "allowed_cipher"), want));
    }
    for (version, want) in [
        (json!("TLSv1"), json!(true)),
        (json!("tlsv1.1"), json!(true)),
        (json!(" SSLv3 "), json!(true)),
        (json!("TLS1_0"), json!(true)),
        (json!("1.0"), json!(true)),
        (json!("TLSv1.2"), Value::Null),
        (json!("TLSv1.3"), Value::Null),
        (json!("TLS1_2_2019"), Value::Null),
        (json!(1.0), Value::Null),
        (json!(null), Value::Null),
        (json!({"$unknown": "var.v"}), Value::Null),
    ] {
        rows.push((arg(&version), call("tls", "legacy_version"), want));
    }
    let rows: Vec<(Value, &str, Value)> = rows.iter().map(|(i, q, v)| (i.clone(), q.as_str(), v.clone())).collect();
    check(&mut e, &rows);
}

#[test]
fn tls_allow_list_comes_from_the_settings_and_ignores_non_strings() {
    let settings = json!({"stridegate": {"settings": {"tls_ciphers": [" des-cbc3-sha ", 5, null, ["x"]]}}});
    let mut e = engine_with_settings(&["tls"], settings);
    check(
        &mut e,
        &[
            (arg(&json!("DES-CBC3-SHA")), &call("tls", "allowed_cipher"), json!(true)),
            (arg(&json!("TLS_AES_128_GCM_SHA256")), &call("tls", "allowed_cipher"), Value::Null),
            (json!({}), "data.stridegate.lib.tls.allowed_ciphers", json!(["DES-CBC3-SHA"])),
        ],
    );
    let mut e = engine_with_settings(&["tls"], json!({"stridegate": {"settings": {"tls_ciphers": []}}}));
    check(&mut e, &[(arg(&json!("TLS_AES_128_GCM_SHA256")), &call("tls", "allowed_cipher"), Value::Null)]);
}

// ---------------------------------------------------------------------------------------------
// secrets.rego

fn rows_for(package: &str, f: &str, cases: &[(Value, Value)]) -> Vec<(Value, String, Value)> {
    cases.iter().map(|(a, want)| (arg(a), call(package, f), want.clone())).collect()
}

fn check_calls(e: &mut regorus::Engine, rows: Vec<(Value, String, Value)>) {
    let rows: Vec<(Value, &str, Value)> = rows.iter().map(|(i, q, v)| (i.clone(), q.as_str(), v.clone())).collect();
    check(e, &rows);
}

#[test]
fn secrets_names_that_hold_a_secret_and_those_that_describe_one() {
    let mut e = engine(&["secrets"]);
    let t = json!(true);
    let n = Value::Null;
    check_calls(
        &mut e,
        rows_for(
            "secrets",
            "secret_like",
            &[
                (json!("DB_PASSWORD"), t.clone()),
                (json!("db.password"), t.clone()),
                (json!("api-key"), t.clone()),
                (json!("GITHUB_TOKENS"), t.clone()),
                (json!("SMTP_PWD"), t.clone()),
                (json!("DB_PASS"), t.clone()),
                (json!("AWS_SECRET_ACCESS_KEY"), t.clone()),
                (json!("PASSWORD_FILE"), n.clone()),
                (json!("TOKEN_URL"), n.clone()),
                (json!("SECRET_NAME"), n.clone()),
                (json!("TOKENIZER"), n.clone()),
                (json!("PASSWORDLESS"), n.clone()),
                (json!("PWD"), n.clone()),
                (json!("PASSPORT"), n.clone()),
                (json!(""), n.clone()),
                (json!(5), n.clone()),
                (json!(null), n.clone()),
                (json!({"$unknown": "var.name"}), n),
            ],
        ),
    );
}

#[test]
fn secrets_literal_values_and_placeholders() {
    let mut e = engine(&["secrets"]);
    let t = json!(true);
    let n = Value::Null;
    let mut rows = rows_for(
        "secrets",
        "literal",
        &[
            (json!("hunter2"), t.clone()),
            (json!(42), t.clone()),
            (json!("${DB_PASSWORD}"), n.clone()),
            (json!("$(USER):$(PASS)"), n.clone()),
            (json!("/var/run/secrets/key.json"), n.clone()),
            (json!("yes"), n.clone()),
            (json!("   "), n.clone()),
            (json!(true), n.clone()),
            (json!(null), n.clone()),
            (json!(["x"]), n.clone()),
            (json!({"$unknown": "var.x"}), n.clone()),
        ],
    );
    rows.extend(rows_for(
        "secrets",
        "placeholder",
        &[
            (json!("<password>"), t.clone()),
            (json!("${DB_PASSWORD}"), t.clone()),
            (json!("{{ .Values.password }}"), t.clone()),
            (json!("CHANGE_ME"), t.clone()),
            (json!("xxxx"), t.clone()),
            (json!("***"), t.clone()),
            (json!("your-token-here"), t.clone()),
            (json!("Zq81kLm0pR"), n.clone()),
            (json!(""), n.clone()),
            (json!(7), n.clone()),
            (json!({"$unknown": "var.x"}), n),
        ],
    ));
    check_calls(&mut e, rows);
}

#[test]
fn secrets_credentials_recognised_by_content_but_not_documentation_examples() {
    let mut e = engine(&["secrets"]);
    let n = Value::Null;
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
    let long = format!("{}AKIA{}", "a ".repeat(40_000), "Q".repeat(16));
    let mut rows = rows_for(
        "secrets",
        "credential_kind",
        &[
            (json!("AKIAZ7TQ3LMN4PQRS2UV"), json!("an AWS access key id")),
            (json!("key = AKIAZ7TQ3LMN4PQRS2UV;"), json!("an AWS access key id")),
            (json!(pem), json!("a PEM private key")),
            (json!(format!("ghp_{}", "a1B2".repeat(9))), json!("a GitHub token")),
            (json!("postgres://app:Zq81kLm0@db.prod.internal/orders"), json!("a password in a URL")),
            (json!("--db-password=Zq81kLm0pR7x"), json!("a secret-looking assignment")),
            // Documentation examples, format illustrations and ordinary text are not credentials.
            (json!("AKIAIOSFODNN7EXAMPLE"), n.clone()),
            (json!("postgresql://login:password@hostname/db"), n.clone()),
            (json!("http://admin:s3cr3tpw@localhost:8080"), n.clone()),
            (json!("--db-password=required"), n.clone()),
            (json!("AKIAZ7TQ3LMN4PQRS2UVX"), n.clone()), // 17 characters after the prefix
            (json!("the quick brown fox"), n.clone()),
            (json!(""), n.clone()),
            (json!(5), n.clone()),
            (json!(null), n.clone()),
            (json!({"$unknown": "var.user_data"}), n.clone()),
            // Beyond the 64 KiB bound: not seen, and no error.
            (json!(long), n.clone()),
        ],
    );
    rows.extend(rows_for(
        "secrets",
        "may_hold_credential",
        &[(json!("x AKIA y"), json!(true)), (json!("nothing here"), n.clone()), (json!(12), n.clone())],
    ));
    rows.extend(rows_for(
        "secrets",
        "mask",
        &[(json!("AKIAZ7TQ3LMN4PQRS2UV"), json!("AKIA***")), (json!("ab"), json!("ab***")), (json!(5), n.clone())],
    ));
    rows.push((json!({}), "data.stridegate.lib.secrets.any_may_hold_credential([\"a\", \"b token c\"])".into(), json!(true)));
    rows.push((json!({}), "data.stridegate.lib.secrets.any_may_hold_credential([])".into(), n.clone()));
    rows.push((json!({}), "data.stridegate.lib.secrets.any_secret_like_name([\"HOST\", \"db-password\"])".into(), json!(true)));
    rows.push((json!({}), "data.stridegate.lib.secrets.any_secret_like_name([])".into(), n));
    check_calls(&mut e, rows);
}

#[test]
fn secrets_credential_like_literals() {
    let mut e = engine(&["secrets"]);
    let t = json!(true);
    let n = Value::Null;
    check_calls(
        &mut e,
        rows_for(
            "secrets",
            "credential_like_literal",
            &[
                (json!("Zq81kLm0pR"), t.clone()),
                (json!("Tr0ub4dor&3"), t.clone()),
                (json!("abc!DEFghi"), t),
                (json!("short1"), n.clone()),
                (json!("alllowercaseletters"), n.clone()),
                (json!("has space 123"), n.clone()),
                (json!("arn:aws:iam::123456789012:role/x"), n.clone()),
                (json!("https://example.com/a1"), n.clone()),
                (json!("config-v2.yaml"), n.clone()),
                (json!("changeme123"), n.clone()),
                (json!("test-password-1"), n.clone()),
                (json!("<token1234>"), n.clone()),
                (json!("${TOKEN_1234}"), n.clone()),
                (json!("a1".repeat(2100)), n.clone()),
                (json!(12345678), n.clone()),
                (json!(null), n.clone()),
                (json!({"$unknown": "var.password"}), n),
            ],
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// terraform.rego

#[test]
fn terraform_unknown_known_and_attribute_defaults() {
    let mut e = engine(&["terraform"]);
    let t = json!(true);
    let n = Value::Null;
    let mut rows = rows_for(
        "terraform",
        "is_unknown",
        &[
            (json!({"$unknown": "aws_kms_key.k.arn"}), t.clone()),
            (json!({"$unknown": "x", "y": 1}), n.clone()),
            (json!({}), n.clone()),
            (json!(null), n.clone()),
            (json!("$unknown"), n.clone()),
        ],
    );
    rows.extend(rows_for(
        "terraform",
        "known",
        &[
            (json!(0), t.clone()),
            (json!(false), t.clone()),
            (json!(""), t.clone()),
            (json!([]), t.clone()),
            (json!(null), n.clone()),
            (json!({"$unknown": "var.x"}), n.clone()),
        ],
    ));
    for (obj, name, fallback, want) in [
        (json!({"a": 1}), "a", json!(5), json!(1)),
        (json!({"a": false}), "a", json!(true), json!(false)),
        (json!({"a": null}), "a", json!(5), json!(5)),
        (json!({}), "a", json!("default"), json!("default")),
        (json!({"a": {"$unknown": "var.a"}}), "a", json!(5), json!({"$unknown": "var.a"})),
        (json!({"$unknown": "var.obj"}), "a", json!(5), json!(5)),
        (json!("not an object"), "a", json!(5), json!(5)),
    ] {
        rows.push((json!({}), format!("data.stridegate.lib.terraform.attr({obj}, {name:?}, {fallback})"), want));
    }
    check_calls(&mut e, rows);
}

#[test]
fn terraform_blocks_and_anywhere_ranges() {
    let mut e = engine(&["terraform"]);
    let n = Value::Null;
    let mut rows = Vec::new();
    for (obj, want) in [
        (
            json!({"ingress": [{"from_port": 22}, {"$unknown": "dynamic"}, "x", null, {"from_port": 443}]}),
            json!([[0, {"from_port": 22}], [4, {"from_port": 443}]]),
        ),
        (json!({"ingress": []}), json!([])),
        (json!({"ingress": {"$unknown": "var.rules"}}), json!([])),
        (json!({"ingress": {"from_port": 22}}), json!([])),
        (json!({"ingress": null}), json!([])),
        (json!({}), json!([])),
        (json!(5), json!([])),
    ] {
        rows.push((json!({}), format!("data.stridegate.lib.terraform.blocks({obj}, \"ingress\")"), want));
    }
    rows.extend(rows_for(
        "terraform",
        "any_anywhere",
        &[
            (json!(["10.0.0.0/8", "::/0"]), json!(true)),
            (json!(["0.0.0.0/0"]), json!(true)),
            (json!("0.0.0.0/0"), json!(true)),
            (json!(["10.0.0.0/8"]), n.clone()),
            (json!([]), n.clone()),
            (json!("0.0.0.0/1"), n.clone()),
            (json!([{"$unknown": "var.cidr"}]), n.clone()),
            (json!({"$unknown": "var.cidrs"}), n.clone()),
            (json!(0), n.clone()),
            (json!(null), n),
        ],
    ));
    check_calls(&mut e, rows);
}

// ---------------------------------------------------------------------------------------------
// nginx.rego

const NGINX: &str = "data.stridegate.lib.nginx";

fn configmap(name: Value, data: Value) -> Value {
    json!({"kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

#[test]
fn nginx_controller_configmaps_by_name_or_distinctive_keys() {
    let mut e = engine(&["nginx"]);
    let q = format!("{NGINX}.controller_configmap");
    let settings = format!("{NGINX}.settings");
    check(
        &mut e,
        &[
            (configmap(json!("ingress-nginx-controller"), json!({})), &q, json!(true)),
            (configmap(json!("nginx-config"), json!({})), &q, json!(true)),
            (configmap(json!("prod-ingress-nginx-controller"), json!({})), &q, json!(true)),
            (configmap(json!("edge-nginx-ingress-controller"), json!({})), &q, json!(true)),
            (configmap(json!("app-config"), json!({"ssl-ciphers": "HIGH"})), &q, json!(true)),
            (configmap(json!("app-config"), json!({"hsts": "true", "ssl-redirect": "false"})), &q, json!(false)),
            (configmap(json!("ingress-nginx-controller-extra"), json!({})), &q, json!(false)),
            // Wrong types and unknown values decide nothing and raise nothing.
            (configmap(json!(5), json!({})), &q, json!(false)),
            (configmap(json!({"$unknown": "var.name"}), json!("ssl-ciphers")), &q, json!(false)),
            (configmap(json!("app"), json!(["ssl-ciphers"])), &q, json!(false)),
            (json!({"kind": "ConfigMap"}), &q, json!(false)),
            (json!({"kind": "Secret", "metadata": {"name": "ingress-nginx-controller"}, "data": {}}), &q, json!(false)),
            (configmap(json!("nginx-config"), json!({"ssl-protocols": "TLSv1.2"})), &settings, json!({"ssl-protocols": "TLSv1.2"})),
            (configmap(json!("nginx-config"), json!("not a mapping")), &settings, json!({})),
            (configmap(json!("app-config"), json!({"hsts": "true"})), &settings, json!({})),
        ],
    );
}

#[test]
fn nginx_ingress_annotations_text_and_descriptions() {
    let mut e = engine(&["nginx"]);
    let annotations = format!("{NGINX}.ingress_annotations");
    let describe = format!("{NGINX}.describe");
    let mut rows: Vec<(Value, String, Value)> = vec![
        (json!({"kind": "Ingress", "metadata": {"annotations": {"a": "b"}}}), annotations.clone(), json!({"a": "b"})),
        (json!({"kind": "Ingress", "metadata": {"annotations": "a=b"}}), annotations.clone(), json!({})),
        (json!({"kind": "Ingress", "metadata": {}}), annotations.clone(), json!({})),
        (json!({"kind": "Service", "metadata": {"annotations": {"a": "b"}}}), annotations, json!({})),
        (configmap(json!("nginx-config"), json!({})), describe.clone(), json!("ConfigMap \"nginx-config\"")),
        (configmap(json!(5), json!({})), describe.clone(), json!("ConfigMap")),
        (json!({"kind": "Ingress"}), describe, json!("Ingress")),
    ];
    rows.extend(rows_for(
        "nginx",
        "as_text",
        &[
            (json!("on"), json!("on")),
            (json!(false), json!("false")),
            (json!(31536000), json!("31536000")),
            (json!(null), Value::Null),
            (json!(["x"]), Value::Null),
        ],
    ));
    check_calls(&mut e, rows);
}

#[test]
fn every_library_file_but_iam_has_a_test_here() {
    let this = include_str!("rego_lib.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/lib");
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(lib) = name.strip_suffix(".rego") else { continue };
        if lib == "iam" {
            continue; // tests/iam_semantics.rs
        }
        assert!(this.contains(&format!("engine(&[\"{lib}\"])")), "rules/lib/{name} has no test in tests/rego_lib.rs");
    }
}
