# METADATA
# id: TF-0018
# name: dynamodb-table-without-point-in-time-recovery
# title: DynamoDB table has no point-in-time recovery
# severity: medium
# since: "0.1.0"
# stride: [tampering, denial-of-service]
# applies_to:
#   platform: terraform
#   kinds: ["aws_dynamodb_table"]
# what: >-
#   Finds `aws_dynamodb_table` resources without a `point_in_time_recovery` block or with
#   `enabled = false` in it (point-in-time recovery is off by default). Terraform state lock
#   tables (hash key `LockID` and that single string attribute) hold nothing worth restoring
#   and are not reported.
# why: >-
#   Point-in-time recovery keeps continuous backups for up to 35 days, so a table overwritten or
#   emptied by a bug, an operator mistake or an attacker can be restored to the second before
#   it happened. Without it, only on-demand backups taken in advance can bring the data back.
# fix: >-
#   Add `point_in_time_recovery { enabled = true }` to the table (optionally with
#   `recovery_period_in_days`), or protect it with an AWS Backup plan.
# references:
#   - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#point_in_time_recovery
# control: "seed 001 Tampering: we have backups for the most important tables in the database"
# controls: ["backups", "backup", "point-in-time recovery"]
package stridegate.rules.tf_0018

import data.stridegate.lib.terraform as tf
import rego.v1

# A Terraform state lock table: only the LockID string key.
lock_table if {
	input.hash_key == "LockID"
	attrs := tf.blocks(input, "attribute")
	count(attrs) == 1
	some [_, a] in attrs
	a.name == "LockID"
	a.type == "S"
}

deny contains {"msg": "table has no point-in-time recovery (no point_in_time_recovery block)", "path": ["point_in_time_recovery"]} if {
	not lock_table
	object.get(input, "point_in_time_recovery", null) == null
}

deny contains {"msg": "table has no point-in-time recovery (point_in_time_recovery is empty)", "path": ["point_in_time_recovery"]} if {
	not lock_table
	input.point_in_time_recovery == []
}

deny contains {"msg": "point-in-time recovery is turned off (enabled = false)", "path": ["point_in_time_recovery", i, "enabled"]} if {
	not lock_table
	some [i, pitr] in tf.blocks(input, "point_in_time_recovery")
	pitr.enabled == false
}
