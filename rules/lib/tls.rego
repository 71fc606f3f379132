# Shared TLS facts for rules on any platform (Terraform, Kubernetes ingress controllers).
#
# The default cipher allow-list is seed threat model 003, §2.5 "Specific cipher suites": for TLS 1.2 only
# ECDHE key exchange with AES-GCM or CHACHA20-POLY1305, for TLS 1.3 the three suites listed
# there. The seed names the RSA-certificate variants; the ECDSA-certificate variants use the
# same key exchange, cipher and MAC, so they are the same class and are allowed too.
# Names are given in the IANA spelling (used by Google Cloud, Go, Envoy) and in the OpenSSL
# spelling (used by NGINX, HAProxy, AWS ELB); `allowed_cipher` accepts either, in any case.
package stridegate.lib.tls

import rego.v1

# The allow-list: `[settings] tls-ciphers` of the configuration file, uppercase (default: the
# suites above, listed in src/config/settings.rs, DEFAULT_TLS_CIPHERS).
allowed_ciphers := {upper(trim_space(c)) | some c in data.stridegate.settings.tls_ciphers; is_string(c)}

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
