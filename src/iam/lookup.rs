//! Native action lookups for Rego rules: which of a rule's named actions an IAM action pattern
//! (or any of a list of patterns) matches, in one call.
//!
//! Rules that care about particular actions (privilege-escalation methods, sensitive reads,
//! credential-returning actions...) declare them as a literal Rego set and ask
//! `stridegate.iam_matching(patterns, names)` for the names an `Action` element grants, or
//! subtract the names a `NotAction` list excludes. Before, they looped over the names and called
//! the wildcard matcher once per (element, name) pair inside the interpreter, which was the
//! largest part of a scan's CPU on IAM policies; here the loop is native and the rule only does
//! set operations on the result. The rule logic (what a match means, resources, conditions,
//! denies) stays in Rego.
//!
//! Matching is [`super::wildcard::action_matches`]: AWS semantics (`*`, `?`, everything else
//! literal), case-insensitive.

use regorus::Value;

use super::wildcard;

/// The Rego name of [`matching`]: `stridegate.iam_matching(patterns, names)`.
pub const IAM_MATCHING: &str = "stridegate.iam_matching";

/// Adds the lookups of this module to a regorus engine. (regorus' pattern caches are sized
/// once per process by the engine, for the catalogue's ARN formats among others.)
pub fn add_extensions(rego: &mut regorus::Engine) -> Result<(), String> {
    let f: Box<dyn regorus::Extension> = Box::new(|args: Vec<Value>| {
        Ok(match (args.first(), args.get(1)) {
            (Some(patterns), Some(names)) => matching(patterns, names),
            _ => Value::Undefined,
        })
    });
    rego.add_extension(IAM_MATCHING.to_string(), 2, f).map_err(|e| e.to_string())?;
    let f: Box<dyn regorus::Extension> = Box::new(|args: Vec<Value>| {
        Ok(match (args.first(), args.get(1)) {
            (Some(elements), Some(names)) => matching_elements(elements, names),
            _ => Value::Undefined,
        })
    });
    rego.add_extension(IAM_MATCHING_ELEMENTS.to_string(), 2, f).map_err(|e| e.to_string())
}

/// The Rego name of [`matching_elements`]: `stridegate.iam_matching_elements(elements, names)`.
pub const IAM_MATCHING_ELEMENTS: &str = "stridegate.iam_matching_elements";

/// [`matching`] for each element of a list, in one call: `elements` is an array of arrays whose
/// second item is an action pattern (`[path, pattern, statement path]`, as the `$context` lists
/// give them); returns `[element, matched]` for every element whose pattern matches at least
/// one of `names` (`matched`: the set of those names, as written), in the order of `elements`.
/// Elements of another shape are skipped; undefined when `names` is not a set, an array or a
/// table of them.
pub fn matching_elements(elements: &Value, names: &Value) -> Value {
    let Value::Array(items) = elements else { return Value::Undefined };
    let mut out = Vec::new();
    for element in items.iter() {
        let pattern = match element {
            Value::Array(parts) => match parts.get(1) {
                Some(p @ Value::String(_)) => p,
                _ => continue,
            },
            _ => continue,
        };
        match matching(pattern, names) {
            Value::Set(matched) if !matched.is_empty() => out.push(Value::from(vec![element.clone(), Value::Set(matched)])),
            Value::Set(_) => {}
            _ => return Value::Undefined,
        }
    }
    Value::from(out)
}

/// The elements of `names` that `patterns` match, as a set.
///
/// `patterns` is one action pattern (a string) or an array or set of them (non-strings are
/// ignored); `names` is a set or array of action names, or an object whose values are such sets
/// (a table by service), all of whose names are candidates. Returns the matching names as they
/// are written in `names`, or undefined when an argument has another type.
pub fn matching(patterns: &Value, names: &Value) -> Value {
    let mut compiled: Vec<&str> = Vec::new();
    match patterns {
        Value::String(p) => compiled.push(p),
        Value::Array(items) => compiled.extend(items.iter().filter_map(as_str)),
        Value::Set(items) => compiled.extend(items.iter().filter_map(as_str)),
        _ => return Value::Undefined,
    }
    let mut out = std::collections::BTreeSet::new();
    let mut consider = |name: &Value| {
        if let Value::String(n) = name
            && compiled.iter().any(|p| wildcard::action_matches(p, n))
        {
            out.insert(name.clone());
        }
    };
    match names {
        Value::Set(items) => items.iter().for_each(&mut consider),
        Value::Array(items) => items.iter().for_each(&mut consider),
        Value::Object(table) => {
            for (_, group) in table.iter() {
                match group {
                    Value::Set(items) => items.iter().for_each(&mut consider),
                    Value::Array(items) => items.iter().for_each(&mut consider),
                    _ => return Value::Undefined,
                }
            }
        }
        _ => return Value::Undefined,
    }
    Value::from(out)
}

