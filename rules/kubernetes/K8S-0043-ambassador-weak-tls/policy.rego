# METADATA
# id: K8S-0043
# name: ambassador-weak-tls
# title: Ambassador/Emissary TLS admits TLS below 1.2 or cipher suites outside the allow-list
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [TLSContext, Module, Host]
# what: >-
#   Finds Ambassador Edge Stack / Emissary-ingress TLS settings (any `getambassador.io` version,
#   `v2` and `v3alpha1` included) in a `TLSContext` spec, a `Host`'s `spec.tls`, and a
#   `Module`'s `spec.config` (and the `server`/`client` blocks inside it) that set
#   `min_tls_version` or `max_tls_version` to v1.0 or v1.1, list a `cipher_suites` entry outside
#   the allow-list (seed 003 §2.5, shared by every stridegate TLS rule; an Envoy equal-preference
#   group `[A|B]` is judged member by member), or list an `ecdh_curves` entry other than X25519,
#   X448, P-256, P-384 or P-521. A TLSContext or Host without `cipher_suites` that still admits
#   TLS 1.2 is reported too: Envoy's default server list includes CBC/SHA-1 suites and suites
#   without forward secrecy (AES128-SHA, AES128-GCM-SHA256), which is why seed 003 lists its
#   suites explicitly. A TLSContext or Host without `min_tls_version` is marked unverifiable:
#   Envoy's server default was TLS 1.0 before Envoy 1.22 and is TLS 1.2 since, so the answer
#   depends on the Ambassador release. Each finding points at the offending list element.
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996), and suites without ECDHE key exchange or with
#   CBC/SHA-1 constructions have practical attacks or lose forward secrecy; an edge proxy that
#   offers them lets an active attacker downgrade clients and weakens the encryption that is
#   the only protection of traffic crossing the internet.
# fix: >-
#   Set `min_tls_version: v1.2` and `max_tls_version: v1.3`, and list the allowed suites in
#   `cipher_suites` (ECDHE-ECDSA/ECDHE-RSA with AES128-GCM-SHA256, AES256-GCM-SHA384 or
#   CHACHA20-POLY1305), with `ecdh_curves: [X25519, P-256]`.
# references:
#   - https://www.getambassador.io/docs/emissary/latest/topics/running/tls
#   - https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 The Ambassador Edge Stack supports only TLS v1.2 and v1.3, with an explicit list of cipher suites"
# controls: ["tls", "tls 1.2", "cipher", "ciphers", "cipher suites", "secure communication"]
package stridegate.rules.k8s_0043

import data.stridegate.lib.kubernetes as k8s
import data.stridegate.lib.tls
import rego.v1

legacy_versions := {"V1.0", "V1.1", "1.0", "1.1", "TLSV1.0", "TLSV1.1", "TLSV1_0", "TLSV1_1"}

allowed_curves := {"X25519", "X448", "P-256", "P-384", "P-521"}

ambassador if {
	v := input.apiVersion
	is_string(v)
	startswith(v, "getambassador.io/")
}

describe := sprintf("%s %q", [input.kind, input.metadata.name]) if {
	is_string(input.metadata.name)
} else := input.kind

# TLS settings blocks: [path, block, whether missing settings are judged].
blocks contains [["spec"], input.spec, true] if {
	input.kind == "TLSContext"
	is_object(input.spec)
}

blocks contains [["spec", "tls"], input.spec.tls, true] if {
	input.kind == "Host"
	is_object(input.spec)
	is_object(input.spec.tls)
}

blocks contains [["spec", "config"], config, false] if {
	input.kind == "Module"
	is_object(input.spec)
	config := input.spec.config
	is_object(config)
}

blocks contains [["spec", "config", k], sub, false] if {
	input.kind == "Module"
	is_object(input.spec)
	config := input.spec.config
	is_object(config)
	some k, sub in config
	is_object(sub)
	not k8s.is_unknown(sub)
}

version(v) := upper(trim_space(v)) if is_string(v)

version(v) := sprintf("V%v", [v]) if is_number(v)

tls13_only(b) if version(b.min_tls_version) in {"V1.3", "1.3"}

deny contains {"msg": msg, "path": array.concat(path, [field])} if {
	ambassador
	some [path, b, _] in blocks
	some field in ["min_tls_version", "max_tls_version"]
	v := b[field]
	legacy_versions[version(v)]
	msg := sprintf("%s sets %s to %v, admitting TLS below 1.2", [describe, field, v])
}

deny contains {"msg": msg, "path": array.concat(path, ["cipher_suites", i]), "severity": "medium"} if {
	ambassador
	some [path, b, _] in blocks
	not tls13_only(b)
	suites := b.cipher_suites
	is_array(suites)
	some i, entry in suites
	bad := [m | some m in members(entry); not tls.allowed_cipher(m)]
	count(bad) > 0
	msg := sprintf("%s allows cipher suites outside the allow-list: %s", [describe, concat(", ", bad)])
}

deny contains {"msg": msg, "path": array.concat(path, ["cipher_suites"]), "severity": "medium"} if {
	ambassador
	some [path, b, true] in blocks
	not tls13_only(b)
	not has_list(b, "cipher_suites")
	msg := sprintf("%s sets no cipher_suites, so Envoy's default list applies, which includes CBC/SHA-1 suites and suites without forward secrecy", [describe])
}

deny contains {"msg": msg, "path": array.concat(path, ["ecdh_curves", i]), "severity": "medium"} if {
	ambassador
	some [path, b, _] in blocks
	curves := b.ecdh_curves
	is_array(curves)
	some i, c in curves
	is_string(c)
	not allowed_curves[upper(trim_space(c))]
	msg := sprintf("%s allows ECDH curve %q, which is not one of X25519, X448, P-256, P-384, P-521", [describe, c])
}

unverifiable contains {"msg": msg, "path": array.concat(path, ["min_tls_version"])} if {
	ambassador
	some [path, b, true] in blocks
	not has_value(b, "min_tls_version")
	msg := sprintf("cannot tell whether %s admits TLS 1.0 and 1.1: min_tls_version is not set, and Envoy's server default is TLS 1.0 before Envoy 1.22 and TLS 1.2 since", [describe])
}

# The suites of one cipher_suites entry: a name, or an equal-preference group `[A|B]`.
members(entry) := [trim_space(m) | some m in split(trim(entry, "[] "), "|"); trim_space(m) != ""] if is_string(entry)

# An entry of another type names no suite (a half-written manifest): not judged.
members(entry) := [] if not is_string(entry)

has_list(b, key) if {
	v := b[key]
	v != null
	v != []
}

has_value(b, key) if {
	v := b[key]
	v != null
	v != ""
}
