//! `stridegate merge`: joins the SARIF logs of several shards (`scan --shard K/N`) into one
//! log equal to a full run's: runs of the same tool and category (`automationDetails.id`)
//! become one run with the rules and artifacts deduplicated (result indexes remapped), the
//! results deduplicated and sorted as a scan sorts findings, the invocations combined (successful
//! only if every shard was, notifications of all shards) and the STRIDE counts recomputed.
//! Runs of other tools or categories are kept as separate runs.
//!
//! The logs are read as JSON values, not as typed SARIF, so properties this module does not know
//! (added by other tools or later versions of stridegate) are carried over unchanged.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

/// Why the logs could not be merged.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MergeError {
    /// A log is not JSON.
    #[error("{file}: not JSON: {message}")]
    #[diagnostic(code(stridegate::usage::merge))]
    NotJson {
        /// The input's name.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A log is JSON but not a SARIF 2.1.0 log.
    #[error("{file}: not a SARIF 2.1.0 log: {message}")]
    #[diagnostic(code(stridegate::usage::merge), help("merge the outputs of `stridegate scan --format sarif`"))]
    NotSarif {
        /// The input's name.
        file: String,
        /// What is missing.
        message: String,
    },
    /// No input.
    #[error("nothing to merge: give at least one SARIF file")]
    #[diagnostic(code(stridegate::usage::merge))]
    Empty,
}

/// Merges SARIF logs given as (name, text) into one pretty-printed SARIF log.
pub fn merge_sarif(inputs: &[(String, String)]) -> Result<String, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut schema: Option<Value> = None;
    // Runs grouped by (driver name, category), in first-seen order.
    let mut groups: Vec<((String, String), Vec<Value>)> = Vec::new();
    for (file, text) in inputs {
        let log: Value = serde_json::from_str(text).map_err(|e| MergeError::NotJson { file: file.clone(), message: e.to_string() })?;
        let not_sarif = |message: &str| MergeError::NotSarif { file: file.clone(), message: message.to_string() };
        if log.get("version").and_then(Value::as_str) != Some("2.1.0") {
            return Err(not_sarif("`version` is not \"2.1.0\""));
        }
        if schema.is_none() {
            schema = log.get("$schema").cloned();
        }
        let runs = log.get("runs").and_then(Value::as_array).ok_or_else(|| not_sarif("no `runs` array"))?;
        for run in runs {
            let name =
                run.pointer("/tool/driver/name").and_then(Value::as_str).ok_or_else(|| not_sarif("a run has no tool.driver.name"))?;
            let category = run.pointer("/automationDetails/id").and_then(Value::as_str).unwrap_or_default();
            let key = (name.to_string(), category.to_string());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, runs)) => runs.push(run.clone()),
                None => groups.push((key, vec![run.clone()])),
            }
        }
    }
    let runs: Vec<Value> = groups.into_iter().map(|(_, runs)| merge_runs(runs)).collect();
    let mut log = Map::new();
    if let Some(s) = schema {
        log.insert("$schema".to_string(), s);
    }
    log.insert("version".to_string(), json!("2.1.0"));
    log.insert("runs".to_string(), Value::Array(runs));
    let mut out = serde_json::to_string_pretty(&Value::Object(log)).unwrap_or_default();
    out.push('\n');
    Ok(out)
}

/// Entries of `array` deduplicated by `key`, in first-seen order, with the index map from each
/// (run, old index) to the new index.
struct Dedup {
    items: Vec<Value>,
    by_key: HashMap<String, usize>,
}

impl Dedup {
    fn new() -> Self {
        Dedup { items: Vec::new(), by_key: HashMap::new() }
    }

    fn add(&mut self, key: String, item: &Value) -> usize {
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        self.items.push(item.clone());
        self.by_key.insert(key, self.items.len() - 1);
        self.items.len() - 1
    }
}

fn artifact_key(a: &Value) -> String {
    let uri = a.pointer("/location/uri").and_then(Value::as_str).unwrap_or_default();
    let base = a.pointer("/location/uriBaseId").and_then(Value::as_str).unwrap_or_default();
    format!("{base}\u{0}{uri}")
}

/// Rewrites `artifactLocation.index` everywhere under `v` through `map`.
fn remap_artifacts(v: &mut Value, map: &[usize]) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if k == "artifactLocation"
                    && let Some(index) = child.get_mut("index")
                    && let Some(old) = index.as_u64().and_then(|i| usize::try_from(i).ok())
                    && let Some(&new) = map.get(old)
                {
                    *index = json!(new);
                }
                remap_artifacts(child, map);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| remap_artifacts(c, map)),
        _ => {}
    }
}

