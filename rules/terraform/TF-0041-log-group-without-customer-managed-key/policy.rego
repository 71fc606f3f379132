# METADATA
# id: TF-0041
# name: log-group-without-customer-managed-key
# title: CloudWatch log group is not encrypted with a customer-managed KMS key
# severity: low
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_cloudwatch_log_group"]
# what: >-
#   Finds `aws_cloudwatch_log_group` resources without a `kms_key_id`: CloudWatch Logs then
#   encrypts them with a key it owns and manages.
# why: >-
#   Application logs routinely carry personal data, tokens and internal addresses. With the
#   service-owned key, anyone allowed `logs:GetLogEvents` reads them; a customer-managed key
#   adds a key policy you control, lets you revoke access by disabling the key, and logs every
#   decryption.
# fix: >-
#   Create an `aws_kms_key` whose policy allows the `logs.<region>.amazonaws.com` service
#   principal, and set the log group's `kms_key_id` to its ARN.
# references:
#   - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group#kms_key_id
# control: "seed 001 Information disclosure: information is encrypted at rest with keys we control"
# mirrors: ["checkov:CKV_AWS_158"]
# controls: ["customer managed key", "customer-managed key", "cmk"]
package stridegate.rules.tf_0041

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	v := tf.attr(input, "kms_key_id", "")
	v == ""
	msg := "log group sets no kms_key_id: its logs are encrypted only with a key CloudWatch Logs owns"
}
