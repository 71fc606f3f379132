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
#   allow_actions, allow_service_wildcards, allow_all_wildcards, allow_scoped_writes,
#   unmatched_actions: the action elements, listed once per document by what can matter to a
#            rule (src/iam/elements.rs), as [path, element, statement path] (unmatched_actions
#            adds the field): iterate these lists rather than every statement's values.
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

# Every statement by its path (["Statement", 0]), for the statement paths of the element lists.
statement_at := {base: s | some [base, s] in statements}

# Action elements of Allow statements, as [path, element, statement path], listed by stridegate
# (see the header): `*` and `*:*`; `<service>:*`; every other element; those of the others that
# grant Write or Permissions management actions accepting resource ARNs.
allow_all_wildcards := object.get(context, "allow_all_wildcards", [])

allow_service_wildcards := object.get(context, "allow_service_wildcards", [])

allow_actions := object.get(context, "allow_actions", [])

allow_scoped_writes := object.get(context, "allow_scoped_writes", [])

# [path, element, statement path, field] for each Action and NotAction element of any statement
# that matches no catalogue action or is not written service:action.
unmatched_actions := object.get(context, "unmatched_actions", [])

# [element, matched] for each element of `elements` (a list of the above) whose pattern matches
# some of `names` (as for `matching`), `matched` being the set of those names: one native call
# for a whole list.
matching_elements(elements, names) := stridegate.iam_matching_elements(elements, names)

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

# The elements of `names` (a set of action names, or an object of such sets by service) that the
# action pattern, or any of a list or set of patterns, matches: action_matches for each name, in
# one native call (stridegate.iam_matching), so a rule asks once per Action element instead of
# looping over its names. Names come back as written in `names`.
matching(patterns, names) := stridegate.iam_matching(patterns, names)

# The names of `names` (a set of action names) that the statement grants: `grants(s, x)` for
# each x, as set operations.
granted_names(s, names) := matching(strings(s, "Action"), names) | not_action_names(s, names)

not_action_names(s, names) := names - matching(strings(s, "NotAction"), names) if {
	_ = s.NotAction
	not is_unknown(s.NotAction)
} else := set()

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

# A string-or-list field whose every element is a known string (a list holding an unknown
# element is not).
known_strings(s, field) if is_string(s[field])

known_strings(s, field) if {
	is_array(s[field])
	every v in s[field] {
		is_string(v)
	}
}

# ---------------------------------------------------------------------------------------------
# Deny statements.
#
# An Allow is cancelled by a Deny of the same document that applies to everyone, with no
# Condition (a Condition that cannot be known, or an empty one left by a dropped condition
# block, counts as a condition: the Deny is then not relied on), whose Action covers the allowed
# action or pattern, and whose Resource covers every resource of the Allow.

# Deny statements that always apply (no Condition) and name no particular principal.
unconditional_denies contains s if {
	some [_, s] in statements
	s.Effect == "Deny"
	not has_condition_field(s)
	not _ = s.NotPrincipal
	for_everyone(s)
}

has_condition_field(s) if {
	_ = s.Condition
	s.Condition != null
}

for_everyone(s) if not _ = s.Principal

for_everyone(s) if s.Principal == "*"

for_everyone(s) if "*" in strings(s.Principal, "AWS")

# True when `pattern` (written with `*` only) matches every text `text` (a name or a pattern)
# stands for: `s3:*` covers `s3:Get*`; `arn:aws:s3:::*` covers `arn:aws:s3:::logs/*`. A `?` in
# `pattern` could match a `*` of `text` alone, so such patterns cover only what equals them.
covers(pattern, text, ignore_case) if {
	not contains(pattern, "?")
	stridegate.aws_wildcard_match(pattern, text, ignore_case)
}

covers(pattern, text, true) if lower(pattern) == lower(text)

covers(pattern, text, false) if pattern == text

# True when an unconditional Deny of the document removes `action` (an action name, or an
# Allow statement's action pattern) on every resource the Allow statement `s` applies to.
# Cheap when the document has no Deny (the common case): the loop is over Deny statements.
denied(s, action) if {
	some d in unconditional_denies
	deny_covers_action(d, action)
	deny_covers_resources(d, s)
}

deny_covers_action(d, action) if {
	some p in strings(d, "Action")
	covers(p, action, true)
}

# NotAction in a Deny removes every action it does not match, with AWS wildcards (`iam:Get*` in
# NotAction keeps every Get action): an action name it does not match, or a pattern none of whose
# actions it can match.
deny_covers_action(d, action) if {
	known_strings(d, "NotAction")
	every p in strings(d, "NotAction") {
		disjoint(p, action)
	}
}

