//! Native IAM rules that join policies with the rest of the scan.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::terraform::{module_and_base, root_unit};
use super::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::iam::catalogue::ActionPattern;
use crate::iam::policy::{CONTEXT_KEY, statements, strings};
use crate::iam::wildcard::resource_matches;
use crate::model::{AttributePath, PathSegment, Resource};
use crate::rules::meta::Severity;

/// Ids of the native IAM rules.
pub const IDS: &[&str] = &["IAM-0020", "IAM-0021"];

/// The implementation of `id`, if it is one of ours.
pub fn native(id: &str, settings: &crate::config::RuleSettings) -> Option<NativeCheck> {
    match id {
        "IAM-0020" => Some(NativeCheck::Scan(Box::new(StateAccessNotScoped { owners: settings.state_owners.clone() }))),
        "IAM-0021" => Some(NativeCheck::Scan(Box::new(EscalationAcrossPolicies))),
        _ => None,
    }
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

/// The granted subset of `actions` for a statement (through Action, or NotAction that does not
/// exclude them).
fn granted(statement: &serde_json::Map<String, Value>, actions: &[(&str, &str)]) -> Vec<String> {
    // Compile each pattern once per statement, not once per action tested.
    let allowed: Vec<ActionPattern> = strings(statement.get("Action")).into_iter().map(ActionPattern::new).collect();
    let not_allowed: Vec<ActionPattern> = strings(statement.get("NotAction")).into_iter().map(ActionPattern::new).collect();
    let has_not_action = statement.get("NotAction").is_some_and(|v| v.is_string() || v.is_array());
    let matches = |patterns: &[ActionPattern], (service, name): (&str, &str)| patterns.iter().any(|p| p.matches_name(service, name));
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
                    let referenced = super::terraform::referenced_resource(&crate::model::unknown(reason));
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

/// IAM-0021: a principal whose attached policies together, but none alone, grant a
/// privilege-escalation method (the methods are IAM-0004's table).
struct EscalationAcrossPolicies;

/// One escalation method: its actions (lowercased) and what it achieves.
#[derive(Debug, Clone)]
pub struct EscalationMethod {
    /// Every action the method needs, lowercased.
    pub actions: Vec<String>,
    /// The same, as the source writes them (`iam:PassRole`).
    pub names: Vec<String>,
    /// What the holder can do with it.
    pub how: String,
}

/// IAM-0004's escalation methods, read once from its policy (so the two rules share one list).
pub fn escalation_methods() -> &'static [EscalationMethod] {
    static METHODS: std::sync::OnceLock<Vec<EscalationMethod>> = std::sync::OnceLock::new();
    METHODS.get_or_init(|| {
        let (Some(lib), Some(policy)) = (
            crate::rules::embedded_file(|p| p == "lib/iam.rego"),
            crate::rules::embedded_file(|p| p.starts_with("iam/IAM-0004-") && p.ends_with("/policy.rego")),
        ) else {
            return Vec::new();
        };
        let mut engine = regorus::Engine::new();
        if crate::engine::add_extensions(&mut engine).is_err()
            || engine.add_policy("lib/iam.rego".into(), lib.into()).is_err()
            || engine.add_policy("IAM-0004".into(), policy.into()).is_err()
        {
            return Vec::new();
        }
        let Ok(results) = engine.eval_query("data.stridegate.rules.iam_0004.methods".into(), false) else { return Vec::new() };
        let Some(value) = results.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.clone()) else {
            return Vec::new();
        };
        let json: Value = serde_json::from_str(&value.to_json_str().unwrap_or_default()).unwrap_or_default();
        json.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|m| EscalationMethod {
                        actions: strings(m.get("actions")).into_iter().map(str::to_ascii_lowercase).collect(),
                        names: strings(m.get("actions")).into_iter().map(str::to_string).collect(),
                        how: m.get("how").and_then(Value::as_str).unwrap_or_default().to_string(),
                    })
                    .filter(|m| !m.actions.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Every action of every escalation method, as (service, name), built once per process.
fn wanted_actions() -> &'static [(&'static str, &'static str)] {
    static WANTED: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    WANTED.get_or_init(|| {
        let all: BTreeSet<&'static str> = escalation_methods().iter().flat_map(|m| m.actions.iter().map(String::as_str)).collect();
        all.into_iter().filter_map(|a| a.split_once(':')).collect()
    })
}

/// A Deny statement that always applies to everyone on every resource: no Condition, no
/// principal other than `*`, `Resource: "*"`.
fn unconditional_deny_everywhere(st: &serde_json::Map<String, Value>) -> bool {
    let everyone = match st.get("Principal") {
        None => true,
        Some(Value::String(s)) => s == "*",
        Some(p) => strings(p.get("AWS")).contains(&"*"),
    };
    st.get("Effect").and_then(Value::as_str) == Some("Deny")
        && st.get("Condition").is_none_or(Value::is_null)
        && !st.contains_key("NotPrincipal")
        && everyone
        && strings(st.get("Resource")).contains(&"*")
}

/// What a policy document (text) does to the escalation methods' actions, lowercased:
/// `grants`, the actions its Allow statements grant on all resources and its own Deny
/// statements leave; `denies`, the actions an unconditional Deny on every resource removes
/// (for the principal's other policies too).
fn escalation_grants(policy: &Value) -> Value {
    let wanted = wanted_actions();
    let mut grants = BTreeSet::new();
    let mut denies = BTreeSet::new();
    for st in statements(policy) {
        match st.get("Effect").and_then(Value::as_str) {
            Some("Allow") => {
                for action in granted(st, wanted) {
                    let action = action.to_ascii_lowercase();
                    if broad_for(st, &action) {
                        grants.insert(action);
                    }
                }
            }
            Some("Deny") if unconditional_deny_everywhere(st) => {
                denies.extend(granted(st, wanted).into_iter().map(|a| a.to_ascii_lowercase()));
            }
            _ => {}
        }
    }
    let grants: Vec<&String> = grants.difference(&denies).collect();
    json!({"grants": grants, "denies": denies})
}

/// Whether the statement's resources cover every resource `action` may act on.
fn broad_for(st: &serde_json::Map<String, Value>, action: &str) -> bool {
    if st.contains_key("NotResource") {
        return true;
    }
    strings(st.get("Resource")).into_iter().any(|r| {
        if r == "*" {
            return true;
        }
        let parts: Vec<&str> = r.splitn(6, ':').collect();
        let (Some(&"arn"), Some(service), Some(resource)) = (parts.first(), parts.get(2), parts.get(5)) else { return false };
        let action_service = action.split(':').next().unwrap_or_default();
        if *service != "*" && !service.eq_ignore_ascii_case(action_service) {
            return false;
        }
        if action == "iam:passrole" {
            return matches!(resource.to_ascii_lowercase().as_str(), "*" | "role/*" | "role*");
        }
        *resource == "*"
            || resource.strip_suffix("/*").or_else(|| resource.strip_suffix(":*")).is_some_and(|t| !t.contains(['/', ':', '*']))
    })
}

/// A policy document written in a Terraform attribute, parsed.
fn parsed_policy(v: Option<&Value>) -> Option<Value> {
    let text = v?.as_str()?;
    let parsed = crate::parse::json::parse(text, &crate::parse::Limits::default());
    parsed.documents.into_iter().next().map(|d| d.value)
}

/// The escalation facts of a policy attribute (none granted when it cannot be read).
fn policy_facts(v: Option<&Value>) -> Value {
    parsed_policy(v).map_or_else(|| json!({"grants": [], "denies": []}), |p| escalation_grants(&p))
}

/// What a principal attribute (`role`, `user`, `group`) points at: a literal name or a
/// referenced resource.
fn principal_target(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(name)) => json!({"name": name}),
        Some(other) => super::terraform::referenced_resource(other).map_or(Value::Null, |r| json!({"resource": r})),
        None => Value::Null,
    }
}

