# METADATA
# id: K8S-0036
# name: workload-uses-default-service-account
# title: Pods run as the namespace's default service account
# severity: low
# since: "0.1.0"
# stride: [elevation-of-privilege, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds workloads whose pod spec names no service account (`serviceAccountName`, or the
#   deprecated `serviceAccount`) or names `default`, pointing at the field (or at the pod spec
#   when it is missing). Pods that opt out of the API token with
#   `automountServiceAccountToken: false` are not reported.
# why: >-
#   Every pod of the namespace that names no service account shares the `default` one, and with
#   it whatever roles anyone ever bound to it. One workload's need for an API permission then
#   becomes every workload's permission, and the API server's audit log cannot tell the
#   workloads apart.
# fix: >-
#   Create a ServiceAccount for each workload, set `serviceAccountName` in its pod spec, and bind
#   roles only to it. Workloads that never call the Kubernetes API should also set
#   `automountServiceAccountToken: false`.
# references:
#   - https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts
#   - https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/
# control: "seed 004 External threats: every pod with a service account has a token at /var/run/secrets/kubernetes.io/serviceaccount/token that an attacker with code execution can use"
# mirrors: ["kube-linter:default-service-account"]
# controls: ["default service account", "dedicated service account"]
package stridegate.rules.k8s_0036

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# The pod spec as written: only a real mapping defines a pod that can be judged.
spec := s if {
	s := object.get(input, k8s.pod_spec_path, null)
	is_object(s)
	not s == {"$unknown": s["$unknown"]} # not k8s.is_unknown(s), inline
}

deny contains {"msg": msg, "path": path} if {
	not spec.automountServiceAccountToken == false
	field := named_by
	spec[field] == "default"
	msg := sprintf("pods run as the default service account (%s: default)", [field])
	path := array.concat(k8s.pod_spec_path, [field])
}

deny contains {"msg": "pods name no service account and run as the default one", "path": path} if {
	not spec.automountServiceAccountToken == false
	object.get(spec, "serviceAccountName", null) in unset_values
	object.get(spec, "serviceAccount", null) in unset_values
	path := array.concat(k8s.pod_spec_path, ["serviceAccountName"])
}

# The field that names the service account: serviceAccountName, else the deprecated
# serviceAccount (an empty string is unset, as in the API).
named_by := "serviceAccountName" if {
	not object.get(spec, "serviceAccountName", null) in unset_values
} else := "serviceAccount" if {
	not object.get(spec, "serviceAccount", null) in unset_values
}

unset_values := {null, ""}
