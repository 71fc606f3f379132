# METADATA
# id: K8S-0027
# name: rbac-escalate-bind-impersonate
# title: Role can escalate or bind roles, or impersonate users, groups or service accounts
# severity: critical
# since: "0.1.0"
# stride: [elevation-of-privilege, spoofing, repudiation]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds Role and ClusterRole rules that grant `escalate` or `bind` on `roles` or
#   `clusterroles` (API group `rbac.authorization.k8s.io`), or `impersonate` on `users`,
#   `groups` or `serviceaccounts` (core group) or on `uids` and `userextras/...`
#   (`authentication.k8s.io`), pointing at the verb entry. A wildcard verb or resource counts.
# why: >-
#   These verbs switch off RBAC's own protection against privilege escalation. `escalate` lets
#   the holder write a role with rights it does not have, `bind` lets it bind any role (such as
#   `cluster-admin`) to itself, and `impersonate` lets it act as any user, group (including
#   `system:masters`) or service account, with audit logs showing the impersonated identity. Each
#   is a path to cluster administrator.
# fix: >-
#   Remove these verbs. A controller that has to manage RBAC should get `bind` only on the named
#   roles it hands out (`resourceNames`), and impersonation should be limited to named users or
#   service accounts.
# references:
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
#   - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
#   - https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["checkov:CKV_K8S_157", "checkov:CKV_K8S_158"]
# controls: ["least privilege", "rbac", "privilege escalation", "impersonation"]
package stridegate.rules.k8s_0027

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

# [verb, API group, resource] triples that escalate.
targets := {
	["escalate", "rbac.authorization.k8s.io", "roles"],
	["escalate", "rbac.authorization.k8s.io", "clusterroles"],
	["bind", "rbac.authorization.k8s.io", "roles"],
	["bind", "rbac.authorization.k8s.io", "clusterroles"],
	["impersonate", "", "users"],
	["impersonate", "", "groups"],
	["impersonate", "", "serviceaccounts"],
	["impersonate", "authentication.k8s.io", "uids"],
}

verb_labels := {
	"escalate": "escalate roles (write rules it does not hold)",
	"bind": "bind roles it does not hold",
	"impersonate": "impersonate other identities",
}

deny contains {"msg": msg, "path": path} if {
	some r in rbac.policy_rules
	some i, v in r.verb_entries
	v in {"escalate", "bind", "impersonate", "*"}
	some [verb, group, resource] in targets
	v in {verb, "*"}
	count(r.groups & {group, "*"}) > 0
	count(r.resource_set & {resource, "*"}) > 0
	msg := message(r.index, v)
	path := array.concat(r.path, ["verbs", i])
}

# userextras/<key> holds one subresource per extra key: any of them.
deny contains {"msg": msg, "path": path} if {
	some r in rbac.policy_rules
	some i, v in r.verb_entries
	v in {"impersonate", "*"}
	count(r.groups & {"authentication.k8s.io", "*"}) > 0
	some s in r.resource_set
	startswith(s, "userextras/")
	msg := message(r.index, v)
	path := array.concat(r.path, ["verbs", i])
}

message(index, "*") := sprintf("rule %d grants every verb on roles or identities, escalate, bind or impersonate included", [index])

message(index, v) := sprintf("rule %d allows the holder to %s", [index, verb_labels[v]]) if v != "*"