fn as_str(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn set(items: &[&str]) -> Value {
        Value::from(items.iter().map(|s| Value::from(*s)).collect::<std::collections::BTreeSet<_>>())
    }

    fn names(v: &Value) -> Vec<String> {
        v.as_set().unwrap().iter().map(|x| x.as_string().unwrap().to_string()).collect()
    }

    #[test]
    fn one_pattern_against_a_set() {
        let watched = set(&["iam:passrole", "iam:putrolepolicy", "s3:GetObject", "ec2:RunInstances"]);
        assert_eq!(names(&matching(&Value::from("iam:Put*"), &watched)), ["iam:putrolepolicy"]);
        assert_eq!(names(&matching(&Value::from("IAM:PASSROLE"), &watched)), ["iam:passrole"]);
        assert_eq!(names(&matching(&Value::from("s3:getobject"), &watched)), ["s3:GetObject"]);
        assert_eq!(names(&matching(&Value::from("*"), &watched)).len(), 4);
        assert_eq!(names(&matching(&Value::from("*:*"), &watched)).len(), 4);
        assert_eq!(names(&matching(&Value::from("?am:PassRol?"), &watched)), ["iam:passrole"]);
        assert!(names(&matching(&Value::from("iam:Pass"), &watched)).is_empty());
        assert!(names(&matching(&Value::from("nosuch:*"), &watched)).is_empty());
    }

    #[test]
    fn glob_syntax_stays_literal() {
        let watched = set(&["iam:putrolepolicy", "iam:createpolicyversion"]);
        assert!(names(&matching(&Value::from("iam:{Put,Create}*"), &watched)).is_empty());
        assert!(names(&matching(&Value::from("iam:[P]utRolePolicy"), &watched)).is_empty());
        assert!(names(&matching(&Value::from(r"iam:Put\*"), &watched)).is_empty());
    }

    #[test]
    fn several_patterns_tables_and_arrays() {
        let patterns = Value::from(vec![Value::from("iam:Put*"), Value::from(3), Value::from("s3:*")]);
        let watched = set(&["iam:putrolepolicy", "s3:getobject", "ec2:runinstances"]);
        assert_eq!(names(&matching(&patterns, &watched)), ["iam:putrolepolicy", "s3:getobject"]);
        let empty = Value::from(Vec::<Value>::new());
        assert!(names(&matching(&empty, &watched)).is_empty());
        let table = Value::from_json_str(r#"{"iam": ["iam:putrolepolicy"], "s3": ["s3:getobject", "s3:putobject"]}"#).unwrap();
        assert_eq!(names(&matching(&Value::from("s3:Get*"), &table)), ["s3:getobject"]);
        assert_eq!(names(&matching(&Value::from("*"), &table)).len(), 3);
        let array = Value::from_json_str(r#"["kms:Decrypt", 7, "kms:Encrypt"]"#).unwrap();
        assert_eq!(names(&matching(&Value::from("kms:d*"), &array)), ["kms:Decrypt"]);
    }

    #[test]
    fn other_argument_types_are_undefined() {
        let watched = set(&["iam:passrole"]);
        assert_eq!(matching(&Value::from(1), &watched), Value::Undefined);
        assert_eq!(matching(&Value::Null, &watched), Value::Undefined);
        assert_eq!(matching(&Value::from("*"), &Value::from("iam:passrole")), Value::Undefined);
        let bad_table = Value::from_json_str(r#"{"iam": "iam:passrole"}"#).unwrap();
        assert_eq!(matching(&Value::from("*"), &bad_table), Value::Undefined);
    }

    #[test]
    fn matching_each_element_of_a_list() {
        let elements = Value::from_json_str(
            r#"[[["Statement", 0, "Action", 0], "iam:Pass*", ["Statement", 0]],
                [["Statement", 0, "Action", 1], "ec2:Describe*", ["Statement", 0]],
                [["Statement", 1, "Action"], "S3:GETOBJECT", ["Statement", 1]],
                ["odd"], 3, [1, 2]]"#,
        )
        .unwrap();
        let watched = set(&["iam:passrole", "s3:GetObject"]);
        let got = matching_elements(&elements, &watched);
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_array().unwrap()[0], elements.as_array().unwrap()[0]);
        assert_eq!(names(&got[0].as_array().unwrap()[1]), ["iam:passrole"]);
        assert_eq!(got[1].as_array().unwrap()[0], elements.as_array().unwrap()[2]);
        assert_eq!(names(&got[1].as_array().unwrap()[1]), ["s3:GetObject"]);
        let none = Value::from_json_str(r#"[[["Statement"], "kms:*", ["Statement"]]]"#).unwrap();
        assert!(matching_elements(&none, &watched).as_array().unwrap().is_empty());
        assert_eq!(matching_elements(&Value::from("iam:*"), &watched), Value::Undefined);
        assert_eq!(matching_elements(&elements, &Value::from("iam:passrole")), Value::Undefined);
    }

    #[test]
    fn unknown_values_match_nothing() {
        // An interpolated action in the model is {"$unknown": "..."}: not a pattern.
        let unknown = Value::from_json_str(r#"{"$unknown": "var.action"}"#).unwrap();
        assert_eq!(matching(&unknown, &set(&["iam:passrole"])), Value::Undefined);
    }
}