# True when no action name matches both patterns. Two patterns with wildcards are disjoint when
# their texts before the first wildcard, or after the last, differ (every name both match starts
# with both prefixes and ends with both suffixes); otherwise they are taken to overlap.
disjoint(p, a) if {
	not regex.match(`[*?]`, a)
	not action_matches(p, a)
}

disjoint(p, a) if {
	regex.match(`[*?]`, a)
	not regex.match(`[*?]`, p)
	not action_matches(a, p)
}

disjoint(p, a) if {
	regex.match(`[*?]`, a)
	regex.match(`[*?]`, p)
	not affixes_agree(lower(p), lower(a))
}

affixes_agree(p, a) if {
	pp := regex.split(`[*?]`, p)
	ap := regex.split(`[*?]`, a)
	one_starts_the_other(pp[0], ap[0])
	one_ends_the_other(pp[count(pp) - 1], ap[count(ap) - 1])
}

one_starts_the_other(x, y) if startswith(x, y)

one_starts_the_other(x, y) if startswith(y, x)

one_ends_the_other(x, y) if endswith(x, y)

one_ends_the_other(x, y) if endswith(y, x)

deny_covers_resources(d, _) if "*" in strings(d, "Resource")

deny_covers_resources(d, s) if {
	not _ = s.NotResource
	known_strings(s, "Resource")
	count(strings(s, "Resource")) > 0
	every r in strings(s, "Resource") {
		some p in strings(d, "Resource")
		covers(p, r, false)
	}
}

# A Deny with a Condition is not relied on to cancel, but one whose every condition entry only
# applies to requests from outside pinned places restricts the Allows it covers to requests from
# those places, like a pinning Allow condition: a negated operator on a pinning key with values
# (`StringNotEquals aws:PrincipalOrgID`, `NotIpAddress aws:SourceIp`, `StringNotEqualsIfExists
# aws:SourceVpce`), or `BoolIfExists aws:MultiFactorAuthPresent false`. `Bool
# aws:MultiFactorAuthPresent false` lets long-term keys through and `aws:SecureTransport` is the
# caller's choice: neither is a guard. Same categories as src/iam/conditions.rs (tested).
guard_denies contains d if {
	some [_, d] in statements
	d.Effect == "Deny"
	not _ = d.NotPrincipal
	for_everyone(d)
	guard_deny(d)
}

guard_deny(d) if {
	is_object(d.Condition)
	not unknown_condition(d)
	entries := condition_entries(d)
	count(entries) > 0
	count(entries) == condition_key_count(d)
	every e in entries {
		guard_entry(e)
	}
}

guard_entry(e) if {
	e.key in pinning_keys
	e.op in negated_operators
	e.set == ""
	e.known
	count(e.values) > 0
	not never_applies(e)
}

guard_entry(e) if {
	e.key == "aws:multifactorauthpresent"
	e.op == "bool"
	e.if_exists
	e.set == ""
	e.values == ["false"]
}

never_applies(e) if {
	e.op in {"stringnotlike", "arnnotlike"}
	some v in e.values
	regex.match(`^\*+$`, v)
}

never_applies(e) if {
	e.op == "notipaddress"
	some v in e.values
	v in {"0.0.0.0/0", "::/0"}
}

# True when a guard Deny of the document covers `action` on every resource of the Allow `s`.
guard_denied(s, action) if {
	some d in guard_denies
	deny_covers_action(d, action)
	deny_covers_resources(d, s)
}

# ---------------------------------------------------------------------------------------------
# Conditions.
#
# condition_entries(s) lists each operator/key pair of a statement's Condition as
#   {"operator": as written, "op": base operator lowercased ("stringequals", "bool"...),
#    "set": "foranyvalue" | "forallvalues" | "", "if_exists": bool, "key": lowercased key,
#    "key_text": key as written, "values": [values as strings], "known": bool}
# Boolean and number values are turned into their text ("true"), as AWS compares them.
condition_entries(s) := [e |
	is_object(s.Condition)
	some operator, block in s.Condition
	is_object(block)
	some key, raw in block
	parts := operator_parts(operator)
	e := {
		"operator": operator,
		"op": parts[1],
		"set": parts[0],
		"if_exists": parts[2],
		"key": lower(key),
		"key_text": key,
		"values": condition_values(raw),
		"known": known_values(raw),
	}
]

# condition_entries of each statement with a Condition object, by statement path, computed once
# per document for every rule that reads them.
condition_entries_at[base] := entries if {
	some [base, s] in statements
	is_object(s.Condition)
	entries := condition_entries(s)
}

