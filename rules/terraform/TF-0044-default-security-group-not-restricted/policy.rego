# METADATA
# id: TF-0044
# name: default-security-group-not-restricted
# title: Default security group allows traffic
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: ["aws_default_security_group"]
# what: >-
#   Finds `aws_default_security_group` resources that declare `ingress` or `egress` rules. An
#   `aws_default_security_group` without rules is the compliant form: Terraform then removes
#   every rule from the VPC's default group. Rules added to the default group by separate
#   `aws_security_group_rule` or `aws_vpc_security_group_*_rule` resources are not followed.
# why: >-
#   Every instance, endpoint and function launched without an explicit security group lands in
#   the VPC's default group. Rules on it silently apply to all of them, so a resource created in
#   a hurry is reachable (and can reach out) without anyone having decided so.
# fix: >-
#   Remove every `ingress` and `egress` block from the `aws_default_security_group` (leaving it
#   with no rules), and attach purpose-made security groups to resources instead.
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
