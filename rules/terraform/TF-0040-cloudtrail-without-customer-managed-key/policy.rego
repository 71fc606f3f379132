# METADATA
# id: TF-0040
# name: cloudtrail-without-customer-managed-key
# title: CloudTrail trail is not encrypted with a customer-managed KMS key
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, repudiation]
# applies_to:
#   platform: terraform
#   kinds: ["aws_cloudtrail"]
# what: >-
#   Finds `aws_cloudtrail` trails without a `kms_key_id`: their log files are encrypted only
#   with S3-managed keys (SSE-S3).
# why: >-
#   Trail logs record who did what in the account, including resource names and request
#   parameters. With SSE-S3 anyone who can read the bucket reads the logs; with a
#   customer-managed key, reading them also takes `kms:Decrypt` under a key policy you control,
#   and key usage is itself logged.
# fix: >-
#   Create an `aws_kms_key` whose policy lets CloudTrail encrypt, and set the trail's
#   `kms_key_id` to its ARN.
# references:
#   - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudtrail#kms_key_id
# control: "seed 001 Information disclosure: information is encrypted at rest with keys we control"
# mirrors: ["checkov:CKV_AWS_35"]
# controls: ["customer managed key", "customer-managed key", "cmk"]
package stridegate.rules.tf_0040

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	v := tf.attr(input, "kms_key_id", "")
	v == ""
	msg := "CloudTrail trail sets no kms_key_id: its logs are encrypted only with S3-managed keys"
}
