//! IAM-0020 `state-access-not-team-scoped`: what it does, why and how to fix it are in
//! `rules/iam/IAM-0020-state-access-not-team-scoped/metadata.yaml` (`stridegate explain IAM-0020`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::granted;
use crate::checks::terraform::{module_and_base, root_unit};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::iam::policy::{CONTEXT_KEY, statements};
use crate::iam::wildcard::resource_matches;
use crate::model::{AttributePath, PathSegment, Resource};
use crate::rules::meta::Severity;

/// The rule's implementation with `settings` (`[[terraform.state.owners]]`).
pub(crate) fn check(settings: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(StateAccessNotScoped { owners: settings.state_owners.clone() }))
}

/// Actions on a state object that read or change another team's state.
const STATE_ACTIONS: &[(&str, &str)] =
    &[("s3", "GetObject"), ("s3", "GetObjectVersion"), ("s3", "PutObject"), ("s3", "DeleteObject"), ("s3", "DeleteObjectVersion")];

/// Actions on lock-table rows (Terraform's S3 backend locks with GetItem/PutItem/DeleteItem).
const LOCK_ACTIONS: &[(&str, &str)] =
    &[("dynamodb", "GetItem"), ("dynamodb", "PutItem"), ("dynamodb", "DeleteItem"), ("dynamodb", "UpdateItem")];

/// `state bucket "a"`, `state buckets "a", "b", "c"` or `state buckets "a", "b", "c" and 4 more`.
fn bucket_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown: Vec<String> = names.iter().take(3).map(|n| format!("\"{n}\"")).collect();
    let more = names.len().saturating_sub(3);
    format!(
        "state bucket{} {}{}",
        if names.len() > 1 { "s" } else { "" },
        shown.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    )
}

/// Most related locations (state backends) attached to one finding.
const MAX_RELATED: usize = 5;

