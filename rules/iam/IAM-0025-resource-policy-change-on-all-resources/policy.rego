# METADATA
# id: IAM-0025
# name: resource-policy-change-on-all-resources
# title: Identity policy allows rewriting resource policies on all resources
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, information-disclosure, tampering]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity]
# what: >-
#   Finds Allow statements of identity policies that grant, on every resource (Resource "*",
#   NotResource, or an ARN matching every resource of its kind), an action that rewrites who may
#   use a resource: bucket and access point policies, bucket and object ACLs and the bucket's
#   public access block, Lambda function and layer permissions, SNS topic and SQS queue
#   permissions and policies, KMS key policies, role trust policies, Secrets Manager, ECR,
#   Glacier, Backup, EFS, Glue, CodeArtifact, OpenSearch, MediaStore and Serverless Application
#   Repository resource policies. One finding per Action element (wildcards such as
#   s3:PutBucket* included) and per NotAction; "*" and "<service>:*" are left to IAM-0001, and
#   actions removed by an unconditional Deny of the document are skipped. Ownership: an action
#   IAM-0004 reports as part of a privilege-escalation method through the same element
#   (lambda:AddPermission with iam:PassRole and lambda:CreateFunction,
#   iam:UpdateAssumeRolePolicy with sts:AssumeRole) is left to IAM-0004; an exact action name of
#   this list is reported here, not by IAM-0002. Actions that accept no
#   resource ARN (logs:PutResourcePolicy, events:PutPermission) are not reported.
# why: >-
#   A resource policy grants access on its own, to any principal, in any account. Whoever may
#   rewrite it on every resource can open every bucket, key, secret, queue or function of the
#   account to an account they control, or let themselves assume any role by rewriting its
#   trust policy: a privilege escalation and an exfiltration path that identity-policy reviews
#   do not see.
# fix: >-
#   Name the resources whose policies the principal manages (its own buckets, keys, functions),
#   keep resource-policy administration in a separate, tightly held role, and use service
#   control policies or permission boundaries to forbid policy changes elsewhere.
# references:
#   - https://cloudsplaining.readthedocs.io/en/latest/glossary/resource-exposure/
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html
#   - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
# mirrors: ["checkov:CKV_AWS_108", "checkov:CKV_AWS_109"]
package stridegate.rules.iam_0025

import data.stridegate.lib.iam
import rego.v1

# Actions that change a resource-based policy or ACL, by service (lowercased), all accepting
# resource ARNs in the catalogue (checked by tests/rules_data.rs).
policy_actions := {
	"backup": {"backup:putbackupvaultaccesspolicy"},
	"codeartifact": {"codeartifact:putdomainpermissionspolicy", "codeartifact:putrepositorypermissionspolicy"},
	"ecr": {"ecr:setrepositorypolicy"},
	"ecr-public": {"ecr-public:setrepositorypolicy"},
	"elasticfilesystem": {"elasticfilesystem:putfilesystempolicy"},
	"es": {"es:updateelasticsearchdomainconfig"},
	"glacier": {"glacier:setvaultaccesspolicy"},
	"glue": {"glue:putresourcepolicy"},
	"iam": {"iam:updateassumerolepolicy"},
	"kms": {"kms:putkeypolicy"},
	"lambda": {"lambda:addlayerversionpermission", "lambda:addpermission"},
	"mediastore": {"mediastore:putcontainerpolicy"},
	"s3": {"s3:putaccesspointpolicy", "s3:putbucketacl", "s3:putbucketpolicy", "s3:putbucketpublicaccessblock", "s3:putobjectacl"},
	"secretsmanager": {"secretsmanager:putresourcepolicy"},
	"serverlessrepo": {"serverlessrepo:putapplicationpolicy"},
	"sns": {"sns:addpermission", "sns:settopicattributes"},
	"sqs": {"sqs:addpermission", "sqs:setqueueattributes"},
}

deny contains {"msg": msg, "path": path} if {
	some [path, a, granted, scope] in iam.unscoped_grants(policy_actions)
	matched := not_escalations(path, granted)
	subject := {true: "NotAction (every action it does not list)", false: sprintf("%q", [a])}[a == "NotAction"]
	msg := sprintf("%s rewrites resource policies on all resources (%s)%s", [subject, scope, which(a, matched)])
}

# The actions an element grants, unless it names exactly one.
which(a, matched) := "" if {
	matched == [lower(a)]
} else := sprintf(", which includes %s", [concat(", ", matched)])

# The granted actions IAM-0004 does not report as part of an escalation through this element
# (undefined when none is left). When IAM-0004 is not enabled, nothing is left to it.
not_escalations(path, granted) := left if {
	left := [x | some x in granted; not [path, x] in data.stridegate.rules.iam_0004.reported_grants]
	count(left) > 0
}
