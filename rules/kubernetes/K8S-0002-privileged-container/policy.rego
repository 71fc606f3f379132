# METADATA
# id: K8S-0002
# name: privileged-container
# title: Container runs in privileged mode
# severity: critical
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose securityContext sets
#   `privileged: true`.
# why: >-
#   A privileged container has every Linux capability and access to all host devices; it can
#   load kernel modules, mount the host filesystem and escape to the node, which hands an
#   attacker who compromises the application the whole node and everything scheduled on it.
# fix: >-
#   Remove `privileged: true` (or set it to false). Grant only the specific capabilities the
#   workload needs with `capabilities.add`, and run it unprivileged.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
# control: "seed 003 §1.2 Pod security policies: pods cannot start in privileged mode"
# mirrors: ["checkov:CKV_K8S_16", "trivy:KSV-0017", "kube-linter:privileged-container"]
# controls: ["privileged"]
package stridegate.rules.k8s_0002

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	c.obj.securityContext.privileged == true
	msg := sprintf("%s runs privileged", [c.description])
	path := array.concat(c.path, ["securityContext", "privileged"])
}
