# METADATA
# id: TF-0036
# name: gke-legacy-authorization
# title: GKE cluster enables legacy ABAC or client certificate authentication
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, spoofing]
# applies_to:
#   platform: terraform
#   kinds: [google_container_cluster]
# what: >-
#   Finds GKE clusters with `enable_legacy_abac = true` or with
#   `master_auth.client_certificate_config.issue_client_certificate = true`. Both default to
#   false, so only explicit values are reported.
# why: >-
#   Legacy ABAC grants broad static permissions to identities such as service accounts, nodes
#   and controllers on top of RBAC and IAM, so a compromised pod can often act far beyond its
#   role. A client certificate issued at creation is a long-lived admin credential that cannot
#   be revoked short of rotating the cluster CA, and anyone who obtains it is cluster-admin.
# fix: >-
#   Remove `enable_legacy_abac` (or set it to false) and grant access with RBAC and IAM; set
#   `issue_client_certificate = false` and authenticate with Google identities or Workload
#   Identity.
# references:
#   - https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
#   - https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_cluster#enable_legacy_abac
# mirrors: ["checkov:CKV_GCP_7", "checkov:CKV_GCP_13"]
# controls: ["cluster authentication"]
package stridegate.rules.tf_0036

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": "cluster grants permissions through legacy ABAC (enable_legacy_abac = true)", "path": ["enable_legacy_abac"]} if {
	input.enable_legacy_abac == true
}

deny contains {"msg": msg, "path": path} if {
	some [m, auth] in tf.blocks(input, "master_auth")
	some [c, cfg] in tf.blocks(auth, "client_certificate_config")
	cfg.issue_client_certificate == true
	path := ["master_auth", m, "client_certificate_config", c, "issue_client_certificate"]
	msg := "cluster issues a long-lived admin client certificate (issue_client_certificate = true)"
}
