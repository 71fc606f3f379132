# METADATA
# id: IAM-0010
# name: cross-account-trust-without-mfa-or-external-id
# title: Role trusts an AWS account, user or role without MFA or an external id
# severity: medium
# since: "0.1.0"
# stride: [spoofing, elevation-of-privilege, lateral-movement]
# applies_to:
#   platform: iam
#   kinds: ["PolicyDocument"]
#   policy_types: [resource, trust]
# what: >-
#   Finds trust policy statements that allow sts:AssumeRole to an AWS account (a 12-digit id or
#   arn:aws:iam::<id>:root), an IAM user or an IAM role (or role session), and whose condition
#   uses none of aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge and sts:ExternalId (keys
#   compared case-insensitively). Service and federated (SAML, OIDC) principals are not
#   concerned, nor are principals whose value cannot be known, such as an ARN built from
#   `data.aws_caller_identity`. stridegate does not know which account owns the role, so a
#   principal of the same account is reported too. The presence of the condition key is
#   checked, not its value.
# why: >-
#   A trust policy naming an account lets every identity of that account that is allowed
#   sts:AssumeRole into the role, so a single leaked access key there becomes access here. For
#   people, requiring MFA keeps a stolen long-lived key from being enough; for a third party
#   acting for several customers, sts:ExternalId prevents the confused-deputy problem, where
#   another customer of that vendor gets the vendor to assume your role.
# fix: >-
#   For roles people assume, add a condition such as `"Bool": {"aws:MultiFactorAuthPresent":
#   "true"}` (or a NumericLessThan on aws:MultiFactorAuthAge). For roles a vendor or another
#   system assumes, agree on an external id and require it with
#   `"StringEquals": {"sts:ExternalId": "<id>"}`. Better still, let people reach the account
#   through IAM Identity Center or a SAML/OIDC federation, which issues temporary credentials
#   after the identity provider's MFA.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
# control: "seed 002 Security Requirements, Authentication: support for multi-factor authentication (MFA) should be strongly encouraged or enforced; Existing Security Controls: use of temporary AWS credentials (STS) to minimize the impact of credential compromise"
# controls: ["mfa", "multi-factor authentication", "external id"]
package stridegate.rules.iam_0010

import data.stridegate.lib.iam
import rego.v1

# Condition keys that satisfy the rule, lowercased.
guard_keys := {"aws:multifactorauthpresent", "aws:multifactorauthage", "sts:externalid"}

# What an AWS principal value names: [kind, account].
principal_kind(v) := ["account", v] if regex.match(`^[0-9]{12}$`, v)

principal_kind(v) := ["account", parts[1]] if {
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:iam::([0-9]{12}):root$`, v, 1)[0]
}

principal_kind(v) := ["user", parts[1]] if {
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:iam::([0-9]{12}):user/.+$`, v, 1)[0]
}

principal_kind(v) := ["role", parts[1]] if {
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/.+$`, v, 1)[0]
}

principal_kind(v) := ["role", parts[1]] if {
	parts := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:sts::([0-9]{12}):assumed-role/.+$`, v, 1)[0]
}

advice := {
	"account": "require aws:MultiFactorAuthPresent if people assume it, or sts:ExternalId if a third party does",
	"user": "people should need MFA (aws:MultiFactorAuthPresent or aws:MultiFactorAuthAge)",
	"role": "require sts:ExternalId agreed with the system or third party that assumes it",
}

described(kind, v, account) := sprintf("account %s", [account]) if kind == "account"

described(kind, v, _) := sprintf("%s %s", [kind, v]) if kind != "account"

# A trust policy granting sts:AssumeRole. A document of a `data "aws_iam_policy_document"` is
# classified by content, and `sts:*` makes it look like a resource policy: there, an sts: action
# pattern that covers sts:AssumeRole is required (no other resource policy names sts: actions).
assume_role(s) if {
	iam.policy_type == "trust"
	iam.grants(s, "sts:AssumeRole")
}

assume_role(s) if {
	iam.policy_type == "resource"
	some p in iam.strings(s, "Action")
	startswith(lower(p), "sts:")
	iam.action_matches(p, "sts:AssumeRole")
}

deny contains {"msg": msg, "path": path} if {
	some [base, s] in iam.allow_statements
	assume_role(s)
	count(iam.condition_keys(s) & guard_keys) == 0
	not iam.unknown_condition(s)
	some [path, "AWS", v] in iam.principals(s, base)
	[kind, account] := principal_kind(v)
	msg := sprintf("%s may assume this role without MFA or an external id: %s", [described(kind, v, account), advice[kind]])
}
