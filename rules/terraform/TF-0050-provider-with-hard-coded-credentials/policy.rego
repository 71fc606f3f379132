# METADATA
# id: TF-0050
# name: provider-with-hard-coded-credentials
# title: Provider block holds a hard-coded credential
# severity: critical
# since: "0.1.0"
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: terraform
#   kinds: ["provider.aws", "provider.google", "provider.google-beta", "provider.azurerm", "provider.azuread", "provider.github", "provider.gitlab", "provider.cloudflare", "provider.digitalocean", "provider.datadog", "provider.vault", "provider.kubernetes", "provider.helm", "provider.alicloud", "provider.oci", "provider.linode", "provider.hcloud", "provider.heroku", "provider.newrelic", "provider.pagerduty", "provider.mongodbatlas", "provider.snowflake", "provider.tfe", "provider.vsphere", "provider.openstack", "provider.ibm"]
# what: >-
#   Finds provider blocks whose arguments hold a credential written as a literal: recognised by
#   content (an AWS access key id, an AWS secret access key shape in `secret_key`, a
#   PEM private key or Google service account key in `credentials`, GitHub, GitLab and Slack
#   tokens, Google API keys...) or by name (`secret_key`, `token`, `client_secret`, `password`,
#   `api_key`...) when the value looks generated (at least 8 characters mixing letters and
#   digits). Values from variables, environment or files outside the configuration are never
#   reported, nor placeholders (`changeme`, `<token>`, `test`, `mock_access_key`) and vendor
#   documentation examples. The message shows the first 4 characters only.
# why: >-
#   A credential in a provider block is in version control and in every copy of the
#   repository, and a cloud provider credential is usually an administrator's: whoever reads
#   the code can act as the deployment pipeline. Keys with vendor prefixes are harvested from
#   public repositories within minutes.
# fix: >-
#   Remove the argument and let the provider read its credentials from the environment
#   (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS, ARM_CLIENT_SECRET), a shared profile, a
#   workload identity (OIDC from CI) or a sensitive variable without a default; then revoke and
#   rotate the credential, since it must be considered disclosed.
# references:
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs#authentication-and-configuration
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#authentication
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/guides/service_principal_client_secret
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "hardcoded credentials", "vault"]
# mirrors: ["checkov:CKV_AWS_41"]
package stridegate.rules.tf_0050

import data.stridegate.lib.secrets
import rego.v1

provider := substring(input["$kind"], 9, -1)

# Arguments that hold a credential in the providers listed in applies_to.
credential_arguments := {
	"access_key", "secret_key", "token", "client_secret", "client_certificate_password",
	"password", "api_key", "api_token", "app_key", "application_key", "credentials",
	"access_token", "private_key", "secret_id", "api_secret", "secret", "auth_token",
}

# An AWS secret access key: 40 characters of base64 alphabet.
aws_secret_shape := `^[A-Za-z0-9/+]{40}$`

verdict(k, v) := kind if {
	secrets.may_hold_credential(v)
	kind := secrets.credential_kind(v)
} else := "an AWS secret access key" if {
	k == "secret_key"
	regex.match(aws_secret_shape, v)
	not regex.match(secrets.documentation_examples, v)
} else := "a literal credential" if {
	named_credential(k)
	secrets.credential_like_literal(v)
}

named_credential(k) if credential_arguments[k]

named_credential(k) if secrets.secret_like(k)

deny contains {"msg": msg, "path": [k]} if {
	some k, v in input
	k != "$kind"
	is_string(v)
	kind := verdict(k, v)
	msg := sprintf("provider %q %s holds %s (%s)", [provider, k, kind, secrets.mask(v)])
}
