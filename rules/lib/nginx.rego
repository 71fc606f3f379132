# Shared facts about NGINX-based ingress controllers (kubernetes/ingress-nginx and NGINX Inc.'s
# controller), for K8S-0040..K8S-0042.
#
# The controller's settings live in one ConfigMap that the controller is pointed at with a
# command-line flag, so a manifest alone never says which ConfigMap it is. A ConfigMap is taken
# for a controller ConfigMap when
#   - its name is one the controller's official manifests and charts use
#     (`ingress-nginx-controller`, `<release>-ingress-nginx-controller`, the older
#     `nginx-configuration` and `<release>-nginx-ingress-controller`, NGINX Inc.'s
#     `nginx-config`), or
#   - it holds `ssl-protocols` or `ssl-ciphers`: these are NGINX directive names that both
#     controllers read with NGINX's syntax, and no other common ConfigMap uses them.
# Generic keys alone (`hsts`, `ssl-redirect`) do not make a ConfigMap a controller ConfigMap:
# an application's own ConfigMap may use them with another meaning.
package stridegate.lib.nginx

import rego.v1

controller_names := {"ingress-nginx-controller", "nginx-configuration", "nginx-config", "nginx-ingress-controller"}

controller_name_suffixes := ["-ingress-nginx-controller", "-nginx-ingress-controller"]

distinctive_keys := {"ssl-protocols", "ssl-ciphers"}

# The ConfigMap's name, when it is a string.
configmap_name := n if {
	n := input.metadata.name
	is_string(n)
}

default controller_configmap := false

controller_configmap if {
	input.kind == "ConfigMap"
	controller_names[configmap_name]
}

controller_configmap if {
	input.kind == "ConfigMap"
	some suffix in controller_name_suffixes
	endswith(configmap_name, suffix)
}

controller_configmap if {
	input.kind == "ConfigMap"
	is_object(input.data)
	some k in distinctive_keys
	_ = input.data[k]
}

# The controller settings: the ConfigMap's `data` ({} for any other object).
settings := input.data if {
	controller_configmap
	is_object(input.data)
} else := {}

annotation_prefix := "nginx.ingress.kubernetes.io/"

# Annotations of an Ingress ({} when absent or not a mapping).
ingress_annotations := a if {
	input.kind == "Ingress"
	a := input.metadata.annotations
	is_object(a)
} else := {}

# A setting or annotation value as text: ConfigMap data is always text, but YAML lets a
# manifest write `false` or `31536000` unquoted.
as_text(v) := v if is_string(v)

as_text(v) := lower(sprintf("%v", [v])) if is_boolean(v)

as_text(v) := sprintf("%v", [v]) if is_number(v)

# The object's description for messages: `ConfigMap "ingress-nginx-controller"`.
describe := sprintf("%s %q", [input.kind, name]) if {
	name := input.metadata.name
	is_string(name)
} else := input.kind