/// The targets of a list attribute (`users`, `groups`, `roles`), one per element.
fn principal_targets(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.iter().map(|i| principal_target(Some(i))).filter(|t| !t.is_null()).collect(),
        _ => Vec::new(),
    }
}

/// The keys (`resource:<base>`, `name:<name>`) a target can be found under.
fn target_keys(target: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(r) = target.get("resource").and_then(Value::as_str) {
        keys.push(format!("resource:{r}"));
    }
    if let Some(n) = target.get("name").and_then(Value::as_str) {
        keys.push(format!("name:{n}"));
    }
    keys
}

/// A principal's permissions boundary: `null` (none), `{"resource": base}` (an
/// `aws_iam_policy` of the scan), `{"all": true}` (AWS's AdministratorAccess, which bounds
/// nothing) or `{"unknown": text}`.
fn boundary_of(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(arn)) if arn.ends_with(":iam::aws:policy/AdministratorAccess") => json!({"all": true}),
        Some(Value::String(arn)) => json!({"unknown": arn}),
        Some(other) => match super::terraform::referenced_resource(other) {
            Some(r) if r.starts_with("aws_iam_policy.") => json!({"resource": r}),
            _ => json!({"unknown": "a value that cannot be known"}),
        },
    }
}

const PRINCIPAL_KINDS: &[(&str, &str, &str, &str)] = &[
    // (principal type, inline policy type, attachment type, attribute naming the principal)
    ("aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "role"),
    ("aws_iam_user", "aws_iam_user_policy", "aws_iam_user_policy_attachment", "user"),
    ("aws_iam_group", "aws_iam_group_policy", "aws_iam_group_policy_attachment", "group"),
];

/// One policy a principal holds: label, location, escalation facts.
type Held = (String, crate::model::Location, Value);

fn facts_set(v: &Value, key: &str) -> BTreeSet<String> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

fn fact_str<'a>(o: &'a Observation, key: &str) -> &'a str {
    o.facts.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The scan's principals, policies, attachments and memberships, indexed for joining.
