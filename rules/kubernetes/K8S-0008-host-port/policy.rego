# METADATA
# id: K8S-0008
# name: host-port
# title: Container binds a port on the node with hostPort
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, spoofing, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds container ports (of containers, init containers and ephemeral containers) that set a
#   non-zero `hostPort`, which forwards that port of the node's address to the container.
# why: >-
#   A host port publishes the container on every address of the node it lands on, beside the
#   Services, Ingresses and load balancers that are meant to be the way in. Traffic through it
#   can escape the NetworkPolicies and mesh policies written for pod traffic, depending on the
#   network plugin, and anything that can reach the node can reach the container. A pod holding
#   a well-known port on the node can also intercept traffic meant for a node service. Host ports
#   also pin the pod: two pods with the same host port cannot share a node.
# fix: >-
#   Remove `hostPort` and expose the port through a Service (ClusterIP inside the cluster,
#   NodePort or LoadBalancer from outside), and restrict who may reach it with a NetworkPolicy.
#   If the workload is node infrastructure that must listen on the node, document it and keep it
#   in a dedicated, restricted namespace.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/concepts/configuration/overview/#services
#   - https://kubernetes.io/docs/concepts/services-networking/service/
# control: "seed 004 External threats: for ingress, only allow access from other internal resources (e.g. the load balancer)"
# mirrors: ["checkov:CKV_K8S_26", "trivy:KSV-0024"]
# controls: ["hostport", "host port"]
package stridegate.rules.k8s_0008

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	ports := c.obj.ports
	is_array(ports)
	some j, port in ports
	host_port := port.hostPort
	is_number(host_port)
	host_port != 0
	msg := sprintf("%s binds host port %v", [c.description, host_port])
	path := array.concat(c.path, ["ports", j, "hostPort"])
}
