# METADATA
# id: K8S-0024
# name: rbac-read-secrets
# title: Role can read Secrets
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, elevation-of-privilege, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds Role and ClusterRole rules that grant `get`, `list` or `watch` (or `*`) on `secrets` in
#   the core API group, directly or through a wildcard resource, pointing at the resource entry.
#   A rule limited to named Secrets with `resourceNames` is not reported.
# why: >-
#   Secrets hold database passwords, API keys, TLS keys and the tokens of other service accounts.
#   Whoever holds the role (or steals the token of a service account bound to it) can read all of
#   them in the role's scope, every namespace for a ClusterRole bound cluster-wide, and use them to
#   move to other workloads, external systems or more privileged accounts. `list` and `watch`
#   return the Secrets' contents too, not just their names.
# fix: >-
#   Remove the access, or limit it to the Secrets the workload needs with `resourceNames` and the
#   `get` verb in a namespaced Role. Prefer mounting the Secret into the pod, or an external secret
#   store, over reading Secrets through the API.
# references:
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets
#   - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["kube-linter:access-to-secrets"]
# controls: ["least privilege", "rbac", "access to secrets", "secret access"]
package stridegate.rules.k8s_0024

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

read_verbs := {"get", "list", "watch"}

deny contains {"msg": msg, "path": path} if {
	some r in rbac.policy_rules
	count(r.groups & {"", "*"}) > 0
	some i, s in r.resources
	s in {"secrets", "*"} # "*/sub" never matches a resource without a subresource
	verbs := {v | some v in read_verbs; count(r.verbs & {v, "*"}) > 0}
	count(verbs) > 0
	not rbac.restricted_by_name(r.obj)
	msg := message(r.index, s, verbs)
	path := array.concat(r.path, ["resources", i])
}

message(index, "secrets", verbs) := sprintf("rule %d allows %s on secrets", [index, concat(", ", sort(verbs))])

message(index, s, verbs) := sprintf("rule %d allows %s on every resource (%q), secrets included", [index, concat(", ", sort(verbs)), s]) if {
	s != "secrets"
}