struct PrincipalIndex<'a> {
    obs: &'a [Observation],
    /// Managed policies by (module prefix, base address).
    policies: BTreeMap<(String, String), usize>,
    /// Inline policies and attachments by (module prefix, principal type, target key).
    by_target: BTreeMap<(String, String, String), Vec<usize>>,
    /// Group principals by (module prefix, target key).
    groups: BTreeMap<(String, String), usize>,
    /// Groups of a user: (module prefix, user target key) → group targets.
    memberships: BTreeMap<(String, String), Vec<Value>>,
}

impl<'a> PrincipalIndex<'a> {
    fn new(obs: &'a [Observation]) -> Self {
        let mut index = PrincipalIndex {
            obs,
            policies: BTreeMap::new(),
            by_target: BTreeMap::new(),
            groups: BTreeMap::new(),
            memberships: BTreeMap::new(),
        };
        for (i, o) in obs.iter().enumerate() {
            let prefix = fact_str(o, "prefix").to_string();
            match fact_str(o, "role") {
                "policy" => {
                    index.policies.insert((prefix, fact_str(o, "base").to_string()), i);
                }
                "inline" | "attachment" => {
                    for t in o.facts.get("targets").and_then(Value::as_array).into_iter().flatten() {
                        let ptype = t.get("type").and_then(Value::as_str).unwrap_or_default();
                        for key in target_keys(&t["target"]) {
                            index.by_target.entry((prefix.clone(), ptype.to_string(), key)).or_default().push(i);
                        }
                    }
                }
                "principal" if fact_str(o, "type") == "group" => {
                    for key in target_keys(&json!({"resource": o.facts.get("base"), "name": o.facts.get("name")})) {
                        index.groups.insert((prefix.clone(), key), i);
                    }
                }
                "membership" => {
                    for pair in o.facts.get("pairs").and_then(Value::as_array).into_iter().flatten() {
                        for key in target_keys(&pair["user"]) {
                            index.memberships.entry((prefix.clone(), key)).or_default().push(pair["group"].clone());
                        }
                    }
                }
                _ => {}
            }
        }
        index
    }

