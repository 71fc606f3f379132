# METADATA
# id: K8S-0047
# name: istio-destination-rule-tls-disabled
# title: Istio DestinationRule sends traffic without TLS
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [DestinationRule]
# what: >-
#   Finds Istio DestinationRules (`networking.istio.io`) whose traffic policy sets
#   `tls.mode: DISABLE`: in `spec.trafficPolicy`, in one of its `portLevelSettings`, and in the
#   traffic policy of a `subsets` entry (and that subset's port-level settings). Clients then
#   open plain-text connections to the host, even inside a mesh that otherwise uses mutual TLS.
#   Other modes (`ISTIO_MUTUAL`, `MUTUAL`, `SIMPLE`) are not reported. The finding points at the
#   `mode` line.
# why: >-
#   `DISABLE` overrides Istio's automatic mutual TLS for the clients the rule applies to: the
#   requests and responses cross the network unencrypted and unauthenticated, so anyone on the
#   path can read or change them, and the server cannot tell which workload called it.
# fix: >-
#   Use `ISTIO_MUTUAL` for hosts in the mesh (or remove the `tls` block and let automatic
#   mutual TLS apply) and `SIMPLE` or `MUTUAL` with a CA certificate for hosts outside it.
# references:
#   - https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
#   - https://istio.io/latest/docs/concepts/security/#mutual-tls-authentication
# control: "seed 003 §1.4 Mutual TLS: Istio encrypts and authenticates the traffic between services"
# controls: ["mutual tls", "mtls"]
package stridegate.rules.k8s_0047

import rego.v1

istio if {
	v := input.apiVersion
	is_string(v)
	startswith(v, "networking.istio.io/")
}

describe := sprintf("DestinationRule %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "DestinationRule"

spec := input.spec if is_object(input.spec)

# Every traffic policy: [path, policy, where].
policies contains [["spec", "trafficPolicy"], spec.trafficPolicy, "its traffic policy"] if is_object(spec.trafficPolicy)

policies contains [["spec", "subsets", i, "trafficPolicy"], s.trafficPolicy, sprintf("subset %v", [s.name])] if {
	subsets := spec.subsets
	is_array(subsets)
	some i, s in subsets
	is_object(s)
	is_object(s.trafficPolicy)
}

disabled(tls) if {
	is_object(tls)
	upper(sprintf("%v", [tls.mode])) == "DISABLE"
}

deny contains {"msg": msg, "path": array.concat(path, ["tls", "mode"])} if {
	istio
	some [path, policy, where] in policies
	disabled(policy.tls)
	msg := sprintf("%s turns TLS off in %s for host %v (tls.mode: DISABLE)", [describe, where, spec.host])
}

deny contains {"msg": msg, "path": array.concat(path, ["portLevelSettings", j, "tls", "mode"])} if {
	istio
	some [path, policy, where] in policies
	settings := policy.portLevelSettings
	is_array(settings)
	some j, setting in settings
	is_object(setting)
	disabled(setting.tls)
	msg := sprintf("%s turns TLS off on port %v in %s for host %v (tls.mode: DISABLE)", [describe, object.get(setting, ["port", "number"], "?"), where, spec.host])
}
