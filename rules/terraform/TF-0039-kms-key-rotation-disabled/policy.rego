# METADATA
# id: TF-0039
# name: kms-key-rotation-disabled
# title: KMS key is not rotated automatically
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_kms_key"]
# what: >-
#   Finds symmetric encryption `aws_kms_key` resources (`customer_master_key_spec`
#   SYMMETRIC_DEFAULT and `key_usage` ENCRYPT_DECRYPT, the defaults) whose
#   `enable_key_rotation` is false or left out (the provider default is false). Asymmetric,
#   HMAC and imported-material keys cannot be rotated automatically and are not reported.
# why: >-
#   Key material that never changes protects more data for longer: a compromised or
#   cryptanalysed key exposes everything ever encrypted under it. Automatic rotation creates new
#   key material every year (or every `rotation_period_in_days`) while keeping old material for
#   decryption, bounding what one key version protects.
# fix: >-
#   Set `enable_key_rotation = true` (optionally with `rotation_period_in_days`).
# references:
#   - https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key#enable_key_rotation
# mirrors: ["checkov:CKV_AWS_7", "trivy:AVD-AWS-0065"]
# controls: ["key rotation", "kms key rotation"]
package stridegate.rules.tf_0039

import data.stridegate.lib.terraform as tf
import rego.v1

# Only symmetric encryption keys support automatic rotation.
symmetric if {
	tf.attr(input, "customer_master_key_spec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
	tf.attr(input, "key_usage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
}

deny contains {"msg": msg, "path": ["enable_key_rotation"]} if {
	symmetric
	input.enable_key_rotation == false
	msg := "KMS key has automatic rotation disabled (enable_key_rotation = false)"
}

deny contains {"msg": msg, "path": ["enable_key_rotation"]} if {
	symmetric
	tf.attr(input, "enable_key_rotation", null) == null
	msg := "KMS key does not set enable_key_rotation, so its key material is never rotated (the default is false)"
}

unverifiable contains {"msg": msg, "path": ["enable_key_rotation"]} if {
	symmetric
	v := input.enable_key_rotation
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the KMS key is rotated: enable_key_rotation is %s", [v["$unknown"]])
}
