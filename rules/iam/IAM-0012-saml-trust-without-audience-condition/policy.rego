# METADATA
# id: IAM-0012
# name: saml-trust-without-audience-condition
# title: Role trusts a SAML provider without a SAML:aud condition
# severity: medium
# since: "0.1.0"
# stride: [spoofing]
# applies_to:
#   platform: iam
#   kinds: ["PolicyDocument"]
#   policy_types: [resource, trust]
# what: >-
#   Finds trust policy statements that allow sts:AssumeRoleWithSAML to a SAML provider
#   (`Federated` principal `arn:aws:iam::<account>:saml-provider/<name>`) and have no condition
#   on `SAML:aud` (the key is compared case-insensitively; its value is not judged). Multi-factor
#   authentication is not asked for: aws:MultiFactorAuthPresent is absent from federated
#   sessions, and MFA belongs to the identity provider's sign-in policy. Providers whose ARN
#   cannot be known are not reported.
# why: >-
#   `SAML:aud` is the URL the SAML assertion was addressed to. Requiring the AWS sign-in endpoint
#   there, as the IAM console does for every SAML role it creates, ensures the role is assumed
#   only with assertions the identity provider issued for AWS sign-in, rather than with any
#   assertion signed by that provider that reaches STS.
# fix: >-
#   Add `"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}` to the statement
#   (list the regional sign-in endpoints too if your identity provider uses them).
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html
# control: "seed 002 Existing Security Controls: authentication via Okta (SAML); Security Requirements: all users must be authenticated via a trusted identity provider (Okta)"
# controls: ["saml"]
package stridegate.rules.iam_0012

import data.stridegate.lib.iam
import rego.v1

# A trust policy statement granting `action`. A `data "aws_iam_policy_document"` is classified by
# content, and `sts:*` makes it look like a resource policy, where an sts: pattern is required.
assumes(s, action) if {
	iam.policy_type == "trust"
	iam.grants(s, action)
}

assumes(s, action) if {
	iam.policy_type == "resource"
	some p in iam.strings(s, "Action")
	startswith(lower(p), "sts:")
	iam.action_matches(p, action)
}

# A Condition that cannot be known (a `condition` block whose test or variable is computed)
# may hold the pinning: stay silent. An empty Condition object cannot be judged either.
undecidable(s) if iam.unknown_condition(s)

undecidable(s) if {
	is_object(s.Condition)
	count(s.Condition) == 0
}

deny contains {"msg": msg, "path": path} if {
	some [base, s] in iam.allow_statements
	assumes(s, "sts:AssumeRoleWithSAML")
	not "saml:aud" in iam.condition_keys(s)
	not undecidable(s)
	some [path, "Federated", v] in iam.principals(s, base)
	contains(v, ":saml-provider/")
	msg := sprintf("role trusts SAML provider %s with no SAML:aud condition", [v])
}
