# METADATA
# id: TF-0033
# name: web-app-allows-plain-http
# title: Azure web app or storage account accepts plain HTTP
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds:
#     - azurerm_linux_web_app
#     - azurerm_windows_web_app
#     - azurerm_linux_function_app
#     - azurerm_windows_function_app
#     - azurerm_linux_web_app_slot
#     - azurerm_windows_web_app_slot
#     - azurerm_linux_function_app_slot
#     - azurerm_windows_function_app_slot
#     - azurerm_app_service
#     - azurerm_function_app
#     - azurerm_storage_account
# what: >-
#   Finds Azure App Service web apps, function apps and their deployment slots (including the
#   legacy azurerm_app_service and azurerm_function_app) whose `https_only` is false or not set
#   (the azurerm provider default is false, so the app answers plain HTTP), and storage accounts
#   with `https_traffic_only_enabled = false` or the older `enable_https_traffic_only = false`
#   (the default there is true, so only the explicit value is reported).
# why: >-
#   A site or storage endpoint that answers plain HTTP sends session cookies, tokens, shared
#   access signatures and data in clear text, and lets anyone on the network path read or
#   rewrite the traffic; a first request over HTTP can also be downgraded before HSTS applies.
# fix: >-
#   Set `https_only = true` on web and function apps (App Service then redirects HTTP to HTTPS),
#   and keep `https_traffic_only_enabled = true` on storage accounts.
# references:
#   - https://learn.microsoft.com/en-us/azure/app-service/configure-ssl-bindings#enforce-https
#   - https://learn.microsoft.com/en-us/azure/storage/common/storage-require-secure-transfer
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_web_app#https_only
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account#https_traffic_only_enabled
# control: "seed 001 Tampering, Man in the Middle: only secure communication protocols are accepted by the API server"
# mirrors: ["checkov:CKV_AZURE_14", "checkov:CKV_AZURE_70", "checkov:CKV_AZURE_3"]
# controls: ["https", "tls"]
package stridegate.rules.tf_0033

import data.stridegate.lib.terraform as tf
import rego.v1

storage_kind := "azurerm_storage_account"

storage_https_attrs := ["https_traffic_only_enabled", "enable_https_traffic_only"]

# Web and function apps: https_only defaults to false.
deny contains {"msg": msg, "path": ["https_only"]} if {
	input["$kind"] != storage_kind
	v := tf.attr(input, "https_only", false)
	v == false
	msg := app_msg(object.get(input, "https_only", null))
}

app_msg(null) := "app answers plain HTTP: https_only is not set (defaults to false)"

app_msg(v) := "app answers plain HTTP (https_only = false)" if v == false

# Storage accounts: the default is HTTPS only, so only an explicit false counts.
deny contains {"msg": msg, "path": [attr]} if {
	input["$kind"] == storage_kind
	some attr in storage_https_attrs
	input[attr] == false
	msg := sprintf("storage account accepts plain HTTP requests (%s = false)", [attr])
}

# Not violations: whether plain HTTP is accepted cannot be proven here. Reported apart from
# findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["https_only"]} if {
	input["$kind"] != storage_kind
	v := input.https_only
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the app answers plain HTTP: https_only is %s", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": [attr]} if {
	input["$kind"] == storage_kind
	some attr in storage_https_attrs
	v := input[attr]
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the storage account accepts plain HTTP requests: %s is %s", [attr, v["$unknown"]])
}
