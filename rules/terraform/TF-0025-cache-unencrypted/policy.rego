# METADATA
# id: TF-0025
# name: cache-unencrypted
# title: ElastiCache replication group does not encrypt data at rest or in transit
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_elasticache_replication_group"]
# what: >-
#   Finds Redis OSS and Valkey replication groups with `at_rest_encryption_enabled = false` or
#   `transit_encryption_enabled = false`, with `transit_encryption_mode = "preferred"` (which
#   still accepts unencrypted clients), and Redis OSS groups (`engine` "redis", the default) that
#   leave either setting out, since AWS then creates them unencrypted. For Valkey only explicit
#   values are reported (AWS enables encryption at rest for Valkey by default).
#   Groups that join a global datastore (`global_replication_group_id`) inherit its settings and
#   are skipped.
# why: >-
#   Caches hold sessions, tokens and copies of database rows. Without encryption in transit any
#   host on the network path can read or alter that traffic (and AUTH tokens cannot be used at
#   all); without encryption at rest, backups exported to S3 and data swapped to disk are
#   readable in the clear. Neither setting can be enabled at rest later without recreating the
#   group.
# fix: >-
#   Set `at_rest_encryption_enabled = true` and `transit_encryption_enabled = true` (with
#   `transit_encryption_mode = "required"`), and configure clients to use TLS.
# references:
#   - https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html
#   - https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
#   - https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_replication_group
# control: "seed 001 Information disclosure: information is encrypted at rest"
# controls: ["encrypted at rest", "encryption at rest", "encrypted in transit"]
package stridegate.rules.tf_0025

import rego.v1

settings := {
	"at_rest_encryption_enabled": "encryption at rest",
	"transit_encryption_enabled": "encryption in transit",
}

# Redis OSS is the provider's default engine; for it AWS defaults both settings to false.
redis_oss if object.get(input, "engine", null) == null

redis_oss if {
	is_string(input.engine)
	lower(input.engine) == "redis"
}

global_member if {
	v := input.global_replication_group_id
	v != null
	v != ""
}

deny contains {"msg": msg, "path": [name]} if {
	not global_member
	some name, label in settings
	input[name] == false
	msg := sprintf("cache has no %s (%s = false)", [label, name])
}

deny contains {"msg": msg, "path": [name]} if {
	not global_member
	redis_oss
	some name, label in settings
	object.get(input, name, null) == null
	msg := sprintf("Redis OSS cache has no %s (%s is not set and defaults to false)", [label, name])
}

deny contains {"msg": "cache still accepts unencrypted connections (transit_encryption_mode = \"preferred\")", "path": ["transit_encryption_mode"]} if {
	not global_member
	input.transit_encryption_enabled == true
	input.transit_encryption_mode == "preferred"
}
