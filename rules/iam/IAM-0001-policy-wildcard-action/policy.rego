# METADATA
# id: IAM-0001
# name: policy-wildcard-action
# title: Policy allows every action, or every action of a service
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity, resource]
# what: >-
#   Finds Allow statements of identity and resource policies whose Action is "*" (every action
#   of every service: critical) or "<service>:*" (every action of one service: high), one
#   finding per such action. Trust policies (and "sts:*" granted to a principal) are left to the
#   trust-policy rules. In resource policies, statements whose only principals are AWS account
#   roots ("arn:aws:iam::111122223333:root") are skipped: they delegate to that account's IAM
#   policies, as the default KMS key policy does. A wildcard cancelled by an unconditional Deny
#   of the same document (same or broader pattern, covering the Allow's resources) is skipped:
#   "iam:*" allowed and denied is not administrator access.
# why: >-
#   A wildcard action grants everything the service can do, including actions added later,
#   deletion, and the permission and policy changes that lead to full account takeover.
#   "*" on every resource is administrator access; "iam:*", "sts:*" or "kms:*" alone are enough
#   to escalate to it. A compromised workload or user then has no boundary at all.
# fix: >-
#   List the actions the principal actually uses (IAM Access Analyzer policy generation or the
#   service last accessed data show them), and scope Resource to the ARNs it needs. Keep "*"
#   for break-glass administrator roles managed outside application code.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
#   - https://aws.amazon.com/blogs/security/remove-unnecessary-permissions-in-your-iam-policies-by-using-service-last-accessed-data/
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["checkov:CKV_AWS_62", "checkov:CKV_AWS_63"]
# controls: ["least privilege"]
package stridegate.rules.iam_0001

import data.stridegate.lib.iam
import rego.v1

# A resource-policy statement that only names account roots delegates to their IAM policies.
account_root(v) if regex.match(`^arn:aws[a-z-]*:iam::[0-9]{12}:root$`, v)

account_root(v) if regex.match(`^[0-9]{12}$`, v)

delegates_to_accounts(s, base) if {
	iam.policy_type == "resource"
	entries := iam.principals(s, base)
	count(entries) > 0
	every e in entries {
		e[1] == "AWS"
		account_root(e[2])
	}
}

# "*" and "*:*" elements of Allow statements.
deny contains {"msg": msg, "path": path, "severity": "critical"} if {
	iam.policy_type != "trust"
	some [path, a, base] in iam.allow_all_wildcards
	s := iam.statement_at[base]
	not delegates_to_accounts(s, base)
	not iam.denied(s, a)
	msg := sprintf("statement allows every action of every service (%q)", [a])
}

# "sts:*" granted to a principal only means something in a trust policy, which the trust-policy
# rules check (a data "aws_iam_policy_document" is classified by content).
trust_statement(s, a) if {
	lower(a) == "sts:*"
	some field in ["Principal", "NotPrincipal"]
	_ = s[field]
}

# "<service>:*" elements of Allow statements (the service prefix made of letters, digits and
# dashes).
deny contains {"msg": msg, "path": path, "severity": "high"} if {
	iam.policy_type != "trust"
	some [path, a, base] in iam.allow_service_wildcards
	s := iam.statement_at[base]
	not delegates_to_accounts(s, base)
	not trust_statement(s, a)
	not iam.denied(s, a)
	msg := sprintf("statement allows every action of service %s (%q)", [split(a, ":")[0], a])
}
