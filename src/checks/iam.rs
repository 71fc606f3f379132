//! Native IAM rules that join policies with the rest of the scan.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::iam::catalogue::ActionPattern;
use crate::iam::policy::{CONTEXT_KEY, statements, strings};
use crate::model::{AttributePath, PathSegment, Resource};
use crate::rules::meta::Severity;

/// Ids of the native IAM rules.
pub const IDS: &[&str] = &["IAM-0020"];

/// The implementation of `id`, if it is one of ours.
pub fn native(id: &str) -> Option<NativeCheck> {
    match id {
        "IAM-0020" => Some(NativeCheck::Scan(Box::new(StateAccessNotScoped))),
        _ => None,
    }
}

/// Actions on a state object that read or change another team's state.
const STATE_ACTIONS: &[(&str, &str)] =
    &[("s3", "GetObject"), ("s3", "GetObjectVersion"), ("s3", "PutObject"), ("s3", "DeleteObject"), ("s3", "DeleteObjectVersion")];

/// Actions on lock-table rows (Terraform's S3 backend locks with GetItem/PutItem/DeleteItem).
const LOCK_ACTIONS: &[(&str, &str)] =
    &[("dynamodb", "GetItem"), ("dynamodb", "PutItem"), ("dynamodb", "DeleteItem"), ("dynamodb", "UpdateItem")];

/// IAM-0020: a policy grants access to Terraform state objects beyond one team's prefix.
struct StateAccessNotScoped;

/// IAM wildcard match (`*` any run, `?` one character), case-sensitive as ARNs are.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// The granted subset of `actions` for a statement (through Action, or NotAction that does not
/// exclude them).
fn granted(statement: &serde_json::Map<String, Value>, actions: &[(&str, &str)]) -> Vec<String> {
    let matches =
        |patterns: &[&str], (service, name): (&str, &str)| patterns.iter().any(|p| ActionPattern::new(p).matches_name(service, name));
    let allowed: Vec<&str> = strings(statement.get("Action"));
    let not_allowed: Vec<&str> = strings(statement.get("NotAction"));
    let has_not_action = statement.get("NotAction").is_some_and(|v| v.is_string() || v.is_array());
    actions
        .iter()
        .filter(|a| matches(&allowed, **a) || (has_not_action && !matches(&not_allowed, **a)))
        .map(|(s, n)| format!("{s}:{n}"))
        .collect()
}

fn path_json(path: &[PathSegment]) -> Value {
    Value::Array(
        path.iter()
            .map(|s| match s {
                PathSegment::Key(k) => Value::String(k.clone()),
                PathSegment::Index(i) => Value::from(*i),
            })
            .collect(),
    )
}

