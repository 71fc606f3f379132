# METADATA
# id: TF-0024
# name: state-backend-without-locking
# title: Terraform state backend does not lock the state
# severity: medium
# since: "0.1.0"
# stride: [tampering, denial-of-service]
# applies_to:
#   platform: terraform
#   kinds: ["backend.s3", "backend.http", "backend.consul"]
# what: >-
#   Finds backends that let two runs write the same state at once: an `s3` backend with neither
#   `dynamodb_table` nor `use_lockfile = true` (S3 native locking, Terraform 1.10 and later), an
#   `http` backend without `lock_address`, and a `consul` backend with `lock = false`. Partial
#   configurations are skipped: an s3 backend without `bucket`, or an http backend without
#   `address`, gets its settings from `-backend-config`, which the rule cannot see.
# why: >-
#   Without a lock, two concurrent plans or applies (two engineers, or CI and a person) read the
#   same state and write back diverging versions: resources are created twice, changes are lost
#   and the state stops matching reality, which can end in resources being destroyed or
#   orphaned.
# fix: >-
#   For S3 set `use_lockfile = true` (Terraform 1.10+) or name a DynamoDB lock table with
#   `dynamodb_table`; for the http backend configure `lock_address` and `unlock_address`; for
#   Consul remove `lock = false`.
# references:
#   - https://developer.hashicorp.com/terraform/language/state/locking
#   - https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
#   - https://developer.hashicorp.com/terraform/language/backend/http
#   - https://developer.hashicorp.com/terraform/language/backend/consul
# control: "seed 004 Internal threats: developers interact with the Terraform state directly (terraform taint, terraform state mv) besides a centralized deployment service"
# controls: ["state locking", "state lock"]
package stridegate.rules.tf_0024

import rego.v1

has(name) if {
	v := input[name]
	v != null
	v != ""
	v != false
}

# s3: `bucket` and `key` are required, so a block that sets `bucket` is a full configuration.
s3_backend if {
	has("bucket")
	has("key")
}

deny contains {"msg": "S3 state backend has no lock (neither dynamodb_table nor use_lockfile = true)", "path": ["use_lockfile"]} if {
	s3_backend
	not has("dynamodb_table")
	not has("use_lockfile")
}

# http: `address` is its only required argument; a lock needs lock_address.
http_backend if {
	has("address")
	not has("bucket")
	not has("path")
}

deny contains {"msg": "HTTP state backend has no lock (no lock_address)", "path": ["lock_address"]} if {
	http_backend
	not has("lock_address")
}

deny contains {"msg": "Consul state backend turns locking off (lock = false)", "path": ["lock"]} if {
	input.lock == false
}
