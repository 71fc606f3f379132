# METADATA
# id: IAM-0016
# name: policy-attached-to-iam-user
# title: Permissions granted directly to an IAM user
# severity: low
# since: "0.1.0"
# stride: [elevation-of-privilege, repudiation]
# applies_to:
#   platform: terraform
#   kinds: ["aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"]
# what: >-
#   Finds permissions given to IAM users one by one: inline policies (`aws_iam_user_policy`,
#   medium), managed policy attachments to a user (`aws_iam_user_policy_attachment`, low) and
#   `aws_iam_policy_attachment` resources whose `users` list names users (low, at each entry).
#   A user whose name cannot be known is still reported, as the resource certainly attaches to a
#   user; an `aws_iam_policy_attachment` whose whole `users` list cannot be known is not.
# why: >-
#   Permissions attached user by user drift apart and outlive the job they were granted for:
#   nobody reviews what each person holds, leavers keep access in copies of a policy, and an
#   inline user policy appears in no policy list at all. Groups (for the users that must remain)
#   and roles give one place to review, grant and revoke.
# fix: >-
#   Attach policies to a group (`aws_iam_group_policy_attachment`) and manage membership with
#   `aws_iam_user_group_membership`, or better, replace the users with roles assumed through IAM
#   Identity Center or federation.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#use-groups-for-permissions
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_policy_attachment
# control: "seed 002 Security Requirements, Authorization: roles and permissions should be clearly defined and regularly reviewed"
# mirrors: ["checkov:CKV_AWS_40"]
# controls: ["least privilege"]
package stridegate.rules.iam_0016

import rego.v1

user(u) := sprintf("IAM user %q", [u]) if is_string(u)
else := "an IAM user"

# aws_iam_user_policy: an inline policy (it has `policy`, not `policy_arn`).
deny contains {"msg": msg, "path": ["user"], "severity": "medium"} if {
	_ = input.user
	_ = input.policy
	not input.policy_arn
	msg := sprintf("inline policy on %s: grant permissions through a group or a role", [user(input.user)])
}

# aws_iam_user_policy_attachment
deny contains {"msg": msg, "path": ["user"]} if {
	_ = input.user
	_ = input.policy_arn
	msg := sprintf("policy attached directly to %s: attach it to a group or a role", [user(input.user)])
}

# aws_iam_policy_attachment
deny contains {"msg": msg, "path": ["users", i]} if {
	is_array(input.users)
	some i, u in input.users
	msg := sprintf("policy attached directly to %s: attach it to a group or a role", [user(u)])
}
