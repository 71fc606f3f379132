# METADATA
# id: TF-0001
# name: security-group-open-to-internet
# title: Security group admits the internet to an administration or data port
# severity: critical
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, spoofing, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds:
#     - aws_security_group
#     - aws_default_security_group
#     - aws_security_group_rule
#     - aws_vpc_security_group_ingress_rule
# what: >-
#   Finds AWS security group ingress rules whose source is 0.0.0.0/0 or ::/0 and that open an
#   administration port (SSH, RDP, WinRM, Telnet, VNC, the Docker daemon, the kubelet), a data
#   store port (MySQL, PostgreSQL, SQL Server, Oracle, Redis, Memcached, MongoDB, Elasticsearch,
#   Kibana, Cassandra, etcd, CouchDB, InfluxDB, Kafka, ZooKeeper, RabbitMQ) or every port
#   (protocol -1 or a 0-65535 range). Inline `ingress` blocks of `aws_security_group` and
#   `aws_default_security_group`, `aws_security_group_rule` with `type = "ingress"` and
#   `aws_vpc_security_group_ingress_rule` are checked; port ranges are expanded. Administration
#   ports and all-port rules are critical, data ports high. Only TCP (and all-protocol) rules are
#   considered. Sources given by prefix lists or other security groups are not reported.
# why: >-
#   Administration and database services exposed to the whole internet are found by mass
#   scanners within minutes and then brute-forced or attacked through unpatched vulnerabilities;
#   a single weak password or CVE gives an attacker a shell or the data. The threat model
#   expects ingress only from internal resources such as the load balancer.
# fix: >-
#   Restrict the source to the networks that need access (a VPN or bastion CIDR, or the load
#   balancer's security group through `source_security_group_id` /
#   `referenced_security_group_id`), or remove the rule and use AWS Systems Manager Session
#   Manager for shell access.
# references:
#   - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_security_group_ingress_rule
# control: "seed 004 External threats: for ingress, we should only allow access from other internal resources (e.g. the load balancer)"
# controls: ["security group", "security groups", "admin port", "ssh access"]
package stridegate.rules.tf_0001

import data.stridegate.lib.terraform as tf
import data.stridegate.lib.network as net
import rego.v1

all_protocols := {"-1", "all"}

tcp_protocols := {"tcp", "6"}

protocol_name(p) := lower(p) if is_string(p)

protocol_name(p) := format_int(p, 10) if is_number(p)

port_number(p) := p if is_number(p)

port_number(p) := to_number(p) if {
	is_string(p)
	regex.match(`^-?[0-9]+$`, p)
}

# What a rule opens, from its protocol and port range: {"all": true} or {"from": n, "to": m}.
# Undefined when something needed is unknown.
opening(proto, from, to) := {"all": true} if {
	all_protocols[protocol_name(proto)]
}

opening(proto, from, to) := {"all": true} if {
	tcp_protocols[protocol_name(proto)]
	port_number(from) <= 0
	port_number(to) >= 65535
}

opening(proto, from, to) := {"all": false, "from": f, "to": t} if {
	tcp_protocols[protocol_name(proto)]
	f := port_number(from)
	t := port_number(to)
	not all_range(f, t)
}

all_range(f, t) if {
	f <= 0
	t >= 65535
}

# Findings for an opening from the internet: (severity, description).
exposure(o) := ["critical", "all ports"] if o.all

exposure(o) := ["critical", port_desc(o, ports)] if {
	not o.all
	ports := [sprintf("%d (%s)", [p, name]) | some p, name in net.admin_ports; o.from <= p; p <= o.to]
	count(ports) > 0
}

exposure(o) := ["high", port_desc(o, ports)] if {
	not o.all
	not any_admin(o)
	ports := [sprintf("%d (%s)", [p, name]) | some p, name in net.data_ports; o.from <= p; p <= o.to]
	count(ports) > 0
}

any_admin(o) if {
	some p, _ in net.admin_ports
	o.from <= p
	p <= o.to
}

port_desc(o, ports) := sprintf("port %s", [ports[0]]) if o.from == o.to

port_desc(o, ports) := sprintf("ports %d-%d, including %s", [o.from, o.to, concat(", ", ports)]) if o.from != o.to

# The "anywhere" sources of a rule, as [attribute, cidr] pairs.
anywhere_sources(rule) := {[attr, c, j] |
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	cidrs := rule[attr]
	is_array(cidrs)
	some j, c in cidrs
	tf.anywhere[c]
}

# Inline ingress blocks of aws_security_group / aws_default_security_group.
deny contains {"msg": msg, "path": ["ingress", i, src[0], src[2]], "severity": e[0]} if {
	some [i, rule] in tf.blocks(input, "ingress")
	some src in anywhere_sources(rule)
	o := opening(rule.protocol, rule.from_port, rule.to_port)
	e := exposure(o)
	msg := sprintf("security group ingress rule allows %s to %s", [src[1], e[1]])
}

# aws_security_group_rule with type = "ingress".
deny contains {"msg": msg, "path": [src[0], src[2]], "severity": e[0]} if {
	input.type == "ingress"
	some src in anywhere_sources(input)
	o := opening(input.protocol, input.from_port, input.to_port)
	e := exposure(o)
	msg := sprintf("security group rule allows %s to %s", [src[1], e[1]])
}

# aws_vpc_security_group_ingress_rule: one CIDR per rule; ports are absent with ip_protocol -1.
deny contains {"msg": msg, "path": [attr], "severity": e[0]} if {
	not input.type
	some attr in ["cidr_ipv4", "cidr_ipv6"]
	c := input[attr]
	tf.anywhere[c]
	o := opening(input.ip_protocol, object.get(input, "from_port", null), object.get(input, "to_port", null))
	e := exposure(o)
	msg := sprintf("security group ingress rule allows %s to %s", [c, e[1]])
}

# Sources that cannot be known, as [attribute, reason]: the whole list or one of its elements.
unknown_sources(rule) := {[attr, v["$unknown"], null] |
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	v := rule[attr]
	tf.is_unknown(v)
} | {[attr, c["$unknown"], j] |
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	cidrs := rule[attr]
	is_array(cidrs)
	some j, c in cidrs
	tf.is_unknown(c)
}

# Not violations: the control (no admin or data port open to the internet) cannot be proven
# here. Reported apart from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": element_path(["ingress", i, src[0]], src[2])} if {
	some [i, rule] in tf.blocks(input, "ingress")
	some src in unknown_sources(rule)
	o := opening(rule.protocol, rule.from_port, rule.to_port)
	e := exposure(o)
	msg := sprintf("cannot tell whether this ingress rule admits the internet to %s: its source is %s", [e[1], src[1]])
}

unverifiable contains {"msg": msg, "path": element_path([src[0]], src[2])} if {
	input.type == "ingress"
	some src in unknown_sources(input)
	o := opening(input.protocol, input.from_port, input.to_port)
	e := exposure(o)
	msg := sprintf("cannot tell whether this rule admits the internet to %s: its source is %s", [e[1], src[1]])
}

# The list, or its element `j` when the unknown value is one element.
element_path(list, j) := list if j == null

element_path(list, j) := array.concat(list, [j]) if j != null