/// IAM-0020: a policy grants access to Terraform state objects beyond one team's prefix.
struct StateAccessNotScoped {
    /// Configured state ownership (`[[terraform.state.owners]]`); empty when not configured.
    owners: Vec<crate::config::StateOwner>,
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
            let facts =
                json!({"role": "backend", "bucket": s("bucket"), "key": s("key"), "table": s("dynamodb_table"), "unit": root_unit(r)});
            return Some(Observation::new(r, facts, &[]));
        }
        // Buckets the scan creates: a grant on `aws_s3_bucket.x.arn` names a known bucket.
        if r.kind == "aws_s3_bucket" {
            let (prefix, base) = module_and_base(&r.address);
            let prefix = format!("{}|{prefix}", root_unit(r));
            let facts = json!({"role": "bucket", "prefix": prefix, "base": base, "name": r.value.get("bucket").and_then(Value::as_str)});
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
            let mut unknown = Vec::new();
            let mut all = Value::Null;
            for field in ["Resource", "NotResource"] {
                let mut field_path = base.clone();
                field_path.push(PathSegment::Key(field.into()));
                match st.get(field) {
                    Some(Value::String(v)) => resources.push((field_path.clone(), v.clone())),
                    Some(Value::Array(items)) => {
                        for (j, v) in items.iter().enumerate() {
                            let mut p = field_path.clone();
                            p.push(PathSegment::Index(j));
                            match v {
                                Value::String(v) => resources.push((p, v.clone())),
                                v if crate::model::is_unknown(v) && field == "Resource" => {
                                    unknown.push(json!([path_json(&p), v.get(crate::model::UNKNOWN_KEY)]));
                                    anchors.push(AttributePath(p));
                                }
                                _ => {}
                            }
                        }
                    }
                    Some(v) if crate::model::is_unknown(v) && field == "Resource" => {
                        unknown.push(json!([path_json(&field_path), v.get(crate::model::UNKNOWN_KEY)]));
                        anchors.push(AttributePath(field_path.clone()));
                        continue;
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
                "unknown": unknown,
                "all": all,
                "leading_keys": keys.iter().any(|k| k == "dynamodb:leadingkeys"),
            }));
        }
        if grants.is_empty() {
            return None;
        }
        Some(Observation::new(r, json!({"role": "policy", "unit": root_unit(r), "grants": grants}), &anchors))
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
        // Buckets whose ownership is configured are state buckets even without a backend here.
        for o in &self.owners {
            buckets.entry(o.bucket.clone()).or_default();
        }
        if buckets.is_empty() {
            return;
        }
        // The team of each root module, from its backend's key: (unit, bucket) → team.
        let unit_team = self.unit_teams(obs);
        // Team prefix depth per bucket, computed once (it compares every pair of keys).
        let depths: BTreeMap<&str, Option<usize>> = buckets
            .iter()
            .map(|(b, keys)| {
                let mut list: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).filter(|k| !k.is_empty()).collect();
                list.sort_unstable();
                list.dedup();
                (b.as_str(), team_depth(&list))
            })
            .collect();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "policy") {
            let Some(grants) = o.facts["grants"].as_array() else { continue };
            for g in grants {
                let state: Vec<&str> = g["state"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let lock: Vec<&str> = g["lock"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if !state.is_empty() {
                    let unit = o.facts["unit"].as_str().unwrap_or_default();
                    let team = |bucket: &str| unit_team.get(&(unit.to_string(), bucket.to_string())).cloned();
                    self.check_state(i, g, &state, &buckets, &depths, &team, obs, hits);
                }
                if !lock.is_empty() && g["leading_keys"] != Value::Bool(true) {
                    self.check_lock(i, g, &lock, &tables, obs, hits);
                }
            }
        }
    }

    fn unverifiable(&self, obs: &[Observation], out: &mut Vec<ScanHit>) {
        let buckets: BTreeSet<&str> =
            obs.iter().filter(|o| o.facts["role"] == "backend").filter_map(|o| o.facts["bucket"].as_str()).collect();
        if buckets.is_empty() {
            return;
        }
        self.unjudged_wildcards(obs, out);
        let named = bucket_list(buckets.iter().copied());
        // Buckets created in the scan whose name is known, by (module prefix, address).
        let created: BTreeMap<(&str, &str), &str> = obs
            .iter()
            .filter(|o| o.facts["role"] == "bucket")
            .filter_map(|o| Some(((o.facts["prefix"].as_str()?, o.facts["base"].as_str()?), o.facts["name"].as_str()?)))
            .collect();
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "policy") {
            for g in o.facts["grants"].as_array().into_iter().flatten() {
                let state: Vec<&str> = g["state"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if state.is_empty() || !g["all"].is_null() {
                    continue;
                }
                for u in g["unknown"].as_array().into_iter().flatten() {
                    let (Some(path), reason) = (u.get(0), u.get(1).and_then(Value::as_str).unwrap_or("a value that cannot be known"))
                    else {
                        continue;
                    };
                    // `aws_s3_bucket.x.arn` of a bucket the scan names, which is not a state
                    // bucket: decided (the grant is not on state).
                    let (prefix, _) = module_and_base(&o.address);
                    let prefix = format!("{}|{prefix}", o.facts["unit"].as_str().unwrap_or_default());
                    let referenced = crate::checks::terraform::referenced_resource(&crate::model::unknown(reason));
                    if let Some(name) = referenced.as_deref().and_then(|r| created.get(&(prefix.as_str(), r)))
                        && !buckets.contains(name)
                    {
                        continue;
                    }
                    out.push(ScanHit {
                        observation: i,
                        path: AttributePath::from_json(path).unwrap_or_else(AttributePath::root),
                        message: format!(
                            "cannot tell whether this grant of {} stays within one team's Terraform state ({named}): the resource is {reason}",
                            state.join(", "),
                        ),
                        severity: None,
                        related: Vec::new(),
                    });
                }
            }
        }
    }
}

/// Where backends of these observations are, as related locations.
fn backend_locations(indexes: impl IntoIterator<Item = usize>, obs: &[Observation], what: &str) -> Vec<RelatedLocation> {
    // A few are enough to show where the state lives; hundreds would drown the report.
    indexes
        .into_iter()
        .take(MAX_RELATED)
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

/// The bucket and key pattern of an S3 object ARN (`arn:aws:s3:::bucket/key*`).
fn s3_object(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("s3"), Some(rest)) = (parts.next(), parts.next(), parts.next(), parts.nth(2)) else {
        return None;
    };
    rest.split_once('/')
}

