//! AWS wildcard matching, the one matcher for IAM action and resource patterns.
//!
//! IAM policies know two wildcards: `*` matches any run of characters (including none) and `?`
//! exactly one character. Everything else is literal: `[`, `]`, `{`, `}`, `,`, `\` and `!` have
//! no special meaning (a glob library would read `iam:{Create,Put}*` as two patterns and fail on
//! `s3:Get[`). Actions compare case-insensitively, ARNs case-sensitively.
//!
//! Rego rules use the same matcher through the `stridegate.aws_wildcard_match(pattern, text,
//! ignore_case)` extension (see [`crate::engine`]) rather than `glob.match`.

/// Whether letter case matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// ARNs, resource names, object keys.
    Sensitive,
    /// Action names (`IAM:passrole` is `iam:PassRole`).
    Insensitive,
}

/// Whether `text` matches the AWS wildcard `pattern`.
///
/// Iterative with a single backtrack point (the last `*`), so it never recurses and takes at
/// most O(pattern × text) steps, linear in practice.
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    // (pattern position after the last `*`, text position that `*` has absorbed up to)
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let tc = char_at(text, ti);
        match p.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, ti));
                continue;
            }
            Some(_) => {
                let pc = char_at(pattern, pi);
                if pc == '?' || same(pc, tc, case) {
                    pi += pc.len_utf8();
                    ti += tc.len_utf8();
                    continue;
                }
            }
            None => {}
        }
        // Mismatch: let the last `*` absorb one more character, or fail.
        let Some((after_star, absorbed)) = star else { return false };
        let skipped = char_at(text, absorbed).len_utf8();
        star = Some((after_star, absorbed + skipped));
        pi = after_star;
        ti = absorbed + skipped;
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|b| *b == b'*'))
}

/// Whether an IAM action pattern (`s3:Get*`, `IAM:pass?ole`) matches an action name.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    matches(pattern, action, Case::Insensitive)
}

/// Whether a resource pattern (an ARN with wildcards, a bucket or object-key pattern) matches.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    matches(pattern, resource, Case::Sensitive)
}

/// Whether the pattern has a wildcard (so it may name more than one thing).
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// The character starting at byte `i` of `s` (`i` is always a character boundary here).
fn char_at(s: &str, i: usize) -> char {
    s.get(i..).and_then(|rest| rest.chars().next()).unwrap_or('\0')
}

fn same(a: char, b: char, case: Case) -> bool {
    a == b
        || (case == Case::Insensitive
            && if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(&b) } else { a.to_lowercase().eq(b.to_lowercase()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_star_and_question_mark_are_wildcards() {
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(action_matches("*", ""));
        assert!(action_matches("iam:Pass?ole", "iam:PassRole"));
        assert!(action_matches("IAM:passrole", "iam:PassRole"));
        assert!(!action_matches("iam:Pass?ole", "iam:PassXXRole"));
        // Glob syntax is literal.
        assert!(!action_matches("s3:Get[", "s3:GetObject"));
        assert!(action_matches("s3:Get[", "s3:get["));
        assert!(!action_matches("iam:{Create,Put}*", "iam:CreatePolicyVersion"));
        assert!(!action_matches("iam:{Create,Put}*", "iam:PutRolePolicy"));
        assert!(action_matches("iam:{Create,Put}*", "iam:{create,put}Policy"));
        assert!(!action_matches("s3:[GP]etObject", "s3:GetObject"));
        assert!(!action_matches(r"s3:Get\*", "s3:GetObject"));
        assert!(action_matches(r"s3:Get\*", r"s3:Get\Object"));
        assert!(!action_matches("s3:!Get*", "s3:PutObject"));
    }

    #[test]
    fn resources_are_case_sensitive_and_literal() {
        assert!(resource_matches("arn:aws:s3:::bucket[1]/*", "arn:aws:s3:::bucket[1]/key"));
        assert!(!resource_matches("arn:aws:s3:::bucket[12]/*", "arn:aws:s3:::bucket1/key"));
        assert!(!resource_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key"));
        assert!(resource_matches("services/*/prod/*", "services/crm/prod/x"));
        assert!(!resource_matches("services/*/prod/*", "services/crm/dev/x"));
        assert!(resource_matches("*-tf-state", "mercury-tf-state"));
        assert!(!resource_matches("abc", "abcd"));
        assert!(!resource_matches("a?c", "ac"));
    }

    #[test]
    fn question_mark_is_one_character_not_one_byte() {
        assert!(resource_matches("caf?", "café"));
        assert!(!resource_matches("caf??", "café"));
        assert!(resource_matches("*é*", "déjà"));
        assert!(action_matches("É*", "éte"));
    }

    #[test]
    fn backtracking_edge_cases() {
        let m = |p: &str, t: &str| action_matches(p, t);
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*aab", "aaaab"));
        assert!(!m("?", ""));
        assert!(m("a?c", "ABC"));
        assert!(m("**", "x"));
        assert!(m("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaab"));
        assert!(!m("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        // Long inputs stay fast (no exponential backtracking).
        let text = "a".repeat(10_000);
        assert!(!m(&format!("{}b", "*a".repeat(50)), &text));
    }
}