impl ScanCheck for StateAccessNotScoped {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        if r.kind == "backend.s3" {
            let s = |k: &str| r.value.get(k).and_then(Value::as_str);
            let facts = json!({"role": "backend", "bucket": s("bucket"), "key": s("key"), "table": s("dynamodb_table")});
            return Some(Observation::new(r, facts, &[]));
        }
        if r.kind != crate::iam::policy::KIND || r.value.get(CONTEXT_KEY).and_then(|c| c.get("type")) == Some(&json!("trust")) {
            return None;
        }
        let mut grants = Vec::new();
        let mut anchors = Vec::new();
        let many = matches!(r.value.get("Statement"), Some(Value::Array(_)));
        for (i, st) in statements(&r.value).into_iter().enumerate() {
            if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let state = granted(st, STATE_ACTIONS);
            let lock = granted(st, LOCK_ACTIONS);
            if state.is_empty() && lock.is_empty() {
                continue;
            }
            let mut base = vec![PathSegment::Key("Statement".into())];
            if many {
                base.push(PathSegment::Index(i));
            }
            let mut resources = Vec::new();
            let mut all = Value::Null;
            for field in ["Resource", "NotResource"] {
                let mut field_path = base.clone();
                field_path.push(PathSegment::Key(field.into()));
                match st.get(field) {
                    Some(Value::String(v)) => resources.push((field_path.clone(), v.clone())),
                    Some(Value::Array(items)) => {
                        for (j, v) in items.iter().enumerate() {
                            if let Value::String(v) = v {
                                let mut p = field_path.clone();
                                p.push(PathSegment::Index(j));
                                resources.push((p, v.clone()));
                            }
                        }
                    }
                    _ => continue,
                }
                if field == "NotResource" {
                    // NotResource grants everything it does not name.
                    resources.retain(|(p, _)| !p.iter().any(|s| *s == PathSegment::Key("NotResource".into())));
                    all = path_json(&field_path);
                    anchors.push(AttributePath(field_path));
                }
            }
            let mut listed = Vec::new();
            for (p, v) in resources {
                if v == "*" {
                    all = path_json(&p);
                } else {
                    listed.push(json!([path_json(&p), v]));
                }
                anchors.push(AttributePath(p));
            }
            let keys: Vec<String> = st
                .get("Condition")
                .and_then(Value::as_object)
                .map(|c| c.values().filter_map(Value::as_object).flat_map(|m| m.keys().map(|k| k.to_ascii_lowercase())).collect())
                .unwrap_or_default();
            grants.push(json!({
                "state": state,
                "lock": lock,
                "resources": listed,
                "all": all,
                "leading_keys": keys.iter().any(|k| k == "dynamodb:leadingkeys"),
            }));
        }
        if grants.is_empty() {
            return None;
        }
        Some(Observation::new(r, json!({"role": "policy", "grants": grants}), &anchors))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        // State buckets and their keys, lock tables, and where each backend is declared.
        let mut buckets: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
        let mut tables: BTreeMap<String, usize> = BTreeMap::new();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "backend") {
            if let Some(b) = o.facts["bucket"].as_str() {
                buckets.entry(b.to_string()).or_default().push((o.facts["key"].as_str().unwrap_or_default().to_string(), i));
            }
            if let Some(t) = o.facts["table"].as_str() {
                tables.entry(t.to_string()).or_insert(i);
            }
        }
        if buckets.is_empty() {
            return;
        }
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "policy") {
            let Some(grants) = o.facts["grants"].as_array() else { continue };
            for g in grants {
                let state: Vec<&str> = g["state"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let lock: Vec<&str> = g["lock"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if !state.is_empty() {
                    self.check_state(i, g, &state, &buckets, obs, hits);
                }
                if !lock.is_empty() && g["leading_keys"] != Value::Bool(true) {
                    self.check_lock(i, g, &lock, &tables, obs, hits);
                }
            }
        }
    }
}

/// Where backends of these observations are, as related locations.
fn backend_locations(indexes: impl IntoIterator<Item = usize>, obs: &[Observation], what: &str) -> Vec<RelatedLocation> {
    indexes
        .into_iter()
        .filter_map(|i| obs.get(i))
        .map(|b| RelatedLocation { location: b.root.clone(), message: format!("{what} declared here ({})", b.address) })
        .collect()
}

/// The team prefix depth of a bucket's keys: the first path segment where the scan's state keys
/// diverge (`services/crm/...` and `services/fraud-detection/...` diverge at segment 2). `None`
/// with fewer than two distinct keys.
fn team_depth(keys: &[&str]) -> Option<usize> {
    let mut depth: Option<usize> = None;
    for (a, rest) in keys.iter().enumerate().filter_map(|(i, a)| keys.get(i + 1..).map(|r| (a, r))) {
        for b in rest {
            let common = a.split('/').zip(b.split('/')).take_while(|(x, y)| x == y).count();
            let d = common + 1;
            if a != b {
                depth = Some(depth.map_or(d, |cur: usize| cur.min(d)));
            }
        }
    }
    depth
}

/// The leading segments of a key, for messages (`services/crm`).
fn prefix_of(key: &str, depth: usize) -> String {
    key.split('/').take(depth).collect::<Vec<_>>().join("/")
}

