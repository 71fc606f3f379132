# METADATA
# id: IAM-0023
# name: over-broad-set-condition
# title: ForAllValues or ForAnyValue condition that lets every request in
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, spoofing]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds Allow statements whose condition uses a set operator in a way that restricts nothing:
#   `ForAllValues` with StringLike/ArnLike "*" (every value matches, and a request carrying no
#   value passes too), and `ForAnyValue` with a negated operator (StringNotEquals,
#   StringNotLike, ArnNotEquals, ArnNotLike, NotIpAddress), which passes as soon as one value of
#   the request differs from the list, so a caller adds any other value to get in.
# why: >-
#   Set operators compare every value of a multivalued key (aws:TagKeys,
#   aws:PrincipalServiceNamesList, aws:CalledVia...). Written this way the condition looks like
#   a restriction in review but every request satisfies it, so the statement is as open as if
#   it had no condition.
# fix: >-
#   Use ForAllValues with the exact values allowed (and a `Null` check that the key is present
#   when an absent key must not pass), and ForAllValues rather than ForAnyValue with negated
#   operators ("none of the values is in the list").
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
package stridegate.rules.iam_0023

import data.stridegate.lib.iam
import rego.v1

negated := {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"}

problem(e) := "ForAllValues with a \"*\" pattern matches every value, and requests carrying none" if {
	e.set == "forallvalues"
	e.op in {"stringlike", "arnlike"}
	some v in e.values
	regex.match(`^\*+$`, v)
}

problem(e) := "ForAnyValue with a negated operator passes as soon as one value differs from the list: a caller adds any other value to get in" if {
	e.set == "foranyvalue"
	e.op in negated
}

deny contains {"msg": msg, "path": path} if {
	some [base, _] in iam.allow_statements
	some e in iam.condition_entries_at[base]
	e.set != ""
	text := problem(e)
	path := array.concat(base, ["Condition", e.operator, e.key_text])
	msg := sprintf("%s on %s: %s", [e.operator, e.key_text, text])
}
