# METADATA
# id: TF-0012
# name: azure-minimum-tls-below-1-2
# title: Azure service accepts TLS older than 1.2 or unencrypted connections
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds:
#     - azurerm_storage_account
#     - azurerm_mssql_server
#     - azurerm_redis_cache
#     - azurerm_linux_web_app
#     - azurerm_windows_web_app
#     - azurerm_linux_function_app
#     - azurerm_windows_function_app
#     - azurerm_app_service
#     - azurerm_function_app
#     - azurerm_postgresql_server
#     - azurerm_mysql_server
#     - azurerm_cosmosdb_account
#     - azurerm_eventhub_namespace
#     - azurerm_servicebus_namespace
# what: >-
#   Finds Azure resources configured with a minimum TLS version below 1.2: storage accounts
#   (`min_tls_version` TLS1_0/TLS1_1), SQL servers (`minimum_tls_version` 1.0, 1.1 or Disabled),
#   Redis caches, Event Hubs and Service Bus namespaces (`minimum_tls_version` 1.0/1.1), web and
#   function apps (`site_config.minimum_tls_version` or `scm_minimum_tls_version` 1.0/1.1, or
#   `site_config.min_tls_version` on the legacy app service resources), Cosmos DB accounts
#   (`minimal_tls_version` Tls/Tls11), and single-server PostgreSQL and MySQL
#   (`ssl_minimal_tls_version_enforced` TLS1_0, TLS1_1 or TLSEnforcementDisabled, and
#   `ssl_enforcement_enabled = false`, which allows unencrypted connections). Only explicit
#   values are reported; the current azurerm provider defaults are TLS 1.2.
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996) and Azure is retiring them; allowing them lets an
#   active attacker negotiate clients onto weak protocol versions, and a database without SSL
#   enforcement accepts credentials and data in clear text.
# fix: >-
#   Set the minimum version to TLS 1.2 (`TLS1_2`, `"1.2"` or `Tls12` depending on the resource)
#   and keep `ssl_enforcement_enabled = true` on database servers.
# references:
#   - https://learn.microsoft.com/en-us/azure/storage/common/transport-layer-security-configure-minimum-version
#   - https://learn.microsoft.com/en-us/azure/azure-sql/database/connectivity-settings#configure-minimum-tls-version
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3: older versions are not supported, because they are not considered secure enough anymore"
# controls: ["tls", "secure communication"]
package stridegate.rules.tf_0012

import data.stridegate.lib.terraform as tf
import rego.v1

# Top-level attributes and their values below TLS 1.2. The rule does not see the resource
# type, but these attribute names mean the same on every resource listed in applies_to:
# min_tls_version (storage account), minimum_tls_version (SQL server, Redis, Event Hubs,
# Service Bus; "Disabled" is SQL server's "no minimum"), minimal_tls_version (Cosmos DB),
# ssl_minimal_tls_version_enforced (PostgreSQL and MySQL single server).
weak_values := {
	"min_tls_version": {"TLS1_0", "TLS1_1"},
	"minimum_tls_version": {"1.0", "1.1", "Disabled"},
	"minimal_tls_version": {"Tls", "Tls11"},
	"ssl_minimal_tls_version_enforced": {"TLS1_0", "TLS1_1", "TLSEnforcementDisabled"},
}

# site_config attributes of web and function apps.
site_config_attrs := {"minimum_tls_version", "scm_minimum_tls_version", "min_tls_version", "scm_min_tls_version"}

site_config_weak := {"1.0", "1.1"}

deny contains {"msg": msg, "path": [attr]} if {
	some attr, weak in weak_values
	v := input[attr]
	is_string(v)
	weak[v]
	msg := sprintf("%s = %q admits connections older than TLS 1.2", [attr, v])
}

deny contains {"msg": msg, "path": ["site_config", i, attr]} if {
	some [i, sc] in tf.blocks(input, "site_config")
	some attr in site_config_attrs
	v := sc[attr]
	is_string(v)
	site_config_weak[v]
	msg := sprintf("site_config.%s = %q admits connections older than TLS 1.2", [attr, v])
}

deny contains {"msg": msg, "path": ["ssl_enforcement_enabled"]} if {
	input.ssl_enforcement_enabled == false
	msg := "database server accepts unencrypted connections (ssl_enforcement_enabled = false)"
}
