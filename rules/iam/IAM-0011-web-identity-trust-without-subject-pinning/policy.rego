# METADATA
# id: IAM-0011
# name: web-identity-trust-without-subject-pinning
# title: Role trusts an OIDC provider without pinning which workload may assume it
# severity: high
# since: "0.1.0"
# stride: [spoofing, elevation-of-privilege]
# applies_to:
#   platform: iam
#   kinds: ["PolicyDocument"]
#   policy_types: [resource, trust]
# what: >-
#   Finds trust policy statements that allow sts:AssumeRoleWithWebIdentity to an OpenID Connect
#   provider (a `Federated` principal `arn:aws:iam::<account>:oidc-provider/<host>` or a bare
#   host such as `cognito-identity.amazonaws.com` or `accounts.google.com`) and either have no
#   StringEquals/StringLike condition on the claim that identifies the workload (`<host>:sub`;
#   `aud` for Amazon Cognito identity pools; `aud` or `sub` for Google; `app_id` for Facebook and
#   Login with Amazon), which is high, or pin it with a StringLike pattern that admits anyone:
#   "*", and for GitHub Actions `repo:*` or `repo:*/*` (any repository of any owner), for GitLab
#   `project_path:*`, for Terraform Cloud `organization:*`, for EKS (IRSA) providers a wildcard
#   namespace (`system:serviceaccount:*`) — all high — or any repository of one GitHub
#   organization (`repo:acme/*`) with no branch or environment, any project of a GitLab group,
#   any workspace of a Terraform Cloud organization, or any service account of one Kubernetes
#   namespace, which are medium. Providers whose value cannot be known (a reference to
#   `aws_iam_openid_connect_provider.x.arn`) are not reported.
# why: >-
#   An OIDC provider such as token.actions.githubusercontent.com issues tokens to every workflow
#   of every repository on GitHub, and an EKS provider to every service account of the cluster.
#   The trust policy's condition on the subject claim is the only thing that decides which of
#   them gets your role: without it, or with a wildcard, anyone who can run a workflow in their
#   own repository (or create a service account in any namespace) can obtain the role's
#   credentials.
# fix: >-
#   Add a StringEquals condition on `<host>:sub` naming the exact subject, for GitHub
#   `repo:<owner>/<repository>:environment:<name>` or `repo:<owner>/<repository>:ref:refs/heads/main`,
#   for EKS `system:serviceaccount:<namespace>:<service account>`, and a condition on
#   `<host>:aud` (`sts.amazonaws.com` for GitHub and EKS). Use StringLike only where a wildcard
#   is narrow, such as the branches of one repository. For Cognito identity pools, require
#   `cognito-identity.amazonaws.com:aud` (the pool id) and `amr`.
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
#   - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
#   - https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
#   - https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html
# control: "seed 004 External threats: what an attacker can do with service account credentials; seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# controls: ["oidc"]
package stridegate.rules.iam_0011

import data.stridegate.lib.iam
import rego.v1

# A trust policy statement granting `action`. A `data "aws_iam_policy_document"` is classified by
# content, and `sts:*` makes it look like a resource policy, where an sts: pattern is required.
assumes(s, action) if {
	iam.policy_type == "trust"
	iam.grants(s, action)
}

assumes(s, action) if {
	iam.policy_type == "resource"
	some p in iam.strings(s, "Action")
	startswith(lower(p), "sts:")
	iam.action_matches(p, action)
}

# The host of an OIDC provider principal (the ARN's resource, or a bare host).
host(v) := substring(v, i + count(":oidc-provider/"), -1) if {
	i := indexof(v, ":oidc-provider/")
	i >= 0
}

host(v) := v if {
	not startswith(v, "arn:")
	not contains(v, ":oidc-provider/")
	contains(v, ".")
}

# The provider family of a host, and the claims that identify who may assume the role.
# Claims: AWS, "Available keys for AWS web identity federation" (reference_policies_iam-condition-keys);
# GitHub, GitLab and Terraform Cloud subject formats from their OIDC documentation.
family(h) := "github" if startswith(lower(h), "token.actions.githubusercontent.com")

family(h) := "eks" if regex.match(`^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/`, lower(h))

family(h) := "gitlab" if lower(h) == "gitlab.com"

family(h) := "terraform-cloud" if lower(h) == "app.terraform.io"

family(h) := "cognito" if startswith(lower(h), "cognito-identity.")

family(h) := "google" if lower(h) == "accounts.google.com"

family(h) := "facebook" if lower(h) == "graph.facebook.com"

family(h) := "amazon" if lower(h) == "www.amazon.com"

family_of(h) := f if {
	f := family(h)
} else := "other"

# Claims that pin the workload, per family (the first one is named in messages).
pinning_claims := {
	"github": ["sub"],
	"eks": ["sub"],
	"gitlab": ["sub"],
	"terraform-cloud": ["sub"],
	"cognito": ["aud"], # the identity pool id
	"google": ["aud", "sub"], # the OAuth client id, or one account
	"facebook": ["app_id", "id"],
	"amazon": ["app_id", "user_id"],
	"other": ["sub"],
}

without_pin := {
	"github": "any GitHub Actions workflow of any repository can assume it",
	"eks": "any service account of the cluster can assume it",
	"gitlab": "any GitLab CI job of any project can assume it",
	"terraform-cloud": "any Terraform Cloud workspace of any organization can assume it",
	"cognito": "identities of any Cognito identity pool can assume it",
	"google": "anyone signed in to any Google application can assume it",
	"facebook": "users of any Facebook application can assume it",
	"amazon": "users of any Login with Amazon application can assume it",
	"other": "any identity this provider issues tokens for can assume it",
}

