# METADATA
# id: K8S-0028
# name: rbac-approve-certificate-requests
# title: Role can approve certificate signing requests
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [Role, ClusterRole]
# what: >-
#   Finds ClusterRoles (and Roles) that grant both `update` or `patch` on
#   `certificatesigningrequests/approval` and `approve` on `signers` in the
#   `certificates.k8s.io` API group (wildcards count), pointing at the approval resource entry.
#   Both are needed to approve a request, so either one alone is not reported.
# why: >-
#   Approving a CertificateSigningRequest makes the cluster's certificate authority sign it. With
#   the `kubernetes.io/kube-apiserver-client` signer, the holder can issue itself a client
#   certificate for any user and group, `system:masters` included, which is cluster administrator
#   and cannot be revoked short of rotating the CA.
# fix: >-
#   Leave approval to the controller manager and to administrators. If a component must approve
#   requests, grant `approve` only on the signer it needs with `resourceNames` (never the
#   kube-apiserver-client signer), and pair it with an admission policy on the requested
#   identities.
# references:
#   - https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization
#   - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#certificate-signing-requests
# control: "seed 002 Authorization: access to resources should be granted based on the principle of least privilege"
# mirrors: ["checkov:CKV_K8S_156"]
# controls: ["least privilege", "rbac", "certificate approval"]
package stridegate.rules.k8s_0028

import data.stridegate.lib.kubernetes_rbac as rbac
import rego.v1

groups := {"certificates.k8s.io", "*"}

# The role approves for some signer, in any of its rules.
approves_signers if {
	some r in rbac.policy_rules
	count(r.groups & groups) > 0
	count(r.verbs & {"approve", "*"}) > 0
	count(r.resource_set & {"signers", "*"}) > 0
}

deny contains {"msg": msg, "path": path} if {
	approves_signers
	some r in rbac.policy_rules
	count(r.groups & groups) > 0
	count(r.verbs & {"update", "patch", "*"}) > 0
	some i, s in r.resources
	s in {"certificatesigningrequests/approval", "*/approval", "*"}
	msg := sprintf("rule %d allows approving certificate signing requests (%q), and the role may approve for signers", [r.index, s])
	path := array.concat(r.path, ["resources", i])
}
