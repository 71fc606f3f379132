# METADATA
# id: K8S-0050
# name: credential-pattern-in-manifest
# title: Credential recognised by its content in a workload or ConfigMap
# severity: high
# since: "0.1.0"
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

# Places a credential may be written: [where ([field, container path, index or key, container
# description]), value, [what names it, the name]]. Paths, descriptions and the name checks of
# K8S-0018/K8S-0049 are computed only for values that may hold a credential: they cost more
# than the content screen most values stop at.
candidates contains [["env", c.path, i, c.description], e.value, ["env", e.name]] if {
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some i, e in env
	is_object(e)
	is_string(e.value)
	is_string(e.name)
}

candidates contains [[field, c.path, j, c.description], v, ["none", ""]] if {
	some c in k8s.containers
	some field in ["args", "command"]
	list := c.obj[field]
	is_array(list)
	some j, v in list
	is_string(v)
}

candidates contains [["data", [], k, ""], v, ["configmap", k]] if {
	input.kind == "ConfigMap"
	values := input.data
	is_object(values)
	some k, v in values
	is_string(v)
}

# K8S-0018 reports env values under secret-looking names.
reported_elsewhere(["env", name], value) if {
	secrets.secret_like(name)
	secrets.literal(value)
}

# K8S-0049 reports ConfigMap values under secret-looking keys.
reported_elsewhere(["configmap", key], value) if {
	secrets.secret_like(key)
	secrets.literal(value)
	not secrets.placeholder(value)
}

# One screen over every candidate value of the resource first.
# One screen over every text a candidate may hold (a superset of the candidates' values, found
# without building the candidates): most objects hold no credential marker at all.
worth_looking if secrets.any_may_hold_credential(array.concat(array.concat(env_texts, arg_texts), data_texts))

env_texts := [e.value |
	some c in k8s.containers
	env := c.obj.env
	is_array(env)
	some e in env
	is_string(e.value)
]

arg_texts := [v |
	some c in k8s.containers
	some field in ["args", "command"]
	list := c.obj[field]
	is_array(list)
	some v in list
	is_string(v)
]

data_texts := [v |
	input.kind == "ConfigMap"
	values := input.data
	is_object(values)
	some v in values
	is_string(v)
]

deny contains {"msg": msg, "path": path} if {
	worth_looking
	some [where, value, judged_by] in candidates
	secrets.may_hold_credential(value)
	kind := secrets.credential_kind(value)
	not reported_elsewhere(judged_by, value)
	path := location(where)
	msg := sprintf("%s holds %s", [description(where, judged_by[1]), kind])
}

location(["env", container, i, _]) := array.concat(container, ["env", i, "value"])

location([field, container, j, _]) := array.concat(container, [field, j]) if field in {"args", "command"}

location(["data", _, k, _]) := ["data", k]

description(["env", _, _, container], name) := sprintf("%s env %s", [container, name])

description([field, _, _, container], _) := sprintf("%s %s", [container, field]) if field in {"args", "command"}

description(["data", _, k, _], _) := sprintf("ConfigMap %q key %q", [object.get(input, ["metadata", "name"], ""), k])
