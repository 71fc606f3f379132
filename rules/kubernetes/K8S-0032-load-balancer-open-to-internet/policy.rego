# METADATA
# id: K8S-0032
# name: load-balancer-open-to-internet
# title: Service of type LoadBalancer accepts traffic from any address
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, elevation-of-privilege, denial-of-service]
# applies_to:
#   platform: kubernetes
#   kinds: [Service]
# what: >-
#   Finds Services of `type: LoadBalancer` without `loadBalancerSourceRanges` (pointing at the
#   type), or whose source ranges include `0.0.0.0/0` or `::/0` (pointing at that range). A
#   Service annotated as an internal load balancer for AWS, Google Cloud, Azure, Oracle Cloud or
#   OpenStack is not public and is not reported.
# why: >-
#   The cloud provider gives the Service a public address that every host on the internet can
#   reach, scan and attack, bypassing whatever ingress controller, WAF or authentication proxy the
#   cluster relies on. Internal services, admin interfaces and databases exposed this way are
#   found by internet-wide scanners within hours.
# fix: >-
#   Restrict the Service with `loadBalancerSourceRanges` to the client networks that need it, make
#   it internal with the provider's annotation (such as
#   `service.beta.kubernetes.io/aws-load-balancer-internal: "true"`), or publish it through an
#   Ingress or Gateway that terminates TLS and authenticates.
# references:
#   - https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
#   - https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
#   - https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/
# control: "seed 004 External threats: for ingress, we should only allow access from other internal resources (e.g. the load balancer)"
# controls: ["public access", "load balancer", "source ranges", "not reachable from the internet"]
package stridegate.rules.k8s_0032

import rego.v1

# Annotation -> the (lowercase) values that make the load balancer internal. Keep in step with
# INTERNAL_LOAD_BALANCER_ANNOTATIONS in src/threat/exposure.rs (tests/rules_data.rs checks).
internal_annotations := {
	"service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
	"service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
	"networking.gke.io/load-balancer-type": {"internal"},
	"cloud.google.com/load-balancer-type": {"internal"},
	"service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
	"service.beta.kubernetes.io/oci-load-balancer-internal": {"true"},
	"service.beta.kubernetes.io/openstack-internal-load-balancer": {"true"},
}

anywhere := {"0.0.0.0/0", "::/0"}

spec := input.spec if {
	is_object(input.spec)
	not is_unknown(input.spec)
}

load_balancer if spec.type == "LoadBalancer"

annotations := a if {
	is_object(input.metadata)
	a := input.metadata.annotations
	is_object(a)
} else := {}

# Internal, or possibly internal (annotations that cannot be known).
internal if {
	some k, values in internal_annotations
	lower(sprintf("%v", [annotations[k]])) in values
}

internal if is_unknown(annotations)

internal if {
	some v in annotations
	is_unknown(v)
}

deny contains {"msg": "LoadBalancer Service has no loadBalancerSourceRanges: any internet address can reach it", "path": ["spec", "type"]} if {
	load_balancer
	not internal
	no_ranges(object.get(spec, "loadBalancerSourceRanges", null))
}

deny contains {"msg": msg, "path": ["spec", "loadBalancerSourceRanges", i]} if {
	load_balancer
	not internal
	ranges := spec.loadBalancerSourceRanges
	is_array(ranges)
	some i, r in ranges
	r in anywhere
	msg := sprintf("LoadBalancer Service accepts traffic from %s (any address)", [r])
}

no_ranges(x) if x == null

no_ranges(r) if {
	is_array(r)
	count(r) == 0
}

is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}
