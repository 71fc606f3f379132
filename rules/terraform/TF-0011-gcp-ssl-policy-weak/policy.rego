# METADATA
# id: TF-0011
# name: gcp-ssl-policy-weak
# title: Google Cloud SSL policy admits TLS older than 1.2 or weak cipher suites
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: [google_compute_ssl_policy, google_compute_region_ssl_policy]
# what: >-
#   Finds Google Cloud SSL policies whose `min_tls_version` is TLS_1_0 or TLS_1_1, or unset (the
#   default is TLS_1_0), high; whose `profile` is COMPATIBLE, or unset (the default is
#   COMPATIBLE), which enables the broadest set of cipher suites including ones without forward
#   secrecy, medium; and CUSTOM profiles whose `custom_features` include a cipher suite outside
#   the allow-list of seed threat model 003 §2.5 (ECDHE key exchange with AES-GCM or
#   CHACHA20-POLY1305; ECDSA-certificate variants of those suites are allowed too), medium.
#   MODERN and RESTRICTED profiles are not reported on their cipher suites.
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996). Cipher suites without ECDHE lack forward secrecy
#   (a stolen private key decrypts recorded traffic) and CBC-mode and 3DES suites have known
#   attacks; a load balancer that offers them lets an active attacker negotiate clients onto
#   them.
# fix: >-
#   Set `min_tls_version = "TLS_1_2"` and `profile = "RESTRICTED"` (or MODERN), or a CUSTOM
#   profile listing only ECDHE AES-GCM and CHACHA20-POLY1305 suites.
# references:
#   - https://cloud.google.com/load-balancing/docs/ssl-policies-concepts
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_ssl_policy
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3, and only the cipher suites acknowledged as secure (ECDHE with AES-GCM or CHACHA20-POLY1305)"
# controls: ["tls", "cipher", "ciphers", "secure communication"]
package stridegate.rules.tf_0011

import data.stridegate.lib.tls
import rego.v1

# Provider defaults (registry docs, google_compute_ssl_policy): min_tls_version TLS_1_0,
# profile COMPATIBLE.
default_min_tls := "TLS_1_0"

default_profile := "COMPATIBLE"

old_versions := {"TLS_1_0", "TLS_1_1"}

deny contains {"msg": msg, "path": ["min_tls_version"]} if {
	v := input.min_tls_version
	old_versions[v]
	msg := sprintf("SSL policy's min_tls_version %q admits TLS older than 1.2", [v])
}

deny contains {"msg": msg, "path": ["min_tls_version"]} if {
	not has("min_tls_version")
	msg := sprintf("SSL policy sets no min_tls_version, so it defaults to %q and admits TLS 1.0", [default_min_tls])
}

deny contains {"msg": msg, "path": ["profile"], "severity": "medium"} if {
	input.profile == "COMPATIBLE"
	msg := "SSL policy uses the COMPATIBLE profile, which enables cipher suites without forward secrecy"
}

deny contains {"msg": msg, "path": ["profile"], "severity": "medium"} if {
	not has("profile")
	msg := sprintf("SSL policy sets no profile, so it defaults to %q, which enables cipher suites without forward secrecy", [default_profile])
}

deny contains {"msg": msg, "path": ["custom_features", j], "severity": "medium"} if {
	input.profile == "CUSTOM"
	features := input.custom_features
	is_array(features)
	some j, f in features
	is_string(f)
	not tls.allowed_cipher(f)
	msg := sprintf("SSL policy enables cipher suite %s, outside the ECDHE AES-GCM/CHACHA20 allow-list", [f])
}

has(attr) if input[attr] != null
