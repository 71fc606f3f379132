# Shared helpers for IAM policy rules.
#
# `input` is one policy document in AWS's JSON shape (Version, Statement, Effect, Action,
# Resource, Principal, Condition...), wherever it was written: a JSON file, a Terraform heredoc
# or jsonencode(), a data "aws_iam_policy_document" (converted to the same shape). Paths in
# `deny` results use that shape (["Statement", 0, "Action", 2]) and land on the exact place the
# part was written.
#
# input["$context"] is computed by stridegate:
#   type:    "identity" | "resource" | "trust"
#   source:  where the document came from ("aws_iam_role.ci.assume_role_policy")
#   actions: for each action pattern in the document, lowercased:
#            {"count": matched catalogue actions, "levels": [access levels],
#             "scoped_levels": [levels of matched actions that accept resource ARNs],
#             "service_known": bool}
#   error:   set when the document could not be read (invalid JSON)
# Values that cannot be known are {"$unknown": "<reason>"}: never report a violation from them.
package stridegate.lib.iam

import rego.v1

context := object.get(input, "$context", {})

policy_type := object.get(context, "type", "identity")

is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}

# Statements as [path, statement] pairs (Statement may be one object or an array).
statements contains [["Statement", i], s] if {
	is_array(input.Statement)
	some i, s in input.Statement
	is_object(s)
}

statements contains [["Statement"], input.Statement] if is_object(input.Statement)

allow_statements contains [path, s] if {
	some [path, s] in statements
	object.get(s, "Effect", "") == "Allow"
}

# The values of a string-or-list field as [path, value] pairs (known strings only).
values(s, field, base) := [[array.concat(base, [field]), v] |
	v := s[field]
	is_string(v)
] if {
	is_string(s[field])
} else := [[array.concat(base, [field, i]), v] |
	is_array(s[field])
	some i, v in s[field]
	is_string(v)
]

# Every string of a string-or-list field (empty when absent or unknown).
strings(s, field) := {v | some [_, v] in values(s, field, [])}

# The catalogue facts for an action pattern (empty object when unknown).
action_info(pattern) := object.get(object.get(context, "actions", {}), lower(pattern), {})

# True when an IAM action pattern matches the action name as AWS matches them: `*` is any run of
# characters, `?` one character, everything else literal (`[`, `{`, `\` are not glob syntax),
# case-insensitively. Never use glob.match for IAM patterns.
action_matches(pattern, action) if stridegate.aws_wildcard_match(pattern, action, true)

# True when a resource pattern (an ARN with * and ?) matches the ARN, case-sensitively.
resource_matches(pattern, arn) if stridegate.aws_wildcard_match(pattern, arn, false)

# True when the statement grants `action` (through Action, or through NotAction that does not
# exclude it).
grants(s, action) if {
	some p in strings(s, "Action")
	action_matches(p, action)
}

grants(s, action) if {
	_ = s.NotAction
	not is_unknown(s.NotAction)
	excluded := {p | some p in strings(s, "NotAction"); action_matches(p, action)}
	count(excluded) == 0
}

# True when the statement applies to every resource ("*" in Resource, or NotResource).
all_resources(s) if "*" in strings(s, "Resource")

all_resources(s) if {
	_ = s.NotResource
}

# True when the statement has at least one condition.
has_condition(s) if {
	is_object(s.Condition)
	count(s.Condition) > 0
}

# True when the statement's Condition cannot be known (a condition block whose operator or key
# is computed): rules that look for a condition key must stay silent.
unknown_condition(s) if is_unknown(s.Condition)

unknown_condition(s) if {
	is_object(s.Condition)
	some _, block in s.Condition
	is_unknown(block)
}

# Condition keys used by the statement, lowercased.
condition_keys(s) := {lower(k) |
	is_object(s.Condition)
	some _, block in s.Condition
	is_object(block)
	some k, _ in block
}

# Principal entries as [path, type, value] ("*" for `Principal: "*"`); `base` is the
# statement's path.
principals(s, base) := {[array.concat(base, ["Principal"]), "*", "*"]} if {
	s.Principal == "*"
} else := {[path, t, v] |
	is_object(s.Principal)
	some t, _ in s.Principal
	some [path, v] in values(s.Principal, t, array.concat(base, ["Principal"]))
}
