# METADATA
# id: K8S-0050
# name: credential-pattern-in-manifest
# title: Credential recognised by its content in a workload or ConfigMap
# severity: high
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads", ConfigMap]
# what: >-
#   Finds credentials by what they look like rather than by what they are called: PEM private
#   keys, AWS access key ids (AKIA/ASIA and 16 characters), GitHub, GitLab and Slack tokens,
#   Slack webhook URLs, Google API keys, Stripe live keys, JSON Web Tokens, passwords inside
#   URLs (`scheme://user:password@host`), and `password=`/`token:`-style assignments whose value
#   is a long mix of letters and digits (`--db-password=...` in args, `...password=...` in a
#   properties file). It looks in container `env` values, `args` and `command` (all container
#   types) and in ConfigMap `data` values. Values K8S-0018 (an env variable with a secret-looking
#   name) or K8S-0049 (a ConfigMap key with a secret-looking name) already report are skipped,
#   so each value is reported once; values referencing other variables (`$(VAR)`, `${VAR}`) and
#   vendor documentation examples (AKIAIOSFODNN7EXAMPLE) are not credentials. The finding
#   points at the list element or key holding the value and never shows it.
# why: >-
#   A credential in a manifest is in plain text in version control, in the API server's copy of
#   the object and in everything that copies them; a secret-looking name is not needed for
#   someone to recognise, and use, a private key or a cloud access key found there. Tokens with
#   vendor prefixes are also harvested automatically from public repositories within minutes.
# fix: >-
#   Move the credential to a Secret created from a secret manager (or mounted by the Vault
#   agent or a CSI driver) and reference it with `secretKeyRef`, `$(VAR)` in args, or a file;
#   then revoke and rotate the credential, since it must be considered disclosed.
# references:
#   - https://kubernetes.io/docs/concepts/security/secrets-good-practices/
#   - https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
#   - https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "vault", "hardcoded credentials"]
package stridegate.rules.k8s_0050

import data.stridegate.lib.kubernetes as k8s
import data.stridegate.lib.secrets
import rego.v1

# Places a credential may be written: [path, value, description].
candidates contains [array.concat(c.path, ["env", i, "value"]), e.value, sprintf("%s env %s", [k8s.describe(c), e.name])] if {
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some i, e in env
	is_object(e)
	is_string(e.value)
	is_string(e.name)
	# K8S-0018 reports these.
	not reported_by_env_rule(e)
}

candidates contains [array.concat(c.path, [field, j]), v, sprintf("%s %s", [k8s.describe(c), field])] if {
	some c in k8s.containers
	some field in ["args", "command"]
	list := c.obj[field]
	is_array(list)
	some j, v in list
	is_string(v)
}

candidates contains [["data", k], v, sprintf("ConfigMap %q key %q", [object.get(input, ["metadata", "name"], ""), k])] if {
	input.kind == "ConfigMap"
	values := input.data
	is_object(values)
	some k, v in values
	is_string(v)
	# K8S-0049 reports these.
	not reported_by_configmap_rule(k, v)
}

reported_by_env_rule(e) if {
	secrets.secret_like(e.name)
	secrets.literal(e.value)
}

reported_by_configmap_rule(k, v) if {
	secrets.secret_like(k)
	secrets.literal(v)
	not secrets.placeholder(v)
}

deny contains {"msg": msg, "path": path} if {
	some [path, value, where] in candidates
	kind := secrets.credential_kind(value)
	msg := sprintf("%s holds %s", [where, kind])
}
