//! The grant combination of IAM-0004 (privilege escalation), native:
//! `stridegate.iam_escalation_methods(methods, grants, statements, guarded, passed_to)`.
//!
//! IAM-0004 decides in Rego which escalation actions a document grants on all resources and
//! where (`grants`: set of `[path, statement key, {lowercased action}]`, one per Action element
//! or NotAction, unconditional Denies already applied) and which of those grants a guard Deny
//! restricts (`guarded`: set of `[action, statement key]`). What remains is a fixed combination
//! over the method table, native since issue 12 (on a NotAction policy, which grants all 33
//! methods, it was two thirds of the rule's cost in Rego):
//! - how far the holder reaches each granting statement ([`conditions::holder_reach`]: "full",
//!   "restricted" under a condition pinning the holder, "undecided" under conditions that cannot
//!   be judged), "restricted" where a guard Deny covers the action;
//! - which `iam:PassRole` grants are usable for a method: those whose statement may pass a role
//!   to the method's service under its `iam:PassedToService` conditions
//!   ([`conditions::may_pass_to`]), judged for methods whose every action is granted;
//! - for each method every one of whose actions has a usable grant: its reach (the worst, over
//!   its actions, of the best usable grant of each) and location (the first path among the
//!   grants reaching that far).
//!
//! What is granted, denied and guarded, the method table and the messages stay in Rego.

use std::collections::{BTreeMap, BTreeSet};

use regorus::Value;

use crate::iam::conditions::{self, Reach};

/// The Rego name of [`methods`].
pub const IAM_ESCALATION_METHODS: &str = "stridegate.iam_escalation_methods";

/// Adds [`methods`] to a regorus engine.
pub fn add_extensions(rego: &mut regorus::Engine) -> Result<(), String> {
    let f: Box<dyn regorus::Extension> = Box::new(|args: Vec<Value>| {
        Ok(match args.as_slice() {
            [table, grants, statements, guarded, passed_to] => methods(table, grants, statements, guarded, passed_to),
            _ => Value::Undefined,
        })
    });
    rego.add_extension(IAM_ESCALATION_METHODS.to_string(), 5, f).map_err(|e| e.to_string())
}

/// The reaches, best first (their index is their rank).
const REACHES: [Reach; 3] = [Reach::Full, Reach::Restricted, Reach::Undecided];

/// The action every method with a role to pass names, as the table writes it.
const PASS_ROLE: &str = "iam:PassRole";

fn rank(reach: Reach) -> usize {
    REACHES.iter().position(|r| *r == reach).unwrap_or(REACHES.len() - 1)
}

