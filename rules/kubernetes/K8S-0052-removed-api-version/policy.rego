# METADATA
# id: K8S-0052
# name: removed-api-version
# title: Manifest uses an API version Kubernetes no longer serves
# severity: medium
# since: "0.1.0"
# stride: [denial-of-service, elevation-of-privilege]
# applies_to:
#   platform: kubernetes
#   kinds: [Deployment, DaemonSet, ReplicaSet, StatefulSet, NetworkPolicy, PodSecurityPolicy, Ingress, IngressClass, MutatingWebhookConfiguration, ValidatingWebhookConfiguration, CustomResourceDefinition, APIService, TokenReview, SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview, CertificateSigningRequest, Lease, ClusterRole, ClusterRoleBinding, Role, RoleBinding, PriorityClass, CSIDriver, CSINode, StorageClass, VolumeAttachment, CronJob, EndpointSlice, Event, HorizontalPodAutoscaler, PodDisruptionBudget, RuntimeClass, FlowSchema, PriorityLevelConfiguration, CSIStorageCapacity]
# what: >-
#   Finds objects written with an `apiVersion` that the Kubernetes API server no longer serves,
#   following the Kubernetes Deprecated API Migration Guide: removed in v1.16 (`extensions/v1beta1`
#   and `apps/v1beta1`/`v1beta2` workloads, `extensions/v1beta1` NetworkPolicy and
#   PodSecurityPolicy), v1.22 (`extensions/v1beta1` and `networking.k8s.io/v1beta1` Ingress,
#   the v1beta1 admission webhook, CRD, APIService, authentication, authorization, certificates,
#   coordination, RBAC, scheduling and storage APIs), v1.25 (`batch/v1beta1` CronJob,
#   `policy/v1beta1` PodDisruptionBudget and PodSecurityPolicy, `autoscaling/v2beta1`, v1beta1
#   EndpointSlice, Event and RuntimeClass), v1.26 (`autoscaling/v2beta2`,
#   `flowcontrol.apiserver.k8s.io/v1beta1`), v1.27 (`storage.k8s.io/v1beta1`
#   CSIStorageCapacity), v1.29 (`flowcontrol.apiserver.k8s.io/v1beta2`) and v1.32
#   (`flowcontrol.apiserver.k8s.io/v1beta3`). The message names the release that removed the
#   version and its replacement. A PodSecurityPolicy is reported with high severity: the API was
#   removed without a replacement in v1.25, so the control it declares no longer exists.
# why: >-
#   The API server rejects objects in a removed version, so a deploy of the manifest fails
#   (often in the middle of an upgrade, when the old version disappears) and the resources it
#   should create or update stay missing or stale. Security controls are hit hardest: a
#   PodSecurityPolicy, NetworkPolicy, RBAC rule or admission webhook that cannot be applied
#   leaves the cluster without the protection the repository says it has.
# fix: >-
#   Move the manifest to the replacement version named in the message (see the migration guide
#   for field changes, e.g. Ingress `backend.service` in networking.k8s.io/v1). Replace
#   PodSecurityPolicy with Pod Security Admission namespace labels (K8S-0051) or a policy
#   engine.
# references:
#   - https://kubernetes.io/docs/reference/using-api/deprecation-guide/
#   - https://kubernetes.io/docs/reference/using-api/deprecation-policy/
#   - https://kubernetes.io/docs/tasks/configure-pod-container/migrate-from-psp/
# controls: ["pod security policy", "pod security policies", "deprecated api", "removed api"]
package stridegate.rules.k8s_0052

import rego.v1

