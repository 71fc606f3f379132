# METADATA
# id: TF-0027
# name: vpc-module-database-subnets-routed-to-internet
# title: VPC module routes its database subnets to the internet
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: ["module"]
# what: >-
#   Finds calls of the terraform-aws-modules VPC module (registry source
#   terraform-aws-modules/vpc/aws, or its git repository) that create database subnets and set
#   `create_database_nat_gateway_route` or `create_database_internet_gateway_route` to true. The
#   module is not downloaded: its documented inputs say what it will build.
# why: >-
#   Those inputs add a default route from the database subnets to a NAT or internet gateway, so a
#   compromised database host can reach the internet to fetch tooling or exfiltrate data, which
#   is the network boundary the data tier is supposed to have.
# fix: >-
#   Leave both inputs at their default (false) and give the database subnets only local and VPC
#   endpoint routes. Keep `create_database_subnet_route_table = true` so they get a route table
#   of their own.
# references:
#   - https://registry.terraform.io/modules/terraform-aws-modules/vpc/aws/latest
#   - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
# control: "seed 004 External threats: services such as a database or cache do not need egress networking, so no NAT gateway in the routing table of their subnets"
# controls: ["nat gateway", "data subnets"]
package stridegate.rules.tf_0027

import data.stridegate.lib.terraform as tf
import rego.v1

vpc_module if {
	source := input.source
	is_string(source)
	startswith(source, "terraform-aws-modules/vpc/aws")
}

vpc_module if {
	source := input.source
	is_string(source)
	contains(source, "terraform-aws-modules/terraform-aws-vpc")
}

has_database_subnets if {
	subnets := input.database_subnets
	is_array(subnets)
	count(subnets) > 0
}

# Database subnets whose list cannot be known may still exist.
has_database_subnets if tf.is_unknown(input.database_subnets)

routes := {
	"create_database_nat_gateway_route": "a NAT gateway",
	"create_database_internet_gateway_route": "the internet gateway",
}

deny contains {"msg": msg, "path": [input_name]} if {
	vpc_module
	has_database_subnets
	some input_name, target in routes
	input[input_name] == true
	msg := sprintf("VPC module gives its database subnets a default route to %s (%s = true)", [target, input_name])
}
