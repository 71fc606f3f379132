# Shared helpers for Kubernetes RBAC rules (`input` is a Role or a ClusterRole).
#
# A role grants its rules' verbs on its rules' resources in its rules' API groups, matched the
# way the RBAC authorizer does: `*` in verbs, apiGroups and resources matches everything; in
# resources, `*/sub` matches subresource `sub` of every resource. A rule without `apiGroups` is
# rejected by the API server, so it grants nothing here either.
#
# The rules are read once per role into sets (`policy_rules`), type-safely: a rule that is not
# a mapping, a list that is not a list and an element that is not a string are ignored, so
# unknown Terraform values never count. Rules test them with set operations
# (`count(r.groups & {"", "*"}) > 0`) rather than helper functions: regorus caches a rule's value
# for the whole evaluation of a role, shared by every policy, but evaluates a function again on
# each call, and a function call in the inner loop of a policy costs more than the rest of it.
package stridegate.lib.kubernetes_rbac

import rego.v1

# Every rule of the role that is a mapping:
#   index, obj (the rule as written), path (to the rule),
#   verbs, groups, resource_set: the strings of verbs, apiGroups and resources,
#   verb_entries, group_entries, resources: position -> string for the same lists (to point
#   at an element).
policy_rules contains r if {
	rules := input.rules
	is_array(rules)
	some i, obj in rules
	is_object(obj)
	not is_unknown(obj)
	verb_entries := {k: s | l := obj.verbs; is_array(l); some k, s in l; is_string(s)}
	group_entries := {k: s | l := obj.apiGroups; is_array(l); some k, s in l; is_string(s)}
	resources := {k: s | l := obj.resources; is_array(l); some k, s in l; is_string(s)}
	r := {
		"index": i,
		"obj": obj,
		"path": ["rules", i],
		"verb_entries": verb_entries,
		"group_entries": group_entries,
		"resources": resources,
		"verbs": {s | some s in verb_entries},
		"groups": {s | some s in group_entries},
		"resource_set": {s | some s in resources},
	}
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

is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}
