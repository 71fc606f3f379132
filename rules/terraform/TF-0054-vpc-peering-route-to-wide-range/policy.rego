# METADATA
# id: TF-0054
# name: vpc-peering-route-to-wide-range
# title: Route sends a whole address range to a VPC peering connection
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: ["aws_route", "aws_route_table"]
# what: >-
#   Finds routes to a VPC peering connection (`aws_route`, or an inline `route` block of
#   `aws_route_table`, with `vpc_peering_connection_id` set) whose destination is wider than
#   any single VPC: an IPv4 range wider than /16 (the largest block a VPC can have), high for
#   0.0.0.0/0, or an IPv6 range wider than /44, high for ::/0. A destination that is unknown
#   (a variable without a value, another resource's CIDR) is not judged.
# why: >-
#   A peering route should name the peer VPC's own CIDR. A wider route (0.0.0.0/0, 10.0.0.0/8)
#   makes every address the peer can reach look reachable through it, widens what a
#   compromised workload on either side can try to reach, and hides mistakes in the peer's
#   routing and security groups; it is how peerings turn into flat networks.
# fix: >-
#   Route only the peer VPC's CIDR blocks (`aws_vpc_peering_connection.x.accepter_vpc_info`
#   or the peer's `aws_vpc` cidr_block) through the peering connection, one route per block.
# references:
#   - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
#   - https://docs.aws.amazon.com/vpc/latest/peering/peering-configurations-partial-access.html
#   - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
# controls: ["network segmentation", "vpc peering", "least privilege network"]
package stridegate.rules.tf_0054

import data.stridegate.lib.terraform as tf
import rego.v1

# A peering connection is named (a literal id or a reference to one).
peering(r) if {
	v := r.vpc_peering_connection_id
	v != null
	v != ""
}

# [path, destination] of each peering route.
routes contains [[arg], r[arg]] if {
	input["$kind"] == "aws_route"
	r := input
	peering(r)
	some arg in ["destination_cidr_block", "destination_ipv6_cidr_block"]
	is_string(r[arg])
}

routes contains [["route", i, arg], r[arg]] if {
	input["$kind"] == "aws_route_table"
	some [i, r] in tf.blocks(input, "route")
	peering(r)
	some arg in ["cidr_block", "ipv6_cidr_block"]
	is_string(r[arg])
}

# Prefix length and family of a CIDR.
prefix(cidr) := [to_number(parts[1]), family] if {
	parts := split(trim_space(cidr), "/")
	count(parts) == 2
	regex.match(`^[0-9]{1,3}$`, parts[1])
	family := family_of(parts[0])
}

family_of(a) := "ipv4" if regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`, a)

family_of(a) := "ipv6" if regex.match(`^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$`, a)

# Widest block one VPC can hold, per family.
widest := {"ipv4": 16, "ipv6": 44}

deny contains {"msg": msg, "path": path, "severity": "high"} if {
	some [path, cidr] in routes
	[0, _] = prefix(cidr)
	msg := sprintf("route sends every address (%s) to a VPC peering connection", [cidr])
}

deny contains {"msg": msg, "path": path} if {
	some [path, cidr] in routes
	[len, family] := prefix(cidr)
	len > 0
	len < widest[family]
	msg := sprintf("route sends %s, wider than any VPC (/%d), to a VPC peering connection", [cidr, widest[family]])
}
