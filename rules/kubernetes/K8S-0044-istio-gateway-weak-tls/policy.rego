# METADATA
# id: K8S-0044
# name: istio-gateway-weak-tls
# title: Istio Gateway server admits TLS below 1.2 or cipher suites outside the allow-list
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [Gateway]
# what: >-
#   Finds servers of Istio Gateways (`networking.istio.io`; Kubernetes Gateway API objects of
#   the same kind are not judged) whose `tls` sets `minProtocolVersion` or `maxProtocolVersion`
#   to TLSV1_0 or TLSV1_1, lists a `cipherSuites` entry outside the allow-list (seed 003 §2.5,
#   shared by every stridegate TLS rule), or, while admitting TLS 1.2, lists no `cipherSuites`
#   at all: Istio then uses Envoy's default server list, which includes CBC/SHA-1 suites and
#   suites without forward secrecy (reported with low severity). Servers in `PASSTHROUGH` or
#   `AUTO_PASSTHROUGH` mode, and servers whose port protocol is not HTTPS or TLS (their `tls`
#   only carries `httpsRedirect`), do not terminate TLS and are not judged; a missing
#   `minProtocolVersion` is Istio's default, TLS 1.2, and is not reported. Each finding points
#   at the offending field or list element.
# why: >-
#   The Gateway is where traffic from the internet is decrypted. TLS 1.0 and 1.1 are
#   deprecated (RFC 8996), and suites without ECDHE key exchange or with CBC/SHA-1 constructions
#   have practical attacks or lose forward secrecy, so offering them lets an active attacker
#   downgrade clients and weakens the only protection of that traffic.
# fix: >-
#   Leave `minProtocolVersion` unset or set it to TLSV1_2 (or TLSV1_3), and list the allowed
#   suites in `cipherSuites` (ECDHE-ECDSA/ECDHE-RSA with AES128-GCM-SHA256, AES256-GCM-SHA384
#   or CHACHA20-POLY1305).
# references:
#   - https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
#   - https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3, and only the listed cipher suites"
# controls: ["tls", "tls 1.2", "cipher", "ciphers", "cipher suites", "secure communication"]
package stridegate.rules.k8s_0044

import data.stridegate.lib.tls
import rego.v1

legacy_versions := {"TLSV1_0", "TLSV1_1"}

passthrough_modes := {"PASSTHROUGH", "AUTO_PASSTHROUGH"}

istio if {
	v := input.apiVersion
	is_string(v)
	startswith(v, "networking.istio.io/")
}

describe := sprintf("Gateway %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "Gateway"

# Servers that terminate TLS: [index, tls settings, label].
servers contains [i, t, label] if {
	istio
	is_object(input.spec)
	list := input.spec.servers
	is_array(list)
	some i, s in list
	is_object(s)
	t := s.tls
	is_object(t)
	not passthrough_modes[upper(sprintf("%v", [object.get(t, "mode", "SIMPLE")]))]
	not plain_port(s)
	label := server_label(s, i)
}

server_label(s, i) := sprintf("server on port %v", [s.port.number]) if {
	is_object(s.port)
	s.port.number
} else := sprintf("server %d", [i])

# A server whose port protocol is not HTTPS or TLS only uses `tls` for `httpsRedirect`.
plain_port(s) if {
	is_object(s.port)
	p := s.port.protocol
	is_string(p)
	not upper(p) in {"HTTPS", "TLS"}
}

tls13_only(t) if upper(sprintf("%v", [t.minProtocolVersion])) == "TLSV1_3"

deny contains {"msg": msg, "path": ["spec", "servers", i, "tls", field]} if {
	some [i, t, label] in servers
	some field in ["minProtocolVersion", "maxProtocolVersion"]
	v := t[field]
	legacy_versions[upper(sprintf("%v", [v]))]
	msg := sprintf("%s %s sets %s to %v, admitting TLS below 1.2", [describe, label, field, v])
}

deny contains {"msg": msg, "path": ["spec", "servers", i, "tls", "cipherSuites", j], "severity": "medium"} if {
	some [i, t, label] in servers
	not tls13_only(t)
	suites := t.cipherSuites
	is_array(suites)
	some j, suite in suites
	is_string(suite)
	not tls.allowed_cipher(suite)
	msg := sprintf("%s %s allows cipher suite %v, which is not on the allow-list", [describe, label, suite])
}

deny contains {"msg": msg, "path": ["spec", "servers", i, "tls"], "severity": "low"} if {
	some [i, t, label] in servers
	not tls13_only(t)
	not has_suites(t)
	msg := sprintf("%s %s lists no cipherSuites, so Envoy's default list applies, which includes CBC/SHA-1 suites and suites without forward secrecy", [describe, label])
}

# Any value but null or an empty list counts as set (a value of another type is not judged).
has_suites(t) if {
	s := t.cipherSuites
	s != null
	s != []
}