impl StateAccessNotScoped {
    fn check_state(
        &self,
        i: usize,
        g: &Value,
        state: &[&str],
        buckets: &BTreeMap<String, Vec<(String, usize)>>,
        obs: &[Observation],
        hits: &mut Vec<ScanHit>,
    ) {
        let actions = state.join(", ");
        let path_of = |v: &Value| AttributePath::from_json(v).unwrap_or_else(AttributePath::root);
        if !g["all"].is_null() {
            let names: Vec<&str> = buckets.keys().map(String::as_str).collect();
            let related = backend_locations(buckets.values().flatten().map(|(_, b)| *b), obs, "state backend");
            hits.push(ScanHit {
                observation: i,
                path: path_of(&g["all"]),
                message: format!(
                    "grants {actions} on every resource, which includes every Terraform state in bucket{} \"{}\"",
                    if names.len() > 1 { "s" } else { "" },
                    names.join("\", \"")
                ),
                severity: None,
                related,
            });
            return;
        }
        let Some(resources) = g["resources"].as_array() else { return };
        for entry in resources {
            let (Some(path), Some(arn)) = (entry.get(0), entry.get(1).and_then(Value::as_str)) else { continue };
            let mut parts = arn.splitn(6, ':');
            let (Some("arn"), Some(_partition), Some("s3"), Some(rest)) = (parts.next(), parts.next(), parts.next(), parts.nth(2)) else {
                continue;
            };
            let Some((bucket_pattern, key_pattern)) = rest.split_once('/') else { continue };
            for (bucket, keys) in buckets.iter().filter(|(b, _)| wildcard_match(bucket_pattern, b)) {
                let literal = key_pattern.split(['*', '?']).next().unwrap_or_default();
                if literal.len() == key_pattern.len() {
                    continue; // one exact object: ownership is a matter for the configuration
                }
                let complete = literal.matches('/').count();
                let key_list: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).filter(|k| !k.is_empty()).collect();
                let depth = team_depth(&key_list);
                let matched: Vec<&(String, usize)> = keys.iter().filter(|(k, _)| wildcard_match(key_pattern, k)).collect();
                let message = if complete == 0 {
                    format!(
                        "grants {actions} on \"{arn}\", every object of Terraform state bucket \"{bucket}\": any team's state can be read or overwritten"
                    )
                } else if let Some(d) = depth.filter(|d| complete < *d) {
                    let prefixes: BTreeSet<String> = matched.iter().map(|(k, _)| prefix_of(k, d)).collect();
                    let seen = if prefixes.len() > 1 {
                        format!(" (it matches the states of {})", prefixes.into_iter().collect::<Vec<_>>().join(", "))
                    } else {
                        String::new()
                    };
                    format!(
                        "grants {actions} on \"{arn}\", a wildcard broader than one team's state prefix ({} segments in bucket \"{bucket}\"){seen}",
                        d
                    )
                } else {
                    continue;
                };
                hits.push(ScanHit {
                    observation: i,
                    path: path_of(path),
                    message,
                    severity: None,
                    related: backend_locations(matched.iter().map(|(_, b)| *b), obs, "state backend"),
                });
                break;
            }
        }
    }

    fn check_lock(
        &self,
        i: usize,
        g: &Value,
        lock: &[&str],
        tables: &BTreeMap<String, usize>,
        obs: &[Observation],
        hits: &mut Vec<ScanHit>,
    ) {
        let Some(resources) = g["resources"].as_array() else { return };
        for entry in resources {
            let (Some(path), Some(arn)) = (entry.get(0), entry.get(1).and_then(Value::as_str)) else { continue };
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let (Some(&"arn"), Some(&"dynamodb"), Some(resource)) = (parts.first(), parts.get(2), parts.get(5)) else { continue };
            let Some(table_pattern) = resource.strip_prefix("table/").map(|t| t.split('/').next().unwrap_or(t)) else { continue };
            let Some((table, backend)) = tables.iter().find(|(t, _)| wildcard_match(table_pattern, t)) else { continue };
            hits.push(ScanHit {
                observation: i,
                path: AttributePath::from_json(path).unwrap_or_else(AttributePath::root),
                message: format!(
                    "grants {} on Terraform lock table \"{table}\" without a dynamodb:LeadingKeys condition: every team's state locks can be taken or removed",
                    lock.join(", ")
                ),
                severity: Some(Severity::Medium),
                related: backend_locations([*backend], obs, "lock table"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "anything/at/all"));
        assert!(wildcard_match("services/*", "services/crm/prod/tf.tfstate"));
        assert!(wildcard_match("services/*/prod/*", "services/crm/prod/x"));
        assert!(!wildcard_match("services/*/prod/*", "services/crm/dev/x"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(!wildcard_match("abc", "abcd"));
        assert!(wildcard_match("*-tf-state", "mercury-tf-state"));
    }

    #[test]
    fn team_depth_is_where_keys_diverge() {
        assert_eq!(team_depth(&["services/crm/prod/a/tf.tfstate", "services/fraud-detection/dev/a/tf.tfstate"]), Some(2));
        assert_eq!(team_depth(&["crm/tf.tfstate", "fraud/tf.tfstate"]), Some(1));
        assert_eq!(team_depth(&["services/crm/prod/tf.tfstate"]), None);
    }
}