fn merge_runs(runs: Vec<Value>) -> Value {
    let mut base = runs.first().cloned().unwrap_or_else(|| json!({}));
    let mut rules = Dedup::new();
    let mut artifacts = Dedup::new();
    let mut results: Vec<Value> = Vec::new();
    let mut seen_results: BTreeSet<String> = BTreeSet::new();
    let mut successful = true;
    let mut any_invocation = false;
    let mut notifications: Vec<Value> = Vec::new();
    let mut seen_notifications: BTreeSet<String> = BTreeSet::new();
    for run in &runs {
        let rule_map: Vec<usize> = run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .map(|rs| rs.iter().map(|r| rules.add(r.get("id").and_then(Value::as_str).unwrap_or_default().to_string(), r)).collect())
            .unwrap_or_default();
        let artifact_map: Vec<usize> = run
            .get("artifacts")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| artifacts.add(artifact_key(x), x)).collect())
            .unwrap_or_default();
        for r in run.get("results").and_then(Value::as_array).into_iter().flatten() {
            let mut r = r.clone();
            if let Some(index) = r.get_mut("ruleIndex")
                && let Some(&new) = index.as_u64().and_then(|i| usize::try_from(i).ok()).and_then(|i| rule_map.get(i))
            {
                *index = json!(new);
            }
            remap_artifacts(&mut r, &artifact_map);
            if seen_results.insert(result_identity(&r)) {
                results.push(r);
            }
        }
        for inv in run.get("invocations").and_then(Value::as_array).into_iter().flatten() {
            any_invocation = true;
            successful &= inv.get("executionSuccessful").and_then(Value::as_bool).unwrap_or(false);
            for n in inv.get("toolExecutionNotifications").and_then(Value::as_array).into_iter().flatten() {
                let mut n = n.clone();
                remap_artifacts(&mut n, &artifact_map);
                if seen_notifications.insert(n.to_string()) {
                    notifications.push(n);
                }
            }
        }
    }
    results.sort_by_cached_key(result_sort_key);
    let Some(obj) = base.as_object_mut() else { return base };
    if let Some(driver) = obj.get_mut("tool").and_then(|t| t.get_mut("driver")).and_then(Value::as_object_mut)
        && (driver.contains_key("rules") || !rules.items.is_empty())
    {
        driver.insert("rules".to_string(), Value::Array(rules.items));
    }
    if obj.contains_key("artifacts") || !artifacts.items.is_empty() {
        obj.insert("artifacts".to_string(), Value::Array(artifacts.items));
    }
    if any_invocation {
        let mut invocation = Map::new();
        invocation.insert("executionSuccessful".to_string(), json!(successful));
        if !notifications.is_empty() {
            invocation.insert("toolExecutionNotifications".to_string(), Value::Array(notifications));
        }
        obj.insert("invocations".to_string(), json!([invocation]));
    }
    // stridegate's run property: findings per STRIDE category, recounted over the merged results.
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut)
        && props.contains_key("stride")
    {
        let counts: Map<String, Value> = crate::rules::meta::Stride::ALL
            .into_iter()
            .map(|s| {
                let tag = format!("stride:{}", s.as_str());
                let n = results
                    .iter()
                    .filter(|r| r.pointer("/properties/tags").and_then(Value::as_array).is_some_and(|t| t.contains(&json!(tag))))
                    .count();
                (s.as_str().to_string(), json!(n))
            })
            .filter(|(_, n)| n.as_u64() != Some(0))
            .collect();
        props.insert("stride".to_string(), Value::Object(counts));
    }
    obj.insert("results".to_string(), Value::Array(results));
    base
}

/// What makes two results one, as a scan deduplicates findings: stridegate's fingerprint (rule,
/// file, resource, attribute), the primary location and the message. Two shards that built the
/// same object through different overlays report it with different related locations; a full
/// scan keeps one of them, and so does the merge. Results without that fingerprint (other
/// tools) are one only when identical.
fn result_identity(r: &Value) -> String {
    match r.pointer("/partialFingerprints/stridegate~1v1").and_then(Value::as_str) {
        Some(fingerprint) => {
            json!(["stridegate", r.get("ruleId"), fingerprint, r.pointer("/locations/0/physicalLocation"), r.pointer("/message/text")])
                .to_string()
        }
        None => r.to_string(),
    }
}

