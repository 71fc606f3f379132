//! IAM condition classification for native rules, with the categories of the Rego library
//! (`rules/lib/iam.rego`: `condition_entries`, `pins_caller`, `open_entry`, `guard_deny`;
//! IAM-0004's `holder_reach` and `may_pass_to`). A test (`tests/iam_semantics.rs`) evaluates
//! both on one table of statements and requires the same answers.
//!
//! A statement's Condition is read as entries (one per operator and key). For the holder of an
//! identity policy, an Allow statement is:
//! - [`Reach::Full`] without Condition, or when every entry is known not to limit the holder
//!   (`aws:SecureTransport`, `aws:RequestedRegion`..., and `iam:PassedToService`, judged per
//!   service with [`may_pass_to`]);
//! - [`Reach::Restricted`] when an entry pins the holder to networks, VPC endpoints, an
//!   organization, accounts, source resources, or requires MFA;
//! - [`Reach::Undecided`] otherwise (tags, service keys, values that cannot be known).
//!
//! A Deny statement with a Condition does not cancel an Allow; when every entry is a guard that
//! denies requests *not* coming from a pinned place (`StringNotEquals aws:PrincipalOrgID`,
//! `NotIpAddress aws:SourceIp`, `BoolIfExists aws:MultiFactorAuthPresent false`), it restricts
//! the Allow ([`deny_restricts`]).

use serde_json::{Map, Value};

use super::wildcard::{Case, matches};

/// Keys naming where a request comes from or who sends it, which a caller cannot choose.
pub const PINNING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:vpcsourceip",
    "aws:userid",
    "aws:username",
];

/// Keys whose value the caller chooses or any caller can satisfy.
pub const CALLER_KEYS: &[&str] = &[
    "aws:useragent",
    "aws:referer",
    "aws:securetransport",
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:tokenissuetime",
    "aws:viaawsservice",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:principaltype",
    "aws:principalisawsservice",
];

/// Operators that let a request in only when the key has one of the listed values.
const POSITIVE_OPERATORS: &[&str] = &["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"];

/// Operators that let a request in when the key has none of the listed values.
const NEGATED_OPERATORS: &[&str] =
    &["stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"];

const MFA_PRESENT: &str = "aws:multifactorauthpresent";

/// One operator/key pair of a Condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Base operator, lowercased, without set qualifier or `IfExists` (`stringequals`).
    pub op: String,
    /// `foranyvalue`, `forallvalues` or empty.
    pub set: &'static str,
    /// Whether the operator ends in `IfExists`.
    pub if_exists: bool,
    /// The condition key, lowercased.
    pub key: String,
    /// The values as text (booleans and numbers as AWS compares them, `true`, `3`).
    pub values: Vec<String>,
    /// Whether every value is known text.
    pub known: bool,
}

/// How the holder of an identity policy reaches what an Allow statement grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// Always.
    Full,
    /// Only from pinned networks, endpoints, organizations or accounts, or with MFA.
    Restricted,
    /// Under conditions that cannot be judged from the policy.
    Undecided,
}

impl Reach {
    /// The name the Rego library uses (`full`, `restricted`, `undecided`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Full => "full",
            Reach::Restricted => "restricted",
            Reach::Undecided => "undecided",
        }
    }

    /// Parses [`Reach::as_str`].
    pub fn from_name(name: &str) -> Option<Reach> {
        match name {
            "full" => Some(Reach::Full),
            "restricted" => Some(Reach::Restricted),
            "undecided" => Some(Reach::Undecided),
            _ => None,
        }
    }
}

/// What a Deny statement's Condition does to the Allows it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyEffect {
    /// No Condition: the Deny cancels them.
    Cancels,
    /// Every entry is a guard against requests from outside pinned places: they become
    /// [`Reach::Restricted`].
    Restricts,
    /// Any other Condition: the Deny is not relied on.
    None,
}

