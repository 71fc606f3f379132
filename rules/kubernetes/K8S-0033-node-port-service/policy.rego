# METADATA
# id: K8S-0033
# name: node-port-service
# title: Service of type NodePort opens a port on every node
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, elevation-of-privilege]
# applies_to:
#   platform: kubernetes
#   kinds: [Service]
# what: >-
#   Finds Services of `type: NodePort`, pointing at the type.
# why: >-
#   A NodePort Service listens on a port of every node of the cluster, on every node address.
#   Whoever can reach any node (from the internet when nodes have public addresses, or from any
#   network that reaches the node subnet) reaches the Service directly, outside the ingress
#   controller, its TLS and its authentication, and network policies applied to pods do not
#   always cover traffic arriving at node ports.
# fix: >-
#   Use `type: ClusterIP` and publish the Service through an Ingress or a Gateway, or, if it must
#   be reachable from outside the cluster on its own, a LoadBalancer restricted with
#   `loadBalancerSourceRanges`. Keep node addresses private and firewall the node port range.
# references:
#   - https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
#   - https://kubernetes.io/docs/concepts/security/security-checklist/#network-security
# control: "seed 004 External threats: for ingress, we should only allow access from other internal resources (e.g. the load balancer)"
# controls: ["node port", "nodeport", "not reachable from the internet"]
package stridegate.rules.k8s_0033

import rego.v1

deny contains {"msg": msg, "path": ["spec", "type"]} if {
	spec := input.spec
	is_object(spec)
	spec.type == "NodePort"
	msg := sprintf("NodePort Service opens %s on every node of the cluster", [ports(spec)])
}

# "node port 30080" / "node ports 30080, 30443" when written, "a port" otherwise.
ports(spec) := text if {
	is_array(spec.ports)
	written := [sprintf("%v", [p.nodePort]) | some p in spec.ports; is_object(p); is_number(p.nodePort)]
	count(written) > 0
	text := sprintf("node port%s %s", [plural(written), concat(", ", written)])
} else := "a port"

plural(list) := "s" if count(list) > 1

plural(list) := "" if count(list) <= 1
