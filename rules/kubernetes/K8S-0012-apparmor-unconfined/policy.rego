# METADATA
# id: K8S-0012
# name: apparmor-unconfined
# title: Container explicitly disables AppArmor confinement
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose effective AppArmor profile
#   is explicitly Unconfined: `appArmorProfile.type: Unconfined` on the container or inherited
#   from the pod, or the annotation `container.apparmor.security.beta.kubernetes.io/<container>:
#   unconfined` on the pod template. The kubelet's precedence is applied (container field,
#   container annotation, pod field). An unset profile is not reported: the runtime then applies
#   its default profile.
# why: >-
#   AppArmor is the mandatory access control layer that confines what a containerized process may
#   touch even when it runs as root (mounts, writes under /proc and /sys, raw access to kernel
#   interfaces). Turning it off removes one of the few barriers left between an attacker with
#   code execution in the container and the node, and is usually a leftover from debugging.
# fix: >-
#   Remove the Unconfined setting so the runtime default profile applies, or set
#   `appArmorProfile.type: RuntimeDefault` (or `Localhost` with a profile loaded on the nodes).
#   Replace the deprecated AppArmor annotation with the `appArmorProfile` field.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/tutorials/security/apparmor/
# control: "seed 004 External threats: obligatory AppArmor or SELinux confinements for compute workloads"
# mirrors: ["trivy:KSV-0002"]
# controls: ["apparmor", "selinux", "confinement", "confinements"]
package stridegate.rules.k8s_0012

import data.stridegate.lib.kubernetes as k8s
import rego.v1

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# (The container's securityContext is a mapping, null, absent or an unknown marker: see
# k8s.containers.)
container_field(c) := p if {
	p := c.obj.securityContext.appArmorProfile
	p != null
}

pod_field := p if {
	p := k8s.pod_security_context.appArmorProfile
	p != null
}

# True when some AppArmor setting is written at all (most objects have none): tested once per
# object, before any container is looked at.
apparmor_set if _ = pod_field

apparmor_set if {
	some k, _ in k8s.pod_annotations
	startswith(k, annotation_prefix)
}

apparmor_set if {
	some c in k8s.containers
	c.obj.securityContext.appArmorProfile != null
}

# Where the container's AppArmor profile comes from, in the kubelet's order of precedence.
source(c) := {"kind": "field", "profile": p, "path": array.concat(c.path, ["securityContext", "appArmorProfile", "type"]), "level": ""} if {
	p := container_field(c)
} else := {"kind": "annotation", "value": v, "key": key} if {
	key := concat("", [annotation_prefix, k8s.as_text(c.name)])
	v := k8s.pod_annotations[key]
} else := {"kind": "field", "profile": p, "path": array.concat(k8s.pod_security_context_path, ["appArmorProfile", "type"]), "level": " (set at pod level)"} if {
	p := pod_field
}

deny contains {"msg": msg, "path": s.path} if {
	apparmor_set
	some c in k8s.containers
	s := source(c)
	s.kind == "field"
	is_object(s.profile)
	s.profile.type == "Unconfined"
	msg := sprintf("%s runs with AppArmor profile Unconfined%s", [c.description, s.level])
}

deny contains {"msg": msg, "path": path} if {
	apparmor_set
	some c in k8s.containers
	s := source(c)
	s.kind == "annotation"
	s.value == "unconfined"
	msg := sprintf("%s runs without AppArmor confinement: annotation %s is \"unconfined\"", [c.description, s.key])
	path := array.concat(k8s.pod_metadata_path, ["annotations", s.key])
}
