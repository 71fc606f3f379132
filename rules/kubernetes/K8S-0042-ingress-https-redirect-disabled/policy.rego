# METADATA
# id: K8S-0042
# name: ingress-https-redirect-disabled
# title: Ingress serving TLS also answers plain HTTP without redirecting
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: [Ingress, ConfigMap]
# what: >-
#   Finds Ingresses that terminate TLS (`spec.tls`) and set
#   `nginx.ingress.kubernetes.io/ssl-redirect: "false"` without
#   `nginx.ingress.kubernetes.io/force-ssl-redirect: "true"`, and NGINX ingress controller
#   ConfigMaps (recognised as in K8S-0040) that set `ssl-redirect: "false"` for every Ingress.
#   ingress-nginx redirects HTTP to HTTPS by default for an Ingress with TLS, so turning it off
#   is what the rule reports. An Ingress without `spec.tls` and `force-ssl-redirect: "false"`
#   (its default: it only matters when TLS is terminated in front of the controller) are not
#   reported, since neither turns a redirect off.
# why: >-
#   A host that answers on port 80 as well as 443 lets clients, links and bookmarks use plain
#   HTTP: requests, cookies and tokens then cross the network unencrypted, and an attacker on
#   the path can read or alter them, or keep the client from ever reaching HTTPS.
# fix: >-
#   Remove `ssl-redirect: "false"` (the default redirects) or set
#   `nginx.ingress.kubernetes.io/force-ssl-redirect: "true"`; serve a specific plain-HTTP path
#   (an ACME challenge) from a separate Ingress if one is needed.
# references:
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#server-side-https-enforcement-through-redirect
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#ssl-redirect
# control: "seed 003 §2.2 Ambassador terminates TLS: the entire communication between clients and the server is encrypted"
# controls: ["https", "redirect to https", "secure communication"]
package stridegate.rules.k8s_0042

import data.stridegate.lib.nginx
import rego.v1

annotation(key) := nginx.as_text(nginx.ingress_annotations[concat("", [nginx.annotation_prefix, key])])

terminates_tls if {
	tls := input.spec.tls
	is_array(tls)
	count(tls) > 0
}

forced if lower(trim_space(annotation("force-ssl-redirect"))) == "true"

deny contains {"msg": msg, "path": ["metadata", "annotations", concat("", [nginx.annotation_prefix, "ssl-redirect"])]} if {
	input.kind == "Ingress"
	terminates_tls
	lower(trim_space(annotation("ssl-redirect"))) == "false"
	not forced
	msg := sprintf("%s terminates TLS but turns the HTTP to HTTPS redirect off (ssl-redirect: \"false\")", [nginx.describe])
}

deny contains {"msg": msg, "path": ["data", "ssl-redirect"]} if {
	lower(trim_space(nginx.as_text(nginx.settings["ssl-redirect"]))) == "false"
	msg := sprintf("%s turns the HTTP to HTTPS redirect off for every Ingress (ssl-redirect: \"false\")", [nginx.describe])
}
