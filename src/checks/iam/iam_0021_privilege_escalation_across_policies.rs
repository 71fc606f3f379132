//! IAM-0021 `privilege-escalation-across-policies`: what it does, why and how to fix it are in
//! `rules/iam/IAM-0021-privilege-escalation-across-policies/metadata.yaml`
//! (`stridegate explain IAM-0021`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::granted;
use crate::checks::terraform::{module_and_base, root_unit};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::finding::RelatedLocation;
use crate::iam::conditions::{self, DenyEffect, Reach};
use crate::iam::policy::{statements, strings};
use crate::model::{AttributePath, Resource};
use crate::rules::meta::Severity;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(EscalationAcrossPolicies))
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
    /// The services a role passed with `iam:PassRole` goes to in this method
    /// (`ec2.amazonaws.com`), from IAM-0004's `passed_to_by_action`; empty when none.
    pub pass_to: Vec<String>,
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
        let mut query = |q: &str| -> Value {
            let Ok(results) = engine.eval_query(q.into(), false) else { return Value::Null };
            let Some(value) = results.result.first().and_then(|r| r.expressions.first()).map(|e| e.value.clone()) else {
                return Value::Null;
            };
            serde_json::from_str(&value.to_json_str().unwrap_or_default()).unwrap_or_default()
        };
        let passed_to = query("data.stridegate.rules.iam_0004.passed_to_by_action");
        let json = query("data.stridegate.rules.iam_0004.methods");
        json.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|m| {
                        let actions: Vec<String> = strings(m.get("actions")).into_iter().map(str::to_ascii_lowercase).collect();
                        let mut pass_to: Vec<String> =
                            actions.iter().filter_map(|a| passed_to.get(a).and_then(Value::as_str)).map(str::to_string).collect();
                        pass_to.sort();
                        pass_to.dedup();
                        EscalationMethod {
                            actions,
                            names: strings(m.get("actions")).into_iter().map(str::to_string).collect(),
                            how: m.get("how").and_then(Value::as_str).unwrap_or_default().to_string(),
                            pass_to,
                        }
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

/// Every service a method passes a role to, and `""` (a method passing to no listed service).
fn pass_services() -> &'static [String] {
    static SERVICES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SERVICES.get_or_init(|| {
        let all: BTreeSet<String> = escalation_methods().iter().flat_map(|m| m.pass_to.iter().cloned()).chain([String::new()]).collect();
        all.into_iter().collect()
    })
}

/// The key under which a policy's facts record a grant of `action`: the action, or for
/// `iam:passrole` one key per service the role may be passed to (`iam:passrole>ec2.amazonaws.com`).
fn grant_key(action: &str, service: &str) -> String {
    if action == PASS_ROLE { format!("{PASS_ROLE}>{service}") } else { action.to_string() }
}

/// The action a grant key is about.
fn key_action(key: &str) -> &str {
    key.split_once('>').map_or(key, |(a, _)| a)
}

const PASS_ROLE: &str = "iam:passrole";

/// What a Deny statement that applies to everyone on every resource (no principal other than
/// `*`, `Resource: "*"`) does; `None` for other Deny statements.
fn deny_everywhere(st: &serde_json::Map<String, Value>) -> Option<DenyEffect> {
    let everyone = match st.get("Principal") {
        None => true,
        Some(Value::String(s)) => s == "*",
        Some(p) => strings(p.get("AWS")).contains(&"*"),
    };
    // A NotAction list holding values that cannot be known could exclude anything.
    let readable_not_action = match st.get("NotAction") {
        None | Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        Some(_) => false,
    };
    (st.get("Effect").and_then(Value::as_str) == Some("Deny")
        && !st.contains_key("NotPrincipal")
        && everyone
        && readable_not_action
        && strings(st.get("Resource")).contains(&"*"))
    .then(|| conditions::deny_effect(st))
}

