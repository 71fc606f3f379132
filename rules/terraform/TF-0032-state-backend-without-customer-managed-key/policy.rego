# METADATA
# id: TF-0032
# name: state-backend-without-customer-managed-key
# title: S3 state backend does not encrypt the state with a customer-managed KMS key
# severity: low
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["backend.s3"]
# what: >-
#   Finds `backend "s3"` blocks with `bucket` and `key` whose state is not encrypted with a
#   customer-managed KMS key: `encrypt` not true, or no `kms_key_id` (and no
#   `sse_customer_key`). The message says which. Since January 2023 S3 encrypts every new object
#   with S3-managed keys (SSE-S3) whatever the client asks, so this is not a clear-text state on
#   disk; it is a state whose encryption adds no access control. Partial configurations (no
#   `bucket`/`key`, completed with `-backend-config`) are not judged.
# why: >-
#   A Terraform state holds every managed attribute in clear text, database passwords and
#   private keys included. With S3-managed keys, anyone allowed s3:GetObject on the object reads
#   it. With a customer-managed key, reading also needs kms:Decrypt on that key, so a key per
#   team (or a key policy scoped to the team's roles) is a second gate that a too-broad bucket
#   policy or IAM grant does not open.
# fix: >-
#   Set `encrypt = true` and `kms_key_id` to a customer-managed KMS key whose key policy allows
#   kms:Decrypt and kms:GenerateDataKey only to the roles that own this state.
# references:
#   - https://developer.hashicorp.com/terraform/language/backend/s3
#   - https://aws.amazon.com/blogs/aws/amazon-s3-encrypts-new-objects-by-default/
#   - https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
# control: "seed 004 Internal threats: sensitive information can show up in the state; the file is not encrypted; developers should not access the Terraform states belonging to other teams"
# controls: ["state encryption", "state is encrypted"]
package stridegate.rules.tf_0032

import rego.v1

has(name) if {
	v := input[name]
	v != null
	v != ""
	v != false
}

full_configuration if {
	has("bucket")
	has("key")
}

customer_key if has("kms_key_id")

customer_key if has("sse_customer_key")

deny contains {"msg": msg, "path": ["encrypt"]} if {
	full_configuration
	not input.encrypt == true
	not customer_key
	msg := "state is not requested encrypted (encrypt is not true) and has no customer-managed KMS key: S3-managed encryption lets anyone with s3:GetObject read it"
}

deny contains {"msg": msg, "path": ["kms_key_id"]} if {
	full_configuration
	input.encrypt == true
	not customer_key
	msg := "state is encrypted with S3-managed keys only (no kms_key_id): anyone with s3:GetObject on the object reads it"
}
