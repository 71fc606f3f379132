# Shared TLS facts for rules on any platform (Terraform, Kubernetes ingress controllers).
#
# The cipher allow-list is seed threat model 003, §2.5 "Specific cipher suites": for TLS 1.2 only
# ECDHE key exchange with AES-GCM or CHACHA20-POLY1305, for TLS 1.3 the three suites listed
# there. The seed names the RSA-certificate variants; the ECDSA-certificate variants use the
# same key exchange, cipher and MAC, so they are the same class and are allowed too.
# Names are given in the IANA spelling (used by Google Cloud, Go, Envoy) and in the OpenSSL
# spelling (used by NGINX, HAProxy, AWS ELB); `allowed_cipher` accepts either, in any case.
package stridegate.lib.tls

import rego.v1

# TLS 1.3 suites allowed by seed 003 §2.5.
tls13_ciphers := {
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
}

# TLS 1.2 suites allowed by seed 003 §2.5, IANA names.
tls12_ciphers_iana := {
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	# ECDSA-certificate variants of the same suites.
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
}

# The same TLS 1.2 suites, OpenSSL names.
tls12_ciphers_openssl := {
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-RSA-CHACHA20-POLY1305",
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305",
}

allowed_ciphers := (tls13_ciphers | tls12_ciphers_iana) | tls12_ciphers_openssl

# True when the cipher suite name (either spelling, any case) is on the allow-list.
allowed_cipher(name) if {
	is_string(name)
	allowed_ciphers[upper(trim_space(name))]
}

# Protocol versions older than TLS 1.2, in the spellings used by common configuration formats
# (compare after `upper`): SSL 3.0, TLS 1.0 and TLS 1.1 are deprecated by RFC 8996.
legacy_versions := {
	"SSLV3", "SSLV3.0", "SSL3", "SSL_3_0",
	"TLSV1", "TLSV1.0", "TLS1.0", "TLS1_0", "TLS_1_0", "TLS10", "1.0",
	"TLSV1.1", "TLS1.1", "TLS1_1", "TLS_1_1", "TLS11", "1.1",
}

# True when the protocol version string names SSL 3.0, TLS 1.0 or TLS 1.1.
legacy_version(v) if {
	is_string(v)
	legacy_versions[upper(trim_space(v))]
}
