# METADATA
# id: TF-0034
# name: object-storage-public
# title: Cloud Storage bucket or Azure blob container is open to the public
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds:
#     - google_storage_bucket_iam_member
#     - google_storage_bucket_iam_binding
#     - google_storage_bucket_access_control
#     - google_storage_default_object_access_control
#     - google_storage_object_access_control
#     - azurerm_storage_container
#     - azurerm_storage_account
# what: >-
#   Finds Google Cloud Storage IAM members and bindings, bucket and object ACL entries granted to
#   `allUsers` or `allAuthenticatedUsers`; Azure blob containers with `container_access_type`
#   "blob" or "container"; and Azure storage accounts that set
#   `allow_nested_items_to_be_public = true`. For the last, only the explicit value is reported:
#   the azurerm default was true up to provider 4.x and is false from 5.0. A bucket with
#   `uniform_bucket_level_access = false` is not reported on its own, since that only enables
#   ACLs and grants nothing.
# why: >-
#   allUsers means anyone on the internet without signing in, and allAuthenticatedUsers means any
#   Google account in the world, not the organisation's users. A container with public access
#   serves its blobs (and, for "container", its listing) to anonymous requests. Public buckets
#   are a common source of data leaks, since nothing records who read what.
# fix: >-
#   Grant bucket roles to specific users, groups or service accounts, serve public content
#   through a CDN or signed URLs, set `container_access_type = "private"` and
#   `allow_nested_items_to_be_public = false`, and enforce public access prevention
#   (`public_access_prevention = "enforced"`) on buckets that must never be public.
# references:
#   - https://cloud.google.com/storage/docs/access-control/making-data-public
#   - https://cloud.google.com/iam/docs/principals-overview#all-users
#   - https://learn.microsoft.com/en-us/azure/storage/blobs/anonymous-read-access-prevent
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_container#container_access_type
# control: "seed 001 Information disclosure: the authorization system forbids access unless explicitly granted"
# mirrors: ["checkov:CKV_GCP_28", "checkov:CKV_AZURE_34", "checkov:CKV_AZURE_190"]
# controls: ["public access", "public bucket"]
package stridegate.rules.tf_0034

import rego.v1

public_principals := {"allUsers", "allAuthenticatedUsers"}

public_container_types := {"blob", "container"}

describe := {
	"allUsers": "anyone on the internet (allUsers)",
	"allAuthenticatedUsers": "any Google account (allAuthenticatedUsers)",
}

# google_storage_bucket_iam_member: member = "allUsers".
deny contains {"msg": msg, "path": ["member"]} if {
	input["$kind"] == "google_storage_bucket_iam_member"
	public_principals[input.member]
	msg := sprintf("bucket role %s is granted to %s", [role_name, describe[input.member]])
}

# google_storage_bucket_iam_binding: members contains "allUsers".
deny contains {"msg": msg, "path": ["members", i]} if {
	input["$kind"] == "google_storage_bucket_iam_binding"
	some i, m in input.members
	public_principals[m]
	msg := sprintf("bucket role %s is granted to %s", [role_name, describe[m]])
}

# ACL entries: entity = "allUsers" (bucket, default object and object ACLs).
deny contains {"msg": msg, "path": ["entity"]} if {
	startswith(input["$kind"], "google_storage_")
	endswith(input["$kind"], "access_control")
	public_principals[input.entity]
	msg := sprintf("storage ACL grants %s to %s", [acl_role, describe[input.entity]])
}

role_name := sprintf("%q", [input.role]) if is_string(input.role)

else := "(unknown role)"

acl_role := sprintf("%s access", [input.role]) if is_string(input.role)

else := "access"

deny contains {"msg": msg, "path": ["container_access_type"]} if {
	input["$kind"] == "azurerm_storage_container"
	public_container_types[input.container_access_type]
	msg := sprintf("container allows anonymous reads (container_access_type = %q)", [input.container_access_type])
}

deny contains {"msg": msg, "path": ["allow_nested_items_to_be_public"], "severity": "medium"} if {
	input["$kind"] == "azurerm_storage_account"
	input.allow_nested_items_to_be_public == true
	msg := "storage account lets its containers be made public (allow_nested_items_to_be_public = true)"
}
