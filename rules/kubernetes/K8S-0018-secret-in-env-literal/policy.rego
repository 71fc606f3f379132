# METADATA
# id: K8S-0018
# name: secret-in-env-literal
# title: Secret written as a literal environment variable value
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds `env` entries of containers, init containers and ephemeral containers whose name looks
#   like a secret (it contains PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, API_KEY, ACCESS_KEY,
#   PRIVATE_KEY, CREDENTIAL, AUTH_KEY, SIGNING_KEY, ENCRYPTION_KEY or MASTER_KEY as a word, or
#   ends in _PASS or _PWD) and that carry a non-empty literal `value` instead of `valueFrom`.
#   Names that describe a secret rather than hold one (ending in _FILE, _PATH, _URL, _NAME, _TTL,
#   _TIMEOUT, _ID, _ENABLED...) are ignored, and so are values that only reference other
#   variables (`$(DB_PASSWORD)`), file paths and boolean-looking values. The finding never shows
#   the value.
# why: >-
#   A literal value in a manifest is stored in plain text in version control, in CI logs, in the
#   API server's copy of the object and in every backup of them; anyone who can read the
#   repository or `get` the workload can read the credential and use it to impersonate the
#   application. Literal secrets are also hard to rotate, because the value is copied wherever
#   the manifest goes.
# fix: >-
#   Store the value in a Secret (or an external secret manager synced into one) and reference it
#   with `valueFrom.secretKeyRef`, or mount it as a file; then rotate the credential that was
#   committed, since it must be considered disclosed.
# references:
#   - https://kubernetes.io/docs/concepts/configuration/secret/
#   - https://kubernetes.io/docs/concepts/security/secrets-good-practices/
#   - https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/
# control: "seed 003 §1.3 Secret management: secrets are injected into services from Vault, never written into the deployment"
# mirrors: ["kube-linter:env-var-secret"]
# controls: ["literal secret", "secrets in environment", "secret management", "vault"]
package stridegate.rules.k8s_0018

import data.stridegate.lib.kubernetes as k8s
import data.stridegate.lib.secrets
import rego.v1

# The name heuristics (secret words, descriptive suffixes) and what counts as a literal value
# live in rules/lib/secrets.rego, shared with K8S-0049 and K8S-0050.

# The names of the env entries that hold a value (a literal needs one), across containers.
valued_names := [name |
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some e in env
	is_object(e)
	name := e.name
	is_string(name)
	_ = e.value
]

# One pattern over all those names at once: most objects hold no secret-looking name, and the
# per-name heuristics cost several patterns each.
worth_looking if secrets.any_secret_like_name(valued_names)

deny contains {"msg": msg, "path": path} if {
	worth_looking
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some i, e in env
	is_object(e)
	name := e.name
	is_string(name)
	secrets.secret_like(name)
	secrets.literal(e.value)
	msg := sprintf("%s sets %s from a literal value in the manifest", [c.description, name])
	path := array.concat(c.path, ["env", i, "value"])
}
