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

# Path of the pod spec in the current object: by kind for the built-in kinds; for other kinds
# (OpenShift DeploymentConfig, Knative Service/Configuration/Revision, Argo Rollout, KEDA
# ScaledJob, any custom resource with a pod template) by shape, as the scanner dispatches them
# (`src/kubernetes.rs`, `pod_spec_path_of`).
pod_spec_path := p if {
	p := pod_spec_paths[input.kind]
} else := ["spec"] if {
	input.kind == "Revision"
	startswith(object.get(input, "apiVersion", ""), "serving.knative.dev/")
} else := ["spec", "template", "spec"] if {
	is_array(object.get(input, ["spec", "template", "spec", "containers"], null))
} else := ["spec", "jobTemplate", "spec", "template", "spec"] if {
	is_array(object.get(input, ["spec", "jobTemplate", "spec", "template", "spec", "containers"], null))
}

# True for a value written where a mapping belongs but of another type (a string, number, list
# or boolean) in a half-written manifest. The API server would reject it and nothing can be
# known from it, so the helpers below replace it with an unknown marker: rules already stay
# silent on unknown values, and never fail on a type they did not expect.
wrong_type(x) if {
	x != null
	not is_object(x)
}

# x when it is a mapping; {} when it is null; an unknown marker when it has another type.
as_mapping(x, _) := x if is_object(x)

as_mapping(x, _) := {} if x == null

as_mapping(x, what) := {"$unknown": sprintf("%s is not a mapping", [what])} if wrong_type(x)

# The pod spec: {} when absent or null, an unknown marker when it (or a level above it, such as
# the template) is not a mapping. Undefined for kinds that carry no pod. (The first body is the
# common case, and the cheapest.)
pod_spec := s if {
	s := object.get(input, pod_spec_path, null)
	is_object(s)
} else := {"$unknown": "the pod spec is not a mapping"} if {
	some n in numbers.range(1, count(pod_spec_path))
	wrong_type(object.get(input, array.slice(pod_spec_path, 0, n), null))
} else := {} if {
	_ = pod_spec_path
}

# Path of the pod template's metadata (the object's own metadata for a Pod).
pod_metadata_path := array.concat(array.slice(pod_spec_path, 0, count(pod_spec_path) - 1), ["metadata"])

# Pod annotations ({} when absent, an unknown marker when they, or a level above them, are not a
# mapping).
pod_annotations := a if {
	a := object.get(input, pod_annotations_path, null)
	is_object(a)
} else := {} if {
	# The common case, cheaper than the test below: no annotations in a metadata mapping (every
	# level above it is then a mapping too).
	is_object(object.get(input, pod_metadata_path, null))
	object.get(input, pod_annotations_path, null) == null
} else := {"$unknown": "the pod annotations are not a mapping"} if {
	some n in numbers.range(1, count(pod_annotations_path))
	wrong_type(object.get(input, array.slice(pod_annotations_path, 0, n), null))
} else := {} if {
	_ = pod_annotations_path
}

pod_annotations_path := array.concat(pod_metadata_path, ["annotations"])

# The pod-level securityContext ({} when absent, an unknown marker when not a mapping).
pod_security_context := sc if {
	sc := object.get(pod_spec, "securityContext", null)
	is_object(sc)
} else := as_mapping(object.get(pod_spec, "securityContext", null), "securityContext")

pod_security_context_path := array.concat(pod_spec_path, ["securityContext"])

container_types := ["initContainers", "containers", "ephemeralContainers"]

type_labels := {"initContainers": "init container", "containers": "container", "ephemeralContainers": "ephemeral container"}

# Fields of a container securityContext that also exist at pod level (inherited when unset).
pod_level_fields := {"runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions", "appArmorProfile", "windowsOptions"}

# Pod-level securityContext fields that containers inherit (fields written as `null` count as
# unset, as in the Kubernetes API).
pod_inheritable := {k: v |
	is_object(pod_security_context)
	not pod_security_context == {"$unknown": pod_security_context["$unknown"]} # not is_unknown(), inline
	some k, v in pod_security_context
	pod_level_fields[k]
	v != null
}