fn has_condition_field(s: &Map<String, Value>) -> bool {
    s.get("Condition").is_some_and(|c| !c.is_null())
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn operator_parts(operator: &str) -> (&'static str, String, bool) {
    let lo = operator.to_lowercase();
    let set = if lo.starts_with("foranyvalue:") {
        "foranyvalue"
    } else if lo.starts_with("forallvalues:") {
        "forallvalues"
    } else {
        ""
    };
    let rest = lo.strip_prefix("foranyvalue:").unwrap_or(&lo);
    let rest = rest.strip_prefix("forallvalues:").unwrap_or(rest);
    let if_exists = rest.ends_with("ifexists");
    let base = rest.strip_suffix("ifexists").unwrap_or(rest).to_string();
    (set, base, if_exists)
}

/// The entries of a statement's Condition (empty when it is not an object).
pub fn entries(s: &Map<String, Value>) -> Vec<Entry> {
    let Some(Value::Object(blocks)) = s.get("Condition") else { return Vec::new() };
    let mut out = Vec::new();
    for (operator, block) in blocks {
        let Value::Object(keys) = block else { continue };
        let (set, op, if_exists) = operator_parts(operator);
        for (key, raw) in keys {
            let (values, known) = match raw {
                Value::Array(items) => {
                    let values: Vec<String> = items.iter().filter_map(value_text).collect();
                    let known = values.len() == items.len();
                    (values, known)
                }
                other => value_text(other).map_or((Vec::new(), false), |t| (vec![t], true)),
            };
            out.push(Entry { op: op.clone(), set, if_exists, key: key.to_lowercase(), values, known });
        }
    }
    out
}

fn is_unknown(v: &Value) -> bool {
    crate::model::is_unknown(v)
}

/// Whether the Condition (or one of its blocks) cannot be known.
fn unknown_condition(s: &Map<String, Value>) -> bool {
    match s.get("Condition") {
        Some(c) if is_unknown(c) => true,
        Some(Value::Object(blocks)) => blocks.values().any(is_unknown),
        _ => false,
    }
}

/// The number of keys of the Condition (a block that is not an object counts as one).
fn key_count(s: &Map<String, Value>) -> usize {
    match s.get("Condition") {
        Some(Value::Object(blocks)) => blocks.values().map(|b| b.as_object().map_or(1, Map::len)).sum(),
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    }
}

/// Whether every entry of a Condition object is readable (no unknown block, no block that is
/// not an object), and there is at least one.
fn fully_read(s: &Map<String, Value>, entries: &[Entry]) -> bool {
    s.get("Condition").is_some_and(Value::is_object) && !unknown_condition(s) && !entries.is_empty() && entries.len() == key_count(s)
}

fn wide_value(e: &Entry) -> bool {
    (matches!(e.op.as_str(), "stringlike" | "arnlike") && e.values.iter().any(|v| !v.is_empty() && v.chars().all(|c| c == '*')))
        || (e.op == "ipaddress" && e.values.iter().any(|v| v == "0.0.0.0/0" || v == "::/0"))
}

/// Whether the entry pins the caller to listed networks, endpoints, organizations, accounts or
/// source resources (`pins_caller` in the Rego library).
pub fn pins_caller(e: &Entry) -> bool {
    PINNING_KEYS.contains(&e.key.as_str())
        && POSITIVE_OPERATORS.contains(&e.op.as_str())
        && !e.if_exists
        && e.set != "forallvalues"
        && e.known
        && !e.values.is_empty()
        && !wide_value(e)
}

/// Whether the entry is known not to pin the caller (`open_entry` in the Rego library).
pub fn open_entry(e: &Entry) -> bool {
    CALLER_KEYS.contains(&e.key.as_str()) || (PINNING_KEYS.contains(&e.key.as_str()) && !pins_caller(e))
}

/// Whether the entry pins the holder: [`pins_caller`], or MFA required (`Bool
/// aws:MultiFactorAuthPresent true`).
pub fn holder_pin(e: &Entry) -> bool {
    pins_caller(e) || (e.key == MFA_PRESENT && e.op == "bool" && !e.if_exists && e.values == ["true"])
}

fn holder_open(e: &Entry) -> bool {
    e.key == "iam:passedtoservice" || (open_entry(e) && !holder_pin(e))
}

/// How the holder reaches what an Allow statement grants (IAM-0004's `holder_reach`).
pub fn holder_reach(s: &Map<String, Value>) -> Reach {
    if !has_condition_field(s) {
        return Reach::Full;
    }
    let entries = entries(s);
    if entries.iter().any(holder_pin) {
        return Reach::Restricted;
    }
    if fully_read(s, &entries) && entries.iter().all(|e| e.known && holder_open(e)) {
        return Reach::Full;
    }
    Reach::Undecided
}

/// Whether an `iam:PassRole` grant of the statement may pass a role to `service`
/// (`lambda.amazonaws.com`) under its `iam:PassedToService` conditions (IAM-0004's
/// `may_pass_to`). Values that cannot be known may name any service (the statement's reach is
/// then [`Reach::Undecided`]).
pub fn may_pass_to(s: &Map<String, Value>, service: &str) -> bool {
    if !has_condition_field(s) {
        return true;
    }
    entries(s).iter().filter(|e| e.key == "iam:passedtoservice").all(|e| !e.known || passes(e, service))
}

fn passes(e: &Entry, service: &str) -> bool {
    // StringEquals compares literally: its `*` and `?` are not wildcards.
    let pattern = |v: &str| if e.op == "stringlike" { v.to_string() } else { v.replace(['*', '?'], "") };
    let hit = |v: &String| matches(&pattern(v), service, Case::Insensitive);
    match e.op.as_str() {
        "stringequals" | "stringequalsignorecase" | "stringlike" => e.values.iter().any(hit),
        "stringnotequals" | "stringnotequalsignorecase" | "stringnotlike" => !e.values.iter().any(hit),
        _ => false,
    }
}

/// Whether a Deny entry only applies to requests from outside pinned places (the negation of a
/// pinning Allow condition): a negated operator on a pinning key with known values that exclude
/// something, or `BoolIfExists aws:MultiFactorAuthPresent false` (requests without MFA,
/// long-term keys included). `Bool aws:MultiFactorAuthPresent false` lets long-term access keys
/// through, and `aws:SecureTransport` is chosen by the caller: neither is a guard.
pub fn guard_entry(e: &Entry) -> bool {
    let never_applies = (matches!(e.op.as_str(), "stringnotlike" | "arnnotlike")
        && e.values.iter().any(|v| !v.is_empty() && v.chars().all(|c| c == '*')))
        || (e.op == "notipaddress" && e.values.iter().any(|v| v == "0.0.0.0/0" || v == "::/0"));
    let network_guard = PINNING_KEYS.contains(&e.key.as_str())
        && NEGATED_OPERATORS.contains(&e.op.as_str())
        && e.set.is_empty()
        && e.known
        && !e.values.is_empty()
        && !never_applies;
    let mfa_guard = e.key == MFA_PRESENT && e.op == "bool" && e.if_exists && e.set.is_empty() && e.values == ["false"];
    network_guard || mfa_guard
}

/// What a Deny statement's Condition does to the Allows it covers (the Rego library's
/// `guard_deny` is [`DenyEffect::Restricts`]).
pub fn deny_effect(d: &Map<String, Value>) -> DenyEffect {
    if !has_condition_field(d) {
        return DenyEffect::Cancels;
    }
    let entries = entries(d);
    if fully_read(d, &entries) && entries.iter().all(guard_entry) { DenyEffect::Restricts } else { DenyEffect::None }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn st(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn entries_split_operators_and_textify_values() {
        let e = entries(&st(json!({"Condition": {"ForAnyValue:StringNotEqualsIfExists": {"AWS:SourceVpce": ["a", true, 3]}}})));
        assert_eq!(
            e,
            [Entry {
                op: "stringnotequals".into(),
                set: "foranyvalue",
                if_exists: true,
                key: "aws:sourcevpce".into(),
                values: vec!["a".into(), "true".into(), "3".into()],
                known: true
            }]
        );
        let e = entries(&st(json!({"Condition": {"StringEquals": {"aws:SourceVpce": ["a", {"$unknown": "x"}]}}})));
        assert!(!e[0].known);
    }

    #[test]
    fn holder_reach_categories() {
        let reach = |c: Value| holder_reach(&st(json!({"Effect": "Allow", "Condition": c})));
        assert_eq!(holder_reach(&st(json!({"Effect": "Allow"}))), Reach::Full);
        assert_eq!(reach(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})), Reach::Restricted);
        assert_eq!(reach(json!({"Bool": {"aws:MultiFactorAuthPresent": true}})), Reach::Restricted);
        assert_eq!(reach(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})), Reach::Full);
        assert_eq!(reach(json!({"Bool": {"aws:SecureTransport": "true"}})), Reach::Full);
        assert_eq!(reach(json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})), Reach::Full);
        assert_eq!(reach(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), Reach::Full);
        assert_eq!(reach(json!({"StringEquals": {"aws:ResourceTag/team": "x"}})), Reach::Undecided);
        assert_eq!(reach(json!({"StringEquals": {"aws:SourceVpce": {"$unknown": "var.x"}}})), Reach::Undecided);
        assert_eq!(reach(json!({})), Reach::Undecided);
        assert_eq!(reach(json!([1])), Reach::Undecided);
        assert_eq!(reach(json!({"$unknown": "var.c"})), Reach::Undecided);
    }

    #[test]
    fn passed_to_service_limits_the_services() {
        let s = st(json!({"Condition": {"StringLike": {"iam:PassedToService": ["lambda.*"]}}}));
        assert!(may_pass_to(&s, "lambda.amazonaws.com"));
        assert!(!may_pass_to(&s, "ec2.amazonaws.com"));
        let s = st(json!({"Condition": {"StringEquals": {"iam:PassedToService": "ec2*"}}}));
        assert!(!may_pass_to(&s, "ec2.amazonaws.com"), "StringEquals is literal");
        let s = st(json!({"Condition": {"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}));
        assert!(may_pass_to(&s, "lambda.amazonaws.com"));
        assert!(!may_pass_to(&s, "ec2.amazonaws.com"));
        assert!(may_pass_to(&st(json!({})), "ec2.amazonaws.com"));
        // A value that cannot be known may name the service; the reach is undecided.
        let s = st(json!({"Condition": {"StringEquals": {"iam:PassedToService": {"$unknown": "var.svc"}}}}));
        assert!(may_pass_to(&s, "ec2.amazonaws.com"));
        assert_eq!(holder_reach(&s), Reach::Undecided);
        // Another key's condition does not limit the services.
        assert!(may_pass_to(&st(json!({"Condition": {"Bool": {"aws:SecureTransport": true}}})), "ec2.amazonaws.com"));
    }

    #[test]
    fn deny_guards_restrict_other_conditions_do_nothing() {
        let effect = |c: Value| deny_effect(&st(json!({"Effect": "Deny", "Condition": c})));
        assert_eq!(deny_effect(&st(json!({"Effect": "Deny"}))), DenyEffect::Cancels);
        assert_eq!(effect(json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}})), DenyEffect::Restricts);
        assert_eq!(effect(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}})), DenyEffect::Restricts);
        assert_eq!(effect(json!({"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})), DenyEffect::Restricts);
        assert_eq!(effect(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": false}})), DenyEffect::Restricts);
        assert_eq!(
            effect(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringNotEquals": {"aws:SourceVpce": "vpce-1"}})),
            DenyEffect::Restricts
        );
        // Long-term keys carry no MFA key: a plain Bool lets them through.
        assert_eq!(effect(json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}})), DenyEffect::None);
        // The caller chooses TLS.
        assert_eq!(effect(json!({"Bool": {"aws:SecureTransport": "false"}})), DenyEffect::None);
        // A guard that never applies, a positive operator, a guard and a tag, unknown values.
        assert_eq!(effect(json!({"NotIpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), DenyEffect::None);
        assert_eq!(effect(json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})), DenyEffect::None);
        assert_eq!(
            effect(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"aws:PrincipalTag/x": "y"}})),
            DenyEffect::None
        );
        assert_eq!(effect(json!({"StringNotEquals": {"aws:PrincipalOrgID": {"$unknown": "var.org"}}})), DenyEffect::None);
        assert_eq!(effect(json!({"$unknown": "var.c"})), DenyEffect::None);
        assert_eq!(effect(json!({})), DenyEffect::None);
    }
}
