# METADATA
# id: IAM-0017
# name: action-resource-mismatch
# title: Statement names an action that none of its resources can match
# severity: low
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity, resource]
# what: >-
#   Finds statements of identity and resource policies where an exact action (no wildcard)
#   cannot apply to any of the statement's resources: the resources are all literal ARNs (no
#   wildcard, no policy variable, none unknown) and none matches the ARN formats of the
#   resource types the action accepts, according to the IAM action catalogue. The classic case
#   is `s3:ListBucket` on `arn:aws:s3:::bucket/*` (it needs the bucket ARN) or `s3:GetObject`
#   on `arn:aws:s3:::bucket` (it needs object ARNs); an action that supports no resource-level
#   permission (such as `ec2:DescribeInstances`) on a specific ARN is reported too. In an Allow
#   the action grants nothing (low); in a Deny it protects nothing (medium).
# why: >-
#   The statement does not do what it says. An Allow that grants nothing usually gets "fixed"
#   by widening it to `Resource: "*"`, and a Deny that matches nothing leaves open exactly what
#   the author meant to close, which is how guardrails silently fail.
# fix: >-
#   Use the ARN format the action's resource type needs (bucket ARN for bucket-level actions,
#   `bucket/*` for object actions), split bucket and object actions into separate statements,
#   or use `"*"` for actions that support no resource-level permission.
# references:
#   - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
# mirrors: ["parliament:RESOURCE_MISMATCH"]
package stridegate.rules.iam_0017

import data.stridegate.lib.iam
import rego.v1

literal_arn(r) if {
	startswith(r, "arn:")
	not contains(r, "*")
	not contains(r, "?")
	not contains(r, "${")
}

# The statement's resources, when every one of them is a known literal ARN.
literal_resources(s) := rs if {
	is_string(s.Resource)
	rs := [s.Resource]
	literal_arn(s.Resource)
} else := rs if {
	is_array(s.Resource)
	count(s.Resource) > 0
	rs := [r | some r in s.Resource; is_string(r); literal_arn(r)]
	count(rs) == count(s.Resource)
}

matches_any(arns, resources) if {
	some p in arns
	some r in resources
	regex.match(p, r)
}

severity(s) := "medium" if s.Effect == "Deny"

else := "low"

consequence(s) := "this Deny protects nothing" if s.Effect == "Deny"

else := "this statement grants nothing"

described(info) := "supports no resource-level permission (only \"*\")" if {
	count(info.resource_arns) == 0
} else := sprintf("applies to %s ARNs (%s) and none of the statement's resources is one", [concat(", ", info.resource_types), concat(", ", info.resource_arn_formats)])

deny contains {"msg": msg, "path": path, "severity": severity(s)} if {
	iam.policy_type != "trust"
	some [base, s] in iam.statements
	resources := literal_resources(s)
	not iam.is_unknown(s.Action)
	some [path, a] in iam.values(s, "Action", base)
	info := iam.action_info(a)
	arns := info.resource_arns
	not matches_any(arns, resources)
	msg := sprintf("%s %s: %s for it", [a, described(info), consequence(s)])
}
