# METADATA
# id: TF-0007
# name: load-balancer-weak-tls-policy
# title: Load balancer TLS listener accepts TLS 1.0 or 1.1
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: [aws_lb_listener, aws_alb_listener]
# what: >-
#   Finds AWS Application and Network Load Balancer listeners with protocol HTTPS or TLS whose
#   `ssl_policy` admits TLS 1.0 or TLS 1.1. A listener without `ssl_policy` gets
#   ELBSecurityPolicy-2016-08, the default for listeners created through the API (which is what
#   Terraform uses), and that policy admits TLS 1.0 and 1.1. Policies are judged by the AWS
#   security policy table; predefined policy names whose family is not in the table are judged
#   by AWS's naming (TLS13-1-2, TLS-1-2 and FS-1-2 policies start at TLS 1.2; TLS13-1-0,
#   TLS13-1-1, TLS-1-0, TLS-1-1 and FS-1-1 policies do not). Unrecognised names and values
#   that cannot be known are not reported.
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and CBC constructions with
#   known attacks (BEAST, Lucky13, POODLE-style downgrades), and a server that still offers them
#   lets an active attacker push old clients onto them.
# fix: >-
#   Set `ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"` (TLS 1.2 and 1.3, recommended by
#   AWS) or a stricter policy such as ELBSecurityPolicy-TLS13-1-2-Res-2021-06 or
#   ELBSecurityPolicy-TLS13-1-3-2021-06.
# references:
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3: older versions are not supported, because they are not considered secure enough anymore"
# mirrors: ["trivy:AVD-AWS-0047"]
# controls: ["tls", "tls 1.2", "secure communication"]
package stridegate.rules.tf_0007

import data.stridegate.lib.terraform as tf
import rego.v1

# The policy AWS applies when a listener is created through the API without one.
# Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
# ("Other methods (for example, the AWS CLI, AWS CloudFormation ...) - ELBSecurityPolicy-2016-08").
default_policy := "ELBSecurityPolicy-2016-08"

# Oldest protocol each predefined policy accepts, from the AWS security policy tables
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
policy_min_version := {
	"ELBSecurityPolicy-2015-05": "TLS 1.0", # identical to ELBSecurityPolicy-2016-08
	"ELBSecurityPolicy-2016-08": "TLS 1.0",
	"ELBSecurityPolicy-TLS-1-0-2015-04": "TLS 1.0",
	"ELBSecurityPolicy-FS-2018-06": "TLS 1.0",
	"ELBSecurityPolicy-TLS13-1-0-2021-06": "TLS 1.0",
	"ELBSecurityPolicy-TLS-1-1-2017-01": "TLS 1.1",
	"ELBSecurityPolicy-FS-1-1-2019-08": "TLS 1.1",
	"ELBSecurityPolicy-TLS13-1-1-2021-06": "TLS 1.1",
	"ELBSecurityPolicy-TLS-1-2-2017-01": "TLS 1.2",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06": "TLS 1.2",
	"ELBSecurityPolicy-FS-1-2-2019-08": "TLS 1.2",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08": "TLS 1.2",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10": "TLS 1.2",
	"ELBSecurityPolicy-TLS13-1-2-2021-06": "TLS 1.2",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06": "TLS 1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06": "TLS 1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06": "TLS 1.2",
	"ELBSecurityPolicy-TLS13-1-3-2021-06": "TLS 1.3",
}

# Newer predefined policies (FIPS and post-quantum variants) follow the same naming: the
# version after the family prefix is the oldest protocol accepted.
legacy_name_patterns := {
	`^ELBSecurityPolicy-TLS13-1-0-`: "TLS 1.0",
	`^ELBSecurityPolicy-TLS-1-0-`: "TLS 1.0",
	`^ELBSecurityPolicy-TLS13-1-1-`: "TLS 1.1",
	`^ELBSecurityPolicy-TLS-1-1-`: "TLS 1.1",
	`^ELBSecurityPolicy-FS-1-1-`: "TLS 1.1",
}

min_version(name) := policy_min_version[name]

min_version(name) := v if {
	not policy_min_version[name]
	some pattern, v in legacy_name_patterns
	regex.match(pattern, name)
}

legacy := {"TLS 1.0", "TLS 1.1"}

tls_listener if {
	is_string(input.protocol)
	upper(input.protocol) in {"HTTPS", "TLS"}
}

deny contains {"msg": msg, "path": ["ssl_policy"]} if {
	tls_listener
	policy := input.ssl_policy
	is_string(policy)
	v := min_version(policy)
	legacy[v]
	msg := sprintf("%s listener uses SSL policy %q, which admits %s", [upper(input.protocol), policy, v])
}

deny contains {"msg": msg, "path": ["ssl_policy"]} if {
	tls_listener
	not has_policy
	msg := sprintf("%s listener sets no ssl_policy, so AWS applies %s, which admits TLS 1.0", [upper(input.protocol), default_policy])
}

has_policy if {
	input.ssl_policy != null
	input.ssl_policy != ""
}

# Not violations: whether a TLS listener admits TLS 1.0 or 1.1 cannot be proven here. Reported
# apart from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["ssl_policy"]} if {
	tls_listener
	v := input.ssl_policy
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the %s listener admits TLS 1.0 or 1.1: ssl_policy is %s", [upper(input.protocol), v["$unknown"]])
}
