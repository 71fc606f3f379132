# METADATA
# id: K8S-0041
# name: nginx-ingress-hsts-disabled
# title: NGINX ingress controller turns HSTS off or gives it a short max-age
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [ConfigMap]
# what: >-
#   Finds NGINX ingress controller ConfigMaps (recognised as in K8S-0040: by the names the
#   official manifests use, or by their `ssl-protocols`/`ssl-ciphers` keys) that set
#   `hsts: "false"`, or set `hsts-max-age` below 15552000 seconds (180 days, the minimum SSL
#   Labs requires for its A+ grade, which seed 003 reports reaching). A missing key keeps the
#   controller's default and is not reported: ingress-nginx sends HSTS by default with a
#   max-age above 180 days; NGINX Inc.'s controller, whose default is off, is only judged on
#   what its ConfigMap sets. A max-age that is not a number is not judged.
# why: >-
#   Strict-Transport-Security tells browsers to use HTTPS only for the domain. Without it, or
#   with a max-age that expires soon, the first request of every visit can go out over plain
#   HTTP, where an attacker on the network strips the redirect to HTTPS and impersonates the
#   site (SSL stripping).
# fix: >-
#   Remove `hsts: "false"` (the controller's default is on) and set `hsts-max-age` to at least
#   "15552000", preferably "31536000" or more; add `hsts-include-subdomains: "true"` when every
#   subdomain serves HTTPS.
# references:
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#hsts
#   - https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#hsts-max-age
#   - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security
#   - https://www.rfc-editor.org/rfc/rfc6797
# control: "seed 003 §2.5.4 HTTP Strict Transport Security (HSTS): the server tells clients that only encrypted HTTPS connections are allowed"
# controls: ["hsts", "strict transport security", "strict-transport-security"]
package stridegate.rules.k8s_0041

import data.stridegate.lib.nginx
import rego.v1

# 180 days, in seconds.
min_max_age := 15552000

deny contains {"msg": msg, "path": ["data", "hsts"]} if {
	v := nginx.as_text(nginx.settings.hsts)
	lower(trim_space(v)) == "false"
	msg := sprintf("%s turns HSTS off (hsts: %q)", [nginx.describe, v])
}

deny contains {"msg": msg, "path": ["data", "hsts-max-age"]} if {
	not hsts_off
	v := nginx.as_text(nginx.settings["hsts-max-age"])
	regex.match(`^\s*[0-9]{1,12}\s*$`, v)
	to_number(trim_space(v)) < min_max_age
	msg := sprintf("%s sets hsts-max-age to %s seconds, below %d (180 days)", [nginx.describe, trim_space(v), min_max_age])
}

hsts_off if lower(trim_space(nginx.as_text(nginx.settings.hsts))) == "false"
