# METADATA
# id: TF-0013
# name: s3-bucket-public-acl
# title: S3 bucket or object ACL grants access to everyone
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_s3_bucket", "aws_s3_bucket_acl", "aws_s3_object", "aws_s3_bucket_object"]
# what: >-
#   Finds S3 access control lists that open a bucket or object to everyone: the canned ACLs
#   `public-read`, `public-read-write` and `authenticated-read` (on `aws_s3_bucket_acl`, the
#   legacy `acl` argument of `aws_s3_bucket`, and `aws_s3_object`), and explicit grants to the
#   AllUsers or AuthenticatedUsers groups (an `access_control_policy` grant of
#   `aws_s3_bucket_acl`, or a legacy `grant` block of `aws_s3_bucket`). Write access
#   (`public-read-write`, or a WRITE, WRITE_ACP or FULL_CONTROL grant) is reported as critical.
#   AuthenticatedUsers means any AWS account in the world, not the users of your own account.
# why: >-
#   A public ACL lets anyone on the internet list or download the data (and, with write
#   access, replace or delete it, or host content under your bucket's name). Public buckets are
#   one of the most common causes of cloud data breaches.
# fix: >-
#   Use the `private` ACL (or no ACL at all: keep Object Ownership at `BucketOwnerEnforced`,
#   which disables ACLs) and grant access through IAM or a bucket policy to named principals.
#   Serve public web content through CloudFront with origin access control instead of a public
#   bucket, and enable S3 Block Public Access.
# references:
#   - https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
#   - https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_acl
# control: "seed 001 Information disclosure: the authorization system forbids access unless explicitly granted"
# controls: ["public access", "public bucket"]
package stridegate.rules.tf_0013

import data.stridegate.lib.terraform as tf
import rego.v1

public_canned := {
	"public-read": {"severity": "high", "who": "anyone on the internet can read it"},
	"public-read-write": {"severity": "critical", "who": "anyone on the internet can read and write it"},
	"authenticated-read": {"severity": "high", "who": "any AWS account can read it"},
}

groups := {
	"http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
	"https://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
	"https://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}

write_permissions := {"WRITE", "WRITE_ACP", "FULL_CONTROL"}

grant_severity(perms) := "critical" if {
	some p in perms
	write_permissions[p]
} else := "high"

# Canned ACL on any of the kinds (the `acl` argument has the same meaning on all of them).
deny contains {"msg": msg, "path": ["acl"], "severity": info.severity} if {
	acl := input.acl
	is_string(acl)
	info := public_canned[acl]
	msg := sprintf("ACL is %q: %s", [acl, info.who])
}

# aws_s3_bucket_acl: access_control_policy { grant { grantee { type = "Group", uri = ... } permission = ... } }
deny contains {"msg": msg, "path": path, "severity": grant_severity({perm})} if {
	some [i, policy] in tf.blocks(input, "access_control_policy")
	some [j, grant] in tf.blocks(policy, "grant")
	some [_, grantee] in tf.blocks(grant, "grantee")
	group := groups[grantee.uri]
	perm := grant.permission
	is_string(perm)
	msg := sprintf("ACL grants %s to the %s group", [perm, group])
	path := ["access_control_policy", i, "grant", j]
}

# Legacy aws_s3_bucket: grant { type = "Group", uri = ..., permissions = [...] }
deny contains {"msg": msg, "path": ["grant", i], "severity": grant_severity(perms)} if {
	some [i, grant] in tf.blocks(input, "grant")
	group := groups[grant.uri]
	perms := grant.permissions
	is_array(perms)
	count(perms) > 0
	msg := sprintf("bucket grant gives %s to the %s group", [concat(", ", [p | some p in perms; is_string(p)]), group])
}

# Not violations: whether a canned ACL opens the bucket or object to the public cannot be proven
# here. Reported apart from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["acl"]} if {
	v := input.acl
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the ACL grants access to everyone or to any AWS account: acl is %s", [v["$unknown"]])
}
