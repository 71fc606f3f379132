# METADATA
# id: K8S-0015
# name: writable-root-filesystem
# title: Container root filesystem is writable
# severity: medium
# since: "0.1.0"
# stride: [tampering, elevation-of-privilege]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose securityContext does not set
#   `readOnlyRootFilesystem: true` (the field is missing or false). Windows pods are skipped, as
#   Windows containers do not support a read-only root filesystem.
# why: >-
#   With a writable root filesystem an attacker who gets code execution can drop tools, replace
#   binaries and libraries, plant persistence and tamper with the application's own files, and
#   the changes survive until the container is recreated. A read-only root filesystem confines
#   writes to the volumes the workload explicitly declares, which also makes intrusions visible.
# fix: >-
#   Set `securityContext.readOnlyRootFilesystem: true` on every container and mount an `emptyDir`
#   volume at each path the application must write to (for example /tmp or a cache directory).
# references:
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
#   - https://kubernetes.io/docs/concepts/security/security-checklist/#pod-security
# control: "seed 004 External threats: infra-level safety measures that render remote code execution in a container ineffective"
# mirrors: ["checkov:CKV_K8S_22", "trivy:KSV-0014", "kube-linter:no-read-only-root-fs"]
# controls: ["read-only root", "read-only filesystem", "immutable container"]
package stridegate.rules.k8s_0015

import data.stridegate.lib.kubernetes as k8s
import rego.v1

windows_pod if k8s.pod_spec.os.name == "windows"

# (`x == {"$unknown": x["$unknown"]}` is k8s.is_unknown(x) for a mapping x, inline.)
unknown(c) if c.obj.securityContext.readOnlyRootFilesystem == {"$unknown": c.obj.securityContext.readOnlyRootFilesystem["$unknown"]}

unknown(c) if c.obj.securityContext == {"$unknown": c.obj.securityContext["$unknown"]}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	not c.obj.securityContext.readOnlyRootFilesystem == true
	not windows_pod
	not unknown(c)
	msg := message(c)
	path := array.concat(c.path, ["securityContext", "readOnlyRootFilesystem"])
}

message(c) := sprintf("%s has a writable root filesystem (readOnlyRootFilesystem is false)", [c.description]) if {
	c.obj.securityContext.readOnlyRootFilesystem == false
} else := sprintf("%s has a writable root filesystem (readOnlyRootFilesystem is %s, not the boolean true)", [c.description, json.marshal(v)]) if {
	v := c.obj.securityContext.readOnlyRootFilesystem
	v != null
} else := sprintf("%s has a writable root filesystem (readOnlyRootFilesystem is not set)", [c.description])
