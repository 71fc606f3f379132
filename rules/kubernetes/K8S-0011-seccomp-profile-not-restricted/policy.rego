# METADATA
# id: K8S-0011
# name: seccomp-profile-not-restricted
# title: Container runs without a restricting seccomp profile
# severity: medium
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose effective seccomp profile is
#   neither RuntimeDefault nor Localhost: `seccompProfile.type: Unconfined`, or no profile set on
#   the container, on the pod or through the legacy annotations
#   `container.seccomp.security.alpha.kubernetes.io/<container>` and
#   `seccomp.security.alpha.kubernetes.io/pod` (whose values `runtime/default`, `docker/default`
#   and `localhost/<file>` count as restricted). The kubelet's precedence is applied: container
#   field, container annotation, pod field, pod annotation. Windows pods are skipped.
# why: >-
#   Seccomp filters the system calls a process may make. Without a profile the container can
#   call every syscall the kernel offers, which keeps rarely needed and historically exploitable
#   kernel interfaces (unshare, keyctl, bpf, userfaultfd...) within reach of an attacker who runs
#   code in it; many container escapes start there. Unless the kubelet is started with
#   `--seccomp-default`, an unset profile means Unconfined.
# fix: >-
#   Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level so every container
#   inherits it, or use a `Localhost` profile tailored to the workload. Remove any `Unconfined`
#   setting and replace the deprecated seccomp annotations with the field.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
#   - https://kubernetes.io/docs/tutorials/security/seccomp/
#   - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-seccomp-profile-for-a-container
# control: "seed 004 External threats: obligatory AppArmor or SELinux confinements for compute workloads (seccomp confines the same kernel attack surface)"
# mirrors: ["checkov:CKV_K8S_31", "trivy:KSV-0030"]
# controls: ["seccomp"]
package stridegate.rules.k8s_0011

import data.stridegate.lib.kubernetes as k8s
import rego.v1

restricted_types := {"RuntimeDefault", "Localhost"}

pod_annotation_key := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_key(c) := concat("", ["container.seccomp.security.alpha.kubernetes.io/", k8s.as_text(c.name)])

annotation_restricted(v) if v in {"runtime/default", "docker/default"}

annotation_restricted(v) if {
	is_string(v)
	startswith(v, "localhost/")
}

windows_pod if k8s.pod_spec.os.name == "windows"

# Whether any pod annotation sets a container's seccomp profile (most pods have none, and the
# key of each container's annotation is then never built).
container_annotations if {
	some k, _ in k8s.pod_annotations
	startswith(k, "container.seccomp.security.alpha.kubernetes.io/")
}

pod_field := p if {
	p := k8s.pod_security_context.seccompProfile
	p != null
}

# Where the container's seccomp profile comes from, in the kubelet's order of precedence. (The
# container's securityContext is a mapping, null or an unknown marker: see k8s.containers.)
source(c) := {"kind": "field", "profile": p, "path": array.concat(c.path, ["securityContext", "seccompProfile"]), "level": ""} if {
	p := c.obj.securityContext.seccompProfile
	p != null
} else := {"kind": "annotation", "value": v, "key": key} if {
	container_annotations
	key := container_annotation_key(c)
	v := k8s.pod_annotations[key]
	v != null
} else := {"kind": "field", "profile": p, "path": array.concat(k8s.pod_security_context_path, ["seccompProfile"]), "level": " (set at pod level)"} if {
	p := pod_field
} else := {"kind": "annotation", "value": v, "key": pod_annotation_key} if {
	v := k8s.pod_annotations[pod_annotation_key]
	v != null
} else := {"kind": "none"}

# The source of each container's profile (by container path), found once per object for the
# three rules below.
source_of[c.path] := source(c) if {
	not windows_pod
	some c in k8s.containers
}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	s := source_of[c.path]
	s.kind == "field"
	not k8s.is_unknown(s.profile)
	is_object(s.profile)
	type := object.get(s.profile, "type", "")
	not k8s.is_unknown(type)
	not restricted_types[type]
	msg := field_message(c, type, s.level)
	path := array.concat(s.path, ["type"])
}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	s := source_of[c.path]
	s.kind == "annotation"
	not k8s.is_unknown(s.value)
	not annotation_restricted(s.value)
	msg := sprintf("%s runs without a seccomp filter: annotation %s is %s", [c.description, s.key, json.marshal(s.value)])
	path := array.concat(k8s.pod_metadata_path, ["annotations", s.key])
}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	source_of[c.path].kind == "none"
	c.sc_unknown == false
	not annotations_unknown
	msg := sprintf("%s sets no seccomp profile, so it runs Unconfined unless the kubelet defaults to RuntimeDefault", [c.description])
	path := object.get(c.sc_paths, "seccompProfile", array.concat(c.path, ["securityContext", "seccompProfile"]))
}

# A profile may be set where nothing can be read: a securityContext (c.sc_unknown) or the
# annotations are unknown (or not mappings).
annotations_unknown if k8s.is_unknown(k8s.pod_annotations)

field_message(c, type, level) := sprintf("%s runs with seccomp profile Unconfined%s", [c.description, level]) if type == "Unconfined"

field_message(c, type, level) := sprintf("%s sets a seccomp profile without a type%s", [c.description, level]) if type == ""

field_message(c, type, level) := sprintf("%s has seccomp profile type %v%s, not RuntimeDefault or Localhost", [c.description, type, level]) if {
	type != "Unconfined"
	type != ""
}
