# METADATA
# id: TF-0006
# name: http-listener-without-https-redirect
# title: Load balancer serves plain HTTP instead of redirecting to HTTPS
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering, spoofing]
# applies_to:
#   platform: terraform
#   kinds: [aws_lb_listener, aws_alb_listener, digitalocean_loadbalancer]
# what: >-
#   Finds AWS load balancer listeners with protocol HTTP (explicit, or absent: HTTP is the
#   default for Application Load Balancers) whose default action forwards or authenticates
#   requests instead of redirecting them to HTTPS (`type = "redirect"` with `redirect.protocol =
#   "HTTPS"`; a redirect without a protocol keeps HTTP). Listeners that only return a fixed
#   response are not reported. Also finds DigitalOcean load balancers with a `forwarding_rule`
#   whose `entry_protocol` is http while `redirect_http_to_https` is not true (its default is
#   false). A listener does not show whether its load balancer is internal, so internal
#   load balancers are reported too.
# why: >-
#   Requests and responses sent over plain HTTP, including session cookies, tokens and
#   credentials, can be read and modified by anyone on the path (public Wi-Fi, a compromised
#   router, a malicious ISP). Without a redirect, clients that type the bare domain or follow an
#   old link stay on HTTP, and HSTS cannot be established.
# fix: >-
#   Make the HTTP listener's default action a redirect with `protocol = "HTTPS"`, `port = "443"`
#   and `status_code = "HTTP_301"`, and serve the application on an HTTPS listener. On
#   DigitalOcean set `redirect_http_to_https = true` and add an https forwarding rule.
# references:
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener
#   - https://registry.terraform.io/providers/digitalocean/digitalocean/latest/docs/resources/loadbalancer
# control: "seed 001 Tampering, man in the middle: only secure communication protocols are accepted by the API server"
# controls: ["https", "secure communication", "redirect to https"]
package stridegate.rules.tf_0006

import data.stridegate.lib.terraform as tf
import rego.v1

# lower/upper that are undefined (not an error) for values that are not strings.
lc(x) := lower(x) if is_string(x)

uc(x) := upper(x) if is_string(x)

# ---------------------------------------------------------------------------------------------
# AWS

http_listener if uc(input.protocol) == "HTTP"

http_listener if {
	not input.protocol
	input.load_balancer_arn
}

protocol_path := ["protocol"]

# Actions that hand the request to the application (or a login page) over the plain connection.
serving_types := {"forward", "authenticate-cognito", "authenticate-oidc"}

redirects_to_https(action) if {
	action.type == "redirect"
	some [_, r] in tf.blocks(action, "redirect")
	uc(r.protocol) == "HTTPS"
}

deny contains {"msg": msg, "path": ["default_action", i, "type"]} if {
	http_listener
	actions := tf.blocks(input, "default_action")
	not any_https_redirect(actions)
	some [i, a] in actions
	serving_types[a.type]
	msg := sprintf("HTTP listener's default action is %q instead of a redirect to HTTPS", [a.type])
}

deny contains {"msg": msg, "path": ["default_action", i, "redirect", j, "protocol"]} if {
	http_listener
	some [i, a] in tf.blocks(input, "default_action")
	a.type == "redirect"
	some [j, r] in tf.blocks(a, "redirect")
	p := object.get(r, "protocol", "#{protocol}")
	is_string(p)
	uc(p) != "HTTPS"
	msg := redirect_msg(r, p)
}

redirect_msg(r, p) := sprintf("HTTP listener redirects with protocol %q, so clients stay on plain HTTP", [p]) if r.protocol

redirect_msg(r, p) := "HTTP listener redirect sets no protocol, so it keeps clients on plain HTTP" if not r.protocol

any_https_redirect(actions) if {
	some [_, a] in actions
	redirects_to_https(a)
}

# ---------------------------------------------------------------------------------------------
# DigitalOcean

deny contains {"msg": msg, "path": ["forwarding_rule", i, "entry_protocol"]} if {
	input.forwarding_rule
	not input.redirect_http_to_https == true
	not tf.is_unknown(input.redirect_http_to_https)
	some [i, rule] in tf.blocks(input, "forwarding_rule")
	lc(rule.entry_protocol) == "http"
	msg := sprintf("load balancer accepts plain HTTP on port %v and redirect_http_to_https is not enabled", [rule.entry_port])
}
