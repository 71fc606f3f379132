# METADATA
# id: TF-0038
# name: kubernetes-cluster-without-network-policy
# title: GKE or AKS cluster cannot enforce Kubernetes network policies
# severity: medium
# since: "0.1.0"
# stride: [lateral-movement, information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: [google_container_cluster, azurerm_kubernetes_cluster]
# what: >-
#   Finds GKE Standard clusters that neither enable `network_policy` (absent or
#   `enabled = false`) nor use GKE Dataplane V2 (`datapath_provider = "ADVANCED_DATAPATH"`, which
#   enforces network policies itself; Autopilot clusters always use it and are not reported),
#   and AKS clusters with no `network_profile` (kubenet without a policy engine) or a
#   `network_profile` without `network_policy` and without the Cilium data plane. Without a
#   policy engine the cluster silently ignores every NetworkPolicy object. Values that cannot be
#   known are not reported.
# why: >-
#   By default every pod can reach every other pod and service in the cluster. Network policies
#   are what limits a compromised pod to the few services it needs; on a cluster that cannot
#   enforce them, one vulnerable workload gives an attacker the whole pod network, databases
#   and internal APIs included.
# fix: >-
#   On GKE, create clusters with `datapath_provider = "ADVANCED_DATAPATH"` (Dataplane V2) or set
#   `network_policy { enabled = true }` with the network policy add-on; on AKS, set
#   `network_profile.network_policy` to "azure", "calico" or "cilium". Then add a default-deny
#   NetworkPolicy per namespace.
# references:
#   - https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy
#   - https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2
#   - https://learn.microsoft.com/en-us/azure/aks/use-network-policies
#   - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_cluster#network_policy
#   - https://kubernetes.io/docs/concepts/services-networking/network-policies/
# control: "seed 003 §1.1 Network policies: block all network connections between pods by default and enable them manually where it is necessary"
# mirrors: ["checkov:CKV_GCP_12", "checkov:CKV_AZURE_7"]
# controls: ["network policies", "network policy"]
package stridegate.rules.tf_0038

import data.stridegate.lib.terraform as tf
import rego.v1

# --- GKE ---

gke_exempt if tf.attr(input, "enable_autopilot", false) != false

gke_exempt if tf.attr(input, "datapath_provider", "LEGACY_DATAPATH") != "LEGACY_DATAPATH"

gke_exempt if tf.is_unknown(object.get(input, "network_policy", []))

# network_policy enabled, or possibly enabled (unknown).
gke_exempt if {
	some [_, np] in tf.blocks(input, "network_policy")
	np.enabled != false
}

gke_candidate if {
	input["$kind"] == "google_container_cluster"
	not gke_exempt
}

deny contains {"msg": msg, "path": ["network_policy", i, "enabled"]} if {
	gke_candidate
	some [i, np] in tf.blocks(input, "network_policy")
	np.enabled == false
	msg := "GKE cluster does not enforce network policies (network_policy.enabled = false, legacy datapath)"
}

deny contains {"msg": msg, "path": ["network_policy"]} if {
	gke_candidate
	count(tf.blocks(input, "network_policy")) == 0
	msg := "GKE cluster does not enforce network policies: no network_policy block and legacy datapath"
}

# --- AKS ---

deny contains {"msg": msg, "path": ["network_profile"]} if {
	input["$kind"] == "azurerm_kubernetes_cluster"
	not tf.is_unknown(object.get(input, "network_profile", []))
	count(tf.blocks(input, "network_profile")) == 0
	msg := "AKS cluster does not enforce network policies: no network_profile (kubenet without a network policy engine)"
}

deny contains {"msg": msg, "path": ["network_profile", i, "network_policy"]} if {
	input["$kind"] == "azurerm_kubernetes_cluster"
	some [i, np] in tf.blocks(input, "network_profile")
	tf.attr(np, "network_policy", null) == null
	tf.attr(np, "network_data_plane", "azure") == "azure"
	msg := sprintf("AKS cluster does not enforce network policies: network_profile sets no network_policy (network_plugin = %s)", [plugin_name(np)])
}

plugin_name(np) := sprintf("%q", [np.network_plugin]) if is_string(np.network_plugin)

else := "unknown"