# Operators that require the key to match (negated and null tests do not pin anything).
positive(op) if regex.match(`^(forallvalues:|foranyvalue:)?string(equals|equalsignorecase|like)(ifexists)?$`, lower(op))

like(op) if contains(lower(op), "stringlike")

# True when condition key `k` is claim `claim` of the provider at host `h`.
key_is(k, h, claim) if lower(k) == sprintf("%s:%s", [lower(h), claim])

# Cognito keys are written `cognito-identity.amazonaws.com:<claim>` whatever the regional host.
key_is(k, h, claim) if {
	family_of(h) == "cognito"
	startswith(lower(k), "cognito-identity.")
	endswith(lower(k), sprintf(":%s", [claim]))
}

pinned(s, h) if {
	some op, block in s.Condition
	positive(op)
	is_object(block)
	some k, _ in block
	some claim in pinning_claims[family_of(h)]
	key_is(k, h, claim)
}

# A Condition that cannot be known (a `condition` block whose test or variable is computed)
# may hold the pinning: stay silent. An empty Condition object cannot be judged either.
undecidable(s) if iam.unknown_condition(s)

undecidable(s) if {
	is_object(s.Condition)
	count(s.Condition) == 0
}

deny contains {"msg": msg, "path": path} if {
	some [base, s] in iam.allow_statements
	assumes(s, "sts:AssumeRoleWithWebIdentity")
	not undecidable(s)
	some [path, "Federated", v] in iam.principals(s, base)
	h := host(v)
	not pinned(s, h)
	f := family_of(h)
	msg := sprintf("role trusts OIDC provider %s with no condition on %s:%s: %s", [h, h, pinning_claims[f][0], without_pin[f]])
}

# Wildcard subjects.
only_wildcards(v) if regex.match(`^[*?]+$`, v)

wild(x) if regex.match(`[*?]`, x)

# [severity, explanation] for a StringLike `sub` value of family f.
verdict(_, v) := ["high", "admits any subject"] if only_wildcards(v)

verdict("github", v) := ["high", "admits workflows of any repository of any GitHub owner"] if {
	not only_wildcards(v)
	startswith(v, "repo:")
	owner := split(split(substring(v, 5, -1), ":")[0], "/")[0]
	wild(owner)
}

verdict("github", v) := ["medium", sprintf("admits every repository of %s on any branch or environment", [owner])] if {
	startswith(v, "repo:")
	repo := split(substring(v, 5, -1), ":")[0]
	parts := split(repo, "/")
	owner := parts[0]
	not wild(owner)
	count(parts) > 1
	wild(concat("/", array.slice(parts, 1, count(parts))))
	unqualified(substring(v, 5 + count(repo), -1))
}

verdict("gitlab", v) := ["high", "admits CI jobs of any project of any GitLab group"] if {
	not only_wildcards(v)
	startswith(v, "project_path:")
	group := split(split(substring(v, 13, -1), ":")[0], "/")[0]
	wild(group)
}

verdict("gitlab", v) := ["medium", sprintf("admits every project of GitLab group %s on any branch", [group])] if {
	startswith(v, "project_path:")
	path := split(substring(v, 13, -1), ":")[0]
	parts := split(path, "/")
	group := parts[0]
	not wild(group)
	count(parts) > 1
	wild(concat("/", array.slice(parts, 1, count(parts))))
	unqualified(substring(v, 13 + count(path), -1))
}

verdict("terraform-cloud", v) := ["high", "admits workspaces of any Terraform Cloud organization"] if {
	not only_wildcards(v)
	startswith(v, "organization:")
	wild(split(substring(v, 13, -1), ":")[0])
}

verdict("terraform-cloud", v) := ["medium", sprintf("admits every workspace of Terraform Cloud organization %s", [org])] if {
	startswith(v, "organization:")
	org := split(substring(v, 13, -1), ":")[0]
	not wild(org)
	unqualified(substring(v, 13 + count(org), -1))
}

verdict("eks", v) := ["high", "admits service accounts of any Kubernetes namespace"] if {
	not only_wildcards(v)
	startswith(v, "system:serviceaccount:")
	wild(split(substring(v, 22, -1), ":")[0])
}

verdict("eks", v) := ["medium", sprintf("admits every service account of Kubernetes namespace %s", [ns])] if {
	startswith(v, "system:serviceaccount:")
	ns := split(substring(v, 22, -1), ":")[0]
	not wild(ns)
	wild(substring(v, 23 + count(ns), -1))
}

# Nothing after the wildcarded part, or only more wildcard: no branch, environment or workspace.
unqualified(rest) if rest == ""

unqualified(rest) if regex.match(`^:?[*?]*$`, rest)

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some [base, s] in iam.allow_statements
	assumes(s, "sts:AssumeRoleWithWebIdentity")
	some [_, "Federated", fv] in iam.principals(s, base)
	h := host(fv)
	some op, block in s.Condition
	positive(op)
	like(op)
	is_object(block)
	some k, _ in block
	key_is(k, h, "sub")
	some [path, v] in iam.values(block, k, array.concat(base, ["Condition", op]))
	[severity, why] := verdict(family_of(h), v)
	msg := sprintf("%s %s %q %s", [op, k, v, why])
}
