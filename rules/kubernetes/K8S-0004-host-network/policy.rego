# METADATA
# id: K8S-0004
# name: host-network
# title: Pod uses the node's network namespace
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, spoofing, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds pods and pod templates that set `hostNetwork: true`, which puts every container of
#   the pod in the node's network namespace instead of a network namespace of its own.
# why: >-
#   A host-network pod sees the node's interfaces and listens on the node's address. It can
#   reach services bound to the node's loopback (the kubelet, runtime and node agents, local
#   admin ports), observe traffic to and from the node given NET_RAW, bind ports that other
#   node services or pods expect to own, and present itself with the node's IP. NetworkPolicies
#   do not select it and a service mesh sidecar cannot intercept it, so the network isolation
#   that contains a compromised pod no longer applies.
# fix: >-
#   Remove `hostNetwork: true` and expose the workload through a Service (NodePort or
#   LoadBalancer if it must be reached from outside the cluster). Only node-level
#   infrastructure such as a CNI plugin or node exporter needs host networking; keep such pods in
#   a dedicated, restricted namespace.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/concepts/services-networking/network-policies/
#   - https://man7.org/linux/man-pages/man7/network_namespaces.7.html
# control: "seed 004 External threats: infra-level measures that stop an attacker with code execution in a container from pivoting to other resources on the network"
# mirrors: ["checkov:CKV_K8S_19", "trivy:KSV-0009", "kube-linter:host-network"]
# controls: ["host network"]
package stridegate.rules.k8s_0004

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	k8s.pod_spec.hostNetwork == true
	msg := "pod shares the node's network namespace (hostNetwork: true)"
	path := array.concat(k8s.pod_spec_path, ["hostNetwork"])
}
