//! The combination step of IAM-0004 (privilege escalation), native:
//! `stridegate.iam_escalation_methods(methods, grant_list, passrole_ok)`.
//!
//! IAM-0004 decides in Rego which escalation actions a document grants, where, and how far each
//! grant reaches (`grant_list`: lowercased action → set of `[path, reach, statement key]`, reach
//! being "full", "restricted" or "undecided"), and which statements may pass a role to the
//! service of each method (`passrole_ok`: set of `[method index, statement key]`). What remains
//! is a fixed combination over the method table: for each method every one of whose actions has
//! a usable grant, its reach (the worst, over its actions, of the best grant of each) and its
//! location (the first path, in Rego's order, among the grants reaching that far). A policy with
//! NotAction grants all 33 methods, and this step in Rego was half of the rule's cost (issue 12).
//! The rule logic (what is granted, reach, conditions, denies, messages) stays in Rego.

use regorus::Value;

/// The Rego name of [`methods`].
pub const IAM_ESCALATION_METHODS: &str = "stridegate.iam_escalation_methods";

/// Adds [`methods`] to a regorus engine.
pub fn add_extensions(rego: &mut regorus::Engine) -> Result<(), String> {
    let f: Box<dyn regorus::Extension> = Box::new(|args: Vec<Value>| {
        Ok(match (args.first(), args.get(1), args.get(2)) {
            (Some(table), Some(grant_list), Some(passrole_ok)) => methods(table, grant_list, passrole_ok),
            _ => Value::Undefined,
        })
    });
    rego.add_extension(IAM_ESCALATION_METHODS.to_string(), 3, f).map_err(|e| e.to_string())
}

/// The reaches, best first (their index is their rank).
const REACHES: [&str; 3] = ["full", "restricted", "undecided"];

/// The action every method with a role to pass names, as the table writes it.
const PASS_ROLE: &str = "iam:PassRole";

fn rank(reach: &Value) -> Option<usize> {
    let Value::String(r) = reach else { return None };
    REACHES.iter().position(|x| *x == r.as_ref())
}

/// The members of a set or array (nothing for other values).
fn members(v: &Value) -> Vec<&Value> {
    match v {
        Value::Set(s) => s.iter().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

/// For each method of `table` (an array of objects with `actions`) whose every action has a
/// usable grant in `grant_list`: `[location, method index, reach, reported]`, where `reported`
/// is the set of `[path, lowercased action]` of the grants reaching as far as the method does
/// (empty when its reach is "undecided"). A grant of `iam:PassRole` is usable for a method only
/// when `[method index, statement key]` is in `passrole_ok`. Undefined when an argument has
/// another type.
pub fn methods(table: &Value, grant_list: &Value, passrole_ok: &Value) -> Value {
    let (Value::Array(table), Value::Object(grant_list)) = (table, grant_list) else { return Value::Undefined };
    let passrole_ok: Vec<&Value> = members(passrole_ok);
    let mut out = Vec::new();
    for (i, method) in table.iter().enumerate() {
        let Ok(actions) = method["actions"].as_array() else { continue };
        let index = Value::from(i);
        // The usable grants of each action: (lowercased action, path, rank).
        let mut usable: Vec<(Value, &Value, usize)> = Vec::new();
        let mut reach = 0;
        let mut complete = true;
        for action in actions.iter() {
            let Value::String(a) = action else {
                complete = false;
                break;
            };
            let x = a.to_lowercase();
            let pass_role = x == "iam:passrole";
            if pass_role && !actions.iter().any(|b| matches!(b, Value::String(s) if s.as_ref() == PASS_ROLE)) {
                complete = false;
                break;
            }
            let mut best = None;
            for grant in grant_list.get(&Value::from(x.as_str())).map(members).unwrap_or_default() {
                let Ok([path, r, key]) = grant.as_array().map(|g| g.as_slice()) else { continue };
                if pass_role && !passrole_ok.contains(&&Value::from(vec![index.clone(), key.clone()])) {
                    continue;
                }
                let Some(rank) = rank(r) else { continue };
                best = Some(best.map_or(rank, |b: usize| b.min(rank)));
                usable.push((Value::from(x.as_str()), path, rank));
            }
            match best {
                Some(b) => reach = reach.max(b),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete || actions.is_empty() {
            continue;
        }
        let Some(location) = usable.iter().filter(|(_, _, r)| *r <= reach).map(|(_, p, _)| *p).min() else { continue };
        let reported: std::collections::BTreeSet<Value> = if REACHES.get(reach) == Some(&"undecided") {
            std::collections::BTreeSet::new()
        } else {
            usable.iter().filter(|(_, _, r)| *r <= reach).map(|(x, p, _)| Value::from(vec![(*p).clone(), x.clone()])).collect()
        };
        let reach_name = REACHES.get(reach).copied().unwrap_or("undecided");
        out.push(Value::from(vec![location.clone(), index, Value::from(reach_name), Value::from(reported)]));
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

    #[test]
    fn combines_grants_per_method() {
        let table = v(r#"[
            {"actions": ["iam:CreatePolicyVersion"]},
            {"actions": ["iam:PassRole", "ec2:RunInstances"]},
            {"actions": ["iam:PassRole", "lambda:CreateFunction"]},
            {"actions": ["iam:AttachUserPolicy"]}
        ]"#);
        let grants = v(r#"{
            "iam:createpolicyversion": [[["Statement", 1, "Action", 0], "restricted", "k1"], [["Statement", 0, "Action", 3], "full", "k0"]],
            "iam:passrole": [[["Statement", 2, "Action"], "undecided", "k2"], [["Statement", 0, "Action", 1], "full", "k0"]],
            "ec2:runinstances": [[["Statement", 2, "NotAction"], "undecided", "k2"]],
            "lambda:createfunction": [[["Statement", 0, "Action", 2], "full", "k0"]]
        }"#);
        // Statement k0 may pass roles to Lambda only, k2 to EC2.
        let ok = v(r#"[[1, "k2"], [2, "k0"]]"#);
        let got = methods(&table, &grants, &ok);
        let want = v(r#"[
            [["Statement", 0, "Action", 3], 0, "full", [[["Statement", 0, "Action", 3], "iam:createpolicyversion"]]],
            [["Statement", 2, "Action"], 1, "undecided", []],
            [["Statement", 0, "Action", 1], 2, "full", [[["Statement", 0, "Action", 1], "iam:passrole"], [["Statement", 0, "Action", 2], "lambda:createfunction"]]]
        ]"#);
        // `reported` is a set; compare through JSON, where sets are sorted arrays.
        assert_eq!(serde_json::to_value(&got).unwrap(), serde_json::to_value(&want).unwrap());
    }

    #[test]
    fn other_types_are_undefined_or_skipped() {
        assert_eq!(methods(&v("{}"), &v("{}"), &v("[]")), Value::Undefined);
        assert_eq!(methods(&v(r#"[{"actions": [1]}, {}]"#), &v("{}"), &v("[]")), Value::from(Vec::<Value>::new()));
    }
}