/// The order a scan gives findings: file, line, column, rule, message (then the whole result,
/// for determinism).
fn result_sort_key(r: &Value) -> (String, u64, u64, String, String, String) {
    let loc = r.pointer("/locations/0/physicalLocation");
    let uri = loc.and_then(|l| l.pointer("/artifactLocation/uri")).and_then(Value::as_str).map(percent_decode).unwrap_or_default();
    let line = loc.and_then(|l| l.pointer("/region/startLine")).and_then(Value::as_u64).unwrap_or(0);
    let column = loc.and_then(|l| l.pointer("/region/startColumn")).and_then(Value::as_u64).unwrap_or(0);
    let rule = r.get("ruleId").and_then(Value::as_str).unwrap_or_default().to_string();
    let message = r.pointer("/message/text").and_then(Value::as_str).unwrap_or_default().to_string();
    (uri, line, column, rule, message, r.to_string())
}

/// Undoes the percent-encoding of a URI (invalid escapes are kept as written).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        if b == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(results: Value, rules: Value, ok: bool) -> (String, String) {
        let log = json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "stridegate", "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": ok}],
            "properties": {"stride": {}}
        }]});
        ("x.sarif".to_string(), log.to_string())
    }

    fn result(rule: &str, index: usize, uri: &str, line: u64) -> Value {
        json!({"ruleId": rule, "ruleIndex": index, "message": {"text": "m"},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}],
               "properties": {"tags": ["stride:tampering"]}})
    }

    #[test]
    fn merges_rules_results_and_invocations() {
        let a = log(json!([result("B-1", 1, "b.yaml", 3)]), json!([{"id": "A-1"}, {"id": "B-1"}]), true);
        // Another shard lists its rules in another order: indexes are remapped.
        let b =
            log(json!([result("B-1", 0, "a%20x.yaml", 1), result("C-1", 1, "b.yaml", 3)]), json!([{"id": "B-1"}, {"id": "C-1"}]), false);
        let merged: Value = serde_json::from_str(&merge_sarif(&[a.clone(), b, a]).unwrap()).unwrap();
        let run = &merged["runs"][0];
        let ids: Vec<&str> = run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["A-1", "B-1", "C-1"]);
        let results = run["results"].as_array().unwrap();
        // Deduplicated (the first log twice), sorted by decoded file then line then rule.
        let got: Vec<(String, u64, u64)> = results
            .iter()
            .map(|r| {
                (
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    r["ruleIndex"].as_u64().unwrap(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, [("a%20x.yaml".to_string(), 1, 1), ("b.yaml".to_string(), 1, 3), ("b.yaml".to_string(), 2, 3)]);
        assert_eq!(run["invocations"][0]["executionSuccessful"], json!(false));
        assert_eq!(run["properties"]["stride"], json!({"tampering": 3}));
    }

    #[test]
    fn one_finding_built_twice_is_one_result() {
        let mut a = result("B-1", 0, "base/deploy.yaml", 3);
        a["partialFingerprints"] = json!({"stridegate/v1": "00ff"});
        let mut b = a.clone();
        a["relatedLocations"] = json!([{"message": {"text": "built by overlays/a"}}]);
        b["relatedLocations"] = json!([{"message": {"text": "built by overlays/b"}}]);
        let mut other_line = b.clone();
        other_line["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(4);
        let rules = json!([{"id": "B-1"}]);
        let merged = merge_sarif(&[log(json!([a]), rules.clone(), true), log(json!([b, other_line]), rules, true)]).unwrap();
        let merged: Value = serde_json::from_str(&merged).unwrap();
        let results = merged["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "same fingerprint, location and message: one result; another line: another");
        assert_eq!(results[0]["relatedLocations"][0]["message"]["text"], "built by overlays/a");
    }

    #[test]
    fn rejects_what_is_not_sarif() {
        assert!(matches!(merge_sarif(&[]), Err(MergeError::Empty)));
        assert!(matches!(merge_sarif(&[("a".into(), "{".into())]), Err(MergeError::NotJson { .. })));
        assert!(matches!(merge_sarif(&[("a".into(), r#"{"version":"2.0.0","runs":[]}"#.into())]), Err(MergeError::NotSarif { .. })));
        assert!(matches!(
            merge_sarif(&[("a".into(), r#"{"version":"2.1.0","runs":[{"tool":{}}]}"#.into())]),
            Err(MergeError::NotSarif { .. })
        ));
        assert!(matches!(merge_sarif(&[("a".into(), "[1, 2]".into())]), Err(MergeError::NotSarif { .. })));
    }
}