impl StateAccessNotScoped {
    /// The team owning each root module's state: (unit, bucket) → team, from the configured
    /// owners and the module's `backend "s3"` key.
    fn unit_teams(&self, obs: &[Observation]) -> BTreeMap<(String, String), String> {
        let mut out = BTreeMap::new();
        if self.owners.is_empty() {
            return out;
        }
        for o in obs.iter().filter(|o| o.facts["role"] == "backend") {
            let (Some(unit), Some(bucket), Some(key)) = (o.facts["unit"].as_str(), o.facts["bucket"].as_str(), o.facts["key"].as_str())
            else {
                continue;
            };
            if let Some(owner) = self.owner_of(bucket, key) {
                out.insert((unit.to_string(), bucket.to_string()), owner.team.clone());
            }
        }
        out
    }

    /// The configured owner of `key` in `bucket`.
    fn owner_of(&self, bucket: &str, key: &str) -> Option<&crate::config::StateOwner> {
        self.owners.iter().find(|o| o.bucket == bucket && o.prefixes.iter().any(|p| key.starts_with(p.as_str())))
    }

    /// With ownership configured for `bucket`: why a grant on `key_pattern` in a policy of team
    /// `policy_team` (when known) is not scoped to one team's state, or `None` when it is.
    fn ownership_problem(&self, actions: &str, arn: &str, bucket: &str, key_pattern: &str, policy_team: Option<&str>) -> Option<String> {
        let literal = key_pattern.split(['*', '?']).next().unwrap_or_default();
        let wildcard = literal.len() != key_pattern.len();
        let owner = self.owner_of(bucket, literal);
        let owner = match owner {
            Some(o) => o,
            None if wildcard && literal.is_empty() => {
                return Some(format!(
                    "grants {actions} on \"{arn}\", every object of Terraform state bucket \"{bucket}\": any team's state can be read or overwritten"
                ));
            }
            None if wildcard => {
                let mut reached: Vec<&str> = self
                    .owners
                    .iter()
                    .filter(|o| o.bucket == bucket && o.prefixes.iter().any(|p| resource_matches(key_pattern, p) || p.starts_with(literal)))
                    .map(|o| o.team.as_str())
                    .collect();
                reached.dedup();
                return Some(if reached.is_empty() {
                    format!(
                        "grants {actions} on \"{arn}\", keys of Terraform state bucket \"{bucket}\" outside every team's prefix in [[terraform.state.owners]]"
                    )
                } else {
                    format!(
                        "grants {actions} on \"{arn}\", a wildcard broader than one team's state prefix in bucket \"{bucket}\" (it reaches the states of {})",
                        reached.iter().map(|t| format!("team \"{t}\"")).collect::<Vec<_>>().join(", ")
                    )
                });
            }
            None => {
                return Some(format!(
                    "grants {actions} on \"{arn}\", a key of Terraform state bucket \"{bucket}\" outside every team's prefix in [[terraform.state.owners]]"
                ));
            }
        };
        match policy_team {
            Some(team) if team != owner.team => Some(format!(
                "grants {actions} on \"{arn}\", state of team \"{}\", from the root module of team \"{team}\" (by its backend key)",
                owner.team
            )),
            _ => None,
        }
    }

