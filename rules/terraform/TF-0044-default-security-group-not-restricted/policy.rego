# METADATA
# id: TF-0044
# name: default-security-group-not-restricted
# title: Default security group allows traffic
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: ["aws_default_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
# what: >-
#   Finds `aws_default_security_group` resources that declare `ingress` or `egress` rules. An
#   `aws_default_security_group` without rules is the compliant form: Terraform then removes
#   every rule from the VPC's default group. Rules added to the default group by separate
#   resources are findings too: an `aws_security_group_rule`,
#   `aws_vpc_security_group_ingress_rule` or `aws_vpc_security_group_egress_rule` whose
#   `security_group_id` references `aws_default_security_group.<name>.id` or
#   `aws_vpc.<name>.default_security_group_id` is reported at that attribute. A rule whose group
#   is a literal id or a variable is not judged (the default group's id is not known).
# why: >-
#   Every instance, endpoint and function launched without an explicit security group lands in
#   the VPC's default group. Rules on it silently apply to all of them, so a resource created in
#   a hurry is reachable (and can reach out) without anyone having decided so.
# fix: >-
#   Remove every `ingress` and `egress` block from the `aws_default_security_group` (leaving it
#   with no rules) and every separate rule resource attached to it, and attach purpose-made security groups to resources instead.
# references:
#   - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group
# control: "seed 004 External threats: network access is denied unless explicitly allowed"
# mirrors: ["checkov:CKV2_AWS_12"]
# controls: ["default security group"]
package stridegate.rules.tf_0044

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": msg, "path": [direction, i]} if {
	some direction in ["ingress", "egress"]
	some [i, _] in tf.blocks(input, direction)
	msg := sprintf("default security group has an %s rule: it applies to every resource launched without a security group", [direction])
}

# A reference to the VPC's default security group: the id of an `aws_default_security_group`,
# or the `default_security_group_id` of an `aws_vpc` (possibly through count/for_each keys), at
# the start of an unknown value's reason (which may go on with an explanation).
default_group_reference := `^(\$\{)?(aws_default_security_group\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.id|aws_vpc\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.default_security_group_id)(\}|\s|$)`

rule_kinds := {
	"aws_security_group_rule": "",
	"aws_vpc_security_group_ingress_rule": "ingress",
	"aws_vpc_security_group_egress_rule": "egress",
}

rule_direction := d if {
	d := rule_kinds[input["$kind"]]
	d != ""
} else := d if {
	input["$kind"] == "aws_security_group_rule"
	d := input.type
	d in {"ingress", "egress"}
} else := "a"

deny contains {"msg": msg, "path": ["security_group_id"]} if {
	rule_kinds[input["$kind"]]
	group := input.security_group_id
	tf.is_unknown(group)
	reference := group["$unknown"]
	is_string(reference)
	regex.match(default_group_reference, reference)
	msg := sprintf("%s adds %s rule to the VPC's default security group (%s): it applies to every resource launched without a security group", [input["$kind"], article(rule_direction), shown(reference)])
}

article("ingress") := "an ingress"

article("egress") := "an egress"

article("a") := "a"

# The reference alone, for messages.
shown(reason) := trim_suffix(split(trim_prefix(reason, "${"), " ")[0], "}")
