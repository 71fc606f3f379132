//! IAM policy documents in the resource model.
//!
//! Wherever a policy is written (a standalone JSON file, a Terraform heredoc, `jsonencode`, a
//! `data "aws_iam_policy_document"`), it becomes one [`Resource`] of platform
//! [`Platform::Iam`] and kind [`KIND`] whose value is the document in AWS's own JSON shape
//! (`Version`, `Statement`, `Action`...), with spans pointing at where each part was written.
//! Rules therefore see one shape, and a finding on `Statement[1].Action[0]` lands on that action
//! in whichever syntax it was written.
//!
//! The document carries one extra key, [`CONTEXT_KEY`], computed here for rules:
//! - `type`: `identity`, `resource` or `trust`;
//! - `source`: where the document came from (`aws_iam_role.ci.assume_role_policy`);
//! - `actions`: for every action pattern written in the document (lowercased), what it expands to
//!   in the IAM action catalogue: `count`, `levels` (access levels of the matched actions),
//!   `scoped_levels` (levels of matched actions that accept resource ARNs, for which `Resource:
//!   "*"` is a choice rather than a necessity), `service_known`;
//! - `error`: set when the text is not a valid policy (invalid JSON), so rules can report it;
//! - lists of the document's action elements sorted by what can matter to a rule
//!   (`allow_actions`, `allow_service_wildcards`...: see [`super::elements`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::catalogue::{AccessLevel, ActionPattern, Catalogue};
use crate::model::{Location, Platform, Resource, SourceFile, SpanNode};

/// Kind of every policy-document resource.
pub const KIND: &str = "PolicyDocument";

/// Key of the computed context inside a policy document's value.
pub const CONTEXT_KEY: &str = "$context";

/// What a policy document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// Attached to a user, group or role: what they may do.
    Identity,
    /// Attached to a resource (bucket, key, queue): who may use it.
    Resource,
    /// A role's trust policy: who may assume it.
    Trust,
}

impl PolicyType {
    /// Lowercase name (`identity`, `resource`, `trust`).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Trust => "trust",
        }
    }
}

/// Whether a JSON value looks like a policy document (`Statement` present).
pub fn is_policy_document(v: &Value) -> bool {
    v.get("Statement").is_some_and(|s| s.is_array() || s.is_object())
}

/// The statements of a document (one object, or an array of them).
pub fn statements(doc: &Value) -> Vec<&Map<String, Value>> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(o)) => vec![o],
        _ => Vec::new(),
    }
}

/// A string or a list of strings, as the strings (unknown or other values are skipped).
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Classifies a document by content: statements naming principals make a resource policy,
/// or a trust policy when they only grant `sts:AssumeRole*`/`sts:TagSession`/
/// `sts:SetSourceIdentity`; otherwise an identity policy.
pub fn classify(doc: &Value) -> PolicyType {
    let with_principal: Vec<_> =
        statements(doc).into_iter().filter(|s| s.contains_key("Principal") || s.contains_key("NotPrincipal")).collect();
    if with_principal.is_empty() {
        return PolicyType::Identity;
    }
    let trust_action = |a: &str| {
        let a = a.to_ascii_lowercase();
        a.starts_with("sts:assumerole") || a == "sts:tagsession" || a == "sts:setsourceidentity"
    };
    let all_trust = with_principal.iter().all(|s| {
        let actions = strings(s.get("Action"));
        !actions.is_empty() && actions.into_iter().all(trust_action)
    });
    if all_trust { PolicyType::Trust } else { PolicyType::Resource }
}

/// The `$context` of a document: its type, source and what each action pattern expands to.
pub fn context(doc: &Value, policy_type: PolicyType, source: &str) -> Value {
    let catalogue = Catalogue::get();
    let mut actions = Map::new();
    for s in statements(doc) {
        for key in ["Action", "NotAction"] {
            for pattern in strings(s.get(key)) {
                let lower = pattern.to_ascii_lowercase();
                if actions.contains_key(&lower) {
                    continue;
                }
                let info = described(catalogue, pattern, &lower);
                actions.insert(lower, info);
            }
        }
    }
    let lists = super::elements::lists(doc, &actions);
    let mut ctx = Map::new();
    ctx.insert("type".into(), Value::String(policy_type.as_str().to_string()));
    ctx.insert("source".into(), Value::String(source.to_string()));
    ctx.insert("actions".into(), Value::Object(actions));
    ctx.extend(lists);
    Value::Object(ctx)
}

/// [`describe_pattern`], remembered per lowercased pattern: the same patterns (`s3:GetObject`,
/// `*`) recur across a scan's documents, and expanding a wildcard walks the whole catalogue.
fn described(catalogue: &Catalogue, pattern: &str, lower: &str) -> Value {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Value>>> = OnceLock::new();
    const MAX_CACHED: usize = 20_000;
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().ok().and_then(|c| c.get(lower).cloned()) {
        return v;
    }
    let info = describe_pattern(catalogue, pattern);
    if let Ok(mut c) = cache.lock()
        && c.len() < MAX_CACHED
    {
        c.insert(lower.to_string(), info.clone());
    }
    info
}

