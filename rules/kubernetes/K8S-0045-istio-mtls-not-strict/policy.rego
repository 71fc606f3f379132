# METADATA
# id: K8S-0045
# name: istio-mtls-not-strict
# title: Istio PeerAuthentication accepts plain-text traffic
# severity: medium
# since: "0.1.0"
# stride: [spoofing, information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [PeerAuthentication]
# what: >-
#   Finds Istio PeerAuthentication policies (`security.istio.io`) whose `mtls.mode`, or the
#   `mode` of a `portLevelMtls` entry, is `PERMISSIVE` (plain text accepted beside mutual TLS)
#   or `DISABLE` (mutual TLS off, reported with high severity). `STRICT` and `UNSET` (which
#   inherits the parent policy; K8S-0046 judges what the namespace inherits) are not reported.
#   The finding points at the `mode` line.
# why: >-
#   Mutual TLS is what authenticates workloads to each other and encrypts the traffic between
#   their sidecars. A workload that still accepts plain text can be called by any pod (or
#   anything that reaches the pod network) without a workload identity, and that traffic can
#   be read or altered on the way; authorization policies keyed on peer identities do not
#   apply to it.
# fix: >-
#   Set `mtls.mode: STRICT` once every client runs with a sidecar (PERMISSIVE is a migration
#   step), and remove `DISABLE`; keep a port-level exception only for a port that really must
#   accept plain text (a health check from outside the mesh), and document it.
# references:
#   - https://istio.io/latest/docs/reference/config/security/peer_authentication/
#   - https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/
# control: "seed 003 §1.4 Mutual TLS: Istio encrypts and authenticates the traffic between services"
# controls: ["mutual tls", "mtls"]
package stridegate.rules.k8s_0045

import rego.v1

istio if {
	v := input.apiVersion
	is_string(v)
	startswith(v, "security.istio.io/")
}

describe := sprintf("PeerAuthentication %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "PeerAuthentication"

weak := {"PERMISSIVE": "medium", "DISABLE": "high"}

what := {"PERMISSIVE": "accepts plain text beside mutual TLS", "DISABLE": "turns mutual TLS off"}

spec := input.spec if is_object(input.spec)

deny contains {"msg": msg, "path": ["spec", "mtls", "mode"], "severity": severity} if {
	istio
	is_object(spec.mtls)
	mode := upper(sprintf("%v", [spec.mtls.mode]))
	severity := weak[mode]
	msg := sprintf("%s %s (mtls.mode: %s)", [describe, what[mode], mode])
}

deny contains {"msg": msg, "path": ["spec", "portLevelMtls", port, "mode"], "severity": severity} if {
	istio
	ports := spec.portLevelMtls
	is_object(ports)
	some port, setting in ports
	is_object(setting)
	mode := upper(sprintf("%v", [setting.mode]))
	severity := weak[mode]
	msg := sprintf("%s %s on port %v (portLevelMtls mode: %s)", [describe, what[mode], port, mode])
}
