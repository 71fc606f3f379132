# METADATA
# id: K8S-0048
# name: secret-data-in-manifest
# title: Secret values committed in a Secret manifest
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [Secret]
# what: >-
#   Finds Secret objects that carry their values in the manifest: every `data` entry (base64,
#   decoded to judge it) and every `stringData` entry holding a non-empty value, one finding per
#   key on that key's line. Not reported: empty values; placeholders that say they are to be
#   replaced (`<password>`, `${DB_PASSWORD}`, `{{ .Values.x }}`, REPLACE_ME, CHANGEME, TODO,
#   `xxxx`); values that are only variable references; `data` entries that are not valid base64
#   (the API server would reject the object); certificates (a PEM CERTIFICATE block, or a key
#   named `ca.crt`, `tls.crt` or `*.crt`/`*.pub`), which are public; values encrypted by SOPS
#   (`ENC[...]`, or a manifest with a `sops` section); and a `kubernetes.io/service-account-token`
#   Secret without values, which only asks the token controller to fill it in. The finding
#   never shows the value.
# why: >-
#   Base64 is an encoding, not encryption: a Secret manifest in version control is the
#   credential in plain text for everyone who can read the repository, its forks, CI logs and
#   backups, long after it is rotated out of the cluster. Anyone holding it can impersonate the
#   service it belongs to.
# fix: >-
#   Keep Secret values out of the repository: create them from a secret manager (External
#   Secrets Operator, the Vault agent injector or CSI driver), commit them encrypted (Sealed
#   Secrets, SOPS), or generate them at deploy time; then rotate every value that was
#   committed, since it must be considered disclosed.
# references:
#   - https://kubernetes.io/docs/concepts/configuration/secret/
#   - https://kubernetes.io/docs/concepts/security/secrets-good-practices/
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "vault"]
package stridegate.rules.k8s_0048

import data.stridegate.lib.secrets
import rego.v1

describe := sprintf("Secret %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "Secret"

sops_encrypted if {
	is_object(input.sops)
}

public_key_name(k) if k in {"ca.crt", "tls.crt", "ca.pem", "cert.pem", "certificate"}

public_key_name(k) if endswith(lower(k), ".crt")

public_key_name(k) if endswith(lower(k), ".pub")

certificate(v) if {
	startswith(trim_space(v), "-----BEGIN CERTIFICATE-----")
	not contains(v, "PRIVATE KEY")
}

reportable(k, v) if {
	is_string(v)
	s := trim_space(v)
	s != ""
	not secrets.placeholder(s)
	not regex.match(secrets.reference_only, s)
	not startswith(s, "ENC[")
	not public_key_name(k)
	not certificate(s)
}

reportable(_, v) if is_number(v)

decoded(v) := base64.decode(compact) if {
	is_string(v)
	compact := regex.replace(v, `\s+`, "")
	base64.is_valid(compact)
}

deny contains {"msg": msg, "path": ["data", k]} if {
	not sops_encrypted
	values := input.data
	is_object(values)
	some k, v in values
	plain := decoded(v)
	reportable(k, plain)
	msg := sprintf("%s holds the value of %q in the manifest (data is only base64-encoded)", [describe, k])
}

deny contains {"msg": msg, "path": ["stringData", k]} if {
	not sops_encrypted
	values := input.stringData
	is_object(values)
	some k, v in values
	reportable(k, v)
	msg := sprintf("%s holds the value of %q in plain text in the manifest (stringData)", [describe, k])
}
