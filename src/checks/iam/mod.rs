//! Native IAM rules (one file per rule, `iam_<id>_<name>.rs`): those that join policies with
//! the rest of the scan, and IAM-0006, native for speed (issue 12), and what they share. The
//! rules are registered in `checks::NATIVE_RULES`.

pub mod iam_0006_malformed_policy_document;
pub mod iam_0020_state_access_not_team_scoped;
pub mod iam_0021_privilege_escalation_across_policies;

use serde_json::Value;

use crate::iam::catalogue::ActionPattern;
use crate::iam::policy::strings;

/// The granted subset of `actions` for a statement (through Action, or NotAction that does not
/// exclude them).
pub(crate) fn granted(statement: &serde_json::Map<String, Value>, actions: &[(&str, &str)]) -> Vec<String> {
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
