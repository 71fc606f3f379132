# METADATA
# id: TF-0043
# name: dynamodb-table-without-customer-managed-key
# title: DynamoDB table is not encrypted with a customer-managed KMS key
# severity: low
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_dynamodb_table"]
# what: >-
#   Finds `aws_dynamodb_table` resources encrypted with an AWS-owned key (no
#   `server_side_encryption` block, or `enabled = false`) or with the AWS-managed key
#   `aws/dynamodb` (`enabled = true` without `kms_key_arn`).
# why: >-
#   DynamoDB always encrypts at rest, but with an AWS-owned or AWS-managed key access to the
#   data is governed by IAM alone: you cannot restrict decryption with a key policy, revoke
#   access by disabling the key, or audit decryption of the table's data in CloudTrail.
# fix: >-
#   Add `server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<name>.arn }` with
#   a customer-managed key.
# references:
#   - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#server_side_encryption
# control: "seed 001 Information disclosure: information is encrypted at rest with keys we control"
# mirrors: ["checkov:CKV_AWS_119"]
# controls: ["customer managed key", "customer-managed key", "cmk"]
package stridegate.rules.tf_0043

import data.stridegate.lib.terraform as tf
import rego.v1

sse := object.get(input, "server_side_encryption", [])

deny contains {"msg": msg, "path": ["server_side_encryption"]} if {
	is_array(sse)
	count(sse) == 0
	msg := "table has no server_side_encryption block, so it is encrypted with an AWS-owned key"
}

deny contains {"msg": msg, "path": ["server_side_encryption", i, "enabled"]} if {
	some [i, b] in tf.blocks(input, "server_side_encryption")
	tf.attr(b, "enabled", false) == false
	msg := "table's server_side_encryption is not enabled, so it is encrypted with an AWS-owned key"
}

deny contains {"msg": msg, "path": ["server_side_encryption", i, "kms_key_arn"]} if {
	some [i, b] in tf.blocks(input, "server_side_encryption")
	b.enabled == true
	tf.attr(b, "kms_key_arn", "") == ""
	msg := "table's server_side_encryption sets no kms_key_arn, so it is encrypted with the AWS-managed key aws/dynamodb"
}
