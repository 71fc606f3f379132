# METADATA
# id: K8S-0013
# name: unsafe-sysctls
# title: Pod sets sysctls outside the safe set
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, denial-of-service, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds entries of the pod's `securityContext.sysctls` whose name is not in the set the
#   Kubernetes Pod Security Standards (Baseline) treat as safe: kernel.shm_rmid_forced,
#   net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies,
#   net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time,
#   net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl and net.ipv4.tcp_keepalive_probes.
#   Names written with `/` separators are normalized first.
# why: >-
#   Only the safe sysctls are both namespaced and isolated from other pods. Other kernel
#   parameters either are not namespaced (they change the whole node) or can weaken kernel
#   protections and exhaust shared kernel resources, so one workload can degrade or subvert every
#   pod on the node. A cluster only runs such pods when a node explicitly allows unsafe sysctls,
#   which is itself a sign of an exception that needs review.
# fix: >-
#   Remove the sysctl, or move the tuning to node configuration managed by the platform team and
#   schedule the workload on dedicated, tainted nodes. Keep `securityContext.sysctls` to the safe
#   names.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/
# control: "seed 003 §1.2 Pod security policies: pods cannot change node-level settings beyond what they need"
# mirrors: ["trivy:KSV-0026", "kube-linter:unsafe-sysctls"]
# controls: ["sysctl", "sysctls"]
package stridegate.rules.k8s_0013

import data.stridegate.lib.kubernetes as k8s
import rego.v1

safe_sysctls := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
}

# The kubelet accepts "net/ipv4/tcp_syncookies" for "net.ipv4.tcp_syncookies". A slash-separated
# name that contains a dot names a parameter whose own name has a dot (an interface name), which
# is never in the safe set.
normalized(name) := name if not contains(name, "/")

normalized(name) := concat(".", split(name, "/")) if {
	contains(name, "/")
	not contains(name, ".")
}

safe(name) if safe_sysctls[normalized(name)]

deny contains {"msg": msg, "path": path} if {
	sysctls := k8s.pod_security_context.sysctls
	is_array(sysctls)
	some i, s in sysctls
	name := s.name
	is_string(name)
	not safe(name)
	msg := sprintf("pod sets unsafe sysctl %s", [name])
	path := array.concat(k8s.pod_security_context_path, ["sysctls", i, "name"])
}
