# METADATA
# id: IAM-0022
# name: weak-mfa-condition
# title: MFA condition that does not require MFA
# severity: medium
# since: "0.1.0"
# stride: [spoofing, elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds conditions on aws:MultiFactorAuthPresent that do not do what they seem to: in an Allow,
#   `Bool` or `BoolIfExists` with "false" (grants the statement to requests made without MFA:
#   high), `BoolIfExists` with "true" (the key is absent from requests signed with long-term
#   access keys, so they pass without MFA), and `Null` with "false" (only checks that the key is
#   present, which it is for sessions created without MFA, with the value false); in a Deny,
#   `Bool` with "false" (requests signed with long-term access keys carry no such key and are
#   not denied: use `BoolIfExists`).
# why: >-
#   MFA conditions guard the most sensitive actions of a policy. Written this way, the guard
#   lets through exactly the requests it was meant to stop: a stolen long-lived access key, or a
#   session obtained without a second factor, can perform the action as if MFA had been
#   checked.
# fix: >-
#   To require MFA in an Allow, use `"Bool": {"aws:MultiFactorAuthPresent": "true"}` (absent
#   keys fail Bool). To refuse requests without MFA in a Deny, use `"BoolIfExists":
#   {"aws:MultiFactorAuthPresent": "false"}`, which also matches requests signed with long-term
#   access keys. Never allow on "false".
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
package stridegate.rules.iam_0022

import data.stridegate.lib.iam
import rego.v1

mfa_key := "aws:multifactorauthpresent"

# [statement path, statement, condition entry] for every MFA condition of a statement.
mfa_entries contains [base, s, e] if {
	some [base, s] in iam.statements
	some e in iam.condition_entries_at[base]
	e.key == mfa_key
	e.known
}

# The message and severity of a misused MFA condition, by effect, operator and value.
problem("Allow", "bool", false, "false") := ["allows requests made without MFA", "high"]

problem("Allow", "bool", true, "false") := ["allows requests made without MFA, and requests signed with long-term access keys", "high"]

problem("Allow", "bool", true, "true") := ["BoolIfExists passes requests signed with long-term access keys, which carry no MFA key: MFA is not required for them", "medium"]

problem("Allow", "null", false, "false") := ["Null \"false\" only checks that the MFA key is present: sessions created without MFA carry it too, as false", "medium"]

problem("Deny", "bool", false, "false") := ["Bool \"false\" does not match requests signed with long-term access keys, which carry no MFA key: they are not denied (use BoolIfExists)", "medium"]

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some [base, s, e] in mfa_entries
	effect := object.get(s, "Effect", "")
	some v in {lower(x) | some x in e.values}
	[text, severity] := problem(effect, e.op, e.if_exists, v)
	path := array.concat(base, ["Condition", e.operator, e.key_text])
	msg := sprintf("%s condition on aws:MultiFactorAuthPresent %q: %s", [e.operator, v, text])
}