/// The members of a set or array (nothing for other values).
fn members(v: &Value) -> Vec<&Value> {
    match v {
        Value::Set(s) => s.iter().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

/// A statement as the native condition functions read it.
type Statement = serde_json::Map<String, serde_json::Value>;

/// A statement as the native condition functions read it (`None` when it is not an object).
fn statement_json(v: &Value) -> Option<Statement> {
    match serde_json::to_value(v).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

/// One usable grant of an action: its path, rank and statement key.
struct Grant<'a> {
    path: &'a Value,
    rank: usize,
    key: &'a Value,
}

/// For each method of `table` (an array of objects with `actions`) every one of whose actions
/// has a usable grant: `[location, method index, reach, reported]`, where `reported` is the set
/// of `[path, lowercased action]` of the grants reaching as far as the method does (empty when
/// its reach is "undecided"). `statements` maps each statement key of `grants` to the
/// statement; `passed_to` maps a lowercased action to the service principal its method passes a
/// role to. Undefined when an argument has another type.
pub fn methods(table: &Value, grants: &Value, statements: &Value, guarded: &Value, passed_to: &Value) -> Value {
    let (Value::Array(table), Value::Object(statements), Value::Object(passed_to)) = (table, statements, passed_to) else {
        return Value::Undefined;
    };
    let guarded: BTreeSet<&Value> = members(guarded).into_iter().collect();
    // Each granting statement, read once: its JSON form and its holder's reach.
    let mut read: BTreeMap<&Value, Option<(Statement, Reach)>> = BTreeMap::new();
    // Lowercased action -> its grants.
    let mut by_action: BTreeMap<&str, Vec<Grant<'_>>> = BTreeMap::new();
    for grant in members(grants) {
        let Ok([path, key, actions]) = grant.as_array().map(|g| g.as_slice()) else { continue };
        let statement = read.entry(key).or_insert_with(|| {
            let st = statements.get(key).and_then(statement_json)?;
            let reach = conditions::holder_reach(&st);
            Some((st, reach))
        });
        let Some((_, reach)) = statement else { continue };
        let reach = *reach;
        for action in members(actions) {
            let Value::String(x) = action else { continue };
            let restricted = reach == Reach::Full && guarded.contains(&Value::from(vec![action.clone(), key.clone()]));
            let rank = rank(if restricted { Reach::Restricted } else { reach });
            by_action.entry(x.as_ref()).or_default().push(Grant { path, rank, key });
        }
    }
    let mut out = Vec::new();
    for (i, method) in table.iter().enumerate() {
        let Ok(actions) = method["actions"].as_array() else { continue };
        let lowered: Option<Vec<String>> =
            actions.iter().map(|a| if let Value::String(s) = a { Some(s.to_lowercase()) } else { None }).collect();
        let Some(lowered) = lowered else { continue };
        if lowered.is_empty() || !lowered.iter().all(|x| by_action.contains_key(x.as_str())) {
            continue;
        }
        let names_pass_role = actions.iter().any(|a| matches!(a, Value::String(s) if s.as_ref() == PASS_ROLE));
        // The services this method passes a role to ("" when it names none).
        let services: BTreeSet<&str> = lowered
            .iter()
            .filter_map(|x| match passed_to.get(&Value::from(x.as_str())) {
                Some(Value::String(s)) => Some(s.as_ref()),
                _ => None,
            })
            .collect();
        let passes_role = |key: &Value| -> bool {
            let Some(Some((st, _))) = read.get(key) else { return false };
            if services.is_empty() { conditions::may_pass_to(st, "") } else { services.iter().any(|s| conditions::may_pass_to(st, s)) }
        };
        // The usable grants of each action: (lowercased action, path, rank).
        let mut usable: Vec<(&str, &Value, usize)> = Vec::new();
        let mut reach = 0;
        let mut complete = true;
        for x in &lowered {
            let pass_role = x == "iam:passrole";
            if pass_role && !names_pass_role {
                complete = false;
                break;
            }
            let mut best = None;
            for g in by_action.get(x.as_str()).into_iter().flatten() {
                if pass_role && !passes_role(g.key) {
                    continue;
                }
                best = Some(best.map_or(g.rank, |b: usize| b.min(g.rank)));
                usable.push((x.as_str(), g.path, g.rank));
            }
            match best {
                Some(b) => reach = reach.max(b),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            continue;
        }
        let Some(location) = usable.iter().filter(|(_, _, r)| *r <= reach).map(|(_, p, _)| *p).min() else { continue };
        let reported: BTreeSet<Value> =
            usable.iter().filter(|(_, _, r)| *r <= reach).map(|(x, p, _)| Value::from(vec![(*p).clone(), Value::from(*x)])).collect();
        let reach = REACHES.get(reach).copied().unwrap_or(Reach::Undecided);
        let reported = if reach == Reach::Undecided { BTreeSet::new() } else { reported };
        out.push(Value::from(vec![location.clone(), Value::from(i), Value::from(reach.as_str()), Value::from(reported)]));
    }
    Value::from(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json_str(json).unwrap()
    }

    /// The result compared through JSON, where sets are sorted arrays.
    fn json(v: &Value) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    const TABLE: &str = r#"[
        {"actions": ["iam:CreatePolicyVersion"]},
        {"actions": ["iam:PassRole", "ec2:RunInstances"]},
        {"actions": ["iam:PassRole", "lambda:CreateFunction"]},
        {"actions": ["iam:AttachUserPolicy"]}
    ]"#;
    const PASSED_TO: &str = r#"{"ec2:runinstances": "ec2.amazonaws.com", "lambda:createfunction": "lambda.amazonaws.com"}"#;

    #[test]
    fn combines_grants_per_method() {
        // k0: no condition, may pass roles to Lambda only; k1: pinned to an organization;
        // k2: a tag condition (undecided), may pass roles to EC2 only.
        let statements = v(r#"{
            "k0": {"Effect": "Allow", "Action": ["a"], "Resource": "*",
                   "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
            "k1": {"Effect": "Allow", "Action": ["a"], "Resource": "*",
                   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
            "k2": {"Effect": "Allow", "NotAction": ["a"], "Resource": "*",
                   "Condition": {"StringEquals": {"aws:ResourceTag/team": "x", "iam:PassedToService": "ec2.amazonaws.com"}}}
        }"#);
        let grants = v(r#"[
            [["Statement", 1, "Action", 0], "k1", ["iam:createpolicyversion"]],
            [["Statement", 0, "Action", 3], "k0", ["iam:createpolicyversion"]],
            [["Statement", 2, "NotAction"], "k2", ["iam:passrole", "ec2:runinstances"]],
            [["Statement", 0, "Action", 1], "k0", ["iam:passrole"]],
            [["Statement", 0, "Action", 2], "k0", ["lambda:createfunction"]]
        ]"#);
        let got = methods(&v(TABLE), &grants, &statements, &v("[]"), &v(PASSED_TO));
        let want = v(r#"[
            [["Statement", 0, "Action", 3], 0, "full", [[["Statement", 0, "Action", 3], "iam:createpolicyversion"]]],
            [["Statement", 2, "NotAction"], 1, "undecided", []],
            [["Statement", 0, "Action", 1], 2, "full", [[["Statement", 0, "Action", 1], "iam:passrole"], [["Statement", 0, "Action", 2], "lambda:createfunction"]]]
        ]"#);
        assert_eq!(json(&got), json(&want));
    }

    #[test]
    fn a_guard_deny_restricts_a_full_grant() {
        let statements = v(r#"{"k0": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}"#);
        let grants = v(r#"[[["Statement", 0, "Action"], "k0", ["iam:createpolicyversion", "iam:attachuserpolicy"]]]"#);
        let guarded = v(r#"[["iam:attachuserpolicy", "k0"]]"#);
        let got = methods(&v(TABLE), &grants, &statements, &guarded, &v(PASSED_TO));
        let want = v(r#"[
            [["Statement", 0, "Action"], 0, "full", [[["Statement", 0, "Action"], "iam:createpolicyversion"]]],
            [["Statement", 0, "Action"], 3, "restricted", [[["Statement", 0, "Action"], "iam:attachuserpolicy"]]]
        ]"#);
        assert_eq!(json(&got), json(&want));
    }

    #[test]
    fn other_types_are_undefined_or_skipped() {
        assert_eq!(methods(&v("{}"), &v("[]"), &v("{}"), &v("[]"), &v("{}")), Value::Undefined);
        let got = methods(&v(r#"[{"actions": [1]}, {}]"#), &v(r#"[[[], "k", ["x"]], 3]"#), &v("{}"), &v("[]"), &v("{}"));
        assert_eq!(got, Value::from(Vec::<Value>::new()));
    }
}
