# METADATA
# id: K8S-0018
# name: secret-in-env-literal
# title: Secret written as a literal environment variable value
# severity: high
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
import rego.v1

# A secret-looking word, not followed by more letters (TOKENIZER or PASSWORDLESS do not count).
secret_word := `(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|MASTER_?KEY)S?(_|$)`

# Short forms only count as a whole word at the end: DB_PASS, SMTP_PWD (but not PWD, the shell's
# working directory).
secret_short := `(^PASS|_PASS|_PWD)$`

# Names that describe where a secret is, or how it is used, rather than holding it.
descriptive_suffixes := {
	"_FILE", "_FILENAME", "_PATH", "_DIR", "_DIRECTORY", "_URL", "_URI", "_HOST", "_PORT",
	"_ENDPOINT", "_NAME", "_NAMESPACE", "_ID", "_REF", "_TTL", "_TIMEOUT", "_EXPIRY",
	"_EXPIRATION", "_LIFETIME", "_DURATION", "_AGE", "_INTERVAL", "_PERIOD", "_LENGTH", "_SIZE",
	"_BITS", "_HEADER", "_PREFIX", "_ENABLED", "_DISABLED", "_MODE", "_TYPE", "_KIND", "_FORMAT",
	"_ALGORITHM", "_ISSUER", "_AUDIENCE", "_VERSION", "_POLICY", "_PROVIDER", "_BACKEND",
	"_STORE", "_LOCATION", "_ARN", "_ROLE", "_SCOPE", "_SCOPES",
}

# Values made only of $(VAR) / ${VAR} references and separators hold no literal secret.
reference_only := `^[\s:@/;,.=_-]*((\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})[\s:@/;,.=_-]*)+$`

boolean_words := {"TRUE", "FALSE", "YES", "NO", "ON", "OFF"}

# A file path (GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json) points at a secret.
file_path := `^(/|\./|~/)\S*$`

normalized_name(name) := replace(replace(upper(name), "-", "_"), ".", "_")

secret_like(name) if {
	n := normalized_name(name)
	looks_secret(n)
	not descriptive(n)
}

looks_secret(n) if regex.match(secret_word, n)

looks_secret(n) if regex.match(secret_short, n)

descriptive(n) if {
	some suffix in descriptive_suffixes
	endswith(n, suffix)
}

literal(v) if is_number(v)

literal(v) if {
	is_string(v)
	s := trim_space(v)
	s != ""
	not regex.match(reference_only, s)
	not boolean_words[upper(s)]
	not regex.match(file_path, s)
}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some i, e in env
	is_object(e)
	name := e.name
	is_string(name)
	secret_like(name)
	literal(e.value)
	msg := sprintf("%s sets %s from a literal value in the manifest", [k8s.describe(c), name])
	path := array.concat(c.path, ["env", i, "value"])
}
