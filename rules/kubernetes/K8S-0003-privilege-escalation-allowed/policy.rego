# METADATA
# id: K8S-0003
# name: privilege-escalation-allowed
# title: Container allows privilege escalation
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose securityContext does not
#   set `allowPrivilegeEscalation: false`, whether the field is missing (Kubernetes then allows
#   escalation) or explicitly true. The field exists only on containers, so a pod-level
#   securityContext cannot satisfy it.
# why: >-
#   Unless `allowPrivilegeEscalation` is false, the container's processes run without the
#   kernel's no_new_privs flag, so a setuid or setgid binary, or a file with capabilities, can
#   raise a compromised process above the user and capabilities the pod was given. That undoes a
#   non-root user and dropped capabilities, and is a common first step towards escaping the
#   container.
# fix: >-
#   Add `allowPrivilegeEscalation: false` to the securityContext of every container, init
#   container and ephemeral container. Nothing that runs as an unprivileged user needs it; a
#   container that is privileged or adds CAP_SYS_ADMIN always escalates, so remove those first.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
#   - https://docs.kernel.org/userspace-api/no_new_privs.html
# control: "seed 003 §1.2 Pod security policies: pods cannot gain root privileges they were not started with"
# mirrors: ["checkov:CKV_K8S_20", "trivy:KSV-0001", "kube-linter:privilege-escalation-container"]
# controls: ["privilege escalation", "gain privileges", "gain root"]
package stridegate.rules.k8s_0003

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# The container's securityContext is a mapping, null, absent or an unknown marker (see
# k8s.containers); the cheapest test, the one most containers fail, first.
deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	not c.obj.securityContext.allowPrivilegeEscalation == false
	not c.obj.securityContext == {"$unknown": c.obj.securityContext["$unknown"]} # k8s.is_unknown, inline
	value := object.get(c.obj, ["securityContext", "allowPrivilegeEscalation"], null)
	not value == {"$unknown": value["$unknown"]}
	msg := message(c, value)
	path := array.concat(c.path, ["securityContext", "allowPrivilegeEscalation"])
}

message(c, value) := sprintf("%s allows privilege escalation", [c.description]) if value == true

message(c, value) := sprintf("%s does not set allowPrivilegeEscalation to false", [c.description]) if value != true
