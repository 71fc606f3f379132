//! Helpers shared by integration tests (each test crate includes this module with `mod common;`
//! and uses what it needs).
#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// The official OASIS SARIF 2.1.0 schema (tests/data, a copy of
/// ../shared/schemas/sarif-schema-2.1.0.json), compiled once per test process.
fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"))
            .expect("schema readable");
        // The official file's pattern for `run.language` is a malformed regex (an unbalanced `]`)
        // that the jsonschema crate refuses to compile; replace that one pattern with the intended
        // one before compiling the schema.
        let text = text.replace(r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
        let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        // The copy in ../shared keeps the root object's schema under `definitions.Root` without
        // referencing it, which would validate nothing at all (the negative controls in
        // tests/cli.rs caught this): apply it to the document root as the official schema does.
        if schema.get("properties").is_none() && schema["definitions"].get("Root").is_some() {
            schema["$ref"] = Value::from("#/definitions/Root");
        }
        // Formats too (`uri`, `uri-reference`, `date-time`): artifact URIs must be encoded.
        jsonschema::draft7::options().should_validate_formats(true).build(&schema).expect("schema compiles")
    })
}

/// Schema violations of a SARIF document, one line each (empty when it validates).
pub fn sarif_errors(sarif: &Value) -> Vec<String> {
    sarif_validator().iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// Panics unless `sarif` validates against the official SARIF 2.1.0 schema.
pub fn assert_valid_sarif(sarif: &Value) {
    let errors = sarif_errors(sarif);
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

/// The value of a Rego `query` on `engine`, as JSON (`null` when undefined).
pub fn rego_query(engine: &mut regorus::Engine, query: &str) -> Value {
    let results = engine.eval_query(query.to_string(), false).expect("query evaluates");
    results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .map_or(Value::Null, |e| serde_json::from_str(&e.value.to_json_str().expect("value as JSON")).expect("JSON parses"))
}

/// Writes `files` (relative path, text) under `dir`, creating folders.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("folder created");
        std::fs::write(path, text).expect("file written");
    }
}

/// Runs the stridegate binary in `dir` with `args`, no colours, and `today` as the date that
/// suppression expiry is judged against.
pub fn run_in(dir: &Path, args: &[&str], today: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stridegate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("STRIDEGATE_TODAY", today)
        .output()
        .expect("binary runs")
}
