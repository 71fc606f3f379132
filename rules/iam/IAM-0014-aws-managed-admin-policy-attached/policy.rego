# METADATA
# id: IAM-0014
# name: aws-managed-admin-policy-attached
# title: AWS managed administrator-level policy attached
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: terraform
#   kinds:
#     - aws_iam_role_policy_attachment
#     - aws_iam_user_policy_attachment
#     - aws_iam_group_policy_attachment
#     - aws_iam_policy_attachment
#     - aws_iam_role
#     - aws_iam_role_policy_attachments_exclusive
# what: >-
#   Finds AWS managed policies that amount to administrator access attached to a role, user or
#   group: through the `policy_arn` of an attachment resource, an element of an `aws_iam_role`'s
#   `managed_policy_arns`, or of an `aws_iam_role_policy_attachments_exclusive`'s `policy_arns`.
#   AdministratorAccess and IAMFullAccess are critical, PowerUserAccess and the other broad
#   policies in the list below are high. ARNs of every partition (aws, aws-us-gov, aws-cn) are
#   recognized; ARNs that cannot be known (a `data "aws_iam_policy"` or a partition lookup) are not
#   reported.
# why: >-
#   These policies give the principal the whole account, or the means to take it:
#   AdministratorAccess allows every action, IAMFullAccess lets the holder attach
#   AdministratorAccess to itself, and PowerUserAccess allows everything outside IAM and
#   Organizations, which includes reading every secret and deleting every resource. A role or
#   user with one of them turns any compromise of its credentials or of the workload using it
#   into a compromise of the account.
# fix: >-
#   Attach a customer managed policy listing the actions and resources the principal needs
#   (IAM Access Analyzer can generate one from CloudTrail activity), or narrower AWS managed
#   policies. Keep administrator access for break-glass roles assumed by people with MFA or
#   through IAM Identity Center.
# references:
#   - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
#   - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/IAMFullAccess.html
#   - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html
# control: "seed 002 Security Requirements, Authorization: access to resources should be granted based on the principle of least privilege; seed 004 Internal threats: developers should be granted access on a need-to-know basis"
# mirrors: ["checkov:CKV_AWS_274"]
# controls: ["least privilege", "administrator access"]
package stridegate.rules.iam_0014

import rego.v1

# AWS managed policies (arn:<partition>:iam::aws:policy/<name>) and the severity of attaching one.
admin_policies := {
	# Action "*" on Resource "*" (AWS managed policy reference, AdministratorAccess).
	"AdministratorAccess": "critical",
	# iam:* on "*": the holder can attach any policy to itself (AWS managed policy reference,
	# IAMFullAccess; Rhino Security Labs, "AWS IAM privilege escalation methods": AttachUserPolicy,
	# AttachRolePolicy, PutUserPolicy, CreatePolicyVersion...).
	"IAMFullAccess": "critical",
	# NotAction on iam:*, organizations:*, account:* with Resource "*", plus some IAM actions
	# (AWS managed policy reference, PowerUserAccess).
	"PowerUserAccess": "high",
	# "Grants account administrative permissions" (AWS managed policy reference,
	# AdministratorAccess-Amplify): CloudFormation stacks plus IAM role and policy management.
	"AdministratorAccess-Amplify": "high",
	# "Full administrator permissions to create, modify and delete Elastic Beanstalk applications
	# ... and the underlying resources" (Elastic Beanstalk developer guide, managed user policies).
	"AdministratorAccess-AWSElasticBeanstalk": "high",
	# "All of the permissions required to create and fully administer an organization" (AWS
	# Organizations user guide, AWS managed policies): accounts, SCPs, leaving the organization.
	"AWSOrganizationsFullAccess": "high",
}

managed_policy(arn) := name if {
	is_string(arn)
	parts := regex.find_all_string_submatch_n(`^arn:aws(-[a-z]+)*:iam::aws:policy/(.+)$`, arn, 1)[0]
	name := parts[2]
	admin_policies[name]
}

# [path, arn] of every policy ARN the resource attaches.
attached contains [["policy_arn"], input.policy_arn] if is_string(input.policy_arn)

attached contains [[attribute, i], arn] if {
	some attribute in ["managed_policy_arns", "policy_arns"]
	is_array(input[attribute])
	some i, arn in input[attribute]
	is_string(arn)
}

target := sprintf("role %q", [input.role]) if is_string(input.role)
else := sprintf("role %q", [input.role_name]) if is_string(input.role_name)
else := sprintf("user %q", [input.user]) if is_string(input.user)
else := sprintf("group %q", [input.group]) if is_string(input.group)
else := sprintf("role %q", [input.name]) if {
	is_string(input.name)
	_ = input.assume_role_policy
} else := concat(", ", listed) if {
	count(listed) > 0
} else := "its principals"

# aws_iam_policy_attachment: roles, users and groups it names (known names only).
listed := [sprintf("%s %q", [kind, n]) |
	some [attribute, kind] in [["roles", "role"], ["users", "user"], ["groups", "group"]]
	is_array(input[attribute])
	some n in input[attribute]
	is_string(n)
]

deny contains {"msg": msg, "path": path, "severity": admin_policies[name]} if {
	some [path, arn] in attached
	name := managed_policy(arn)
	msg := sprintf("AWS managed policy %s attached to %s grants administrator-level access", [name, target])
}
