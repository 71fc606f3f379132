# METADATA
# id: K8S-0006
# name: host-ipc
# title: Pod shares the node's IPC namespace
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds pods and pod templates that set `hostIPC: true`, which puts the pod's containers in
#   the node's inter-process communication namespace.
# why: >-
#   The IPC namespace holds System V shared memory segments, semaphores and message queues, and
#   POSIX message queues. Sharing the node's lets a container list, read and write the shared
#   memory and queues of processes on the node and in other host-IPC pods, leaking or corrupting
#   whatever data they exchange there, and interfere with them by removing those objects.
# fix: >-
#   Remove `hostIPC: true`. Containers of the same pod already share an IPC namespace with each
#   other; exchange data with other workloads over the network or a shared volume instead.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://man7.org/linux/man-pages/man7/ipc_namespaces.7.html
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# mirrors: ["checkov:CKV_K8S_18", "trivy:KSV-0008", "kube-linter:host-ipc"]
# controls: ["host ipc"]
package stridegate.rules.k8s_0006

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	k8s.pod_spec.hostIPC == true
	msg := "pod shares the node's IPC namespace (hostIPC: true)"
	path := array.concat(k8s.pod_spec_path, ["hostIPC"])
}
