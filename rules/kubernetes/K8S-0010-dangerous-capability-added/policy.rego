# METADATA
# id: K8S-0010
# name: dangerous-capability-added
# title: Container adds Linux capabilities beyond NET_BIND_SERVICE
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds every entry of `securityContext.capabilities.add` in containers, init containers and
#   ephemeral containers other than NET_BIND_SERVICE. Names are compared case-insensitively,
#   with or without the `CAP_` prefix. Adding ALL, SYS_ADMIN or SYS_MODULE is critical; other
#   capabilities that reach beyond the container (network administration, raw sockets, tracing,
#   raw I/O, BPF, clock, boot or MAC policy control) are high; the remaining ones are medium.
# why: >-
#   Capabilities split root's power into pieces, and each added piece widens what an attacker
#   who gains code execution in the container can do. SYS_ADMIN and ALL are close to running
#   privileged and lead to container escape; SYS_MODULE loads code into the node's kernel;
#   NET_ADMIN and NET_RAW allow traffic interception and spoofing on the pod network; SYS_PTRACE
#   reads and alters other processes' memory. Even capabilities the runtime grants by default
#   (CHOWN, SETUID, DAC_OVERRIDE...) should not be re-added once dropped without a clear need.
# fix: >-
#   Drop ALL capabilities (`capabilities.drop: ["ALL"]`) and add back only NET_BIND_SERVICE when
#   the process must bind a port below 1024. If a capability is truly needed, isolate the
#   workload, document the reason and keep the rest of its securityContext restricted.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
#   - https://man7.org/linux/man-pages/man7/capabilities.7.html
# control: "seed 003 §1.2 Pod security policies: pods do not start with root privileges they do not need"
# mirrors: ["checkov:CKV_K8S_25", "trivy:KSV-0022"]
# controls: ["capabilities"]
package stridegate.rules.k8s_0010

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# The one capability the Restricted Pod Security Standard lets a container add.
allowed := {"NET_BIND_SERVICE"}

# Capabilities that hand over the node (escape, kernel code loading).
critical := {"ALL", "SYS_ADMIN", "SYS_MODULE"}

# Capabilities that reach beyond the container's own files and processes.
high := {
	"NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF", "PERFMON",
	"SYS_BOOT", "SYS_TIME", "MAC_ADMIN", "MAC_OVERRIDE", "LINUX_IMMUTABLE", "SYSLOG",
	"SYS_RESOURCE", "SYS_PACCT", "SYS_TTY_CONFIG", "AUDIT_CONTROL", "AUDIT_READ",
	"CHECKPOINT_RESTORE", "BLOCK_SUSPEND", "WAKE_ALARM", "IPC_OWNER",
}

# "cap_sys_admin" -> "SYS_ADMIN"
normalize(name) := trim_prefix(upper(trim_space(name)), "CAP_")

severity_of(cap) := "critical" if critical[cap]

severity_of(cap) := "high" if high[cap]

severity_of(cap) := "medium" if {
	not critical[cap]
	not high[cap]
}

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some c in k8s.containers
	adds := c.obj.securityContext.capabilities.add
	is_array(adds)
	some i, raw in adds
	is_string(raw)
	cap := normalize(raw)
	cap != ""
	not allowed[cap]
	severity := severity_of(cap)
	msg := sprintf("%s adds capability %s", [c.description, cap])
	path := array.concat(c.path, ["securityContext", "capabilities", "add", i])
}
