# METADATA
# id: IAM-0009
# name: public-principal-without-condition
# title: Policy lets any AWS principal in with no condition
# severity: high
# since: "0.1.0"
# stride: [spoofing, information-disclosure, elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: ["PolicyDocument"]
# what: >-
#   Finds Allow statements of trust policies and resource policies (S3 buckets, KMS keys, SQS
#   queues, SNS topics, Secrets Manager secrets, ECR repositories...) whose principal is
#   everyone: `Principal: "*"`, `{"AWS": "*"}` or an AWS list containing "*" (in a
#   `data "aws_iam_policy_document"`, a `principals` block of type "*" or of type "AWS" with the
#   identifier "*"), or that use `NotPrincipal`, and that carry no `Condition` or only
#   conditions that do not restrict the caller: keys the caller chooses or any caller meets
#   (aws:UserAgent, aws:Referer, aws:SecureTransport, aws:MultiFactorAuthPresent...), or a
#   pinning key (aws:SourceIp, aws:SourceVpc(e), aws:PrincipalOrgID, aws:SourceAccount,
#   aws:SourceArn...) used with a negated operator, IfExists, ForAllValues or a value letting
#   everyone in ("0.0.0.0/0", "*"). A positive condition on a pinning key makes the statement
#   private; conditions that cannot be judged (service keys, tags, unknown values) are listed as
#   unverifiable. In a trust policy the finding is critical: anyone with AWS credentials, in any
#   account, can assume the role.
# why: >-
#   "*" names every principal of every AWS account, including anonymous callers where the
#   service allows them. Without a condition the statement hands the granted actions to the
#   whole internet: public buckets and queues leak or get tampered with, a KMS key policy lets
#   anyone decrypt, and a trust policy turns the role's permissions into public credentials.
#   `NotPrincipal` with Allow grants the same to everyone except the listed principals.
# fix: >-
#   Name the principals that need access (account ids, role ARNs, service principals), or keep
#   "*" only together with a condition that pins the caller, such as aws:PrincipalOrgID,
#   aws:SourceArn/aws:SourceAccount for service access, or aws:SourceVpce. For content that must
#   really be public, serve it through CloudFront with origin access control rather than a public
#   bucket policy.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
#   - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
# mirrors: ["checkov:CKV_AWS_70", "checkov:CKV_AWS_60"]
# controls: ["public access"]
package stridegate.rules.iam_0009

import data.stridegate.lib.iam
import rego.v1

severity_by_type := {"trust": "critical", "resource": "high"}

what_by_type := {"trust": "anyone in any AWS account can assume this role", "resource": "anyone can use this resource"}

# The statement's policy type. A `data "aws_iam_policy_document"` is classified by content, and
# an action such as `sts:*` makes a trust policy look like a resource policy.
statement_type(s) := "trust" if {
	iam.policy_type == "resource"
	some p in iam.strings(s, "Action")
	startswith(lower(p), "sts:")
	iam.action_matches(p, "sts:AssumeRole")
} else := iam.policy_type

public(t, v) if {
	t == "*"
	v == "*"
}

public(t, v) if {
	t == "AWS"
	v == "*"
}

actions(s) := sprintf(" (%s)", [concat(", ", sort([a | some a in iam.strings(s, "Action")]))]) if {
	count(iam.strings(s, "Action")) > 0
} else := ""

# What the statement's Condition leaves open: "" when there is none, a note when it is known
# not to restrict the caller (aws:UserAgent, aws:SourceIp 0.0.0.0/0...).
condition_note(s) := "with no condition" if {
	iam.public_reach(s) == "none"
} else := sprintf("with a condition that does not restrict the caller (%s)", [concat(", ", iam.condition_key_texts(s))]) if {
	iam.public_reach(s) == "open"
}

deny contains {"msg": msg, "path": path, "severity": severity_by_type[type]} if {
	some [base, s] in iam.allow_statements
	some [path, t, v] in iam.principals(s, base)
	public(t, v)
	note := condition_note(s)
	type := statement_type(s)
	label := {true: "principal \"*\"", false: sprintf("%s principal \"*\"", [t])}[t == "*"]
	msg := sprintf("%s %s: %s%s", [label, note, what_by_type[type], actions(s)])
}

deny contains {"msg": msg, "path": array.concat(base, ["NotPrincipal"]), "severity": severity_by_type[statement_type(s)]} if {
	some [base, s] in iam.allow_statements
	_ = s.NotPrincipal
	not iam.is_unknown(s.NotPrincipal)
	note := condition_note(s)
	msg := sprintf("NotPrincipal in an Allow statement %s: every principal it does not list, in any account, is allowed%s", [note, actions(s)])
}

keys_text(s) := sprintf(" (%s)", [concat(", ", keys)]) if {
	keys := iam.condition_key_texts(s)
	count(keys) > 0
} else := " (their keys or values cannot be known)"

# A public principal whose conditions cannot be judged (service or tag keys, unknown values).
unverifiable contains {"msg": msg, "path": path} if {
	some [base, s] in iam.allow_statements
	some [path, t, v] in iam.principals(s, base)
	public(t, v)
	iam.public_reach(s) == "undecided"
	msg := sprintf("principal \"*\" is limited by conditions that cannot be judged%s", [keys_text(s)])
}

unverifiable contains {"msg": msg, "path": array.concat(base, ["NotPrincipal"])} if {
	some [base, s] in iam.allow_statements
	_ = s.NotPrincipal
	not iam.is_unknown(s.NotPrincipal)
	iam.public_reach(s) == "undecided"
	msg := sprintf("NotPrincipal in an Allow statement is limited by conditions that cannot be judged%s", [keys_text(s)])
}
