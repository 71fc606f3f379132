# Shared helpers for Kubernetes RBAC rules (`input` is a Role or a ClusterRole).
#
# A role grants its rules' verbs on its rules' resources in its rules' API groups. These helpers
# read the rules type-safely (a rule that is not a mapping, a list that is not a list and an
# element that is not a string are ignored, so unknown Terraform values never count) and match
# them the way the RBAC authorizer does: `*` in verbs, apiGroups and resources matches
# everything; in resources, `*/sub` matches subresource `sub` of every resource. A rule without
# `apiGroups` is rejected by the API server, so it grants nothing here either.
package stridegate.lib.kubernetes_rbac

import rego.v1

# Every rule of the role that is a mapping: {"index", "obj", "path"}.
policy_rules contains r if {
	rules := input.rules
	is_array(rules)
	some i, obj in rules
	is_object(obj)
	not is_unknown(obj)
	r := {"index": i, "obj": obj, "path": ["rules", i]}
}

# [index, string] for each string element of rule[field] (a list).
entries(rule, field) := {[i, s] |
	l := object.get(rule, field, [])
	is_array(l)
	some i, s in l
	is_string(s)
}

# The strings of rule[field].
values(rule, field) := {s | some [_, s] in entries(rule, field)}

# The rule covers API group g.
group_matches(rule, g) if {
	some x in values(rule, "apiGroups")
	x in {g, "*"}
}

# The rule grants verb v.
verb_granted(rule, v) if {
	some x in values(rule, "verbs")
	x in {v, "*"}
}

# The verbs of `wanted` the rule grants.
granted(rule, wanted) := {v | some v in wanted; verb_granted(rule, v)}

# A resource pattern of a rule matches resource `res` ("secrets", "pods/exec").
resource_matches(pattern, _) if pattern == "*"

resource_matches(pattern, res) if pattern == res

resource_matches(pattern, res) if {
	startswith(pattern, "*/")
	parts := split(res, "/")
	count(parts) == 2
	pattern == concat("", ["*/", parts[1]])
}

# True for a rule limited to named objects (a non-empty `resourceNames` list of strings).
restricted_by_name(rule) if {
	names := rule.resourceNames
	is_array(names)
	count(names) > 0
	every n in names {
		is_string(n)
	}
}

# The role as text for messages: `ClusterRole "reader"`.
describe := sprintf("%s %q", [input.kind, as_text(object.get(object.get(input, "metadata", {}), "name", ""))]) if {
	is_object(object.get(input, "metadata", {}))
} else := sprintf("%s (unnamed)", [input.kind])

as_text(x) := x if is_string(x)

as_text(x) := sprintf("%v", [x]) if not is_string(x)

is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}
