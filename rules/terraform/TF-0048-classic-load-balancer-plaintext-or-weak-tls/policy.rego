# METADATA
# id: TF-0048
# name: classic-load-balancer-plaintext-or-weak-tls
# title: Classic load balancer listens over plain HTTP or negotiates TLS older than 1.2
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_elb", "aws_load_balancer_policy"]
# what: >-
#   Finds classic load balancer (`aws_elb`) listeners whose `lb_protocol` is HTTP, and SSL
#   negotiation policies (`aws_load_balancer_policy` of type SSLNegotiationPolicyType) that
#   reference a predefined security policy admitting TLS 1.0 or 1.1 (ELBSecurityPolicy-2016-08
#   and older, ELBSecurityPolicy-TLS-1-1-2017-01, ELBSample-*), high, or enable
#   `Protocol-SSLv3`, `Protocol-TLSv1` or `Protocol-TLSv1.1`, high. TCP listeners (possibly TLS
#   passthrough) and listeners whose policy is attached elsewhere are not judged.
# why: >-
#   A plain HTTP listener carries credentials, session cookies and data in clear text across the
#   internet. A classic load balancer cannot redirect HTTP to HTTPS, so its HTTP listener serves
#   the application in clear. TLS 1.0 and 1.1 are deprecated (RFC 8996) and let an active
#   attacker negotiate clients down to weak cipher suites.
# fix: >-
#   Serve only HTTPS or SSL listeners, with an SSL negotiation policy referencing
#   ELBSecurityPolicy-TLS-1-2-2017-01, or better, migrate to an Application or Network Load
#   Balancer, which can redirect HTTP and supports TLS 1.3 policies.
# references:
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-security-policy-table.html
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-listener-config.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/load_balancer_policy
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3: older versions are not supported, because they are not considered secure enough anymore"
# controls: ["tls", "tls 1.2", "secure communication", "https"]
package stridegate.rules.tf_0048

import data.stridegate.lib.terraform as tf
import rego.v1

lc(x) := lower(x) if is_string(x)

deny contains {"msg": msg, "path": ["listener", i, "lb_protocol"]} if {
	input["$kind"] == "aws_elb"
	some [i, l] in tf.blocks(input, "listener")
	lc(l.lb_protocol) == "http"
	msg := sprintf("classic load balancer listens over plain HTTP on port %v", [l.lb_port])
}

# Oldest protocol a predefined classic policy admits, by name.
legacy_reference(name) := "TLS 1.1" if {
	startswith(name, "ELBSecurityPolicy-TLS-1-1-")
} else := "TLS 1.0" if {
	regex.match(`^ELBSecurityPolicy-20[0-9]{2}-[0-9]{2}$`, name)
} else := "TLS 1.0" if {
	startswith(name, "ELBSample-")
}

legacy_protocols := {"protocol-sslv3": "SSLv3", "protocol-tlsv1": "TLS 1.0", "protocol-tlsv1.1": "TLS 1.1"}

ssl_negotiation if lc(input.policy_type_name) == "sslnegotiationpolicytype"

deny contains {"msg": msg, "path": ["policy_attribute", i, "value"], "severity": "high"} if {
	input["$kind"] == "aws_load_balancer_policy"
	ssl_negotiation
	some [i, a] in tf.blocks(input, "policy_attribute")
	a.name == "Reference-Security-Policy"
	is_string(a.value)
	v := legacy_reference(a.value)
	msg := sprintf("SSL negotiation policy references %s, which admits %s", [a.value, v])
}

deny contains {"msg": msg, "path": ["policy_attribute", i, "value"], "severity": "high"} if {
	input["$kind"] == "aws_load_balancer_policy"
	ssl_negotiation
	some [i, a] in tf.blocks(input, "policy_attribute")
	proto := legacy_protocols[lc(a.name)]
	lc(a.value) == "true"
	msg := sprintf("SSL negotiation policy enables %s (%s = true)", [proto, a.name])
}