operator_parts(operator) := [set, base, if_exists] if {
	lo := lower(operator)
	set := set_qualifier(lo)
	rest := trim_prefix(trim_prefix(lo, "foranyvalue:"), "forallvalues:")
	if_exists := endswith(rest, "ifexists")
	base := trim_suffix(rest, "ifexists")
}

set_qualifier(lo) := "foranyvalue" if {
	startswith(lo, "foranyvalue:")
} else := "forallvalues" if {
	startswith(lo, "forallvalues:")
} else := ""

value_text(v) := v if is_string(v)

value_text(v) := sprintf("%v", [v]) if is_boolean(v)

value_text(v) := sprintf("%v", [v]) if is_number(v)

condition_values(raw) := [t | some v in raw; t := value_text(v)] if {
	is_array(raw)
} else := [value_text(raw)] if {
	is_string(value_text(raw))
} else := []

known_values(raw) if {
	is_array(raw)
	every v in raw {
		value_text(v)
	}
}

known_values(raw) if is_string(value_text(raw))

# Operators that let a request in only when the key has one of the listed values.
positive_operators := {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}

# Operators that let a request in when the key has none of the listed values.
negated_operators := {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"}

# Keys naming where a request comes from or who sends it, which a caller cannot choose: a
# positive condition on one of them pins the caller.
pinning_keys := {
	"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:principalorgid", "aws:principalorgpaths",
	"aws:principalaccount", "aws:principalarn", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid",
	"aws:sourceorgpaths", "aws:sourceowner", "aws:vpcsourceip", "aws:userid", "aws:username",
}

# Keys whose value the caller chooses or any caller can satisfy: conditions on them never make
# a public principal private.
caller_keys := {
	"aws:useragent", "aws:referer", "aws:securetransport", "aws:requestedregion", "aws:currenttime",
	"aws:epochtime", "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime",
	"aws:viaawsservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:principaltype",
	"aws:principalisawsservice",
}

# A value that lets every request in: "*" with a Like operator, 0.0.0.0/0 or ::/0.
wide_value(e) if {
	e.op in {"stringlike", "arnlike"}
	some v in e.values
	regex.match(`^\*+$`, v)
}

wide_value(e) if {
	e.op == "ipaddress"
	some v in e.values
	v in {"0.0.0.0/0", "::/0"}
}

# True when the condition entry pins the caller to listed networks, endpoints, organizations,
# accounts or source resources.
pins_caller(e) if {
	e.key in pinning_keys
	e.op in positive_operators
	not e.if_exists
	e.set != "forallvalues"
	e.known
	count(e.values) > 0
	not wide_value(e)
}

# True when the condition entry is known not to pin the caller: a caller-chosen key, or a
# pinning key used with a negated operator, IfExists, ForAllValues, Null, or a value letting
# everyone in.
open_entry(e) if e.key in caller_keys

open_entry(e) if {
	e.key in pinning_keys
	not pins_caller(e)
}

# Reachability of a statement for an anonymous or any-account caller:
#   "none": no Condition;  "restricted": a condition pins the caller;
#   "open": every condition is known not to pin the caller;
#   "undecided": no condition pins the caller and some cannot be judged (a service-specific or
#   tag key, an unknown value, a condition dropped because it could not be evaluated).
public_reach(s) := "none" if {
	not has_condition_field(s)
} else := "restricted" if {
	some e in condition_entries(s)
	pins_caller(e)
} else := "open" if {
	is_object(s.Condition)
	count(s.Condition) > 0
	not unknown_condition(s)
	entries := condition_entries(s)
	count(entries) > 0
	count(entries) == condition_key_count(s)
	every e in entries {
		e.known
		open_entry(e)
	}
} else := "undecided"

condition_key_count(s) := sum([n | some _, block in s.Condition; n := block_size(block)])

block_size(block) := count(block) if {
	is_object(block)
} else := 1

# The keys of a statement's conditions that decide nothing here, as written (for messages).
condition_key_texts(s) := sort({e.key_text | some e in condition_entries(s)})

# ---------------------------------------------------------------------------------------------
# Resources.

# True when the resource ARN `r` matches every resource of a kind of the service of `action` in
# any region and account: "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:cloudtrail:*:*:trail/*",
# "arn:aws:sqs:*:*:*". (S3 ARNs have no type part: "arn:aws:s3:::logs/*" is one bucket.)
wide_arn(r, action) if {
	parts := split(r, ":")
	count(parts) >= 6
	parts[0] == "arn"
	service := lower(parts[2])
	wide_service(service, lower(split(action, ":")[0]))
	parts[3] in {"", "*"}
	parts[4] in {"", "*"}
	resource := concat(":", array.slice(parts, 5, count(parts)))
	wide_resource(service, resource)
	arn_applies(r, action)
}

# True unless the catalogue says the ARN is of a type the action does not act on ("s3:PutObject"
# on "arn:aws:s3:::*", bucket ARNs, grants nothing). Only exact actions written in the document
# carry resource_arns in $context; for the others it cannot tell, and the ARN counts.
arn_applies(_, action) if count(object.get(action_info(action), "resource_arns", [])) == 0

arn_applies(r, action) if {
	some re in object.get(action_info(action), "resource_arns", [])
	regex.match(re, r)
}

wide_service("*", _) := true

wide_service(service, action_service) if service == action_service

wide_resource(_, resource) if resource in {"*", "*/*"}

wide_resource(service, resource) if {
	service != "s3"
	regex.match(`^[A-Za-z][A-Za-z0-9-]*[/:]\*$`, resource)
}

# How statement `s` reaches every resource `action` may act on (undefined when it does not):
# "NotResource", "Resource \"*\"", or the first ARN matching every resource of its kind.
resource_scope(s, action) := "NotResource" if {
	_ = s.NotResource
} else := "Resource \"*\"" if {
	"*" in strings(s, "Resource")
} else := sprintf("Resource %q matches every resource of its kind", [wide[0]]) if {
	not is_unknown(s.Resource)
	wide := sort([r | some r in strings(s, "Resource"); wide_arn(r, action)])
	count(wide) > 0
}

# How each statement reaches every resource whatever the action, by statement path, computed once
# per document: "NotResource" or "Resource \"*\"" (absent otherwise).
statement_scopes[base] := scope if {
	some [base, s] in statements
	scope := action_free_scope(s)
}

action_free_scope(s) := "NotResource" if {
	_ = s.NotResource
} else := "Resource \"*\"" if {
	"*" in strings(s, "Resource")
}

# [resource, service] for each Resource ARN of each statement (by statement path) that matches
# every resource of a kind of its service in any region and account, whatever the action: the
# part of `wide_arn` that does not depend on the action, computed once per document.
wide_resources_at[base] := wide if {
	some [base, s] in statements
	not is_unknown(s.Resource)
	wide := [[r, service] |
		some r in strings(s, "Resource")
		parts := split(r, ":")
		count(parts) >= 6
		parts[0] == "arn"
		service := lower(parts[2])
		parts[3] in {"", "*"}
		parts[4] in {"", "*"}
		wide_resource(service, concat(":", array.slice(parts, 5, count(parts))))
	]
	count(wide) > 0
}

# `resource_scope(s, action)` for the statement `s` at path `base`, from the tables above: the same
# answer, without walking the statement's resources for every action.
resource_scope_at(base, _, _) := statement_scopes[base]

resource_scope_at(base, s, action) := sprintf("Resource %q matches every resource of its kind", [wide[0]]) if {
	not statement_scopes[base]
	not is_unknown(s.Resource)
	action_service := lower(split(action, ":")[0])
	wide := sort([r |
		some [r, service] in wide_resources_at[base]
		wide_service(service, action_service)
		arn_applies(r, action)
	])
	count(wide) > 0
}

# [path, element, matched, scope] for each Action element (and each NotAction) of the identity
# policy's Allow statements that grants, on every resource, actions of `by_service` (a map from
# lowercased service prefix to lowercased action names), once any unconditional Deny of the
# document is taken away. "*" and "<service>:*" elements are left to IAM-0001. `matched` is the
# sorted list of actions granted.
unscoped_grants(by_service) := {[path, a, matched, scope] |
	policy_type == "identity"
	some [[path, a, base], names] in matching_elements(allow_actions, by_service)
	s := statement_at[base]
	matched := sort(on_every_resource(base, s, names) - denied_names(s, names))
	count(matched) > 0
	scope := resource_scope_at(base, s, matched[0])
} | {[path, "NotAction", matched, scope] |
	policy_type == "identity"
	some [base, s] in allow_statements
	known_strings(s, "NotAction")
	path := array.concat(base, ["NotAction"])
	all_names := {x | some _, names in by_service; some x in names}
	granted := granted_names(s, all_names)
	matched := sort(on_every_resource(base, s, granted) - denied_names(s, granted))
	count(matched) > 0
	scope := resource_scope_at(base, s, matched[0])
}

# The actions of the set `names` that statement `s` at path `base` grants on every resource (a
# statement on every resource needs no check per action).
on_every_resource(base, s, names) := names if {
	statement_scopes[base]
} else := {x | some x in names; resource_scope_at(base, s, x)}

# The actions of the set `names` an unconditional Deny of the document removes from statement `s`.
denied_names(s, names) := {x | some x in names; denied(s, x)} if {
	count(unconditional_denies) > 0
} else := set()
