# METADATA
# id: IAM-0005
# name: policy-data-read-on-all-resources
# title: Identity policy allows reading data or secrets on all resources
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity]
# what: >-
#   Finds Allow statements of identity policies that grant an action reading stored data or
#   secrets (s3:GetObject, secretsmanager:GetSecretValue, ssm:GetParameter*, kms:Decrypt,
#   dynamodb:Scan/Query/GetItem/BatchGetItem, ec2:GetPasswordData) on all resources: Resource
#   "*", NotResource, or an ARN covering every resource of its type
#   ("arn:aws:s3:::*/*", "arn:aws:secretsmanager:*:*:secret:*"). One finding per action
#   element; wildcards that include such an action (s3:Get*) count, "*" and "<service>:*" are
#   left to IAM-0001. An Allow with NotAction is reported at its NotAction with every sensitive
#   action the list does not exclude. Statements scoped by a resource-tag condition, and actions
#   removed by an unconditional Deny of the same document, are skipped.
# why: >-
#   These actions return the data itself: every object of every bucket (Terraform state files
#   with database passwords included), every secret and SecureString parameter, every table.
#   Granted on "*", they let one compromised workload read the data of every team and service in
#   the account, and of buckets and tables created later.
# fix: >-
#   List the buckets, key prefixes, secrets, parameter paths, keys and tables the principal
#   reads, or scope the statement with a resource-tag condition. For kms:Decrypt, name the keys
#   and add a kms:ViaService or encryption-context condition.
# references:
#   - https://cloudsplaining.readthedocs.io/en/latest/glossary/data-exfiltration/
#   - https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
#   - https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
#   - https://stratus-red-team.cloud/attack-techniques/AWS/
# control: "seed 004 Internal threats: developers should not access the Terraform states belonging to other teams; sensitive information can show up in the state"
# mirrors: ["checkov:CKV_AWS_288"]
# controls: ["least privilege", "need-to-know", "need to know"]
package stridegate.rules.iam_0005

import data.stridegate.lib.iam
import rego.v1

# Actions returning stored data or secret values. Sources:
#   cloudsplaining: https://cloudsplaining.readthedocs.io/en/latest/glossary/data-exfiltration/
#                   (s3:GetObject, ssm:GetParameter*, secretsmanager:GetSecretValue)
#   stratus: https://stratus-red-team.cloud/attack-techniques/AWS/ (credential-access techniques
#            "Retrieve And Decrypt SSM Parameters", "Retrieve EC2 Password Data")
#   aws-kms: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html (returns plaintext)
#   aws-ddb: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html
#            (item read APIs)
sensitive_actions := {
	"s3:GetObject", # cloudsplaining
	"s3:GetObjectVersion", # cloudsplaining (same data, older versions)
	"secretsmanager:GetSecretValue", # cloudsplaining
	"ssm:GetParameter", # cloudsplaining, stratus
	"ssm:GetParameters", # cloudsplaining, stratus
	"ssm:GetParametersByPath", # cloudsplaining
	"ssm:GetParameterHistory", # cloudsplaining (ssm:GetParameter*: returns past values)
	"kms:Decrypt", # aws-kms, stratus
	"dynamodb:Scan", # aws-ddb
	"dynamodb:Query", # aws-ddb
	"dynamodb:GetItem", # aws-ddb
	"dynamodb:BatchGetItem", # aws-ddb
	"ec2:GetPasswordData", # stratus
}

tag_scoped(s) if {
	some k in iam.condition_keys(s)
	contains(k, ":resourcetag/")
}

# A resource ARN covering every resource of its type for the service of `action`:
# "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:ssm:*:*:parameter/*", "arn:aws:dynamodb:*:*:table/*".
type_wide(r, action) if {
	parts := split(r, ":")
	count(parts) >= 6
	parts[0] == "arn"
	service_matches(parts[2], action)
	resource := concat(":", array.slice(parts, 5, count(parts)))
	wide_resource(lower(parts[2]), resource)
}

service_matches(service, _) if contains(service, "*")

service_matches(service, action) if lower(service) == lower(split(action, ":")[0])

wide_resource(_, resource) if resource in {"*", "*/*"}

wide_resource(service, resource) if {
	service != "s3"
	regex.match(`^[A-Za-z][A-Za-z0-9-]*[/:]\*$`, resource)
}

# True when statement `s` at path `base` grants `action` on all resources: Resource "*" or
# NotResource (from the per-document table), or an ARN covering every resource of its type.
broad_at(base, _, _) if iam.statement_scopes[base]

broad_at(_, s, action) if {
	not iam.is_unknown(s.Resource)
	some r in iam.strings(s, "Resource")
	type_wide(r, action)
}

# The actions of the set `names` that statement `s` at path `base` grants on all resources (an
# all-resources statement needs no check per action). Those an unconditional Deny removes are
# taken away by the callers (`iam.denied_names`).
on_all_resources(base, s, names) := names if {
	iam.statement_scopes[base]
} else := {x | some x in names; broad_at(base, s, x)}

scope(s, matched) := "NotResource" if {
	_ = s.NotResource
} else := "Resource \"*\"" if {
	"*" in iam.strings(s, "Resource")
} else := sprintf("Resource %q", [wide[0]]) if {
	wide := sort([r | some r in iam.strings(s, "Resource"); some x in matched; type_wide(r, x)])
	count(wide) > 0
} else := "all resources"

what(a, matched) := "" if {
	count(matched) == 1
	lower(matched[0]) == lower(a)
} else := sprintf(", which includes %s", [concat(", ", matched)])

# Elements other than "*", "*:*" and "<service>:*" (left to IAM-0001) granting sensitive actions.
deny contains {"msg": msg, "path": path} if {
	iam.policy_type == "identity"
	some [[path, a, base], names] in iam.matching_elements(iam.allow_actions, sensitive_actions)
	s := iam.statement_at[base]
	not tag_scoped(s)
	matched := sort(on_all_resources(base, s, names) - iam.denied_names(s, names))
	count(matched) > 0
	msg := sprintf("%q reads stored data or secrets on all resources (%s)%s", [a, scope(s, matched), what(a, matched)])
}

# Allow NotAction: every sensitive action the list does not exclude is granted.
deny contains {"msg": msg, "path": array.concat(base, ["NotAction"])} if {
	iam.policy_type == "identity"
	some [base, s] in iam.allow_statements
	not tag_scoped(s)
	iam.known_strings(s, "NotAction")
	names := iam.granted_names(s, sensitive_actions)
	matched := sort(on_all_resources(base, s, names) - iam.denied_names(s, names))
	count(matched) > 0
	msg := sprintf("NotAction grants every action it does not list, and reads stored data or secrets on all resources (%s): %s", [scope(s, matched), concat(", ", matched)])
}
