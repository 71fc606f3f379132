//! The action elements of a policy document, listed and classified once per document for the
//! Rego rules.
//!
//! Rules used to walk every statement's `Action` in the interpreter and test each element
//! (`regex.match`, `lower`, catalogue lookups through `$context.actions`) once per rule, which
//! was most of the cost of a policy. [`lists`] walks the elements once, natively, when the
//! document's `$context` is built, and sorts them into lists by what can matter to a rule: a rule
//! iterates only its list (usually empty), and decides in Rego as before. Each entry starts with
//! `[path, element, statement path]`, the paths in the document's AWS shape
//! (`["Statement", 0, "Action", 2]`, `["Statement", 0]`).
//!
//! - `allow_all_wildcards`: Action elements of Allow statements that are `*` or `*:*`;
//! - `allow_service_wildcards`: those that are `<service>:*` (letters, digits and dashes);
//! - `allow_actions`: every other Action element of Allow statements;
//! - `allow_scoped_writes`: the `allow_actions` some of whose actions are Write or Permissions
//!   management and accept resource ARNs (`scoped_levels`);
//! - `unmatched_actions`: `[path, element, statement path, field]` for the Action and NotAction
//!   elements of every statement that match no catalogue action or are not written
//!   `service:action`.
//!
//! An Allow statement is an object statement whose `Effect` is exactly `"Allow"`; elements are
//! the strings of a string-or-list field (unknown values and other types are skipped), as
//! `iam.allow_statements` and `iam.values` see them in Rego.

use serde_json::{Map, Value, json};

/// How much of the action space an action element names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breadth {
    /// `*` or `*:*`: every action of every service.
    All,
    /// `<service>:*`, the prefix made of ASCII letters, digits and dashes.
    Service,
    /// Anything else: one action, or a narrower pattern.
    Specific,
}

/// The breadth of an action element as written.
pub fn breadth(pattern: &str) -> Breadth {
    if pattern == "*" || pattern == "*:*" {
        return Breadth::All;
    }
    match pattern.strip_suffix(":*") {
        Some(service) if !service.is_empty() && service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => Breadth::Service,
        _ => Breadth::Specific,
    }
}

/// The statements of a document with their paths (`["Statement", i]` in an array, where `i`
/// counts every entry; `["Statement"]` for a single object).
fn statements_with_paths(doc: &Value) -> Vec<(Value, &Map<String, Value>)> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => {
            items.iter().enumerate().filter_map(|(i, s)| s.as_object().map(|o| (json!(["Statement", i]), o))).collect()
        }
        Some(Value::Object(o)) => vec![(json!(["Statement"]), o)],
        _ => Vec::new(),
    }
}

