# METADATA
# id: TF-0016
# name: database-backups-disabled
# title: Database automated backups are turned off
# severity: medium
# since: "0.1.0"
# stride: [tampering, denial-of-service]
# applies_to:
#   platform: terraform
#   kinds: ["aws_db_instance", "aws_redshift_cluster"]
# what: >-
#   Finds RDS instances with `backup_retention_period = 0` and Redshift clusters with
#   `automated_snapshot_retention_period = 0`, which turn automated backups off. Only an explicit
#   0 is reported: when the argument is left out, AWS keeps backups for at least a day. Read
#   replicas (`replicate_source_db`) and Aurora instances (whose backups belong to the cluster)
#   are skipped. Aurora, DocumentDB and Neptune clusters cannot turn backups off and are not
#   checked.
# why: >-
#   Without automated backups there is no point-in-time recovery: data deleted or corrupted by
#   a bug, an operator mistake or an attacker (ransomware, a destructive SQL injection) cannot
#   be restored, and deleting the database loses everything since the last manual snapshot.
# fix: >-
#   Set `backup_retention_period` (RDS) or `automated_snapshot_retention_period` (Redshift) to
#   the number of days you need to be able to go back, for example 7 to 35, and consider AWS
#   Backup for longer retention and cross-account copies.
# references:
#   - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#backup_retention_period
#   - https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-snapshots.html
# control: "seed 001 Tampering: we have backups for the most important tables in the database"
# controls: ["backups", "backup"]
package stridegate.rules.tf_0016

import rego.v1

settings := {"backup_retention_period", "automated_snapshot_retention_period"}

replica_or_member if {
	v := input.replicate_source_db
	v != null
	v != ""
}

replica_or_member if {
	is_string(input.engine)
	startswith(input.engine, "aurora")
}

deny contains {"msg": msg, "path": [name]} if {
	some name in settings
	input[name] == 0
	not replica_or_member
	msg := sprintf("automated backups are turned off (%s = 0)", [name])
}
