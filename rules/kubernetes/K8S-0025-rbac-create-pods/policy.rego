# METADATA
# id: K8S-0025
# name: rbac-create-pods
# title: Role can create pods or workloads that run pods
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds Role and ClusterRole rules that grant `create` (or `*`) on pods or on a kind that
#   creates pods (Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs, CronJobs,
#   ReplicationControllers) in its API group, directly or through a wildcard resource, pointing at
#   the resource entry.
# why: >-
#   Whoever can create a pod chooses what it runs and with which service account, volumes and
#   security context. In its namespace that means mounting any Secret or ConfigMap, running as any
#   service account and reusing its token, and, unless admission control forbids it, starting a
#   privileged pod with the node's filesystem mounted: a short path to the node and everything on
#   it.
# fix: >-
#   Give pod and workload creation only to the deployment pipeline or controller that needs it, in
#   a namespaced Role rather than a ClusterRole, and enforce the `restricted` Pod Security Standard
#   on the namespace so created pods cannot reach the node.
# references:
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation
#   - https://kubernetes.io/docs/concepts/security/pod-security-admission/
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["kube-linter:access-to-create-pods"]
# controls: ["least privilege", "rbac", "workload creation"]
package stridegate.rules.k8s_0025

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

# Resource -> the API groups in which it runs pods ("*": every one of them).
pod_creators := {
	"pods": {""},
	"replicationcontrollers": {""},
	"deployments": {"apps", "extensions"},
	"daemonsets": {"apps", "extensions"},
	"replicasets": {"apps", "extensions"},
	"statefulsets": {"apps"},
	"jobs": {"batch"},
	"cronjobs": {"batch"},
	"*": {"", "apps", "extensions", "batch"},
}

deny contains {"msg": msg, "path": path} if {
	some r in rbac.policy_rules
	count(r.verbs & {"create", "*"}) > 0
	some i, s in r.resources
	groups := pod_creators[s]
	count(r.groups & (groups | {"*"})) > 0
	msg := message(r.index, s)
	path := array.concat(r.path, ["resources", i])
}

message(index, "*") := sprintf("rule %d allows creating every resource, pods and workloads included", [index])

message(index, "pods") := sprintf("rule %d allows creating pods", [index])

message(index, s) := sprintf("rule %d allows creating %s, which run pods", [index, s]) if {
	not s in {"*", "pods"}
}
