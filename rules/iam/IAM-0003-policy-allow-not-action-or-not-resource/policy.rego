# METADATA
# id: IAM-0003
# name: policy-allow-not-action-or-not-resource
# title: Allow statement uses NotAction or NotResource
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds Allow statements written with NotAction or NotResource, in any kind of policy. With
#   NotAction the finding is on NotAction, high when the statement also applies to every
#   resource (Resource "*" or NotResource); a statement with NotResource alone is medium. Deny
#   statements with NotAction or NotResource (the usual guardrail form) are not reported.
# why: >-
#   An Allow with NotAction grants every action except the listed ones, including every action
#   of every service AWS adds later; with Resource "*" it is administrator access minus a
#   denylist, and the denylist rarely covers iam:*, sts:* or organizations:*. An Allow with
#   NotResource grants the actions on every resource except the listed ones, including
#   resources of other teams and accounts created afterwards. Both invert least privilege
#   into "everything unless excluded".
# fix: >-
#   Rewrite the statement as an Allow of the actions and resources needed (Action and Resource).
#   To express "everything but", keep a narrow Allow and add a Deny statement with NotAction or
#   NotResource, which removes rather than grants.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# controls: ["least privilege"]
package stridegate.rules.iam_0003

import data.stridegate.lib.iam
import rego.v1

# The excluded values, for the message ("" when they cannot be known).
listed(s, field) := sprintf(" (%s)", [concat(", ", sort([sprintf("%q", [v]) | some v in iam.strings(s, field)]))]) if {
	not iam.is_unknown(s[field])
	count(iam.strings(s, field)) > 0
} else := ""

deny contains {"msg": msg, "path": array.concat(base, ["NotAction"]), "severity": "high"} if {
	some [base, s] in iam.allow_statements
	_ = s.NotAction
	iam.all_resources(s)
	msg := sprintf("allow statement grants every action except the NotAction list%s on all resources", [listed(s, "NotAction")])
}

deny contains {"msg": msg, "path": array.concat(base, ["NotAction"]), "severity": "medium"} if {
	some [base, s] in iam.allow_statements
	_ = s.NotAction
	not iam.all_resources(s)
	msg := sprintf("allow statement grants every action except the NotAction list%s", [listed(s, "NotAction")])
}

deny contains {"msg": msg, "path": array.concat(base, ["NotResource"]), "severity": "medium"} if {
	some [base, s] in iam.allow_statements
	_ = s.NotResource
	not s.NotAction
	msg := sprintf("allow statement applies to every resource except the NotResource list%s", [listed(s, "NotResource")])
}