    /// Unverifiable: wildcard grants in a state bucket without configured ownership whose team
    /// prefix the scan cannot tell (it holds a single state key of the bucket).
    fn unjudged_wildcards(&self, obs: &[Observation], out: &mut Vec<ScanHit>) {
        let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for o in obs.iter().filter(|o| o.facts["role"] == "backend") {
            if let Some(b) = o.facts["bucket"].as_str()
                && !self.owners.iter().any(|x| x.bucket == b)
            {
                keys.entry(b).or_default().extend(o.facts["key"].as_str().filter(|k| !k.is_empty()));
            }
        }
        let undecided: Vec<&str> = keys.iter().filter(|(_, k)| k.len() < 2).map(|(b, _)| *b).collect();
        if undecided.is_empty() {
            return;
        }
        for (i, o) in obs.iter().enumerate().filter(|(_, o)| o.facts["role"] == "policy") {
            for g in o.facts["grants"].as_array().into_iter().flatten() {
                let state: Vec<&str> = g["state"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if state.is_empty() || !g["all"].is_null() {
                    continue;
                }
                for entry in g["resources"].as_array().into_iter().flatten() {
                    let (Some(path), Some(arn)) = (entry.get(0), entry.get(1).and_then(Value::as_str)) else { continue };
                    let Some((bucket_pattern, key_pattern)) = s3_object(arn) else { continue };
                    let literal = key_pattern.split(['*', '?']).next().unwrap_or_default();
                    // Exact keys are never judged without ownership; bucket-wide grants always are.
                    if literal.len() == key_pattern.len() || !literal.contains('/') {
                        continue;
                    }
                    let Some(bucket) = undecided.iter().find(|b| resource_matches(bucket_pattern, b)) else { continue };
                    out.push(ScanHit {
                        observation: i,
                        path: AttributePath::from_json(path).unwrap_or_else(AttributePath::root),
                        message: format!(
                            "cannot tell whether \"{arn}\" ({}) stays within one team's Terraform state: the scan declares one state key of bucket \"{bucket}\", so team prefixes are unknown; declare them in [[terraform.state.owners]] of stridegate.toml",
                            state.join(", ")
                        ),
                        severity: None,
                        related: Vec::new(),
                    });
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_state(
        &self,
        i: usize,
        g: &Value,
        state: &[&str],
        buckets: &BTreeMap<String, Vec<(String, usize)>>,
        depths: &BTreeMap<&str, Option<usize>>,
        policy_team: &dyn Fn(&str) -> Option<String>,
        obs: &[Observation],
        hits: &mut Vec<ScanHit>,
    ) {
        let actions = state.join(", ");
        let path_of = |v: &Value| AttributePath::from_json(v).unwrap_or_else(AttributePath::root);
        if !g["all"].is_null() {
            let related = backend_locations(buckets.values().flatten().map(|(_, b)| *b), obs, "state backend");
            hits.push(ScanHit {
                observation: i,
                path: path_of(&g["all"]),
                message: format!(
                    "grants {actions} on every resource, which includes every Terraform state ({})",
                    bucket_list(buckets.keys().map(String::as_str))
                ),
                severity: None,
                related,
            });
            return;
        }
        let Some(resources) = g["resources"].as_array() else { return };
        for entry in resources {
            let (Some(path), Some(arn)) = (entry.get(0), entry.get(1).and_then(Value::as_str)) else { continue };
            let Some((bucket_pattern, key_pattern)) = s3_object(arn) else { continue };
            for (bucket, keys) in buckets.iter().filter(|(b, _)| resource_matches(bucket_pattern, b)) {
                if self.owners.iter().any(|o| o.bucket == *bucket) {
                    if let Some(message) = self.ownership_problem(&actions, arn, bucket, key_pattern, policy_team(bucket).as_deref()) {
                        let matched = keys.iter().filter(|(k, _)| resource_matches(key_pattern, k)).map(|(_, b)| *b);
                        hits.push(ScanHit {
                            observation: i,
                            path: path_of(path),
                            message,
                            severity: None,
                            related: backend_locations(matched, obs, "state backend"),
                        });
                        break;
                    }
                    continue;
                }
                let literal = key_pattern.split(['*', '?']).next().unwrap_or_default();
                if literal.len() == key_pattern.len() {
                    continue; // one exact object: ownership is a matter for the configuration
                }
                let complete = literal.matches('/').count();
                let depth = depths.get(bucket.as_str()).copied().flatten();
                let matched: Vec<&(String, usize)> = keys.iter().filter(|(k, _)| resource_matches(key_pattern, k)).collect();
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
            let Some((table, backend)) = tables.iter().find(|(t, _)| resource_matches(table_pattern, t)) else { continue };
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
    fn module_prefixes_keep_instance_keys() {
        assert_eq!(
            module_and_base("module.a[\"x.y\"].module.b.aws_iam_role.ci[0]"),
            ("module.a[\"x.y\"].module.b.".to_string(), "aws_iam_role.ci".to_string())
        );
        assert_eq!(module_and_base("aws_iam_role.ci"), (String::new(), "aws_iam_role.ci".to_string()));
    }

    #[test]
    fn team_depth_is_where_keys_diverge() {
        assert_eq!(team_depth(&["services/crm/prod/a/tf.tfstate", "services/fraud-detection/dev/a/tf.tfstate"]), Some(2));
        assert_eq!(team_depth(&["crm/tf.tfstate", "fraud/tf.tfstate"]), Some(1));
        assert_eq!(team_depth(&["services/crm/prod/tf.tfstate"]), None);
    }
}
