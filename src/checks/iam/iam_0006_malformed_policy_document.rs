//! IAM-0006 `malformed-policy-document`: what it does, why and how to fix it are in
//! `rules/iam/IAM-0006-malformed-policy-document/metadata.yaml` (`stridegate explain IAM-0006`).
//!
//! Native since issue 12: thirteen structural checks written as Rego rule bodies cost about a
//! fifth of the CPU of a small policy (each body walks the statements again), where they are a
//! single pass here.

use serde_json::{Map, Value};

use crate::checks::{Hit, NativeCheck, ResourceCheck};
use crate::encode::go_quote as quoted;
use crate::iam::policy::CONTEXT_KEY;
use crate::model::{AttributePath, Resource, is_unknown};

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Resource(Box::new(MalformedPolicyDocument))
}

/// IAM-0006: documents that break the IAM policy grammar.
struct MalformedPolicyDocument;

/// The policy language versions AWS accepts.
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// Condition operators, lowercased, from the IAM User Guide page "IAM JSON policy elements:
/// Condition operators" (reference_policies_elements_condition_operators.html). `Null` takes
/// neither the IfExists suffix nor a set qualifier's meaning, but is accepted with a qualifier.
const BASE_OPERATORS: [&str; 26] = [
    "stringequals",
    "stringnotequals",
    "stringequalsignorecase",
    "stringnotequalsignorecase",
    "stringlike",
    "stringnotlike",
    "numericequals",
    "numericnotequals",
    "numericlessthan",
    "numericlessthanequals",
    "numericgreaterthan",
    "numericgreaterthanequals",
    "dateequals",
    "datenotequals",
    "datelessthan",
    "datelessthanequals",
    "dategreaterthan",
    "dategreaterthanequals",
    "bool",
    "binaryequals",
    "ipaddress",
    "notipaddress",
    "arnequals",
    "arnlike",
    "arnnotequals",
    "arnnotlike",
];

/// True for a condition operator IAM knows: a base operator with an optional `IfExists`
/// suffix, or `Null`, either after an optional `ForAllValues:` or `ForAnyValue:` qualifier, in
/// any case.
fn is_operator(op: &str) -> bool {
    let lower = op.to_ascii_lowercase();
    let body = lower.strip_prefix("forallvalues:").or_else(|| lower.strip_prefix("foranyvalue:")).unwrap_or(&lower);
    body == "null" || BASE_OPERATORS.contains(&body.strip_suffix("ifexists").unwrap_or(body))
}

/// The document's statements with their paths: the objects of a Statement list, or a single
/// Statement object. A value that cannot be known is no statement to judge.
fn statements(doc: &Map<String, Value>) -> Vec<(AttributePath, &Map<String, Value>)> {
    let base = AttributePath::root().key("Statement");
    match doc.get("Statement") {
        Some(Value::Array(items)) => {
            items.iter().enumerate().filter_map(|(i, s)| s.as_object().filter(|_| !is_unknown(s)).map(|o| (base.index(i), o))).collect()
        }
        Some(s @ Value::Object(o)) if !is_unknown(s) => vec![(base, o)],
        _ => Vec::new(),
    }
}

