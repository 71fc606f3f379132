# METADATA
# id: K8S-0040
# name: nginx-ingress-weak-tls
# title: NGINX ingress admits TLS below 1.2 or a cipher suite outside the allow-list
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [Ingress, ConfigMap]
# what: >-
#   Finds NGINX ingress controller settings that admit SSL 2/3, TLS 1.0 or TLS 1.1
#   (`ssl-protocols`), or that enable a cipher suite outside the allow-list (`ssl-ciphers`): in
#   the controller ConfigMap, and in the `nginx.ingress.kubernetes.io/ssl-protocols` and
#   `nginx.ingress.kubernetes.io/ssl-ciphers` annotations of an Ingress. The allow-list is the
#   one every stridegate TLS rule uses (seed 003 §2.5): ECDHE key exchange with AES-GCM or
#   ChaCha20-Poly1305 for TLS 1.2 and the three TLS 1.3 suites, in OpenSSL or IANA spelling;
#   `ECDHE+AESGCM`-style selections of exactly those are accepted too. Cipher list entries that
#   remove or reorder suites (`!aNULL`, `-RC4`, `+AES`) are not judged; other keywords (`HIGH`,
#   `ALL`, `DEFAULT`) select suites outside the list and are reported. A ConfigMap is taken for
#   the controller's when its name is one the official manifests use
#   (`ingress-nginx-controller`, `<release>-ingress-nginx-controller`, `nginx-configuration`,
#   `<release>-nginx-ingress-controller`, `nginx-config`) or when it holds `ssl-protocols` or
#   `ssl-ciphers`, NGINX directive names no other common ConfigMap uses. ingress-nginx reads
#   `ssl-protocols` from the ConfigMap only; the annotation is still reported, because it
#   records the intent to accept old clients. Settings left out keep the controller's defaults
#   (TLS 1.2 and 1.3), which are not reported. The finding points at the setting's line; a
#   colon-separated list is one value, so every bad entry is named in the message.
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996) and cipher suites without forward secrecy or with
#   CBC and SHA-1 constructions have practical attacks; a server that offers them lets an
#   active attacker downgrade clients, and traffic recorded today can be decrypted once the
#   server's key leaks when the key exchange is not ephemeral.
# fix: >-
#   Set `ssl-protocols: "TLSv1.2 TLSv1.3"` in the controller ConfigMap and list only allowed
#   suites in `ssl-ciphers`, e.g.
#   `ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305`;
#   remove per-Ingress overrides that widen them.
# references:
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#ssl-protocols
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#ssl-ciphers
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#ssl-ciphers
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3, and only the listed cipher suites"
# controls: ["tls", "tls 1.2", "cipher", "ciphers", "cipher suites", "secure communication"]
package stridegate.rules.k8s_0040

import data.stridegate.lib.nginx
import data.stridegate.lib.tls
import rego.v1

# Protocol names NGINX accepts in ssl_protocols that are older than TLS 1.2 (compared upper-case).
legacy_protocols := {"SSLV2", "SSLV3", "TLSV1", "TLSV1.0", "TLSV1.1"}

# OpenSSL selections made only of allowed suites: ECDHE (authenticated, ephemeral) with AES-GCM
# or ChaCha20-Poly1305, optionally limited to one certificate type.
allowed_selection := `^(ECDHE|EECDH)(\+(ECDSA|RSA|AECDSA|ARSA))?\+(AESGCM|AES128GCM|AES256GCM|CHACHA20|CHACHA20POLY1305)(\+(ECDSA|RSA|AECDSA|ARSA))?$`

entries(s) := [e | some e in regex.split(`[:,\s]+`, trim_space(s)); e != ""]

bad_protocols(s) := [e | some e in entries(s); legacy_protocols[upper(e)]]

bad_ciphers(s) := [e |
	some e in entries(s)
	not removal(e)
	not tls.allowed_cipher(e)
	not regex.match(allowed_selection, upper(e))
]

removal(e) if startswith(e, "!")

removal(e) if startswith(e, "-")

removal(e) if startswith(e, "+")

# Where each setting is read from: (path to the value, value, label for messages).
settings contains [["data", key], v, key] if {
	some key in {"ssl-protocols", "ssl-ciphers"}
	v := nginx.as_text(nginx.settings[key])
}

settings contains [["metadata", "annotations", name], v, name] if {
	some key in {"ssl-protocols", "ssl-ciphers"}
	name := concat("", [nginx.annotation_prefix, key])
	v := nginx.as_text(nginx.ingress_annotations[name])
}

deny contains {"msg": msg, "path": path} if {
	some [path, value, label] in settings
	endswith(label, "ssl-protocols")
	bad := bad_protocols(value)
	count(bad) > 0
	msg := sprintf("%s sets %s to admit %s (TLS below 1.2)", [nginx.describe, label, concat(", ", bad)])
}

deny contains {"msg": msg, "path": path, "severity": "medium"} if {
	some [path, value, label] in settings
	endswith(label, "ssl-ciphers")
	bad := bad_ciphers(value)
	count(bad) > 0
	msg := sprintf("%s enables cipher suites outside the allow-list in %s: %s", [nginx.describe, label, concat(", ", bad)])
}