# Every container of the pod, computed once per object (this runs for every pod-bearing object
# and every rule: mapping tests of the form `x == {"$unknown": x["$unknown"]}` are is_unknown(x)
# for a mapping x, inline, as function calls cost several times more):
#   type, index, name, obj (the container as written, with mappings of the wrong type replaced
#   by unknown markers: see container_view; never itself an unknown marker, so that
#   `c.obj.securityContext` is a mapping, null, absent or an unknown marker), path (to the container),
#   description ("init container \"setup\""),
#   sc (effective securityContext: container fields, else inherited pod-level fields),
#   sc_paths (field -> path where its effective value is written).
containers contains c if {
	some type in container_types
	list := object.get(pod_spec, type, [])
	is_array(list)
	some i, written in list
	is_object(written)
	not written == {"$unknown": written["$unknown"]} # not is_unknown(written), inline
	container := container_view(written)
	path := array.concat(pod_spec_path, [type, i])
	name := object.get(container, "name", "")
	own_sc := object.get(container, "securityContext", {})
	own := {k: v | is_object(own_sc); not own_sc == {"$unknown": own_sc["$unknown"]}; some k, v in own_sc; v != null}
	inherited := {k: v | some k, v in pod_inheritable; object.get(own, k, null) == null} # own holds no null
	own_paths := {k: array.concat(path, ["securityContext", k]) | some k, _ in own}
	inherited_paths := {k: array.concat(pod_security_context_path, [k]) | some k, _ in inherited}
	c := {
		"type": type,
		"index": i,
		"name": name,
		"obj": container,
		"path": path,
		"description": sprintf("%s %q", [type_labels[type], as_text(name)]),
		"sc": object.union(inherited, own),
		"sc_paths": object.union(inherited_paths, own_paths),
		"sc_unknown": sc_unknown(own_sc),
	}
}

# Mapping-valued fields of a container, and the mapping-valued fields inside them.
container_mappings := {
	"securityContext": ["capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions"],
	"resources": ["limits", "requests"],
}

# The container with every mapping-valued field (container_mappings) that holds another type
# replaced by an unknown marker, so that `c.obj.securityContext.x` never reads into a string.
container_view(container) := container if {
	# The common case, with builtins only: every mapping is a mapping or null.
	every field, nested in container_mappings {
		type_name(object.get(container, field, null)) in mapping_types
		every k in nested {
			type_name(object.get(container, [field, k], null)) in mapping_types
		}
	}
} else := object.union(container, {k: fixed |
	some k, nested in container_mappings
	v := container[k]
	fixed := mapping_view(v, nested, k)
	fixed != v
})

mapping_types := {"object", "null"}

mapping_view(v, _, what) := {"$unknown": sprintf("%s is not a mapping", [what])} if wrong_type(v)

mapping_view(v, _, _) := v if v == null

mapping_view(v, _, _) := v if is_unknown(v)

mapping_view(v, nested, what) := object.union(v, {k: {"$unknown": sprintf("%s.%s is not a mapping", [what, k])} |
	some k in nested
	wrong_type(v[k])
}) if {
	is_object(v)
	not is_unknown(v)
}

# A value as text for messages (`%q` accepts only strings): names may be written as numbers.
as_text(x) := x if is_string(x)

as_text(x) := sprintf("%v", [x]) if not is_string(x)

# True when the container's or the pod's securityContext as a whole cannot be known, so a field
# missing from `sc` may still be set.
sc_unknown(own_sc) if own_sc == {"$unknown": own_sc["$unknown"]} # is_unknown(own_sc), inline

sc_unknown(_) if pod_security_context_unknown

default sc_unknown(_) := false

# True when the pod-level securityContext cannot be known (tested once per object).
pod_security_context_unknown if is_unknown(pod_security_context)

has_key(obj, k) if {
	_ = obj[k]
}

# The effective value of securityContext[field] for container c; undefined when set nowhere,
# and an unknown marker when it may be set in a securityContext that cannot be known.
effective(c, field) := c.sc[field]

effective(c, field) := {"$unknown": "securityContext"} if {
	not has_key(c.sc, field)
	c.sc_unknown == true
}

# Path to report for securityContext[field] of container c: where the effective value is set,
# or the container's securityContext (the place to add it) when it is set nowhere.
effective_path(c, field) := object.get(c.sc_paths, field, array.concat(c.path, ["securityContext", field]))

# True when x is the in-band marker for a value stridegate cannot know (see src/model.rs).
is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}

# A human-readable description of container c ("container \"app\"", "init container \"setup\"").
describe(c) := c.description
