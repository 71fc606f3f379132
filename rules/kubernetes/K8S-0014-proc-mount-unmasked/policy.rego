# METADATA
# id: K8S-0014
# name: proc-mount-unmasked
# title: Container mounts /proc unmasked
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose securityContext sets
#   `procMount: Unmasked`.
# why: >-
#   The container runtime normally masks and mounts read-only the sensitive parts of /proc and
#   /sys (kcore, sysrq-trigger, keys, timer lists, firmware...). An Unmasked proc mount exposes
#   them to the container: it can read kernel memory layout and host information, and write to
#   interfaces that affect the whole node, which makes container escape and node-wide damage
#   far easier.
# fix: >-
#   Remove `procMount` or set it to `Default`. Unmasked /proc is only meant for nested container
#   runtimes in user-namespaced pods (`hostUsers: false`); run those on dedicated nodes.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# mirrors: ["trivy:KSV-0027", "kube-linter:unsafe-proc-mount"]
# controls: ["proc mount", "unmasked proc"]
package stridegate.rules.k8s_0014

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	c.obj.securityContext.procMount == "Unmasked"
	msg := sprintf("%s mounts /proc unmasked", [c.description])
	path := array.concat(c.path, ["securityContext", "procMount"])
}
