# METADATA
# id: K8S-0051
# name: namespace-without-pod-security-enforcement
# title: Namespace does not enforce a Pod Security Standard
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege]
# applies_to:
#   platform: kubernetes
#   kinds: [Namespace]
# what: >-
#   Finds Namespaces whose `pod-security.kubernetes.io/enforce` label is missing or is not
#   `restricted` or `baseline` (`privileged` enforces nothing). `warn` and `audit` labels alone
#   only report violations and are not enforcement, so they do not satisfy the rule. The
#   finding points at the label when it is set to another level, else at the namespace's labels
#   (or metadata). Pod Security Admission, built into the API server since Kubernetes 1.25, is
#   what replaced PodSecurityPolicy.
# why: >-
#   Without an enforced Pod Security Standard, anyone allowed to create pods in the namespace
#   (directly or through a Deployment, a Job or a compromised controller) can start a
#   privileged pod, share the host's namespaces or mount its filesystem, and so take over the
#   node and everything scheduled on it. The workload rules catch such pods in the scanned
#   manifests; admission stops the ones that never pass through review.
# fix: >-
#   Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline` where a
#   workload needs it), with `enforce-version` pinned if you upgrade clusters deliberately; run
#   with `warn`/`audit` first to find the pods that would be rejected. Keep `privileged` for
#   the few system namespaces that need it, and exempt them in the admission configuration.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-admission/
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/
#   - https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/
# control: "seed 003 §1.2 Pod security policies: pods cannot start privileged or as the root user"
# controls: ["pod security", "pod security policy", "pod security policies", "pod security admission", "pod security standards"]
package stridegate.rules.k8s_0051

import rego.v1

label := "pod-security.kubernetes.io/enforce"

enforcing := {"restricted", "baseline"}

has_label if object.get(labels, label, null) != null

# The namespace's labels: {} when there are none; undefined when the metadata or the labels
# have another type than a mapping (a half-written manifest: nothing can be known).
labels := l if {
	l := input.metadata.labels
	is_object(l)
} else := {} if {
	object.get(input, "metadata", null) == null
} else := {} if {
	is_object(input.metadata)
	object.get(input.metadata, "labels", null) == null
}

describe := sprintf("namespace %q", [input.metadata.name]) if {
	is_string(input.metadata.name)
} else := "namespace"

deny contains {"msg": msg, "path": ["metadata", "labels", label]} if {
	is_object(labels)
	not has_label
	msg := sprintf("%s has no %s label: pods are admitted whatever their security settings", [describe, label])
}

deny contains {"msg": msg, "path": ["metadata", "labels", label]} if {
	v := labels[label]
	not enforcing[lower(trim_space(sprintf("%v", [v])))]
	msg := sprintf("%s enforces the %v Pod Security Standard, which restricts nothing", [describe, v])
}
