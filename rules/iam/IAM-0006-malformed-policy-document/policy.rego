# METADATA
# id: IAM-0006
# name: malformed-policy-document
# title: Policy document breaks the IAM policy grammar
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, denial-of-service]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds policy documents that do not follow the IAM JSON policy grammar: text that is not valid
#   JSON, no Statement, a Version other than "2012-10-17" or "2008-10-17", a statement without Effect or with an
#   Effect other than "Allow" or "Deny", a statement without Action or NotAction (or with both),
#   with both Resource and NotResource, an identity-policy statement without Resource, an unknown
#   condition operator (the AWS operator list, with the IfExists suffix and the ForAllValues: and
#   ForAnyValue: prefixes), a Sid used by two statements, and, outside trust policies, a Resource
#   that is neither "*" nor an ARN. Unknown actions are IAM-0007, an outdated Version IAM-0008.
# why: >-
#   IAM rejects most of these documents when the policy is created, so the apply fails halfway
#   and leaves the previous, possibly broader, policy in place; services that store resource
#   policies without full validation keep a statement that does not mean what its author read
#   into it: a misspelled condition operator or a bucket name where an ARN belongs never matches,
#   so the Deny or the scoping it was meant to provide silently does nothing.
# fix: >-
#   Correct the element the finding points at: valid JSON (no trailing commas or comments),
#   Version "2012-10-17", Effect "Allow" or "Deny", operators spelled as in the AWS list
#   (StringEquals, ArnLike, Bool...), unique Sids, and full ARNs
#   ("arn:aws:s3:::bucket/*") in Resource. IAM Access Analyzer policy validation reports the
#   same errors before deployment.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-validation.html
package stridegate.rules.iam_0006

import data.stridegate.lib.iam
import rego.v1

# Condition operators, from the IAM User Guide page "IAM JSON policy elements: Condition
# operators" (reference_policies_elements_condition_operators.html).
base_operators := {
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
	"StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
	"NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
	"DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
	"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
}

# The same, lowercased. Written out rather than computed from `base_operators`, because a
# computed value would be recomputed for every document (tests/rules_data.rs keeps them in sync).
base_operator_names := {
	"stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase",
	"stringlike", "stringnotlike",
	"numericequals", "numericnotequals", "numericlessthan", "numericlessthanequals",
	"numericgreaterthan", "numericgreaterthanequals",
	"dateequals", "datenotequals", "datelessthan", "datelessthanequals",
	"dategreaterthan", "dategreaterthanequals",
	"bool", "binaryequals", "ipaddress", "notipaddress",
	"arnequals", "arnlike", "arnnotequals", "arnnotlike",
}

# An operator with at most one set prefix (ForAllValues:, ForAnyValue:), as its lowercased
# rest.
operator_body(lo) := trim_prefix(lo, "forallvalues:") if {
	startswith(lo, "forallvalues:")
} else := trim_prefix(lo, "foranyvalue:") if {
	startswith(lo, "foranyvalue:")
} else := lo

# Every operator except Null takes the IfExists suffix; all take the set prefixes. Checked
# structurally, case-insensitively, rather than against a set of every combination.
operator(op) if operator_body(lower(op)) == "null"

operator(op) if trim_suffix(operator_body(lower(op)), "ifexists") in base_operator_names

valid_versions := {"2012-10-17", "2008-10-17"}

has(s, field) if _ = s[field]

# The document could not be read.
deny contains {"msg": msg, "path": []} if {
	error := iam.context.error
	is_string(error)
	msg := error
}

deny contains {"msg": "policy has no Statement", "path": ["Statement"]} if {
	not iam.context.error
	not _ = input.Statement
}

deny contains {"msg": msg, "path": ["Version"]} if {
	v := input.Version
	is_string(v)
	not v in valid_versions
	msg := sprintf("%q is not a policy language Version (use \"2012-10-17\")", [v])
}

deny contains {"msg": "statement has no Effect", "path": base} if {
	some [base, s] in iam.statements
	not has(s, "Effect")
}

deny contains {"msg": msg, "path": array.concat(base, ["Effect"])} if {
	some [base, s] in iam.statements
	is_string(s.Effect)
	not s.Effect in {"Allow", "Deny"}
	msg := sprintf("%q is not a valid Effect (use \"Allow\" or \"Deny\")", [s.Effect])
}

deny contains {"msg": "statement has neither Action nor NotAction", "path": base} if {
	some [base, s] in iam.statements
	not has(s, "Action")
	not has(s, "NotAction")
}

deny contains {"msg": "statement has both Action and NotAction", "path": array.concat(base, ["NotAction"])} if {
	some [base, s] in iam.statements
	has(s, "Action")
	has(s, "NotAction")
}

deny contains {"msg": "statement has both Resource and NotResource", "path": array.concat(base, ["NotResource"])} if {
	some [base, s] in iam.statements
	has(s, "Resource")
	has(s, "NotResource")
}

deny contains {"msg": "identity policy statement has neither Resource nor NotResource", "path": base} if {
	iam.policy_type == "identity"
	some [base, s] in iam.statements
	not has(s, "Resource")
	not has(s, "NotResource")
}

deny contains {"msg": msg, "path": array.concat(base, ["Condition", op])} if {
	some [base, s] in iam.statements
	is_object(s.Condition)
	some op, _ in s.Condition
	not operator(op)
	msg := sprintf("%q is not an IAM condition operator", [op])
}

# [Sid, index] of every statement of a Statement array that has a Sid, sorted: statements sharing
# a Sid are neighbours, first one first (sorting once keeps this linear in the number of
# statements rather than comparing every pair).
sids := sort([[s.Sid, base[1]] |
	some [base, s] in iam.statements
	count(base) == 2
	is_string(s.Sid)
	s.Sid != ""
])

# Every statement after the first with a given Sid.
deny contains {"msg": msg, "path": ["Statement", i, "Sid"]} if {
	some k, [sid, i] in sids
	k > 0
	sids[k - 1][0] == sid
	msg := sprintf("%q is already the Sid of an earlier statement", [sid])
}

deny contains {"msg": msg, "path": path} if {
	iam.policy_type != "trust"
	some [base, s] in iam.statements
	some field in ["Resource", "NotResource"]
	not iam.is_unknown(s[field])
	some [path, r] in iam.values(s, field, base)
	r != "*"
	not startswith(r, "arn:")
	msg := sprintf("%q in %s is neither \"*\" nor an ARN", [r, field])
}
