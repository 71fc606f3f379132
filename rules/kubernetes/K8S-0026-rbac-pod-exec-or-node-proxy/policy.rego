# METADATA
# id: K8S-0026
# name: rbac-pod-exec-or-node-proxy
# title: Role can exec into, attach to or port-forward pods, or proxy to nodes
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds Role and ClusterRole rules that grant `create` or `get` (or `*`) on `pods/exec`,
#   `pods/attach` or `pods/portforward`, or any verb on `nodes/proxy`, in the core API group,
#   directly or through a wildcard resource, pointing at the resource entry.
# why: >-
#   `pods/exec` and `pods/attach` run commands inside existing pods with their identity, mounted
#   Secrets and service-account tokens; `pods/portforward` opens a tunnel to ports that network
#   policies were meant to keep private. `nodes/proxy` reaches the kubelet API of every node,
#   which runs commands in any pod on it and bypasses admission control and audit of those
#   commands.
# fix: >-
#   Keep these subresources for break-glass administrator roles bound to named people, not for
#   workloads or broad groups. Limit a debugging role to one namespace and, where possible, to
#   named pods with `resourceNames`.
# references:
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalation-paths
#   - https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/#kubelet-authorization
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# controls: ["least privilege", "rbac", "exec into pods", "pod exec"]
package stridegate.rules.k8s_0026

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

# Resource entry -> the subresources it names.
targets := {
	"pods/exec": {"pods/exec"},
	"pods/attach": {"pods/attach"},
	"pods/portforward": {"pods/portforward"},
	"nodes/proxy": {"nodes/proxy"},
	"*/exec": {"pods/exec"},
	"*/attach": {"pods/attach"},
	"*/portforward": {"pods/portforward"},
	"*/proxy": {"nodes/proxy"},
	"*": {"pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"},
}

# Shell and tunnel subresources are used with create or get; nodes/proxy with any verb.
deny contains {"msg": msg, "path": path} if {
	some r in rbac.policy_rules
	count(r.groups & {"", "*"}) > 0
	some i, s in r.resources
	named := targets[s]
	used := {t | some t in named; t != "nodes/proxy"; count(r.verbs & {"create", "get", "*"}) > 0} | {t | named["nodes/proxy"]; count(r.verbs) > 0; t := "nodes/proxy"}
	count(used) > 0
	msg := message(r.index, s)
	path := array.concat(r.path, ["resources", i])
}

message(index, "*") := sprintf("rule %d allows every resource, pods/exec, pods/attach, pods/portforward and nodes/proxy included", [index])

message(index, s) := sprintf("rule %d allows %s", [index, s]) if s != "*"
