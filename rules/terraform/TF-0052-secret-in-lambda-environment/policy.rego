# METADATA
# id: TF-0052
# name: secret-in-lambda-environment
# title: Lambda environment variable holds a literal credential
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_lambda_function"]
# what: >-
#   Finds `environment { variables = {...} }` entries of Lambda functions that hold a
#   credential: recognised by content (PEM private keys, AWS access key ids, GitHub, GitLab and
#   Slack tokens, Google API keys, passwords in URLs...) or by name (`DB_PASSWORD`, `API_KEY`,
#   `STRIPE_SECRET`...) when the value is a literal that looks generated (at least 8 characters
#   mixing letters and digits). References (a secret's ARN, a variable, another resource's
#   attribute), placeholders and documentation examples are not reported; the message shows the
#   first 4 characters only.
# why: >-
#   Lambda environment variables are returned in clear text by `lambda:GetFunctionConfiguration`
#   to anyone with read access to the function, shown in the console, and kept in version
#   control and in the Terraform state.
# fix: >-
#   Store the secret in Secrets Manager or SSM Parameter Store, pass its ARN or name in the
#   environment and read it at start-up (or with the Parameters and Secrets Lambda extension),
#   then rotate the credential.
# references:
#   - https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
#   - https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "hardcoded credentials", "environment variables"]
# mirrors: ["checkov:CKV_AWS_45"]
package stridegate.rules.tf_0052

import data.stridegate.lib.secrets
import data.stridegate.lib.terraform as tf
import rego.v1

verdict(name, v) := kind if {
	secrets.may_hold_credential(v)
	kind := secrets.credential_kind(v)
} else := "a literal secret" if {
	secrets.secret_like(name)
	secrets.credential_like_literal(v)
}

deny contains {"msg": msg, "path": ["environment", i, "variables", name]} if {
	some [i, env] in tf.blocks(input, "environment")
	vars := env.variables
	is_object(vars)
	some name, v in vars
	is_string(name)
	is_string(v)
	kind := verdict(name, v)
	msg := sprintf("Lambda environment variable %s holds %s (%s)", [name, kind, secrets.mask(v)])
}
