# METADATA
# id: IAM-0013
# name: long-lived-iam-user-credentials
# title: IAM user gets a long-lived access key or console password
# severity: high
# since: "0.1.0"
# stride: [spoofing, information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_iam_access_key", "aws_iam_user_login_profile"]
# what: >-
#   Finds `aws_iam_access_key` resources (high when `status` is "Active" or left out, the
#   provider default being "Active"; medium when "Inactive", since the key exists and can be
#   switched back on, or when the status cannot be known) and `aws_iam_user_login_profile` resources, which give an IAM user a console
#   password (medium). Without `pgp_key`, the message adds that the secret is
#   written in clear text to the Terraform state.
# why: >-
#   An access key never expires: whoever copies it from a laptop, a CI variable, a log or the
#   Terraform state has the user's permissions until someone notices and rotates it. A console
#   password is a reusable secret too, with MFA only if someone enrolled it. Temporary credentials
#   issued by STS to a role, through IAM Identity Center, SAML/OIDC federation, or a workload's
#   instance profile or IRSA role, expire on their own and leave nothing to steal at rest.
# fix: >-
#   Give people access through IAM Identity Center or a federated identity provider, and
#   workloads through IAM roles (instance profiles, ECS task roles, IRSA, GitHub OIDC). Where an
#   access key cannot be avoided, keep it out of the state with `pgp_key`, rotate it, and limit it
#   with conditions such as aws:SourceIp.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_user_login_profile
# control: "seed 002 Existing Security Controls: use of temporary AWS credentials (STS) to minimize the impact of credential compromise; Goals: automate the process of granting and revoking temporary AWS credentials"
# controls: ["temporary credentials", "long-lived credentials", "access keys"]
package stridegate.rules.iam_0013

import data.stridegate.lib.terraform as tf
import rego.v1

login_profile if input["$kind"] == "aws_iam_user_login_profile"

access_key if input["$kind"] == "aws_iam_access_key"

user := sprintf("IAM user %q", [input.user]) if is_string(input.user)
else := "an IAM user"

# A pgp_key that cannot be known is still a pgp_key.
in_state := "" if {
	input.pgp_key != null
	input.pgp_key != ""
} else := " (without pgp_key, its secret is stored in clear text in the Terraform state)"

# The provider's default status is "Active".
deny contains {"msg": msg, "path": path, "severity": "high"} if {
	access_key
	status := tf.attr(input, "status", "Active")
	status == "Active"
	path := {true: ["status"], false: []}[object.get(input, "status", null) != null]
	msg := sprintf("long-lived access key for %s%s", [user, in_state])
}

deny contains {"msg": msg, "path": ["status"], "severity": "medium"} if {
	access_key
	input.status == "Inactive"
	msg := sprintf("inactive long-lived access key for %s: it can be switched back on%s", [user, in_state])
}

# The key exists whatever its status; only how bad it is depends on the status.
deny contains {"msg": msg, "path": ["status"], "severity": "medium"} if {
	access_key
	tf.is_unknown(input.status)
	msg := sprintf("long-lived access key for %s, with a status that cannot be known here%s", [user, in_state])
}

deny contains {"msg": msg, "path": [], "severity": "medium"} if {
	login_profile
	msg := sprintf("console password for %s: people should sign in through federation or IAM Identity Center", [user])
}
