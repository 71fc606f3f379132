# METADATA
# id: K8S-0017
# name: missing-resource-limits
# title: Container has no CPU or memory limit
# severity: medium
# since: "0.1.0"
# stride: [denial-of-service]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers and init containers without `resources.limits.cpu` or without
#   `resources.limits.memory`; each missing limit is reported on its own. Ephemeral containers
#   are not checked, since Kubernetes does not let them set resources.
# why: >-
#   A container without limits can take all the CPU and memory of its node. A bug, a traffic
#   spike or an attacker feeding it expensive requests then starves every other pod scheduled
#   there, triggers evictions and turns one compromised or overloaded workload into a node-wide
#   outage. Limits also bound what a cryptominer planted in the container can consume.
# fix: >-
#   Set `resources.limits.cpu` and `resources.limits.memory` on every container (and matching
#   requests), sized from observed usage. A LimitRange in the namespace can supply defaults, but
#   explicit limits keep the manifest self-describing.
# references:
#   - https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
#   - https://kubernetes.io/docs/concepts/policy/limit-range/
# control: "seed 001 Denial of service: Kubernetes heals the cluster and scales instances up to a max capacity"
# mirrors: ["checkov:CKV_K8S_11", "checkov:CKV_K8S_13", "trivy:KSV-0011", "trivy:KSV-0018", "kube-linter:unset-cpu-requirements", "kube-linter:unset-memory-requirements"]
# controls: ["resource limits", "cpu limit", "memory limit"]
package stridegate.rules.k8s_0017

import data.stridegate.lib.kubernetes as k8s
import rego.v1

checked_types := {"containers", "initContainers"}

resources := ["cpu", "memory"]

# Limits that cannot be known (an unresolved value somewhere along the path) are not reported.
unknown_limits(c) if k8s.is_unknown(c.obj.resources)

unknown_limits(c) if k8s.is_unknown(c.obj.resources.limits)

# A limit written as null or "" is no limit.
unset_values := {null, ""}

# (Mappings of the wrong type are unknown markers in c.obj: see k8s.containers.)
deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	checked_types[c.type]
	some r in resources
	object.get(c.obj, ["resources", "limits", r], null) in unset_values
	not unknown_limits(c)
	msg := sprintf("%s has no %s limit", [c.description, r])
	path := array.concat(c.path, ["resources", "limits", r])
}