fn describe_pattern(catalogue: &Catalogue, pattern: &str) -> Value {
    let compiled = ActionPattern::new(pattern);
    let mut matched = Vec::new();
    catalogue.expand_into(&compiled, &mut matched);
    let mut levels = BTreeSet::new();
    let mut scoped = BTreeSet::new();
    for a in &matched {
        levels.insert(a.access_level);
        if !a.resource_types.is_empty() {
            scoped.insert(a.access_level);
        }
    }
    let names = |set: BTreeSet<AccessLevel>| set.into_iter().map(|l| Value::String(l.as_str().to_string())).collect::<Vec<_>>();
    let service = pattern.split_once(':').map_or(pattern, |(s, _)| s);
    let service_known = service.contains(['*', '?']) || catalogue.service_known(service);
    let mut info = json!({
        "count": matched.len(),
        "levels": names(levels),
        "scoped_levels": names(scoped),
        "service_known": service_known,
    });
    // One exact action: the resource types it accepts, their ARN formats, and those as
    // anchored regexes, so a rule can tell when a statement's resources can never match it.
    if let ([action], false, Value::Object(obj)) = (matched.as_slice(), pattern.contains(['*', '?']), &mut info) {
        let mut types = Vec::new();
        let mut formats = Vec::new();
        let mut regexes = Vec::new();
        for rt in action.resource_types.iter() {
            types.push(Value::String(rt.name.to_string()));
            for p in catalogue.arn_patterns(action.service, rt.name) {
                formats.push(Value::String(p.to_string()));
                regexes.push(Value::String(arn_regex(p)));
            }
        }
        obj.insert("resource_types".into(), Value::Array(types));
        obj.insert("resource_arn_formats".into(), Value::Array(formats));
        obj.insert("resource_arns".into(), Value::Array(regexes));
    }
    info
}

/// An ARN format of the catalogue (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as an
/// anchored regex. A placeholder followed by a literal cannot contain that literal's first
/// character (`${BucketName}/` stops at `/`, `${Region}:` at `:`); the last placeholder takes
/// the rest (object keys and role paths hold `/`), except a bucket name, which never does.
fn arn_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&regex::escape(&rest[..start]));
        let Some(end) = rest[start..].find('}') else { break };
        let name = &rest[start + 2..start + end];
        rest = &rest[start + end + 1..];
        match rest.chars().next() {
            Some(next) => out.push_str(&format!("[^{}]*", regex::escape(&next.to_string()))),
            None if name == "BucketName" => out.push_str("[^/]*"),
            None => out.push_str(".*"),
        }
    }
    out.push_str(&regex::escape(rest));
    out.push('$');
    out
}

/// A policy-document resource.
pub struct DocumentSource<'a> {
    /// The file the document is written in.
    pub file: &'a Arc<SourceFile>,
    /// Logical address (`aws_iam_role.ci.assume_role_policy`).
    pub address: String,
    /// Name shown in messages, when there is one.
    pub name: Option<String>,
    /// The type when the place it is written in decides it (`assume_role_policy` is a trust
    /// policy); `None` to classify by content.
    pub policy_type: Option<PolicyType>,
    /// Module call chain, outermost first.
    pub call_chain: Vec<(Location, String)>,
}

/// Builds the resource for `doc` (with `spans`), adding its `$context`; `error` marks a
/// document that could not be read (its value is then empty apart from the context).
pub fn document_resource(source: DocumentSource<'_>, doc: Value, spans: SpanNode, error: Option<String>) -> Resource {
    let policy_type = source.policy_type.unwrap_or_else(|| classify(&doc));
    let mut ctx = context(&doc, policy_type, &source.address);
    if let (Some(e), Value::Object(c)) = (error, &mut ctx) {
        c.insert("error".into(), Value::String(e));
    }
    let mut value = match doc {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    value.insert(CONTEXT_KEY.to_string(), ctx);
    Resource {
        platform: Platform::Iam,
        kind: KIND.to_string(),
        namespace: None,
        name: source.name,
        address: source.address,
        value: Value::Object(value),
        spans,
        file: source.file.clone(),
        call_chain: source.call_chain,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn classification_by_content() {
        let trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let resource =
            json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}});
        let identity = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]});
        assert_eq!(classify(&trust), PolicyType::Trust);
        assert_eq!(classify(&resource), PolicyType::Resource);
        assert_eq!(classify(&identity), PolicyType::Identity);
    }

    #[test]
    fn context_describes_action_patterns() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "iam:PassRole", "nosuch:Thing", "ec2:DescribeInstances"], "Resource": "*"}]});
        let ctx = context(&doc, PolicyType::Identity, "x");
        let get = &ctx["actions"]["s3:get*"];
        assert!(get["count"].as_u64().unwrap() > 10);
        assert!(get["levels"].as_array().unwrap().contains(&json!("Read")));
        assert_eq!(ctx["actions"]["iam:passrole"]["scoped_levels"], json!(["Permissions management"]));
        assert_eq!(ctx["actions"]["nosuch:thing"]["service_known"], json!(false));
        assert_eq!(ctx["actions"]["nosuch:thing"]["count"], json!(0));
        // Describe* accepts no resource ARN: Resource "*" is required, not a choice.
        assert_eq!(ctx["actions"]["ec2:describeinstances"]["scoped_levels"], json!([]));
        assert_eq!(ctx["actions"]["ec2:describeinstances"]["resource_arns"], json!([]));
        assert_eq!(ctx["actions"]["iam:passrole"]["resource_arns"], json!([r"^arn:[^:]*:iam::[^:]*:role/.*$"]));
        assert_eq!(arn_regex("arn:${Partition}:s3:::${BucketName}"), r"^arn:[^:]*:s3:::[^/]*$");
        assert_eq!(arn_regex("arn:${Partition}:s3:::${BucketName}/${ObjectName}"), r"^arn:[^:]*:s3:::[^/]*/.*$");
        assert!(ctx["actions"]["s3:get*"].get("resource_arns").is_none());
    }
}
