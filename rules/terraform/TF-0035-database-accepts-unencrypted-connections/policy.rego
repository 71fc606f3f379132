# METADATA
# id: TF-0035
# name: database-accepts-unencrypted-connections
# title: Cloud SQL or Azure flexible server accepts unencrypted connections
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds:
#     - google_sql_database_instance
#     - azurerm_postgresql_flexible_server_configuration
#     - azurerm_mysql_flexible_server_configuration
# what: >-
#   Finds Cloud SQL instances whose `settings.ip_configuration` sets
#   `ssl_mode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"`, or sets the legacy `require_ssl = false`
#   without an `ssl_mode` (ssl_mode takes precedence when both are set), and Azure Database for
#   PostgreSQL or MySQL flexible server configurations that turn the `require_secure_transport`
#   server parameter off. Only explicit values are reported: the flexible servers require
#   secure transport by default, and the Cloud SQL default depends on the instance.
# why: >-
#   A database that accepts plain connections lets a client (or a misconfigured driver that
#   silently falls back) send credentials and query results in clear text, where anyone on the
#   network path can read or alter them.
# fix: >-
#   Set `ssl_mode = "ENCRYPTED_ONLY"` (or `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`) in the Cloud SQL
#   instance's `ip_configuration`, or connect through the Cloud SQL Auth Proxy; leave
#   `require_secure_transport` on for Azure flexible servers.
# references:
#   - https://cloud.google.com/sql/docs/postgres/configure-ssl-instance
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/sql_database_instance#ssl_mode
#   - https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-networking-ssl-tls
#   - https://learn.microsoft.com/en-us/azure/mysql/flexible-server/how-to-connect-tls-ssl
# control: "seed 001 Tampering, Man in the Middle: only secure communication protocols are accepted"
# mirrors: ["checkov:CKV_GCP_6"]
# controls: ["tls", "encrypted connections"]
package stridegate.rules.tf_0035

import data.stridegate.lib.terraform as tf
import rego.v1

flexible_kinds := {"azurerm_postgresql_flexible_server_configuration", "azurerm_mysql_flexible_server_configuration"}

deny contains {"msg": msg, "path": path} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	ipc.ssl_mode == "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
	path := ["settings", s, "ip_configuration", c, "ssl_mode"]
	msg := "Cloud SQL instance accepts unencrypted connections (ssl_mode = \"ALLOW_UNENCRYPTED_AND_ENCRYPTED\")"
}

deny contains {"msg": msg, "path": path} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	ipc.require_ssl == false
	object.get(ipc, "ssl_mode", null) == null
	path := ["settings", s, "ip_configuration", c, "require_ssl"]
	msg := "Cloud SQL instance accepts unencrypted connections (require_ssl = false and no ssl_mode)"
}

deny contains {"msg": msg, "path": ["value"]} if {
	flexible_kinds[input["$kind"]]
	input.name == "require_secure_transport"
	is_string(input.value)
	lower(input.value) == "off"
	msg := sprintf("flexible server accepts unencrypted connections (require_secure_transport = %q)", [input.value])
}

# Not violations: whether unencrypted connections are accepted cannot be proven here. Reported
# apart from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": path} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	v := ipc.ssl_mode
	tf.is_unknown(v)
	path := ["settings", s, "ip_configuration", c, "ssl_mode"]
	msg := sprintf("cannot tell whether the Cloud SQL instance accepts unencrypted connections: ssl_mode is %s", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": path} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	v := ipc.require_ssl
	tf.is_unknown(v)
	object.get(ipc, "ssl_mode", null) == null
	path := ["settings", s, "ip_configuration", c, "require_ssl"]
	msg := sprintf("cannot tell whether the Cloud SQL instance accepts unencrypted connections: require_ssl is %s and no ssl_mode is set", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": ["value"]} if {
	flexible_kinds[input["$kind"]]
	input.name == "require_secure_transport"
	v := input.value
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the flexible server accepts unencrypted connections: require_secure_transport is %s", [v["$unknown"]])
}
