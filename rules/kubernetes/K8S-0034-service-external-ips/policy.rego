# METADATA
# id: K8S-0034
# name: service-external-ips
# title: Service receives traffic for external IP addresses
# severity: medium
# since: "0.1.0"
# stride: [spoofing, information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [Service]
# what: >-
#   Finds Services that list `externalIPs`, with one finding per address.
# why: >-
#   kube-proxy on every node captures traffic sent to an external IP and delivers it to the
#   Service's pods: the Service becomes reachable on an address that no load balancer, firewall
#   rule or ingress controller of the cluster manages, and an address belonging to another
#   system is silently taken over for the whole cluster (the man-in-the-middle of CVE-2020-8554).
# fix: >-
#   Remove `externalIPs` and publish the Service with a LoadBalancer restricted by
#   `loadBalancerSourceRanges`, an Ingress or a Gateway. Block the field cluster-wide with the
#   DenyServiceExternalIPs admission plugin or an admission policy.
# references:
#   - https://kubernetes.io/docs/concepts/services-networking/service/#external-ips
#   - https://github.com/kubernetes/kubernetes/issues/97076
# controls: ["external ips", "externalips", "not reachable from the internet"]
package stridegate.rules.k8s_0034

import rego.v1

deny contains {"msg": msg, "path": ["spec", "externalIPs", i]} if {
	spec := input.spec
	is_object(spec)
	ips := spec.externalIPs
	is_array(ips)
	# A list holding anything but addresses is rejected by the API server: nothing to judge.
	every x in ips {
		is_string(x)
	}
	some i, ip in ips
	is_string(ip)
	msg := sprintf("Service receives traffic sent to external IP %s on every node", [ip])
}
