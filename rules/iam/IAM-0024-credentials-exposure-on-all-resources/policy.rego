# METADATA
# id: IAM-0024
# name: credentials-exposure-on-all-resources
# title: Identity policy allows actions that return credentials on all resources
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, spoofing, elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: [PolicyDocument]
#   policy_types: [identity]
# what: >-
#   Finds Allow statements of identity policies that grant, on every resource (Resource "*",
#   NotResource, or an ARN matching every resource of its kind), an action whose response holds
#   credentials: access keys and service-specific credentials of IAM users, console passwords,
#   database credentials (redshift:GetClusterCredentials, rds-db:connect), Lightsail instance
#   access details and database master passwords, federation tokens (sts:GetFederationToken,
#   connect:GetFederationToken), Cognito identity credentials, registry tokens
#   (ecr:GetAuthorizationToken: low, as the token only carries the holder's own ECR rights).
#   One finding per Action element (wildcards such as redshift:Get* included) and per NotAction;
#   "*" and "<service>:*" are left to IAM-0001, and actions removed by an unconditional Deny of
#   the document are skipped. Ownership: an action IAM-0004 reports as part of a
#   privilege-escalation method through the same element (iam:CreateAccessKey,
#   iam:CreateLoginProfile, iam:UpdateLoginProfile) is left to IAM-0004; an exact action name
#   of this list is reported here, not by IAM-0002. The action list follows Parliament's
#   credentials-exposure auditor and Cloudsplaining's credentials-exposure category.
# why: >-
#   These actions hand out secrets that work outside the policy that allowed them: a database
#   user's password, another IAM user's access key, an SSH key to an instance. Granted on every
#   resource, one compromised workload or CI job collects the credentials of every database,
#   instance and user of the account, and keeps them after its own access is revoked.
# fix: >-
#   Name the resources: the database users and databases (arn:aws:redshift:...:dbuser:cluster/user),
#   the IAM users (a path such as arn:aws:iam::111122223333:user/service/*), the instances. Grant
#   credential-issuing actions to the few roles that administer those resources, and prefer
#   IAM database authentication scoped to one user per application.
# references:
#   - https://cloudsplaining.readthedocs.io/en/latest/glossary/credentials-exposure/
#   - https://github.com/duo-labs/parliament/tree/main/parliament/community_auditors
#   - https://docs.aws.amazon.com/redshift/latest/mgmt/generating-iam-credentials-role-permissions.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_permissions-required.html
# mirrors: ["checkov:CKV_AWS_107"]
package stridegate.rules.iam_0024

import data.stridegate.lib.iam
import rego.v1

# Actions whose response carries credentials, by service (lowercased). Facts from Parliament's
# community auditor `credentials_exposure` and Cloudsplaining's credentials-exposure category,
# checked against the catalogue (tests/rules_data.rs), plus iam:UpdateLoginProfile and
# chime:CreateApiKey.
credential_actions := {
	"chime": {"chime:createapikey"},
	"codepipeline": {"codepipeline:pollforjobs"},
	"cognito-identity": {"cognito-identity:getcredentialsforidentity", "cognito-identity:getopenidtoken", "cognito-identity:getopenidtokenfordeveloperidentity"},
	"cognito-idp": {"cognito-idp:associatesoftwaretoken"},
	"connect": {"connect:getfederationtoken"},
	"ecr": {"ecr:getauthorizationtoken"},
	"gamelift": {"gamelift:requestuploadcredentials"},
	"iam": {"iam:createaccesskey", "iam:createloginprofile", "iam:createservicespecificcredential", "iam:resetservicespecificcredential", "iam:updateaccesskey", "iam:updateloginprofile"},
	"lightsail": {"lightsail:downloaddefaultkeypair", "lightsail:getinstanceaccessdetails", "lightsail:getrelationaldatabasemasteruserpassword"},
	"mediapackage": {"mediapackage:rotateingestendpointcredentials"},
	"rds-db": {"rds-db:connect"},
	"redshift": {"redshift:getclustercredentials", "redshift:getclustercredentialswithiam"},
	"redshift-serverless": {"redshift-serverless:getcredentials"},
	"sts": {"sts:getfederationtoken"},
}

# A registry token only carries the holder's own ECR permissions.
low := {"ecr:getauthorizationtoken"}

severity(matched) := "low" if {
	every x in matched {
		x in low
	}
} else := "high"

deny contains {"msg": msg, "path": path, "severity": severity(matched)} if {
	some [path, a, granted, scope] in iam.unscoped_grants(credential_actions)
	matched := not_escalations(path, granted)
	subject := {true: "NotAction (every action it does not list)", false: sprintf("%q", [a])}[a == "NotAction"]
	msg := sprintf("%s returns credentials on all resources (%s)%s", [subject, scope, which(a, matched)])
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
