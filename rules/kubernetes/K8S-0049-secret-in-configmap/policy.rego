# METADATA
# id: K8S-0049
# name: secret-in-configmap
# title: ConfigMap holds a secret-looking value
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [ConfigMap]
# what: >-
#   Finds ConfigMap `data` entries whose key names a secret (the same name heuristics as
#   K8S-0018: PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS... as a word, after
#   reading `.` and `-` as `_`, so `db.password`, `client-secret` and `credentials.json` count)
#   and that hold a literal, non-empty value. Keys that describe a secret rather than hold it
#   (`*_FILE`, `*_PATH`, `*_URL`, `*_TTL`, `*_ENABLED`...), values that are only variable
#   references, file paths, boolean words, and placeholders (`<password>`, `${VAR}`,
#   `{{ ... }}`, REPLACE_ME, CHANGEME, TODO) are not reported. Values recognised as credentials
#   by their content under any key name are K8S-0050's. The finding points at the key and never
#   shows the value.
# why: >-
#   ConfigMaps are meant for non-confidential configuration: they are readable by every
#   principal allowed to read configuration in the namespace, are not encrypted at rest even
#   where Secrets are, are printed by `kubectl describe`, and end up in version control with
#   the manifest. A credential stored there is disclosed to all of them.
# fix: >-
#   Move the value to a Secret (created from a secret manager, not committed) and reference it
#   from the workload with `secretKeyRef` or a secret volume; then rotate the credential.
# references:
#   - https://kubernetes.io/docs/concepts/configuration/configmap/
#   - https://kubernetes.io/docs/concepts/security/secrets-good-practices/
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "vault"]
package stridegate.rules.k8s_0049

import data.stridegate.lib.secrets
import rego.v1

describe := sprintf("ConfigMap %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "ConfigMap"

# One screen over every key first: most ConfigMaps hold no secret-looking key.
worth_looking if {
	is_object(input.data)
	secrets.any_secret_like_name([k | some k, _ in input.data; is_string(k)])
}

deny contains {"msg": msg, "path": ["data", k]} if {
	worth_looking
	values := input.data
	is_object(values)
	some k, v in values
	secrets.secret_like(k)
	secrets.literal(v)
	not secrets.placeholder(v)
	msg := sprintf("%s holds a value under the secret-looking key %q", [describe, k])
}
