# METADATA
# id: TF-0037
# name: kubernetes-api-open-to-internet
# title: Managed Kubernetes API server is reachable from the whole internet
# severity: medium
# since: "0.1.0"
# stride: [spoofing, elevation-of-privilege, information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: [aws_eks_cluster, google_container_cluster]
# what: >-
#   Finds EKS clusters whose public API endpoint is enabled (`vpc_config.endpoint_public_access`,
#   true by default) and open to every address (`public_access_cidrs` absent, which defaults to
#   0.0.0.0/0, or containing 0.0.0.0/0 or ::/0); and GKE clusters whose public control-plane
#   endpoint is enabled (neither `private_cluster_config.enable_private_endpoint = true` nor
#   `control_plane_endpoints_config.ip_endpoints_config.enabled = false`) and not restricted by
#   master authorized networks (no `master_authorized_networks_config` block, a CIDR block of
#   0.0.0.0/0, or `gcp_public_cidrs_access_enabled = true`, which admits every Google Cloud
#   public IP). Values that cannot be known are not reported.
# why: >-
#   An API server open to the internet can be probed and brute-forced by anyone, and a leaked
#   kubeconfig, cloud credential or service account token is then usable from anywhere. It also
#   exposes the cluster to any pre-authentication vulnerability in the API server.
# fix: >-
#   Restrict the public endpoint to the addresses of your administrators and CI
#   (`public_access_cidrs` on EKS, `master_authorized_networks_config.cidr_blocks` on GKE), or
#   disable it and reach the cluster through the private endpoint, a VPN or a bastion.
# references:
#   - https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
#   - https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html
#   - https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation
#   - https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks
#   - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_cluster#nested_master_authorized_networks_config
# control: "seed 003 §2.4 VPN to restrict access (DB/Kubernetes): some endpoints and services should not be available for everyone in public"
# mirrors: ["checkov:CKV_AWS_38", "checkov:CKV_GCP_20"]
# controls: ["kubernetes api", "api server endpoint"]
package stridegate.rules.tf_0037

import data.stridegate.lib.terraform as tf
import rego.v1

# --- EKS ---

deny contains {"msg": msg, "path": path} if {
	input["$kind"] == "aws_eks_cluster"
	some [i, vpc] in tf.blocks(input, "vpc_config")
	tf.attr(vpc, "endpoint_public_access", true) == true
	some path, msg in eks_open(vpc, i)
}

# public_access_cidrs absent: the API default is 0.0.0.0/0.
eks_open(vpc, i) := {path: msg} if {
	tf.attr(vpc, "public_access_cidrs", null) == null
	path := eks_public_path(vpc, i)
	msg := "EKS API server endpoint is public and public_access_cidrs is not set (defaults to 0.0.0.0/0)"
}

eks_open(vpc, i) := {path: msg |
	some j, cidr in vpc.public_access_cidrs
	tf.anywhere[cidr]
	path := ["vpc_config", i, "public_access_cidrs", j]
	msg := sprintf("EKS API server endpoint is public and open to %s", [cidr])
} if {
	is_array(vpc.public_access_cidrs)
}

# Point at endpoint_public_access when written, else at the vpc_config block.
eks_public_path(vpc, i) := ["vpc_config", i, "endpoint_public_access"] if {
	vpc.endpoint_public_access == true
} else := ["vpc_config", i, "public_access_cidrs"]

# --- GKE ---

gke_private_endpoint if {
	some [_, pcc] in tf.blocks(input, "private_cluster_config")
	tf.attr(pcc, "enable_private_endpoint", false) != false
}

# IP endpoint disabled (or unknown): only the DNS endpoint, gated by IAM, remains.
gke_private_endpoint if {
	some [_, cpe] in tf.blocks(input, "control_plane_endpoints_config")
	some [_, ipe] in tf.blocks(cpe, "ip_endpoints_config")
	tf.attr(ipe, "enabled", true) != true
}

# A block list that cannot be known: do not guess.
gke_unknown if tf.is_unknown(object.get(input, "private_cluster_config", []))

gke_unknown if tf.is_unknown(object.get(input, "control_plane_endpoints_config", []))

gke_unknown if tf.is_unknown(object.get(input, "master_authorized_networks_config", []))

gke_public if {
	input["$kind"] == "google_container_cluster"
	not gke_private_endpoint
	not gke_unknown
}

deny contains {"msg": msg, "path": ["master_authorized_networks_config"]} if {
	gke_public
	count(tf.blocks(input, "master_authorized_networks_config")) == 0
	msg := "GKE control plane has a public endpoint and no master_authorized_networks_config, so any address can reach it"
}

deny contains {"msg": msg, "path": path} if {
	gke_public
	some [m, man] in tf.blocks(input, "master_authorized_networks_config")
	some [c, block] in tf.blocks(man, "cidr_blocks")
	tf.anywhere[block.cidr_block]
	path := ["master_authorized_networks_config", m, "cidr_blocks", c, "cidr_block"]
	msg := sprintf("GKE control plane authorizes %s on its public endpoint", [block.cidr_block])
}

deny contains {"msg": msg, "path": path} if {
	gke_public
	some [m, man] in tf.blocks(input, "master_authorized_networks_config")
	man.gcp_public_cidrs_access_enabled == true
	path := ["master_authorized_networks_config", m, "gcp_public_cidrs_access_enabled"]
	msg := "GKE control plane admits every Google Cloud public IP (gcp_public_cidrs_access_enabled = true)"
}
