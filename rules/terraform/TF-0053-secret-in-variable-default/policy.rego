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
#   generated (at least 8 characters mixing letters and digits). Strings nested in list, map and
#   object defaults (up to 32 levels deep) are judged by content and by the nearest key above
#   them, and the finding points at the nested element. Placeholders (`changeme`, `<password>`,
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

# Deepest nesting below `default` that is judged: deeper strings are not looked at.
max_depth := 32

# [path below `default`, key naming the value (or ""), value] for every string of the default,
# at any depth up to max_depth: the key naming a nested string is the nearest map key above it
# (the variable's name for a string, or a list of strings, at the top).
strings contains [[], name, v] if {
	v := input["default"]
	is_string(v)
}

strings contains [sub, key_of(sub), v] if {
	d := input["default"]
	not is_string(d)
	walk(d, [sub, v])
	count(sub) > 0
	count(sub) <= max_depth
	is_string(v)
}

# The nearest map key in the path (the last string element), or the variable's name.
key_of(sub) := k if {
	keys := [x | some x in sub; is_string(x)]
	count(keys) > 0
	k := keys[count(keys) - 1]
} else := name

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

entry(sub) := sprintf(" key %q", [sub[0]]) if {
	count(sub) == 1
	is_string(sub[0])
}

entry(sub) := sprintf(" element %d", [sub[0]]) if {
	count(sub) == 1
	is_number(sub[0])
}

entry(sub) := sprintf(" at %s", [concat("", [segment(x) | some x in sub])]) if count(sub) > 1

segment(x) := sprintf("[%d]", [x]) if is_number(x)

segment(x) := sprintf("[%q]", [x]) if is_string(x)