impl ResourceCheck for MalformedPolicyDocument {
    fn check(&self, resource: &Resource, hits: &mut Vec<Hit>) {
        let Value::Object(doc) = &resource.value else { return };
        let context = doc.get(CONTEXT_KEY);
        let mut hit = |path: AttributePath, message: String| hits.push(Hit { message, path, severity: None });
        // A document that could not be read: the reason, and nothing else to judge.
        let error = context.and_then(|c| c.get("error"));
        if let Some(Value::String(e)) = error {
            hit(AttributePath::root(), e.clone());
        }
        if error.is_none() && !doc.contains_key("Statement") {
            hit(AttributePath::root().key("Statement"), "policy has no Statement".to_string());
        }
        if let Some(Value::String(v)) = doc.get("Version")
            && !VERSIONS.contains(&v.as_str())
        {
            hit(AttributePath::root().key("Version"), format!("{} is not a policy language Version (use \"2012-10-17\")", quoted(v)));
        }
        let policy_type = context.and_then(|c| c.get("type")).and_then(Value::as_str).unwrap_or("identity");
        let mut sids: Vec<(&str, usize)> = Vec::new();
        for (base, s) in statements(doc) {
            let has = |field: &str| s.contains_key(field);
            if !has("Effect") {
                hit(base.clone(), "statement has no Effect".to_string());
            }
            if let Some(Value::String(effect)) = s.get("Effect")
                && effect != "Allow"
                && effect != "Deny"
            {
                hit(base.key("Effect"), format!("{} is not a valid Effect (use \"Allow\" or \"Deny\")", quoted(effect)));
            }
            match (has("Action"), has("NotAction")) {
                (false, false) => hit(base.clone(), "statement has neither Action nor NotAction".to_string()),
                (true, true) => hit(base.key("NotAction"), "statement has both Action and NotAction".to_string()),
                _ => {}
            }
            match (has("Resource"), has("NotResource")) {
                (true, true) => hit(base.key("NotResource"), "statement has both Resource and NotResource".to_string()),
                (false, false) if policy_type == "identity" => {
                    hit(base.clone(), "identity policy statement has neither Resource nor NotResource".to_string())
                }
                _ => {}
            }
            if let Some(condition @ Value::Object(operators)) = s.get("Condition")
                && !is_unknown(condition)
            {
                for op in operators.keys().filter(|op| !is_operator(op)) {
                    hit(base.key("Condition").key(op.as_str()), format!("{} is not an IAM condition operator", quoted(op)));
                }
            }
            if let (Some(Value::String(sid)), [_, crate::model::PathSegment::Index(i)]) = (s.get("Sid"), base.0.as_slice())
                && !sid.is_empty()
            {
                sids.push((sid.as_str(), *i));
            }
            if policy_type != "trust" {
                for field in ["Resource", "NotResource"] {
                    let values: Vec<(AttributePath, &str)> = match s.get(field) {
                        Some(Value::String(r)) => vec![(base.key(field), r.as_str())],
                        Some(Value::Array(items)) => {
                            items.iter().enumerate().filter_map(|(i, r)| Some((base.key(field).index(i), r.as_str()?))).collect()
                        }
                        _ => Vec::new(),
                    };
                    for (path, r) in values.into_iter().filter(|(_, r)| *r != "*" && !r.starts_with("arn:")) {
                        hit(path, format!("{} in {field} is neither \"*\" nor an ARN", quoted(r)));
                    }
                }
            }
        }
        // A Sid used again: every statement after the first that carries it.
        sids.sort_unstable();
        for pair in sids.windows(2) {
            if let [(previous, _), (sid, i)] = pair
                && previous == sid
            {
                hit(
                    AttributePath::root().key("Statement").index(*i).key("Sid"),
                    format!("{} is already the Sid of an earlier statement", quoted(sid)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operator IAM documents is accepted in every case, with and without a set
    /// qualifier and the IfExists suffix (Null without it); near misses are not.
    #[test]
    fn condition_operators() {
        let names = [
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
            "Bool",
            "BinaryEquals",
            "IpAddress",
            "NotIpAddress",
            "ArnEquals",
            "ArnLike",
            "ArnNotEquals",
            "ArnNotLike",
        ];
        assert_eq!(names.map(str::to_ascii_lowercase), BASE_OPERATORS.map(str::to_string));
        for prefix in ["", "ForAllValues:", "ForAnyValue:"] {
            for name in names {
                for suffix in ["", "IfExists"] {
                    let op = format!("{prefix}{name}{suffix}");
                    assert!(is_operator(&op) && is_operator(&op.to_uppercase()), "{op}");
                }
            }
            assert!(is_operator(&format!("{prefix}Null")), "{prefix}Null");
        }
        for op in [
            "NullIfExists",
            "ForAllValues:ForAnyValue:StringEquals",
            "StringEqualsIfExistsIfExists",
            "IfExists",
            "",
            "StringEqual",
            "forallvalues:",
            "ForAnyValues:StringLike",
            " StringLike",
            "StringLike:",
        ] {
            assert!(!is_operator(op), "{op:?} accepted");
        }
    }
}
