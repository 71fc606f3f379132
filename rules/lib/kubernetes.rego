# Shared helpers for Kubernetes workload rules.
#
# Rules evaluate one Kubernetes object at a time (`input` is the object). These helpers find
# the pod spec of every pod-bearing kind, enumerate containers of all three kinds with their
# paths, and apply Kubernetes' securityContext inheritance: a field set on the container wins;
# otherwise the pod-level value applies (for the fields that exist at pod level).
package stridegate.lib.kubernetes

import rego.v1

pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
}

# Path of the pod spec in the current object.
pod_spec_path := pod_spec_paths[input.kind]

# The pod spec ({} when absent).
pod_spec := object.get(input, pod_spec_path, {})

# Path of the pod template's metadata (the object's own metadata for a Pod).
pod_metadata_path := array.concat(array.slice(pod_spec_path, 0, count(pod_spec_path) - 1), ["metadata"])

# Pod annotations ({} when absent).
pod_annotations := object.get(input, array.concat(pod_metadata_path, ["annotations"]), {})

# The pod-level securityContext ({} when absent).
pod_security_context := object.get(pod_spec, "securityContext", {})

pod_security_context_path := array.concat(pod_spec_path, ["securityContext"])

container_types := ["initContainers", "containers", "ephemeralContainers"]

# Every container of the pod: {"type", "index", "name", "obj", "path"}.
containers contains c if {
	some type in container_types
	list := object.get(pod_spec, type, [])
	is_array(list)
	some i, container in list
	is_object(container)
	c := {
		"type": type,
		"index": i,
		"name": object.get(container, "name", sprintf("%s[%d]", [type, i])),
		"obj": container,
		"path": array.concat(pod_spec_path, [type, i]),
	}
}

# Fields of a container securityContext that also exist at pod level (inherited when unset).
pod_level_fields := {"runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions", "appArmorProfile", "windowsOptions"}

container_has(c, field) if {
	sc := object.get(c.obj, "securityContext", {})
	is_object(sc)
	_ = sc[field]
}

# The effective value of securityContext[field] for container c; undefined when set nowhere.
effective(c, field) := c.obj.securityContext[field] if container_has(c, field)

effective(c, field) := pod_security_context[field] if {
	not container_has(c, field)
	pod_level_fields[field]
	_ = pod_security_context[field]
}

# Path to report for securityContext[field] of container c: where the effective value is set,
# or the container's securityContext (the place to add it) when it is set nowhere.
effective_path(c, field) := array.concat(c.path, ["securityContext", field]) if container_has(c, field)

effective_path(c, field) := array.concat(pod_security_context_path, [field]) if {
	not container_has(c, field)
	pod_level_fields[field]
	_ = pod_security_context[field]
}

effective_path(c, field) := array.concat(c.path, ["securityContext", field]) if {
	not container_has(c, field)
	not pod_has_field(field)
}

pod_has_field(field) if {
	pod_level_fields[field]
	_ = pod_security_context[field]
}

# True when x is the in-band marker for a value stridegate cannot know (see src/model.rs).
is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}

# A human-readable description of container c ("container \"app\"", "init container \"setup\"").
describe(c) := sprintf("container %q", [c.name]) if c.type == "containers"

describe(c) := sprintf("init container %q", [c.name]) if c.type == "initContainers"

describe(c) := sprintf("ephemeral container %q", [c.name]) if c.type == "ephemeralContainers"
