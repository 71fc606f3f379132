# METADATA
# id: TF-0053
# name: secret-in-variable-default
# title: Variable default holds a credential
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["variable"]
# what: >-
#   Finds `variable` blocks whose `default` holds a credential: recognised by content (PEM
#   private keys, AWS access key ids, GitHub, GitLab and Slack tokens, Google API keys,
#   passwords in URLs...) whatever the variable is called, or by name (`db_password`,
#   `api_token`, `client_secret`, `private_key`...) when the default is a literal that looks
#   generated (at least 8 characters mixing letters and digits). Strings inside a list or map
#   default are judged by content and by their key. Placeholders (`changeme`, `<password>`,
#   `REPLACE_ME`, empty strings) and documentation examples are not reported; the message shows
#   the first 4 characters only. `sensitive = true` does not help: it hides the value from the
#   plan output, not from the code.
# why: >-
#   A default is written in the module's code: it is in version control, in every copy and
#   fork of the repository, and used silently by every caller that does not set the variable.
# fix: >-
#   Remove the default (declare the variable `sensitive = true` without one) and pass the value
#   from a secret manager or the CI's secret store (`TF_VAR_db_password`), or read it with a
#   data source (`aws_secretsmanager_secret_version`); then rotate the credential.
# references:
#   - https://developer.hashicorp.com/terraform/language/values/variables#suppressing-values-in-cli-output
#   - https://developer.hashicorp.com/terraform/tutorials/configuration-language/sensitive-variables
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "hardcoded credentials"]
package stridegate.rules.tf_0053

import data.stridegate.lib.secrets
import rego.v1

name := input["$name"]

# [path below `default`, key naming the value (or ""), value] for every string of the default.
strings contains [[], name, v] if {
	v := input["default"]
	is_string(v)
}

strings contains [[k], k, v] if {
	d := input["default"]
	is_object(d)
	some k, v in d
	is_string(v)
}

strings contains [[i], name, v] if {
	d := input["default"]
	is_array(d)
	some i, v in d
	is_string(v)
}

verdict(key, v) := kind if {
	secrets.may_hold_credential(v)
	kind := secrets.credential_kind(v)
} else := "a literal secret" if {
	secrets.secret_like(key)
	secrets.credential_like_literal(v)
}

deny contains {"msg": msg, "path": array.concat(["default"], sub)} if {
	is_string(name)
	some [sub, key, v] in strings
	kind := verdict(key, v)
	msg := sprintf("default of variable %q%s holds %s (%s)", [name, entry(sub), kind, secrets.mask(v)])
}

entry([]) := ""

entry([k]) := sprintf(" key %q", [k]) if is_string(k)

entry([i]) := sprintf(" element %d", [i]) if is_number(i)
