# METADATA
# id: TF-0015
# name: database-storage-unencrypted
# title: Database storage is not encrypted at rest
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"]
# what: >-
#   Finds RDS instances, Aurora and Multi-AZ DB clusters, DocumentDB and Neptune clusters whose
#   `storage_encrypted` is false or left out (the provider default is false). Databases whose
#   encryption is decided elsewhere are skipped: read replicas (`replicate_source_db`,
#   `replication_source_identifier`), restores from a snapshot or point in time (which inherit
#   the source's encryption), members of a global cluster, Aurora Serverless v1 clusters
#   (`engine_mode = "serverless"`, always encrypted), Aurora engines on `aws_db_instance` (the
#   cluster decides), RDS Custom engines, and configurations that name a `kms_key_id`.
# why: >-
#   Unencrypted database storage exposes every row, and every snapshot and automated backup
#   made from it, to anyone who obtains the underlying volumes or a shared snapshot.
#   Encryption cannot be switched on later in place: it takes a snapshot copy and a restore,
#   with downtime.
# fix: >-
#   Set `storage_encrypted = true` (optionally with `kms_key_id` naming a customer managed key)
#   when creating the database. For an existing database, copy a snapshot with encryption
#   enabled and restore from it.
# references:
#   - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#storage_encrypted
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster#storage_encrypted
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/docdb_cluster#storage_encrypted
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/neptune_cluster#storage_encrypted
# control: "seed 001 Information disclosure: information is encrypted at rest"
# controls: ["encrypted at rest", "encryption at rest"]
package stridegate.rules.tf_0015

import data.stridegate.lib.terraform as tf
import rego.v1

# Attributes whose presence means the encryption comes from somewhere else.
inherited := {
	"replicate_source_db",
	"replication_source_identifier",
	"snapshot_identifier",
	"global_cluster_identifier",
	"kms_key_id",
	"restore_to_point_in_time",
	"restore_to_time",
}

set(name) if {
	v := input[name]
	v != null
	v != ""
	v != []
}

decided_elsewhere if {
	some name in inherited
	set(name)
}

decided_elsewhere if input.engine_mode == "serverless"

# Aurora instances (aws_db_instance, which has `instance_class`) take their encryption from the
# cluster; RDS Custom always encrypts.
decided_elsewhere if {
	is_string(input.engine)
	startswith(input.engine, "aurora")
	input.instance_class
}

decided_elsewhere if {
	is_string(input.engine)
	startswith(input.engine, "custom-")
}

deny contains {"msg": "database storage is not encrypted (storage_encrypted = false)", "path": ["storage_encrypted"]} if {
	input.storage_encrypted == false
	not decided_elsewhere
}

deny contains {"msg": "database storage is not encrypted (storage_encrypted is not set and defaults to false)", "path": ["storage_encrypted"]} if {
	object.get(input, "storage_encrypted", null) == null
	not decided_elsewhere
}

# Not violations: whether the storage is encrypted cannot be proven here. Reported apart from
# findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["storage_encrypted"]} if {
	v := input.storage_encrypted
	tf.is_unknown(v)
	not decided_elsewhere
	msg := sprintf("cannot tell whether the database storage is encrypted: storage_encrypted is %s", [v["$unknown"]])
}
