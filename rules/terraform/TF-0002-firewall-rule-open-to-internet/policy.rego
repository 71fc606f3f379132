# METADATA
# id: TF-0002
# name: firewall-rule-open-to-internet
# title: GCP firewall or Azure network security rule admits the internet to an administration or data port
# severity: critical
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, spoofing, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds:
#     - google_compute_firewall
#     - azurerm_network_security_rule
#     - azurerm_network_security_group
# what: >-
#   Finds ingress firewall rules whose source is the whole internet and that allow an
#   administration port (SSH, RDP, WinRM, Telnet, VNC, the Docker daemon, the kubelet), a data
#   store port (MySQL, PostgreSQL, SQL Server, Oracle, Redis, Memcached, MongoDB, Elasticsearch,
#   Kibana, Cassandra, etcd, CouchDB, InfluxDB, Kafka, ZooKeeper, RabbitMQ) or every port. For
#   `google_compute_firewall`: enabled rules with direction INGRESS (the default) whose
#   `source_ranges` contain 0.0.0.0/0 or ::/0, checked per `allow` block (protocol tcp or all;
#   no `ports` means all ports; ranges such as "1000-2000" are expanded). For Azure
#   `azurerm_network_security_rule` and the inline `security_rule` blocks of
#   `azurerm_network_security_group`: Inbound Allow rules for protocol Tcp or * whose source
#   prefix is *, Internet, Any, 0.0.0.0/0 or ::/0, with `destination_port_range(s)` of *, a
#   port or a range. Administration ports and all-port rules are critical, data ports high.
# why: >-
#   Administration and database services exposed to the whole internet are found by mass
#   scanners within minutes and then brute-forced or attacked through unpatched vulnerabilities;
#   a single weak password or CVE gives an attacker a shell or the data.
# fix: >-
#   Restrict the source to the networks that need access (a VPN or bastion range, an Azure
#   service tag or application security group, GCP source tags or service accounts), or use
#   Identity-Aware Proxy TCP forwarding (GCP) or Azure Bastion for administration.
# references:
#   - https://cloud.google.com/firewall/docs/firewalls
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_firewall
#   - https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/network_security_rule
# control: "seed 004 External threats: for ingress, we should only allow access from other internal resources (e.g. the load balancer)"
# controls: ["firewall rules", "network security rules"]
package stridegate.rules.tf_0002

import data.stridegate.lib.terraform as tf
import data.stridegate.lib.network as net
import rego.v1

# lower/upper that are undefined (not an error) for values that are not strings.
lc(x) := lower(x) if is_string(x)

uc(x) := upper(x) if is_string(x)

# A port specification ("22", "1000-2000", 22 or "*") as {"all": bool, "from": n, "to": m}.
port_spec(p) := {"all": false, "from": p, "to": p} if is_number(p)

port_spec(p) := {"all": true} if p == "*"

port_spec(p) := {"all": false, "from": to_number(p), "to": to_number(p)} if {
	is_string(p)
	regex.match(`^[0-9]+$`, trim_space(p))
}

port_spec(p) := spec if {
	is_string(p)
	parts := regex.find_all_string_submatch_n(`^\s*([0-9]+)\s*-\s*([0-9]+)\s*$`, p, 1)
	count(parts) == 1
	f := to_number(parts[0][1])
	t := to_number(parts[0][2])
	spec := range_spec(f, t)
}

range_spec(f, t) := {"all": true} if {
	f <= 1
	t >= 65535
}

range_spec(f, t) := {"all": false, "from": f, "to": t} if {
	not all_range(f, t)
}

all_range(f, t) if {
	f <= 1
	t >= 65535
}

# Findings for an opening from the internet: [severity, description].
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

# ---------------------------------------------------------------------------------------------
# Google Cloud: google_compute_firewall

gcp_ingress if {
	not input.direction
}

gcp_ingress if input.direction == null

gcp_ingress if uc(input.direction) == "INGRESS"

gcp_enabled if not input.disabled == true

gcp_anywhere := {c |
	ranges := input.source_ranges
	is_array(ranges)
	some c in ranges
	tf.anywhere[c]
}

gcp_tcp_protocols := {"tcp", "6", "all"}

deny contains {"msg": msg, "path": path, "severity": e[0]} if {
	gcp_ingress
	gcp_enabled
	count(gcp_anywhere) > 0
	src := concat(", ", sort(gcp_anywhere))
	some [i, allow] in tf.blocks(input, "allow")
	is_string(allow.protocol)
	gcp_tcp_protocols[lc(allow.protocol)]
	some [path, o] in gcp_openings(i, allow)
	e := exposure(o)
	msg := sprintf("firewall rule allows %s to %s", [src, e[1]])
}

# No ports, or protocol "all": every port.
gcp_openings(i, allow) := {[["allow", i, "protocol"], {"all": true}]} if {
	lc(allow.protocol) == "all"
}

gcp_openings(i, allow) := {[["allow", i, "protocol"], {"all": true}]} if {
	lc(allow.protocol) != "all"
	not gcp_has_ports(allow)
}

gcp_openings(i, allow) := {[["allow", i, "ports", j], o] |
	some j, p in allow.ports
	o := port_spec(p)
} if {
	lc(allow.protocol) != "all"
	gcp_has_ports(allow)
}

gcp_has_ports(allow) if {
	ports := allow.ports
	is_array(ports)
	count(ports) > 0
}

# A ports list that cannot be known is neither "all ports" nor a specific port.
gcp_has_ports(allow) if tf.is_unknown(allow.ports)

# ---------------------------------------------------------------------------------------------
# Azure: azurerm_network_security_rule and inline security_rule blocks

azure_internet := {"*", "internet", "any", "0.0.0.0/0", "::/0"}

azure_rules contains [[], input] if {
	not input.security_rule
	input.direction
}

azure_rules contains [["security_rule", i], r] if {
	some [i, r] in tf.blocks(input, "security_rule")
}

azure_source(r) := r.source_address_prefix if {
	is_string(r.source_address_prefix)
	azure_internet[lc(r.source_address_prefix)]
}

azure_source(r) := p if {
	not azure_single_internet(r)
	prefixes := r.source_address_prefixes
	is_array(prefixes)
	ps := [x | some x in prefixes; is_string(x); azure_internet[lc(x)]]
	count(ps) > 0
	p := ps[0]
}

azure_single_internet(r) if {
	is_string(r.source_address_prefix)
	azure_internet[lc(r.source_address_prefix)]
}

azure_openings(r) := {[[attr], o] |
	attr := "destination_port_range"
	o := port_spec(r[attr])
} | {[[attr, j], o] |
	attr := "destination_port_ranges"
	ranges := r[attr]
	is_array(ranges)
	some j, p in ranges
	o := port_spec(p)
}

deny contains {"msg": msg, "path": path, "severity": e[0]} if {
	some [prefix, r] in azure_rules
	is_string(r.direction)
	lc(r.direction) == "inbound"
	is_string(r.access)
	lc(r.access) == "allow"
	is_string(r.protocol)
	lc(r.protocol) in {"tcp", "*"}
	src := azure_source(r)
	some [rel, o] in azure_openings(r)
	e := exposure(o)
	path := array.concat(prefix, rel)
	msg := sprintf("network security rule allows source %q to %s", [src, e[1]])
}