/// What a policy document (text) does to the escalation methods' actions, lowercased:
/// `grants`, the grant keys ([`grant_key`]) its Allow statements grant on all resources and its
/// own unconditional Deny statements leave, each with how the holder reaches it ([`Reach`]);
/// `denies`, the actions an unconditional Deny on every resource removes, and `restricts`, those
/// a guard Deny restricts (for the principal's other policies too).
fn escalation_grants(policy: &Value) -> Value {
    let wanted = wanted_actions();
    let mut grants: BTreeMap<String, Reach> = BTreeMap::new();
    let mut denies = BTreeSet::new();
    let mut restricts = BTreeSet::new();
    for st in statements(policy) {
        match st.get("Effect").and_then(Value::as_str) {
            Some("Allow") => {
                let reach = conditions::holder_reach(st);
                for action in granted(st, wanted) {
                    let action = action.to_ascii_lowercase();
                    if !broad_for(st, &action) {
                        continue;
                    }
                    // iam:PassedToService keeps the services a role may be passed to.
                    let keys: Vec<String> = if action == PASS_ROLE {
                        pass_services().iter().filter(|svc| conditions::may_pass_to(st, svc)).map(|svc| grant_key(&action, svc)).collect()
                    } else {
                        vec![action.clone()]
                    };
                    for key in keys {
                        let best = grants.entry(key).or_insert(reach);
                        *best = (*best).min(reach);
                    }
                }
            }
            Some("Deny") => match deny_everywhere(st) {
                Some(DenyEffect::Cancels) => denies.extend(granted(st, wanted).into_iter().map(|a| a.to_ascii_lowercase())),
                Some(DenyEffect::Restricts) => restricts.extend(granted(st, wanted).into_iter().map(|a| a.to_ascii_lowercase())),
                _ => {}
            },
            _ => {}
        }
    }
    let grants: BTreeMap<String, &str> =
        grants.into_iter().filter(|(k, _)| !denies.contains(key_action(k))).map(|(k, r)| (k, r.as_str())).collect();
    json!({"grants": grants, "denies": denies, "restricts": restricts})
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

/// The escalation facts of a policy attribute (none granted when it cannot be read). A document
/// whose value cannot be known (`jsonencode` of a variable, a data source) grants nothing known
/// and is marked `"unknown"` with the reason, so that a principal holding it is not passed.
fn policy_facts(v: Option<&Value>) -> Value {
    if let Some(value) = v
        && !value.is_string()
        && !value.is_null()
    {
        let why = value.get(crate::model::UNKNOWN_KEY).and_then(Value::as_str).unwrap_or("a value that cannot be known");
        return json!({"grants": {}, "denies": [], "restricts": [], "unknown": why});
    }
    parsed_policy(v).map_or_else(|| json!({"grants": {}, "denies": [], "restricts": []}), |p| escalation_grants(&p))
}

/// What a principal attribute (`role`, `user`, `group`) points at: a literal name or a
/// referenced resource.
fn principal_target(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(name)) => json!({"name": name}),
        Some(other) => crate::checks::terraform::referenced_resource(other).map_or(Value::Null, |r| json!({"resource": r})),
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
        Some(other) => match crate::checks::terraform::referenced_resource(other) {
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
    fn boundary(&self, p: &Observation) -> Option<Result<BTreeMap<String, Reach>, String>> {
        let b = p.facts.get("boundary")?;
        if let Some(r) = b.get("resource").and_then(Value::as_str) {
            return Some(
                self.policies
                    .get(&(fact_str(p, "prefix").to_string(), r.to_string()))
                    .and_then(|i| self.obs.get(*i))
                    .map(|o| grant_map(&o.facts["facts"]))
                    .ok_or_else(|| format!("{r} is not in the scan")),
            );
        }
        if let Some(u) = b.get("unknown").and_then(Value::as_str) {
            return Some(Err(u.to_string()));
        }
        None
    }
}

/// The grant keys of a policy's facts and how the holder reaches each.
fn grant_map(facts: &Value) -> BTreeMap<String, Reach> {
    facts
        .get("grants")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, r)| Some((k.clone(), Reach::from_name(r.as_str()?)?))).collect())
        .unwrap_or_default()
}

/// The keys that grant `action` for method `m` ([`grant_key`]).
fn method_keys(m: &EscalationMethod, action: &str) -> Vec<String> {
    if action != PASS_ROLE {
        return vec![action.to_string()];
    }
    if m.pass_to.is_empty() { vec![grant_key(action, "")] } else { m.pass_to.iter().map(|svc| grant_key(action, svc)).collect() }
}

