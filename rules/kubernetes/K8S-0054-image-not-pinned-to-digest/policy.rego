# METADATA
# id: K8S-0054
# name: image-not-pinned-to-digest
# title: Container image is not pinned to a digest
# severity: low
# since: "0.1.0"
# stride: [tampering]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds containers, init containers and ephemeral containers whose `image` carries no
#   `@sha256:` digest. An image with the `latest` tag or no tag at all (which means `latest`)
#   is reported with severity medium; any other tag with severity low. Images from Terraform's
#   Kubernetes provider are checked too; images that cannot be known are not.
# why: >-
#   A tag is a mutable pointer: whoever can push to the repository (or a compromised registry)
#   can change what it names, and nodes pull the new content on the next restart without any
#   change to the manifest. `latest` moves on every push, so what runs differs from node to
#   node and from what was reviewed. A digest names exactly one image.
# fix: >-
#   Reference images by digest (`registry.example.com/app:1.4.2@sha256:...`), for example by
#   letting CI or a policy controller resolve tags to digests at deploy time; at the very least
#   use an immutable, versioned tag and never `latest`.
# references:
#   - https://kubernetes.io/docs/concepts/containers/images/#image-names
#   - https://kubernetes.io/docs/concepts/configuration/overview/#container-images
# mirrors: ["checkov:CKV_K8S_43", "checkov:CKV_K8S_14", "kube-linter:latest-tag"]
# controls: ["image digest", "pinned images", "latest tag"]
package stridegate.rules.k8s_0054

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# The tag of an image reference: after the last ':' that follows the last '/' (a ':' before
# it separates a registry port).
tag(image) := t if {
	name := regex.replace(image, `^.*/`, "")
	contains(name, ":")
	t := regex.replace(name, `^[^:]*:`, "")
} else := ""

deny contains {"msg": msg, "path": path, "severity": severity} if {
	some c in k8s.containers
	image := c.obj.image
	is_string(image)
	trim_space(image) != ""
	not contains(image, "@")
	t := tag(image)
	[severity, msg] := verdict(c, image, t)
	path := array.concat(c.path, ["image"])
}

verdict(c, image, t) := ["medium", sprintf("%s uses image %q with the mutable tag latest and no digest", [c.description, image])] if {
	t == "latest"
} else := ["medium", sprintf("%s uses image %q without a tag or digest, which means latest", [c.description, image])] if {
	t == ""
} else := ["low", sprintf("%s uses image %q, which is not pinned to a digest", [c.description, image])]
