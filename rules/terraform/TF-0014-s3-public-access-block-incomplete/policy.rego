# METADATA
# id: TF-0014
# name: s3-public-access-block-incomplete
# title: S3 Block Public Access leaves a setting off
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"]
# what: >-
#   Finds bucket-level (`aws_s3_bucket_public_access_block`) and account-level
#   (`aws_s3_account_public_access_block`) Block Public Access settings where any of
#   `block_public_acls`, `block_public_policy`, `ignore_public_acls` or `restrict_public_buckets`
#   is false or left out (the provider default is false). An explicit false is reported on its
#   line; settings left out are reported together on the resource. Buckets with no public access
#   block resource at all are not found by this rule.
# why: >-
#   Block Public Access is the guard rail that stops a single bad ACL or bucket policy from
#   publishing data. Each setting closes a different path (new public ACLs, existing public
#   ACLs, public policies, cross-account access through a public policy), so leaving one off
#   keeps that path open.
# fix: >-
#   Set all four arguments to true. If a bucket really must serve public content, prefer
#   CloudFront with origin access control so the bucket itself can stay fully blocked.
# references:
#   - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_public_access_block
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_account_public_access_block
# control: "seed 001 Information disclosure: the authorization system forbids access unless explicitly granted"
# controls: ["public access", "public bucket", "block public access"]
package stridegate.rules.tf_0014

import data.stridegate.lib.terraform as tf
import rego.v1

settings := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

scope := "account-wide public access block" if input.account_id != null
else := "account-wide public access block" if {
	not input.bucket
}
else := "public access block"

# Explicitly false.
deny contains {"msg": msg, "path": [name]} if {
	some name in settings
	input[name] == false
	msg := sprintf("%s sets %s = false", [scope, name])
}

# Left out (null counts as left out: the provider default is false).
missing := [name |
	some name in settings
	object.get(input, name, null) == null
]

deny contains {"msg": msg, "path": [missing[0]]} if {
	count(missing) > 0
	msg := sprintf("%s does not set %s (default false)", [scope, concat(", ", missing)])
}

# Not violations: a setting whose value cannot be known may be false. Reported apart from
# findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": [name]} if {
	some name in settings
	v := input[name]
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the %s enables %s: %s is %s", [scope, name, name, v["$unknown"]])
}
