# METADATA
# id: IAM-0008
# name: outdated-policy-version
# title: Policy document uses the 2008-10-17 language version or none
# severity: low
# since: "0.1.0"
# stride: [elevation-of-privilege, denial-of-service]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
# what: >-
#   Finds policy documents whose Version is "2008-10-17" or missing (a missing Version means
#   "2008-10-17"); documents without statements are left to IAM-0006. Medium when the document
#   uses policy variables such as ${aws:username} in Resource, NotResource or condition values,
#   which that version does not substitute; low otherwise. A data "aws_iam_policy_document"
#   without `version` writes "2012-10-17" and is not reported.
# why: >-
#   Under the 2008-10-17 language version IAM treats "${aws:username}" and the other policy
#   variables as literal text and lacks later features. A statement scoped with a variable then
#   matches nothing: an Allow meant for "home/${aws:username}/*" grants nothing and gets widened
#   by hand, and a Deny or NotResource scoped the same way no longer protects what it names.
# fix: >-
#   Set "Version": "2012-10-17" at the top of the document (version = "2012-10-17" in a data
#   "aws_iam_policy_document").
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
package stridegate.rules.iam_0008

import data.stridegate.lib.iam
import rego.v1

outdated if {
	count(iam.statements) > 0
	input.Version == "2008-10-17"
}

outdated if {
	count(iam.statements) > 0
	not _has_version
}

_has_version if _ = input.Version

# Strings of Resource, NotResource and condition values that use a policy variable.
variables contains v if {
	some [_, s] in iam.statements
	some field in ["Resource", "NotResource"]
	not iam.is_unknown(s[field])
	some v in iam.strings(s, field)
	contains(v, "${")
}

variables contains v if {
	some [_, s] in iam.statements
	is_object(s.Condition)
	some _, block in s.Condition
	is_object(block)
	some _, values in block
	some v in condition_strings(values)
	contains(v, "${")
}

condition_strings(values) := {values} if is_string(values)

condition_strings(values) := {v | some v in values; is_string(v)} if is_array(values)

version_text := sprintf("Version %q", [input.Version]) if {
	is_string(input.Version)
} else := "no Version (so 2008-10-17)"

deny contains {"msg": msg, "path": ["Version"], "severity": "medium"} if {
	outdated
	count(variables) > 0
	examples := sort(variables)
	msg := sprintf("policy has %s, which leaves policy variables unsubstituted: %s", [version_text, concat(", ", [sprintf("%q", [v]) | some v in examples])])
}

deny contains {"msg": msg, "path": ["Version"], "severity": "low"} if {
	outdated
	count(variables) == 0
	msg := sprintf("policy has %s instead of \"2012-10-17\"", [version_text])
}