# "apiVersion kind" -> [the release that stopped serving it, the replacement].
# Source: https://kubernetes.io/docs/reference/using-api/deprecation-guide/
removed := {
	# v1.16
	"extensions/v1beta1 Deployment": ["v1.16", "apps/v1"],
	"apps/v1beta1 Deployment": ["v1.16", "apps/v1"],
	"apps/v1beta2 Deployment": ["v1.16", "apps/v1"],
	"extensions/v1beta1 DaemonSet": ["v1.16", "apps/v1"],
	"apps/v1beta2 DaemonSet": ["v1.16", "apps/v1"],
	"extensions/v1beta1 ReplicaSet": ["v1.16", "apps/v1"],
	"apps/v1beta1 ReplicaSet": ["v1.16", "apps/v1"],
	"apps/v1beta2 ReplicaSet": ["v1.16", "apps/v1"],
	"apps/v1beta1 StatefulSet": ["v1.16", "apps/v1"],
	"apps/v1beta2 StatefulSet": ["v1.16", "apps/v1"],
	"extensions/v1beta1 NetworkPolicy": ["v1.16", "networking.k8s.io/v1"],
	"extensions/v1beta1 PodSecurityPolicy": ["v1.16", "Pod Security Admission (its successor, policy/v1beta1, was removed in v1.25)"],
	# v1.22
	"extensions/v1beta1 Ingress": ["v1.22", "networking.k8s.io/v1"],
	"networking.k8s.io/v1beta1 Ingress": ["v1.22", "networking.k8s.io/v1"],
	"networking.k8s.io/v1beta1 IngressClass": ["v1.22", "networking.k8s.io/v1"],
	"admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration": ["v1.22", "admissionregistration.k8s.io/v1"],
	"admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration": ["v1.22", "admissionregistration.k8s.io/v1"],
	"apiextensions.k8s.io/v1beta1 CustomResourceDefinition": ["v1.22", "apiextensions.k8s.io/v1"],
	"apiregistration.k8s.io/v1beta1 APIService": ["v1.22", "apiregistration.k8s.io/v1"],
	"authentication.k8s.io/v1beta1 TokenReview": ["v1.22", "authentication.k8s.io/v1"],
	"authorization.k8s.io/v1beta1 SubjectAccessReview": ["v1.22", "authorization.k8s.io/v1"],
	"authorization.k8s.io/v1beta1 LocalSubjectAccessReview": ["v1.22", "authorization.k8s.io/v1"],
	"authorization.k8s.io/v1beta1 SelfSubjectAccessReview": ["v1.22", "authorization.k8s.io/v1"],
	"authorization.k8s.io/v1beta1 SelfSubjectRulesReview": ["v1.22", "authorization.k8s.io/v1"],
	"certificates.k8s.io/v1beta1 CertificateSigningRequest": ["v1.22", "certificates.k8s.io/v1"],
	"coordination.k8s.io/v1beta1 Lease": ["v1.22", "coordination.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1 ClusterRole": ["v1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding": ["v1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1 Role": ["v1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1 RoleBinding": ["v1.22", "rbac.authorization.k8s.io/v1"],
	"scheduling.k8s.io/v1beta1 PriorityClass": ["v1.22", "scheduling.k8s.io/v1"],
	"storage.k8s.io/v1beta1 CSIDriver": ["v1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1 CSINode": ["v1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1 StorageClass": ["v1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1 VolumeAttachment": ["v1.22", "storage.k8s.io/v1"],
	# v1.25
	"batch/v1beta1 CronJob": ["v1.25", "batch/v1"],
	"discovery.k8s.io/v1beta1 EndpointSlice": ["v1.25", "discovery.k8s.io/v1"],
	"events.k8s.io/v1beta1 Event": ["v1.25", "events.k8s.io/v1"],
	"autoscaling/v2beta1 HorizontalPodAutoscaler": ["v1.25", "autoscaling/v2"],
	"policy/v1beta1 PodDisruptionBudget": ["v1.25", "policy/v1"],
	"policy/v1beta1 PodSecurityPolicy": ["v1.25", "Pod Security Admission (the API has no successor)"],
	"node.k8s.io/v1beta1 RuntimeClass": ["v1.25", "node.k8s.io/v1"],
	# v1.26
	"flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema": ["v1.26", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration": ["v1.26", "flowcontrol.apiserver.k8s.io/v1"],
	"autoscaling/v2beta2 HorizontalPodAutoscaler": ["v1.26", "autoscaling/v2"],
	# v1.27
	"storage.k8s.io/v1beta1 CSIStorageCapacity": ["v1.27", "storage.k8s.io/v1"],
	# v1.29
	"flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema": ["v1.29", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta2 PriorityLevelConfiguration": ["v1.29", "flowcontrol.apiserver.k8s.io/v1"],
	# v1.32
	"flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema": ["v1.32", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration": ["v1.32", "flowcontrol.apiserver.k8s.io/v1"],
}

entry := removed[sprintf("%s %s", [trim_space(input.apiVersion), input.kind])] if {
	is_string(input.apiVersion)
	is_string(input.kind)
}

severity := "high" if {
	input.kind == "PodSecurityPolicy"
} else := "medium"

deny contains {"msg": msg, "path": ["apiVersion"], "severity": severity} if {
	[release, replacement] := entry
	msg := sprintf("%s %s is no longer served since Kubernetes %s: use %s", [input.apiVersion, input.kind, release, replacement])
}
