# METADATA
# id: TF-0003
# name: network-acl-open-to-internet
# title: Network ACL admits the internet to an administration port or to every port
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: [aws_network_acl, aws_default_network_acl, aws_network_acl_rule]
# what: >-
#   Finds AWS network ACL ingress entries that allow traffic from 0.0.0.0/0 or ::/0 to every
#   port (protocol -1, or TCP 0-65535) or to an administration port (SSH 22, Telnet 23, RDP
#   3389, VNC 5900, WinRM 5985/5986). Inline `ingress` blocks of `aws_network_acl` and
#   `aws_default_network_acl` (where an inline deny entry with a lower rule number covering the
#   same port and source is taken into account) and `aws_network_acl_rule` with `egress` false
#   or absent are checked. Network ACLs are stateless, so TCP ranges that end at 65535 and start
#   at 1024 or above are treated as the ephemeral range needed for return traffic and are only
#   reported when they cover every port.
# why: >-
#   A network ACL is the subnet-level layer of defence in depth: when an instance's security
#   group is too open, the ACL is what still keeps administration services out of reach of
#   internet scanners. An ACL that admits everything from anywhere adds no protection.
# fix: >-
#   Allow only the ports the subnet serves (for example 443, plus the 1024-65535 ephemeral range
#   for return traffic) from the internet, and administration ports only from the VPN or bastion
#   range; end the list with an explicit deny.
# references:
#   - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/network_acl
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/network_acl_rule
# control: "seed 004 External threats: whitelist certain CIDRs using a network ACL (in combination with the security groups defined by the applications to follow a defense in depth strategy)"
# controls: ["network acl", "network acls", "nacl"]
package stridegate.rules.tf_0003

import data.stridegate.lib.terraform as tf
import rego.v1

# lower/upper that are undefined (not an error) for values that are not strings.
lc(x) := lower(x) if is_string(x)

uc(x) := upper(x) if is_string(x)

# Administration ports: reachable from the internet they give an attacker a login prompt.
admin_ports := {
	22: "SSH",
	23: "Telnet",
	3389: "RDP",
	5900: "VNC",
	5985: "WinRM",
	5986: "WinRM (HTTPS)",
}

all_protocols := {"-1", "all"}

tcp_protocols := {"tcp", "6"}

protocol_name(p) := lc(p) if is_string(p)

protocol_name(p) := format_int(p, 10) if is_number(p)

port_number(p) := p if is_number(p)

port_number(p) := to_number(p) if {
	is_string(p)
	regex.match(`^-?[0-9]+$`, p)
}

# What an entry opens: {"all": true} or {"all": false, "from": n, "to": m}.
opening(e) := {"all": true} if all_protocols[protocol_name(e.protocol)]

opening(e) := {"all": true} if {
	tcp_protocols[protocol_name(e.protocol)]
	port_number(e.from_port) <= 0
	port_number(e.to_port) >= 65535
}

opening(e) := {"all": false, "from": f, "to": t} if {
	tcp_protocols[protocol_name(e.protocol)]
	f := port_number(e.from_port)
	t := port_number(e.to_port)
	not all_range(f, t)
}

all_range(f, t) if {
	f <= 0
	t >= 65535
}

# The stateless return-traffic range (for example 1024-65535).
ephemeral(o) if {
	not o.all
	o.from >= 1024
	o.to >= 65535
}

# Ports an opening exposes: "all ports", or the administration ports it covers.
exposed(o) := {"all ports": 0} if o.all

exposed(o) := {sprintf("port %d (%s)", [p, name]): p |
	some p, name in admin_ports
	o.from <= p
	p <= o.to
} if {
	not o.all
	not ephemeral(o)
}

anywhere_sources(e) := {[attr, c] |
	some attr in ["cidr_block", "ipv6_cidr_block"]
	c := e[attr]
	tf.anywhere[c]
}

allows(e) if lc(e.action) == "allow"

allows(e) if lc(e.rule_action) == "allow"

denies(e) if lc(e.action) == "deny"

# An inline deny entry evaluated before `e` that blocks port p (0 = any) from the same source.
shadowed(e, c, p) if {
	some [_, d] in tf.blocks(input, "ingress")
	denies(d)
	port_number(d.rule_no) < port_number(e.rule_no)
	d[_] == c
	od := opening(d)
	covers(od, p)
}

covers(o, _) if o.all

covers(o, p) if {
	not o.all
	p > 0
	o.from <= p
	p <= o.to
}

# Inline ingress entries of aws_network_acl / aws_default_network_acl.
deny contains {"msg": msg, "path": ["ingress", i, src[0]]} if {
	some [i, e] in tf.blocks(input, "ingress")
	allows(e)
	some src in anywhere_sources(e)
	o := opening(e)
	some what, p in exposed(o)
	not shadowed(e, src[1], p)
	msg := sprintf("network ACL entry %v allows %s to %s", [e.rule_no, src[1], what])
}

# aws_network_acl_rule (ingress when egress is false or absent).
deny contains {"msg": msg, "path": [src[0]]} if {
	input.network_acl_id
	not input.egress == true
	allows(input)
	some src in anywhere_sources(input)
	o := opening(input)
	some what, _ in exposed(o)
	msg := sprintf("network ACL rule %v allows %s to %s", [input.rule_number, src[1], what])
}