/// How the holder reaches `action` of method `m` through one policy's grants, if at all.
fn reach_in(grants: &BTreeMap<String, Reach>, m: &EscalationMethod, action: &str) -> Option<Reach> {
    method_keys(m, action).iter().filter_map(|k| grants.get(k)).min().copied()
}

/// IAM-0021's verdicts: findings, and principals whose boundary or conditions cannot be judged
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
        let restricted: BTreeSet<String> = held.iter().flat_map(|h| facts_set(&h.2, "restricts")).collect();
        let grants: Vec<BTreeMap<String, Reach>> =
            held.iter().map(|h| grant_map(&h.2).into_iter().filter(|(k, _)| !denied.contains(key_action(k))).collect()).collect();
        let boundary = index.boundary(p);
        // (description, reach, where its actions are granted) of each method the policies grant
        // only together.
        let mut found: Vec<(String, Reach, Vec<RelatedLocation>)> = Vec::new();
        for m in escalation_methods() {
            let alone = grants.iter().any(|g| m.actions.iter().all(|a| reach_in(g, m, a).is_some()));
            if alone {
                continue;
            }
            // For each action, the policy granting it with the best reach.
            let best: Vec<Option<(usize, Reach)>> = m
                .actions
                .iter()
                .map(|a| grants.iter().enumerate().filter_map(|(i, g)| reach_in(g, m, a).map(|r| (i, r))).min_by_key(|(_, r)| *r))
                .collect();
            if best.iter().any(Option::is_none) {
                continue;
            }
            // An escalation outside the principal's permissions boundary is no escalation.
            if let Some(Ok(allowed)) = &boundary
                && !m.actions.iter().all(|a| method_keys(m, a).iter().any(|k| allowed.contains_key(k)))
            {
                continue;
            }
            let mut parts = Vec::new();
            let mut related = Vec::new();
            let mut reach = Reach::Full;
            for ((a, name), b) in m.actions.iter().zip(&m.names).zip(&best) {
                let Some((i, r)) = b else { continue };
                // A guard Deny in any of the principal's policies restricts the grant.
                let r = if restricted.contains(a) { (*r).max(Reach::Restricted) } else { *r };
                reach = reach.max(r);
                let Some(h) = held.get(*i) else { continue };
                parts.push(format!("{name} from {}", h.0));
                related.push(RelatedLocation { location: h.1.clone(), message: format!("{} grants {name}", h.0) });
            }
            let description = match reach {
                Reach::Restricted => format!("{} ({}; only where its conditions let the holder in)", parts.join(" + "), m.how),
                _ => format!("{} ({})", parts.join(" + "), m.how),
            };
            found.push((description, reach, related));
        }
        let reported: Vec<&str> = found.iter().filter(|f| f.1 != Reach::Undecided).map(|f| f.0.as_str()).collect();
        let severity = if found.iter().any(|f| f.1 == Reach::Full) { None } else { Some(Severity::Medium) };
        // The grants of the methods the message names, each once.
        let mut related: Vec<RelatedLocation> = Vec::new();
        for r in found.iter().filter(|f| reported.is_empty() || f.1 != Reach::Undecided).flat_map(|f| &f.2) {
            if !related.iter().any(|x| x.message == r.message) {
                related.push(r.clone());
            }
        }
        // Policies whose documents cannot be known may complete a method with the others.
        let unknown: Vec<String> =
            held.iter().filter_map(|h| h.2.get("unknown").and_then(Value::as_str).map(|why| format!("{} ({why})", h.0))).collect();
        let (message, unverifiable) = match (&boundary, reported.is_empty()) {
            (_, true) if found.is_empty() && !unknown.is_empty() => (
                format!(
                    "{} holds policies whose documents cannot be known: {}; whether its policies together allow privilege escalation cannot be judged",
                    p.address,
                    unknown.join(", ")
                ),
                true,
            ),
            (_, true) if found.is_empty() => continue,
            (_, true) => {
                let undecided: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
                (
                    format!(
                        "{} may escalate privileges by combining its policies, depending on conditions that cannot be judged: {}",
                        p.address,
                        undecided.join("; ")
                    ),
                    true,
                )
            }
            (Some(Err(why)), false) => (
                format!(
                    "{} may escalate privileges by combining its policies, unless its permissions boundary ({why}) forbids it: {}",
                    p.address,
                    reported.join("; ")
                ),
                true,
            ),
            (_, false) => (format!("{} can escalate privileges by combining its policies: {}", p.address, reported.join("; ")), false),
        };
        let severity = if unverifiable { None } else { severity };
        out.push((ScanHit { observation: pi, path: AttributePath::root(), message, severity, related }, unverifiable));
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
                Some(Value::Array(items)) => items.iter().filter_map(crate::checks::terraform::referenced_resource).collect(),
                _ => Vec::new(),
            };
            let boundary = boundary_of(r.value.get("permissions_boundary"));
            json!({"role": "principal", "type": attr, "prefix": prefix, "base": base, "name": r.value.get("name"), "inline": inline,
                   "managed": managed, "boundary": boundary})
        } else if let Some((_, _, _, attr)) = PRINCIPAL_KINDS.iter().find(|k| k.1 == r.kind) {
            let targets = [json!({"type": attr, "target": principal_target(r.value.get(*attr))})];
            json!({"role": "inline", "prefix": prefix, "targets": targets, "facts": policy_facts(r.value.get("policy"))})
        } else if let Some((_, _, _, attr)) = PRINCIPAL_KINDS.iter().find(|k| k.2 == r.kind) {
            let policy = r.value.get("policy_arn").and_then(crate::checks::terraform::referenced_resource);
            let targets = [json!({"type": attr, "target": principal_target(r.value.get(*attr))})];
            json!({"role": "attachment", "prefix": prefix, "targets": targets, "policy": policy})
        } else if r.kind == "aws_iam_policy_attachment" {
            // One managed policy attached to lists of users, roles and groups.
            let policy = r.value.get("policy_arn").and_then(crate::checks::terraform::referenced_resource);
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escalation_methods_come_from_iam_0004() {
        let methods = escalation_methods();
        assert!(methods.len() >= 20, "{methods:?}");
        assert!(methods.iter().any(|m| m.actions == ["iam:passrole", "ec2:runinstances"]), "{methods:?}");
        // PassRole methods know the service the role goes to, others none.
        let ec2 = methods.iter().find(|m| m.actions == ["iam:passrole", "ec2:runinstances"]);
        assert_eq!(ec2.map(|m| m.pass_to.clone()), Some(vec!["ec2.amazonaws.com".to_string()]));
        assert!(methods.iter().filter(|m| m.actions.iter().any(|a| a == PASS_ROLE)).all(|m| !m.pass_to.is_empty()));
        assert!(methods.iter().filter(|m| m.actions.iter().all(|a| a != PASS_ROLE)).all(|m| m.pass_to.is_empty()));
    }

    fn facts(doc: Value) -> Value {
        escalation_grants(&doc)
    }

    #[test]
    fn policy_facts_record_reach_pass_services_and_denies() {
        let f = facts(json!({"Statement": [
            {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/x": "y"}}},
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["lambda:*", "iam:*", "ec2:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            {"Effect": "Deny", "Action": "lambda:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}));
        let grants = f["grants"].as_object().unwrap();
        assert_eq!(grants.get("iam:passrole>lambda.amazonaws.com"), Some(&json!("full")));
        assert!(grants.get("iam:passrole>ec2.amazonaws.com").is_none());
        // The better of two grants counts.
        assert_eq!(grants.get("ec2:runinstances"), Some(&json!("restricted")));
        assert_eq!(grants.get("lambda:createfunction"), Some(&json!("full")));
        // The NotAction Deny removes what its patterns do not match (sts:AssumeRole, ssm...).
        assert!(f["denies"].as_array().unwrap().contains(&json!("sts:assumerole")));
        assert!(!f["denies"].as_array().unwrap().contains(&json!("iam:passrole")));
        // The guard Deny restricts IAM actions; the TLS Deny does nothing.
        assert!(f["restricts"].as_array().unwrap().contains(&json!("iam:passrole")));
        assert!(!f["restricts"].as_array().unwrap().contains(&json!("lambda:createfunction")));
        // A NotAction list holding a value that cannot be known denies nothing.
        let f = facts(json!({"Statement": [
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["s3:*", {"$unknown": "var.x"}], "Resource": "*"},
        ]}));
        assert_eq!(f["denies"], json!([]));
        assert_eq!(f["grants"]["ec2:runinstances"], json!("full"));
    }
}
