# METADATA
# id: K8S-0023
# name: rbac-wildcard-in-rules
# title: Role grants wildcard verbs, resources or API groups
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, information-disclosure]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds each `*` in the `verbs`, `resources` (including `*/subresource`) and `apiGroups` of a
#   Role's or ClusterRole's rules, pointing at the wildcard itself. A rule that grants every verb
#   on every resource in every API group (the rights of `cluster-admin`) is critical; a wildcard
#   in `apiGroups` alone is medium.
# why: >-
#   A wildcard grants far more than the workload was written for, and grows silently: every verb,
#   resource and API group added to the cluster later (custom resources included) is granted too.
#   Wildcard verbs include `escalate`, `bind` and `impersonate`, and wildcard resources include
#   secrets, so a compromised holder of the role can often make itself cluster administrator.
# fix: >-
#   List the exact verbs, resources and API groups the workload needs (`kubectl auth can-i
#   --list` and the API server audit log show what it really uses). Keep wildcards for
#   administrators, bound through the built-in `cluster-admin` role to named people.
# references:
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
#   - https://kubernetes.io/docs/reference/access-authn-authz/rbac/
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["kube-linter:wildcard-in-rules", "checkov:CKV_K8S_49"]
# controls: ["least privilege", "rbac", "role-based access control"]
package stridegate.rules.k8s_0023

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

labels := {"verbs": "every verb", "resources": "every resource", "apiGroups": "every API group"}

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some r in rbac.policy_rules
	some field, entries in {"verbs": r.verb_entries, "resources": r.resources, "apiGroups": r.group_entries}
	some i, s in entries
	s == "*"
	msg := message(r, field, s)
	severity := severity_of(r, field)
	path := array.concat(r.path, [field, i])
}

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some r in rbac.policy_rules
	some i, s in r.resources
	startswith(s, "*/")
	msg := message(r, "resources", s)
	severity := severity_of(r, "resources")
	path := array.concat(r.path, ["resources", i])
}

message(r, _, _) := sprintf("rule %d grants every verb on every resource in every API group (cluster-admin rights)", [r.index]) if {
	full_admin(r)
}

message(r, field, s) := sprintf("rule %d grants %s (%q in %s)", [r.index, what(field, s), s, field]) if {
	not full_admin(r)
}

what(field, "*") := labels[field]

what(_, s) := sprintf("subresource %q of every resource", [trim_prefix(s, "*/")]) if s != "*"

full_admin(r) if {
	r.verbs["*"]
	r.resource_set["*"]
	r.groups["*"]
}

severity_of(r, _) := "critical" if full_admin(r)

severity_of(r, field) := "high" if {
	not full_admin(r)
	field != "apiGroups"
}

severity_of(r, "apiGroups") := "medium" if not full_admin(r)
