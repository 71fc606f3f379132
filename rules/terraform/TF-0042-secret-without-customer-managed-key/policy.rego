# METADATA
# id: TF-0042
# name: secret-without-customer-managed-key
# title: Secrets Manager secret is not encrypted with a customer-managed KMS key
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_secretsmanager_secret"]
# what: >-
#   Finds `aws_secretsmanager_secret` resources without a `kms_key_id`, or whose `kms_key_id`
#   names the AWS-managed key (`alias/aws/secretsmanager`).
# why: >-
#   The AWS-managed key's policy lets every principal of the account that may call Secrets
#   Manager decrypt with it, so access to the secret is governed by IAM alone. A
#   customer-managed key adds a key policy you control (a second, independent gate), is
#   required to share the secret across accounts, and can be disabled to cut access at once.
# fix: >-
#   Create an `aws_kms_key` with a key policy limited to the secret's readers and set the
#   secret's `kms_key_id` to it.
# references:
#   - https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret#kms_key_id
# control: "seed 001 Information disclosure: information is encrypted at rest with keys we control"
# mirrors: ["checkov:CKV_AWS_149"]
# controls: ["customer managed key", "customer-managed key", "cmk"]
package stridegate.rules.tf_0042

import data.stridegate.lib.terraform as tf
import rego.v1

aws_managed := {"alias/aws/secretsmanager"}

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	tf.attr(input, "kms_key_id", "") == ""
	msg := "secret sets no kms_key_id, so it is encrypted with the AWS-managed key aws/secretsmanager"
}

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	v := input.kms_key_id
	is_string(v)
	aws_managed[v]
	msg := sprintf("secret is encrypted with the AWS-managed key %s", [v])
}

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	v := input.kms_key_id
	is_string(v)
	endswith(v, ":alias/aws/secretsmanager")
	msg := sprintf("secret is encrypted with the AWS-managed key %s", [v])
}
