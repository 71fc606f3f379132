# METADATA
# id: K8S-0009
# name: capabilities-not-dropping-all
# title: Container does not drop all Linux capabilities
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose
#   `securityContext.capabilities.drop` list is missing or does not contain `ALL` (compared
#   case-insensitively). Capabilities exist only at container level, so a pod-level
#   securityContext cannot satisfy it.
# why: >-
#   Without `drop: [ALL]` a container keeps the container runtime's default capability set,
#   which includes CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, KILL, NET_BIND_SERVICE and,
#   with some runtimes, NET_RAW and MKNOD. A process that runs as root, or gains root, uses them
#   to override file permissions, change its identity, forge network packets on the pod network
#   and widen the kernel attack surface available for an escape. Dropping a few named
#   capabilities leaves the rest, and the default set differs between runtimes and versions.
# fix: >-
#   Set `capabilities.drop: ["ALL"]` in the securityContext of every container and add back
#   only what the process needs, typically nothing or NET_BIND_SERVICE to listen on a port
#   below 1024.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
#   - https://man7.org/linux/man-pages/man7/capabilities.7.html
# control: "seed 003 §1.2 Pod security policies: pods do not start with root privileges they do not need"
# mirrors: ["checkov:CKV_K8S_37", "trivy:KSV-0003"]
# controls: ["capabilities"]
package stridegate.rules.k8s_0009

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# The drop list is missing (or not a list).
# (The cheapest test, the one most containers fail, first.)
deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	not is_array(c.obj.securityContext.capabilities.drop)
	not capabilities_unknown(c)
	msg := sprintf("%s does not drop all capabilities: capabilities.drop is not set", [c.description])
	path := array.concat(c.path, ["securityContext", "capabilities", "drop"])
}

# The drop list exists but leaves out ALL (a list holding "ALL" as written is the common case,
# tested without a function call).
deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	drop := c.obj.securityContext.capabilities.drop
	is_array(drop)
	not "ALL" in drop
	not drops_all_or_unknown(drop)
	msg := sprintf("%s does not drop all capabilities: capabilities.drop lacks ALL", [c.description])
	path := array.concat(c.path, ["securityContext", "capabilities", "drop"])
}

drops_all_or_unknown(drop) if {
	some name in drop
	is_string(name)
	upper(trim_space(name)) == "ALL"
}

drops_all_or_unknown(drop) if {
	some name in drop
	k8s.is_unknown(name)
}

# Some level on the way to the drop list is an unknown value.
# (`x == {"$unknown": x["$unknown"]}` is k8s.is_unknown(x) for a mapping x, inline.)
capabilities_unknown(c) if c.obj.securityContext == {"$unknown": c.obj.securityContext["$unknown"]}

capabilities_unknown(c) if c.obj.securityContext.capabilities == {"$unknown": c.obj.securityContext.capabilities["$unknown"]}

capabilities_unknown(c) if c.obj.securityContext.capabilities.drop == {"$unknown": c.obj.securityContext.capabilities.drop["$unknown"]}
