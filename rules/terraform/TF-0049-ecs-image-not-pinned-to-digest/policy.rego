# METADATA
# id: TF-0049
# name: ecs-image-not-pinned-to-digest
# title: ECS task definition runs a container image not pinned to a digest
# severity: low
# since: "0.1.0"
# stride: [tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_ecs_task_definition"]
# what: >-
#   Finds `aws_ecs_task_definition` resources whose `container_definitions` (a JSON string,
#   `jsonencode(...)` or a heredoc) name an `image` without an `@sha256:` digest. An image with
#   the `latest` tag or no tag at all is reported with severity medium. Container definitions
#   that cannot be known in full, or are not valid JSON, are not judged. The finding points at the
#   `image` of the container when the definitions are written as `jsonencode([...])` with
#   object literals, and at `container_definitions` otherwise (a JSON string or heredoc, a
#   `for` expression, a local).
# why: >-
#   A tag is a mutable pointer: whoever can push to the repository can change what it names, and
#   every new task pulls the new content without any change to the task definition. `latest`
#   moves on every push, so tasks of one service may run different code. A digest names exactly
#   one image.
# fix: >-
#   Reference images by digest (`<account>.dkr.ecr.<region>.amazonaws.com/app:1.4.2@sha256:...`),
#   for example from the digest output of the build, and enable tag immutability on the ECR
#   repository.
# references:
#   - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_image
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
# controls: ["image digest", "pinned images", "latest tag"]
package stridegate.rules.tf_0049

import rego.v1

definitions := json.unmarshal(input.container_definitions) if {
	is_string(input.container_definitions)
	json.is_valid(input.container_definitions)
}

# The tag of an image reference: after the last ':' that follows the last '/'.
tag(image) := t if {
	name := regex.replace(image, `^.*/`, "")
	contains(name, ":")
	t := regex.replace(name, `^[^:]*:`, "")
} else := ""

deny contains {"msg": msg, "path": ["container_definitions", i, "image"], "severity": severity} if {
	is_array(definitions)
	some i, c in definitions
	is_object(c)
	image := c.image
	is_string(image)
	trim_space(image) != ""
	not contains(image, "@")
	[severity, what] := verdict(tag(image))
	msg := sprintf("container %v uses image %q %s", [object.get(c, "name", "(unnamed)"), image, what])
}

verdict(t) := ["medium", "with the mutable tag latest and no digest"] if {
	t == "latest"
} else := ["medium", "without a tag or digest, which means latest"] if {
	t == ""
} else := ["low", "not pinned to a digest"]
