# METADATA
# id: IAM-0004
# name: policy-privilege-escalation
# title: Identity policy grants a known privilege-escalation combination
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity]
# what: >-
#   Finds identity policies whose Allow statements together grant every action of a published
#   privilege-escalation method: single actions such as iam:CreatePolicyVersion,
#   iam:AttachRolePolicy or lambda:UpdateFunctionCode, and iam:PassRole combined with a service
#   that runs code under the passed role (ec2:RunInstances, lambda:CreateFunction with
#   lambda:InvokeFunction, glue:CreateDevEndpoint, cloudformation:CreateStack...). An action
#   counts when an Allow statement grants it (wildcards and NotAction included) on all resources:
#   Resource "*", NotResource, or an ARN covering every resource of its type
#   ("arn:aws:iam::*:role/*"); iam:PassRole counts only on "*" or every role. An unconditional
#   Deny of the same document covering the action and the Allow's resources removes it. Grants
#   through Action "*" are left to IAM-0001; the actions of a reported method are this rule's,
#   not IAM-0024's or IAM-0025's. Methods that land on the same action are reported
#   together, at the first action element granting one of their actions; critical when a single
#   action yields administrator access (iam:CreatePolicyVersion, iam:Attach*Policy,
#   iam:Put*Policy), high otherwise. Conditions are evaluated: iam:PassedToService keeps only
#   the methods of the services it names; a condition pinning the holder to networks, VPC
#   endpoints, an organization, accounts or MFA (aws:SourceIp, aws:SourceVpc(e),
#   aws:PrincipalOrgID, aws:SourceAccount/Arn, aws:MultiFactorAuthPresent) makes the finding
#   medium; conditions that cannot be judged (tags, service keys, unknown values) are listed as
#   unverifiable instead. A Deny with a Condition never cancels; one whose every condition only
#   denies requests from outside pinned places (StringNotEquals aws:PrincipalOrgID, NotIpAddress
#   aws:SourceIp, StringNotEquals aws:SourceVpce, BoolIfExists aws:MultiFactorAuthPresent false)
#   restricts what it covers like a pinning Allow condition (medium); other Deny conditions
#   (aws:SecureTransport, Bool aws:MultiFactorAuthPresent false, tags) leave the Allow as it
#   is. A Deny with NotAction removes every action its patterns do not match. Each document is
#   checked on its own; IAM-0021 joins the policies a Terraform principal holds.
# why: >-
#   Each method turns the permissions it needs into more permissions: writing a policy version or
#   an inline policy grants "*" on "*", creating an access key or login profile for another user
#   becomes that user, and passing a privileged role to an instance, function, notebook or stack
#   the holder controls runs code with that role's credentials. A compromised workload or CI job
#   holding such a policy is one API call away from the whole account.
# fix: >-
#   Scope the actions to the resources the principal manages (its own policy ARNs, a role path,
#   a function ARN), limit iam:PassRole to the exact roles it must pass and add an
#   iam:PassedToService condition, move IAM administration to a separate, tightly held role, and
#   apply a permissions boundary to roles that create other roles.
# references:
#   - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
#   - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
#   - https://github.com/BishopFox/iam-vulnerable
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
# control: "seed 001 Elevation of privilege: care is taken to avoid an elevation of privileges by computing permissions matrices, where it's easy to see which role can do what"
# mirrors: ["checkov:CKV_AWS_286"]
# controls: ["privilege escalation", "least privilege"]
package stridegate.rules.iam_0004

import data.stridegate.lib.iam
import rego.v1

