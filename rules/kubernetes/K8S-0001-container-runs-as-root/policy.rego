# METADATA
# id: K8S-0001
# name: container-runs-as-root
# title: Container runs or may run as the root user
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Checks every container, init container and ephemeral container for the user it runs as,
#   applying the pod-level securityContext where the container does not set `runAsUser` or
#   `runAsNonRoot` itself. An effective `runAsUser: 0` is reported as high. When no non-zero
#   `runAsUser` is set and `runAsNonRoot` is not true, the container runs as whatever user the
#   image declares, which is root for most images; that case is reported as medium. A non-zero
#   `runAsUser` at container or pod level is enough to pass.
# why: >-
#   UID 0 inside a container is the same UID 0 as on the node unless user namespaces are in
#   use. A process running as root can rewrite every file of the image, read any mounted secret,
#   and turns any kernel or runtime escape, writable host mount or granted capability into
#   control of the node and every workload scheduled on it. Relying on the image's USER line
#   leaves that decision to whoever builds the image, and a base-image change silently reverts it.
# fix: >-
#   Set `runAsNonRoot: true` in the pod securityContext (it is inherited by every container) and
#   give the pod or each container a non-zero `runAsUser`, for example 10001. Build images that
#   work as an unprivileged user. Remove `runAsUser: 0`; if a setup step really needs root, keep
#   it in a separate, tightly scoped init container and document why.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
#   - https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/
# control: "seed 003 §1.2 Pod security policies: pods cannot start as root user"
# mirrors: ["checkov:CKV_K8S_23", "trivy:KSV-0012", "trivy:KSV-0105", "kube-linter:run-as-non-root"]
# controls: ["non-root", "run as root", "root user", "runasnonroot"]
package stridegate.rules.k8s_0001

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# Explicit UID 0, at container level or inherited from the pod.
# The effective securityContext of a container is c.sc; when c.sc_unknown is true a field
# missing from it may be set where nothing can be read (see k8s.effective).
deny contains {"msg": msg, "path": path, "severity": "high"} if {
	some c in k8s.containers
	c.sc.runAsUser == 0
	msg := sprintf("%s runs as UID 0", [c.description])
	path := c.sc_paths.runAsUser
}

# No number for runAsUser (effective: set, or inherited) and runAsNonRoot not true, with
# nothing unknown that could set either. The cheapest test, the one most containers fail, first.
deny contains {"msg": msg, "path": path, "severity": "medium"} if {
	some c in k8s.containers
	not c.sc.runAsNonRoot == true
	c.sc_unknown == false
	uid := object.get(c.sc, "runAsUser", null)
	not is_number(uid)
	not uid == {"$unknown": uid["$unknown"]} # k8s.is_unknown(uid), inline
	not c.sc.runAsNonRoot == {"$unknown": c.sc.runAsNonRoot["$unknown"]}
	msg := sprintf("%s may run as root: runAsNonRoot is not true", [c.description])
	path := object.get(c.sc_paths, "runAsNonRoot", array.concat(c.path, ["securityContext", "runAsNonRoot"]))
}
