# METADATA
# id: K8S-0031
# name: role-bound-to-default-service-account
# title: RoleBinding or ClusterRoleBinding grants a role to a default service account
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: [RoleBinding, ClusterRoleBinding]
# what: >-
#   Finds RoleBindings and ClusterRoleBindings with a subject of kind `ServiceAccount` named
#   `default`, pointing at the subject.
# why: >-
#   Every namespace has a `default` service account, and every pod that names no service account
#   runs as it. A role bound to it is therefore granted to every such pod of the namespace,
#   present and future, including ones deployed without any thought of RBAC; compromising any of
#   them yields the role's rights.
# fix: >-
#   Create a dedicated ServiceAccount for the workload that needs the role, bind the role to it,
#   and set `serviceAccountName` in that workload's pod spec. Leave the `default` service account
#   without bindings (and with `automountServiceAccountToken: false`).
# references:
#   - https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# controls: ["least privilege", "rbac", "default service account"]
package stridegate.rules.k8s_0031

import rego.v1

deny contains {"msg": msg, "path": ["subjects", i]} if {
	subjects := input.subjects
	is_array(subjects)
	some i, s in subjects
	is_object(s)
	s.kind == "ServiceAccount"
	s.name == "default"
	msg := sprintf("binds %s to the default service account of namespace %q", [role(input.roleRef), namespace(s)])
}

role(ref) := sprintf("%s %q", [ref.kind, ref.name]) if {
	is_object(ref)
	is_string(ref.kind)
	is_string(ref.name)
} else := "its role"

namespace(s) := s.namespace if is_string(s.namespace)

namespace(s) := own_namespace if not is_string(s.namespace)

own_namespace := ns if {
	metadata := input.metadata
	is_object(metadata)
	ns := metadata.namespace
	is_string(ns)
} else := "default"