# Published escalation methods. Sources:
#   rhino1: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
#           (methods numbered as in https://github.com/RhinoSecurityLabs/AWS-IAM-Privilege-Escalation)
#   rhino2: https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
#   codestar: https://rhinosecuritylabs.com/aws/escalating-aws-iam-privileges-undocumented-codestar-api/
#   bishopfox: https://github.com/BishopFox/iam-vulnerable (path names in its README)
methods := [
	# rhino1 #1
	{"actions": ["iam:CreatePolicyVersion"], "severity": "critical", "how": "write a new default version of a policy"},
	# rhino1 #2
	{"actions": ["iam:SetDefaultPolicyVersion"], "severity": "high", "how": "switch a policy to an older, broader version"},
	# rhino1 #3
	{"actions": ["iam:PassRole", "ec2:RunInstances"], "severity": "high", "how": "pass a role to an instance you control"},
	# rhino1 #4
	{"actions": ["iam:CreateAccessKey"], "severity": "high", "how": "create an access key for another user"},
	# rhino1 #5
	{"actions": ["iam:CreateLoginProfile"], "severity": "high", "how": "set a console password for another user"},
	# rhino1 #6
	{"actions": ["iam:UpdateLoginProfile"], "severity": "high", "how": "change another user's console password"},
	# rhino1 #7
	{"actions": ["iam:AttachUserPolicy"], "severity": "critical", "how": "attach any managed policy to a user"},
	# rhino1 #8
	{"actions": ["iam:AttachGroupPolicy"], "severity": "critical", "how": "attach any managed policy to a group"},
	# rhino1 #9
	{"actions": ["iam:AttachRolePolicy"], "severity": "critical", "how": "attach any managed policy to a role"},
	# rhino1 #10
	{"actions": ["iam:PutUserPolicy"], "severity": "critical", "how": "write an inline policy of a user"},
	# rhino1 #11
	{"actions": ["iam:PutGroupPolicy"], "severity": "critical", "how": "write an inline policy of a group"},
	# rhino1 #12
	{"actions": ["iam:PutRolePolicy"], "severity": "critical", "how": "write an inline policy of a role"},
	# rhino1 #13
	{"actions": ["iam:AddUserToGroup"], "severity": "high", "how": "join any group"},
	# rhino1 #14
	{"actions": ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], "severity": "high", "how": "rewrite a role's trust policy, then assume it"},
	# rhino1 #15
	{"actions": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "severity": "high", "how": "pass a role to a new function, then invoke it"},
	# rhino1 #16 (AWS-IAM-Privilege-Escalation repository)
	{"actions": ["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"], "severity": "high", "how": "pass a role to a new function, then invoke it from another account"},
	# rhino1 #17
	{"actions": ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"], "severity": "high", "how": "pass a role to a new function, then trigger it from an event source"},
	# rhino1 #18
	{"actions": ["lambda:UpdateFunctionCode"], "severity": "high", "how": "replace the code of a function running under a role"},
	# rhino1 #19
	{"actions": ["iam:PassRole", "glue:CreateDevEndpoint"], "severity": "high", "how": "pass a role to a Glue development endpoint"},
	# rhino1 #20
	{"actions": ["glue:UpdateDevEndpoint"], "severity": "high", "how": "add an SSH key to an existing Glue development endpoint"},
	# rhino1 #21
	{"actions": ["iam:PassRole", "cloudformation:CreateStack"], "severity": "high", "how": "pass a role to a CloudFormation stack"},
	# rhino1 #22
	{"actions": ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"], "severity": "high", "how": "pass a role to a data pipeline"},
	# codestar (rhino1 #24)
	{"actions": ["iam:PassRole", "codestar:CreateProject"], "severity": "high", "how": "pass a role to a CodeStar project"},
	# rhino2 (rhino1 #26)
	{"actions": ["lambda:UpdateFunctionConfiguration"], "severity": "high", "how": "add a layer to a function running under a role"},
	# rhino2 (rhino1 #27)
	{"actions": ["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"], "severity": "high", "how": "pass a role to a new notebook and open it"},
	# rhino2 (rhino1 #28)
	{"actions": ["sagemaker:CreatePresignedNotebookInstanceUrl"], "severity": "high", "how": "open an existing notebook running under a role"},
	# bishopfox CodeBuild-CreateProjectPassRole
	{"actions": ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"], "severity": "high", "how": "pass a role to a build project and run it"},
	# bishopfox SageMaker-CreateTrainingJobPassRole
	{"actions": ["iam:PassRole", "sagemaker:CreateTrainingJob"], "severity": "high", "how": "pass a role to a training job"},
	# bishopfox SageMaker-CreateProcessingJobPassRole
	{"actions": ["iam:PassRole", "sagemaker:CreateProcessingJob"], "severity": "high", "how": "pass a role to a processing job"},
	# bishopfox CloudFormation-UpdateStack
	{"actions": ["cloudformation:UpdateStack"], "severity": "high", "how": "update a stack deployed with a privileged role"},
	# bishopfox SSM-SendCommand
	{"actions": ["ssm:SendCommand"], "severity": "high", "how": "run commands on instances and use their roles"},
	# bishopfox SSM-StartSession
	{"actions": ["ssm:StartSession"], "severity": "high", "how": "open a shell on instances and use their roles"},
	# bishopfox EC2InstanceConnect-SendSSHPublicKey
	{"actions": ["ec2-instance-connect:SendSSHPublicKey"], "severity": "high", "how": "log in to instances and use their roles"},
]

# The ARN service names an action's resources use, where they differ from its prefix.
arn_services := {
	"ec2-instance-connect": {"ec2"},
	"ssm": {"ssm", "ec2"},
}

services_of(action) := object.get(arn_services, lower(split(action, ":")[0]), {lower(split(action, ":")[0])})

# A resource ARN covering every resource of its type: "arn:aws:iam::*:role/*",
# "arn:aws:lambda:*:*:function:*", "arn:aws:ec2:*:*:*" (S3 ARNs have no type: "arn:aws:s3:::*").
type_wide(r, action) if {
	parts := split(r, ":")
	count(parts) >= 6
	parts[0] == "arn"
	service_matches(parts[2], action)
	resource := concat(":", array.slice(parts, 5, count(parts)))
	wide_resource(lower(parts[2]), resource, action)
}

service_matches(service, _) if contains(service, "*")

service_matches(service, action) if lower(service) in services_of(action)

wide_resource(_, resource, _) if resource in {"*", "*/*"}

# iam:PassRole: every role.
wide_resource(_, resource, action) if {
	lower(action) == "iam:passrole"
	lower(resource) in {"role/*", "role*"}
}

wide_resource(service, resource, action) if {
	lower(action) != "iam:passrole"
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

# Every action of the methods, lowercased, and by service prefix. Written out rather than
# computed from `methods`, because a computed value would be recomputed for every document
# (test `method_action_tables_match_methods` in tests/rules_data.rs keeps them in sync).
method_actions := {
	"cloudformation:createstack",
	"cloudformation:updatestack",
	"codebuild:createproject",
	"codebuild:startbuild",
	"codestar:createproject",
	"datapipeline:createpipeline",
	"datapipeline:putpipelinedefinition",
	"ec2-instance-connect:sendsshpublickey",
	"ec2:runinstances",
	"glue:createdevendpoint",
	"glue:updatedevendpoint",
	"iam:addusertogroup",
	"iam:attachgrouppolicy",
	"iam:attachrolepolicy",
	"iam:attachuserpolicy",
	"iam:createaccesskey",
	"iam:createloginprofile",
	"iam:createpolicyversion",
	"iam:passrole",
	"iam:putgrouppolicy",
	"iam:putrolepolicy",
	"iam:putuserpolicy",
	"iam:setdefaultpolicyversion",
	"iam:updateassumerolepolicy",
	"iam:updateloginprofile",
	"lambda:addpermission",
	"lambda:createeventsourcemapping",
	"lambda:createfunction",
	"lambda:invokefunction",
	"lambda:updatefunctioncode",
	"lambda:updatefunctionconfiguration",
	"sagemaker:createnotebookinstance",
	"sagemaker:createpresignednotebookinstanceurl",
	"sagemaker:createprocessingjob",
	"sagemaker:createtrainingjob",
	"ssm:sendcommand",
	"ssm:startsession",
	"sts:assumerole",
}

actions_by_service := {
	"cloudformation": {"cloudformation:createstack", "cloudformation:updatestack"},
	"codebuild": {"codebuild:createproject", "codebuild:startbuild"},
	"codestar": {"codestar:createproject"},
	"datapipeline": {"datapipeline:createpipeline", "datapipeline:putpipelinedefinition"},
	"ec2": {"ec2:runinstances"},
	"ec2-instance-connect": {"ec2-instance-connect:sendsshpublickey"},
	"glue": {"glue:createdevendpoint", "glue:updatedevendpoint"},
	"iam": {"iam:addusertogroup", "iam:attachgrouppolicy", "iam:attachrolepolicy", "iam:attachuserpolicy", "iam:createaccesskey", "iam:createloginprofile", "iam:createpolicyversion", "iam:passrole", "iam:putgrouppolicy", "iam:putrolepolicy", "iam:putuserpolicy", "iam:setdefaultpolicyversion", "iam:updateassumerolepolicy", "iam:updateloginprofile"},
	"lambda": {"lambda:addpermission", "lambda:createeventsourcemapping", "lambda:createfunction", "lambda:invokefunction", "lambda:updatefunctioncode", "lambda:updatefunctionconfiguration"},
	"sagemaker": {"sagemaker:createnotebookinstance", "sagemaker:createpresignednotebookinstanceurl", "sagemaker:createprocessingjob", "sagemaker:createtrainingjob"},
	"ssm": {"ssm:sendcommand", "ssm:startsession"},
	"sts": {"sts:assumerole"},
}

# The service principal each PassRole method passes the role to (for iam:PassedToService).
passed_to_by_action := {
	"cloudformation:createstack": "cloudformation.amazonaws.com",
	"codebuild:createproject": "codebuild.amazonaws.com",
	"codestar:createproject": "codestar.amazonaws.com",
	"datapipeline:createpipeline": "datapipeline.amazonaws.com",
	"ec2:runinstances": "ec2.amazonaws.com",
	"glue:createdevendpoint": "glue.amazonaws.com",
	"lambda:createfunction": "lambda.amazonaws.com",
	"sagemaker:createnotebookinstance": "sagemaker.amazonaws.com",
	"sagemaker:createprocessingjob": "sagemaker.amazonaws.com",
	"sagemaker:createtrainingjob": "sagemaker.amazonaws.com",
}

# [path, statement key, actions]: the method actions (lowercased) that the Action element at
# `path`, or the NotAction of the statement at `path`, grants on all resources and no
# unconditional Deny removes ("*" and "*:*" are left to IAM-0001). Each element's actions are
# judged together.
grants contains [path, json.marshal(base), actions] if {
	elements := array.concat(iam.allow_actions, iam.allow_service_wildcards)
	some [[path, _, base], names] in iam.matching_elements(elements, actions_by_service)
	s := iam.statement_at[base]
	actions := on_all_resources(base, s, names) - iam.denied_names(s, names)
	count(actions) > 0
}

grants contains [path, json.marshal(base), actions] if {
	some [base, s] in iam.allow_statements
	_ = s.NotAction
	path := array.concat(base, ["NotAction"])
	names := iam.granted_names(s, method_actions)
	actions := on_all_resources(base, s, names) - iam.denied_names(s, names)
	count(actions) > 0
}

# The actions of the set `names` that the statement `s` at `base` grants on all resources (an
# all-resources statement needs no check per action). Those an unconditional Deny removes are
# taken away by the callers (`iam.denied_names`).
on_all_resources(base, s, names) := names if {
	iam.statement_scopes[base]
} else := {x | some x in names; broad_at(base, s, x)}

statement_at := {json.marshal(base): s | some [base, s] in iam.statements}

# [action, statement key] pairs whose grant a guard Deny of the document restricts (a Deny
# applying only to requests from outside pinned networks, organizations or without MFA).
guarded contains [x, k] if {
	count(iam.guard_denies) > 0
	some [_, k, actions] in grants
	some x in actions
	iam.guard_denied(statement_at[k], x)
}

# For each method whose every action has a usable grant: [location, method index, reach,
# reported grants], combined natively (src/iam/escalation.rs). How the holder reaches a grant
# is its statement's: "full" without a Condition, or with conditions that do not limit the
# holder (aws:SecureTransport, aws:RequestedRegion...) and iam:PassedToService (judged per
# method); "restricted" when a condition pins the holder to networks, endpoints,
# organizations, accounts, or requires MFA, or a guard Deny covers the action; "undecided"
# under any other condition (tags, service keys, values that cannot be known). A grant of
# iam:PassRole is usable for a method when the statement's iam:PassedToService conditions let
# it pass a role to the method's service (`passed_to_by_action`). A method's reach is the
# worst, over its actions, of the best usable grant of each; its location the first path
# among the grants reaching that far.
escalation := stridegate.iam_escalation_methods(methods, grants, statement_at, guarded, passed_to_by_action) if {
	iam.policy_type == "identity"
	count(grants) > 0
}

found contains [location, methods[i], reach] if {
	some [location, i, reach, _] in escalation
}

reported_grants contains g if {
	some [_, _, _, reported] in escalation
	some g in reported
}

describe(m, "full") := sprintf("%s (%s)", [concat(" + ", m.actions), m.how])

describe(m, "restricted") := sprintf("%s (%s; only where its condition lets the holder in)", [concat(" + ", m.actions), m.how])

deny contains {"msg": msg, "path": location, "severity": severity} if {
	some location in {l | some [l, _, r] in found; r != "undecided"}
	here := [[m, r] | some [l, m, r] in found; l == location; r != "undecided"]
	texts := sort([describe(m, r) | some [m, r] in here])
	severity := top_severity(here)
	msg := sprintf("policy allows privilege escalation: %s", [concat("; ", texts)])
}

# A method reachable only under a condition the holder may not meet is a medium finding.
top_severity(ms) := "critical" if {
	some [m, r] in ms
	r == "full"
	m.severity == "critical"
} else := "high" if {
	some [_, r] in ms
	r == "full"
} else := "medium"

# Methods whose conditions cannot be judged: not reported, listed as unverifiable.
unverifiable contains {"msg": msg, "path": location} if {
	some location in {l | some [l, _, r] in found; r == "undecided"}
	not location in {l | some [l, _, r] in found; r != "undecided"}
	texts := sort([sprintf("%s (%s)", [concat(" + ", m.actions), m.how]) | some [l, m, r] in found; l == location; r == "undecided"])
	msg := sprintf("privilege escalation depends on conditions that cannot be judged: %s", [concat("; ", texts)])
}