    /// Every policy principal `p` holds directly (inline blocks and resources, attachments,
    /// managed_policy_arns), labelled with `via` when held through a group.
    fn held_directly(&self, p: &Observation, via: &str) -> Vec<Held> {
        let prefix = fact_str(p, "prefix");
        let ptype = fact_str(p, "type");
        let mut mine: Vec<usize> = Vec::new();
        for key in target_keys(&json!({"resource": p.facts.get("base"), "name": p.facts.get("name")})) {
            mine.extend(self.by_target.get(&(prefix.to_string(), ptype.to_string(), key)).into_iter().flatten());
        }
        mine.sort_unstable();
        mine.dedup();
        let mut held: Vec<Held> = Vec::new();
        for (k, g) in p.facts["inline"].as_array().into_iter().flatten().enumerate() {
            held.push((format!("{}.inline_policy[{k}]{via}", p.address), p.root.clone(), g.clone()));
        }
        let mut attached: Vec<String> =
            p.facts["managed"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
        for o in mine.iter().filter_map(|i| self.obs.get(*i)) {
            match fact_str(o, "role") {
                "inline" => held.push((format!("{}{via}", o.address), o.root.clone(), o.facts["facts"].clone())),
                "attachment" => attached.extend(o.facts["policy"].as_str().map(str::to_string)),
                _ => {}
            }
        }
        attached.sort();
        attached.dedup();
        for base in attached {
            if let Some(o) = self.policies.get(&(prefix.to_string(), base)).and_then(|i| self.obs.get(*i)) {
                held.push((format!("{}{via}", o.address), o.root.clone(), o.facts["facts"].clone()));
            }
        }
        held
    }

    /// Every policy principal `p` holds, with a user's groups' policies.
    fn held(&self, p: &Observation) -> Vec<Held> {
        let mut held = self.held_directly(p, "");
        if fact_str(p, "type") != "user" {
            return held;
        }
        let prefix = fact_str(p, "prefix");
        let mut groups: Vec<usize> = Vec::new();
        for key in target_keys(&json!({"resource": p.facts.get("base"), "name": p.facts.get("name")})) {
            for g in self.memberships.get(&(prefix.to_string(), key)).into_iter().flatten() {
                for gk in target_keys(g) {
                    groups.extend(self.groups.get(&(prefix.to_string(), gk)));
                }
            }
        }
        groups.sort_unstable();
        groups.dedup();
        for g in groups.iter().filter_map(|i| self.obs.get(*i)) {
            held.extend(self.held_directly(g, &format!(" (through group {})", g.address)));
        }
        held
    }

    /// The grants of the boundary a principal declares: `None` when it has none (or one that
    /// bounds nothing), `Some(Err(why))` when it cannot be known.
    fn boundary(&self, p: &Observation) -> Option<Result<BTreeSet<String>, String>> {
        let b = p.facts.get("boundary")?;
        if let Some(r) = b.get("resource").and_then(Value::as_str) {
            return Some(
                self.policies
                    .get(&(fact_str(p, "prefix").to_string(), r.to_string()))
                    .and_then(|i| self.obs.get(*i))
                    .map(|o| facts_set(&o.facts["facts"], "grants"))
                    .ok_or_else(|| format!("{r} is not in the scan")),
            );
        }
        if let Some(u) = b.get("unknown").and_then(Value::as_str) {
            return Some(Err(u.to_string()));
        }
        None
    }
}

/// IAM-0021's verdicts: findings, and principals whose boundary cannot be known
/// (`unverifiable == true`).
fn escalations(obs: &[Observation]) -> Vec<(ScanHit, bool)> {
    let index = PrincipalIndex::new(obs);
    let mut out = Vec::new();
    for (pi, p) in obs.iter().enumerate().filter(|(_, o)| fact_str(o, "role") == "principal") {
        let held = index.held(p);
        if held.len() < 2 {
            continue;
        }
        let denied: BTreeSet<String> = held.iter().flat_map(|h| facts_set(&h.2, "denies")).collect();
        let grants: Vec<BTreeSet<String>> = held.iter().map(|h| facts_set(&h.2, "grants").difference(&denied).cloned().collect()).collect();
        let union: BTreeSet<&String> = grants.iter().flatten().collect();
        let boundary = index.boundary(p);
        let mut related: Vec<RelatedLocation> = Vec::new();
        let mut found = Vec::new();
        for m in escalation_methods() {
            let together = m.actions.iter().all(|a| union.contains(a));
            let alone = grants.iter().any(|g| m.actions.iter().all(|a| g.contains(a)));
            if !together || alone {
                continue;
            }
            // An escalation outside the principal's permissions boundary is no escalation.
            if let Some(Ok(allowed)) = &boundary
                && !m.actions.iter().all(|a| allowed.contains(a))
            {
                continue;
            }
            let mut parts = Vec::new();
            for (a, name) in m.actions.iter().zip(&m.names) {
                if let Some((h, _)) = held.iter().zip(&grants).find(|(_, g)| g.contains(a)) {
                    parts.push(format!("{name} from {}", h.0));
                    let message = format!("{} grants {name}", h.0);
                    if !related.iter().any(|r| r.message == message) {
                        related.push(RelatedLocation { location: h.1.clone(), message });
                    }
                }
            }
            found.push(format!("{} ({})", parts.join(" + "), m.how));
        }
        if found.is_empty() {
            continue;
        }
        let (message, unverifiable) = match &boundary {
            Some(Err(why)) => (
                format!(
                    "{} may escalate privileges by combining its policies, unless its permissions boundary ({why}) forbids it: {}",
                    p.address,
                    found.join("; ")
                ),
                true,
            ),
            _ => (format!("{} can escalate privileges by combining its policies: {}", p.address, found.join("; ")), false),
        };
        out.push((ScanHit { observation: pi, path: AttributePath::root(), message, severity: None, related }, unverifiable));
    }
    out
}

impl ScanCheck for EscalationAcrossPolicies {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = module_and_base(&r.address);
        // Principals and policies of different root modules never join.
        let prefix = format!("{}|{prefix}", root_unit(r));
        let facts = if let Some((_, _, _, attr)) = PRINCIPAL_KINDS.iter().find(|k| k.0 == r.kind) {
            let mut inline = Vec::new();
            if let Some(Value::Array(items)) = r.value.get("inline_policy") {
                inline.extend(items.iter().map(|p| policy_facts(p.get("policy"))));
            }
            let managed: Vec<String> = match r.value.get("managed_policy_arns") {
                Some(Value::Array(items)) => items.iter().filter_map(super::terraform::referenced_resource).collect(),
                _ => Vec::new(),
            };
            let boundary = boundary_of(r.value.get("permissions_boundary"));
            json!({"role": "principal", "type": attr, "prefix": prefix, "base": base, "name": r.value.get("name"), "inline": inline,
                   "managed": managed, "boundary": boundary})
        } else if let Some((_, _, _, attr)) = PRINCIPAL_KINDS.iter().find(|k| k.1 == r.kind) {
            let targets = [json!({"type": attr, "target": principal_target(r.value.get(*attr))})];
            json!({"role": "inline", "prefix": prefix, "targets": targets, "facts": policy_facts(r.value.get("policy"))})
        } else if let Some((_, _, _, attr)) = PRINCIPAL_KINDS.iter().find(|k| k.2 == r.kind) {
            let policy = r.value.get("policy_arn").and_then(super::terraform::referenced_resource);
            let targets = [json!({"type": attr, "target": principal_target(r.value.get(*attr))})];
            json!({"role": "attachment", "prefix": prefix, "targets": targets, "policy": policy})
        } else if r.kind == "aws_iam_policy_attachment" {
            // One managed policy attached to lists of users, roles and groups.
            let policy = r.value.get("policy_arn").and_then(super::terraform::referenced_resource);
            let targets: Vec<Value> = [("users", "user"), ("roles", "role"), ("groups", "group")]
                .iter()
                .flat_map(|(list, t)| {
                    principal_targets(r.value.get(*list)).into_iter().map(move |target| json!({"type": t, "target": target}))
                })
                .collect();
            json!({"role": "attachment", "prefix": prefix, "targets": targets, "policy": policy})
        } else if r.kind == "aws_iam_user_group_membership" {
            let user = principal_target(r.value.get("user"));
            let pairs: Vec<Value> =
                principal_targets(r.value.get("groups")).into_iter().map(|g| json!({"user": user, "group": g})).collect();
            json!({"role": "membership", "prefix": prefix, "pairs": pairs})
        } else if r.kind == "aws_iam_group_membership" {
            let group = principal_target(r.value.get("group"));
            let pairs: Vec<Value> =
                principal_targets(r.value.get("users")).into_iter().map(|u| json!({"user": u, "group": group})).collect();
            json!({"role": "membership", "prefix": prefix, "pairs": pairs})
        } else if r.kind == "aws_iam_policy" {
            json!({"role": "policy", "prefix": prefix, "base": base, "facts": policy_facts(r.value.get("policy"))})
        } else {
            return None;
        };
        Some(Observation::new(r, facts, &[]))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        hits.extend(escalations(obs).into_iter().filter(|(_, unverifiable)| !unverifiable).map(|(h, _)| h));
    }

    fn unverifiable(&self, obs: &[Observation], out: &mut Vec<ScanHit>) {
        out.extend(escalations(obs).into_iter().filter(|(_, unverifiable)| *unverifiable).map(|(h, _)| h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_methods_come_from_iam_0004() {
        let methods = escalation_methods();
        assert!(methods.len() >= 20, "{methods:?}");
        assert!(methods.iter().any(|m| m.actions == ["iam:passrole", "ec2:runinstances"]), "{methods:?}");
    }

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