/// The string elements of a string-or-list field, with their paths.
fn field_elements<'a>(s: &'a Map<String, Value>, base: &Value, field: &str) -> Vec<(Value, &'a str)> {
    let mut path = base.as_array().cloned().unwrap_or_default();
    path.push(Value::String(field.to_string()));
    match s.get(field) {
        Some(Value::String(p)) => vec![(Value::Array(path), p.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let p = v.as_str()?;
                let mut at = path.clone();
                at.push(json!(i));
                Some((Value::Array(at), p))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The lists described in the module documentation, keyed by name; `actions` is the document's
/// `$context.actions` (catalogue facts by lowercased pattern).
pub fn lists(doc: &Value, actions: &Map<String, Value>) -> Map<String, Value> {
    let mut all = Vec::new();
    let mut service = Vec::new();
    let mut specific = Vec::new();
    let mut scoped_writes = Vec::new();
    let mut unmatched = Vec::new();
    for (base, s) in statements_with_paths(doc) {
        let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
        for field in ["Action", "NotAction"] {
            for (path, pattern) in field_elements(s, &base, field) {
                let info = actions.get(&pattern.to_ascii_lowercase());
                let count = info.and_then(|i| i.get("count")).and_then(Value::as_u64).unwrap_or(0);
                if count == 0 || !pattern.contains(':') {
                    unmatched.push(json!([path, pattern, base, field]));
                }
                if !allow || field != "Action" {
                    continue;
                }
                let entry = json!([path, pattern, base]);
                match breadth(pattern) {
                    Breadth::All => all.push(entry),
                    Breadth::Service => service.push(entry),
                    Breadth::Specific => {
                        let scoped = info.and_then(|i| i.get("scoped_levels")).and_then(Value::as_array);
                        if scoped.is_some_and(|levels| {
                            levels.iter().any(|l| l.as_str().is_some_and(|l| l == "Write" || l == "Permissions management"))
                        }) {
                            scoped_writes.push(entry.clone());
                        }
                        specific.push(entry);
                    }
                }
            }
        }
    }
    let mut out = Map::new();
    out.insert("allow_all_wildcards".into(), Value::Array(all));
    out.insert("allow_service_wildcards".into(), Value::Array(service));
    out.insert("allow_actions".into(), Value::Array(specific));
    out.insert("allow_scoped_writes".into(), Value::Array(scoped_writes));
    out.insert("unmatched_actions".into(), Value::Array(unmatched));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn breadth_of_elements() {
        assert_eq!(breadth("*"), Breadth::All);
        assert_eq!(breadth("*:*"), Breadth::All);
        assert_eq!(breadth("s3:*"), Breadth::Service);
        assert_eq!(breadth("EC2-Instance-Connect:*"), Breadth::Service);
        assert_eq!(breadth(":*"), Breadth::Specific);
        assert_eq!(breadth("s3:Get*"), Breadth::Specific);
        assert_eq!(breadth("s?:*"), Breadth::Specific);
        assert_eq!(breadth("s3_x:*"), Breadth::Specific);
        assert_eq!(breadth("*:**"), Breadth::Specific);
        assert_eq!(breadth("s3:**"), Breadth::Specific);
        assert_eq!(breadth("iam:PassRole"), Breadth::Specific);
    }

    #[test]
    fn elements_are_sorted_by_what_can_matter() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": ["*", "s3:*", "iam:PassRole", "ec2:Describe*", 7, {"$unknown": "x"}, "nosuch:Thing", "s3GetObject"], "Resource": "*"},
            "not a statement",
            {"Effect": "Deny", "Action": "iam:NoSuchAction", "NotAction": "*:*"},
            {"Effect": "allow", "Action": "iam:PassRole"},
        ]});
        let ctx = super::super::policy::context(&doc, super::super::policy::PolicyType::Identity, "x");
        let actions = ctx["actions"].as_object().unwrap();
        let lists = lists(&doc, actions);
        assert_eq!(lists["allow_all_wildcards"], json!([[["Statement", 0, "Action", 0], "*", ["Statement", 0]]]));
        assert_eq!(lists["allow_service_wildcards"], json!([[["Statement", 0, "Action", 1], "s3:*", ["Statement", 0]]]));
        assert_eq!(
            lists["allow_actions"],
            json!([
                [["Statement", 0, "Action", 2], "iam:PassRole", ["Statement", 0]],
                [["Statement", 0, "Action", 3], "ec2:Describe*", ["Statement", 0]],
                [["Statement", 0, "Action", 6], "nosuch:Thing", ["Statement", 0]],
                [["Statement", 0, "Action", 7], "s3GetObject", ["Statement", 0]],
            ])
        );
        // iam:PassRole is Permissions management on role ARNs; Describe* accepts no ARN.
        assert_eq!(lists["allow_scoped_writes"], json!([[["Statement", 0, "Action", 2], "iam:PassRole", ["Statement", 0]]]));
        assert_eq!(
            lists["unmatched_actions"],
            json!([
                // (The catalogue expands only `service:action` patterns: `*` alone counts none.)
                [["Statement", 0, "Action", 0], "*", ["Statement", 0], "Action"],
                [["Statement", 0, "Action", 6], "nosuch:Thing", ["Statement", 0], "Action"],
                [["Statement", 0, "Action", 7], "s3GetObject", ["Statement", 0], "Action"],
                [["Statement", 2, "Action"], "iam:NoSuchAction", ["Statement", 2], "Action"],
            ])
        );
        let single = json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "*x"}});
        let lists = super::lists(&single, &Map::new());
        assert_eq!(lists["allow_all_wildcards"], json!([[["Statement", "Action"], "*", ["Statement"]]]));
        // Without catalogue facts every element counts as unmatched (the rule decides).
        assert_eq!(lists["unmatched_actions"].as_array().unwrap().len(), 2);
    }
}
