# METADATA
# id: K8S-0005
# name: host-pid
# title: Pod shares the node's process ID namespace
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, elevation-of-privilege, denial-of-service]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds pods and pod templates that set `hostPID: true`, which puts the pod's containers in
#   the node's process ID namespace.
# why: >-
#   With the node's PID namespace a container lists every process on the node, including those
#   of other pods, the kubelet and the container runtime, with their command lines. A process
#   running as the same user, or as root, can read their environment variables and open files
#   through /proc (secrets and tokens included), signal or kill them, and with ptrace or
#   nsenter step into their namespaces, which is a direct path out of the container.
# fix: >-
#   Remove `hostPID: true`. To let containers of the same pod see each other's processes, use
#   `shareProcessNamespace: true` instead, which shares a namespace within the pod only. Keep
#   node-level monitoring agents that truly need it in a dedicated, restricted namespace.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/
#   - https://man7.org/linux/man-pages/man7/pid_namespaces.7.html
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# mirrors: ["checkov:CKV_K8S_17", "trivy:KSV-0010", "kube-linter:host-pid"]
# controls: ["host pid", "host process namespace"]
package stridegate.rules.k8s_0005

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	k8s.pod_spec.hostPID == true
	msg := "pod shares the node's process ID namespace (hostPID: true)"
	path := array.concat(k8s.pod_spec_path, ["hostPID"])
}
