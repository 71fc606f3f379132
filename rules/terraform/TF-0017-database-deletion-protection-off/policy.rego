# METADATA
# id: TF-0017
# name: database-deletion-protection-off
# title: Database can be deleted without turning off deletion protection first
# severity: low
# since: "0.1.0"
# stride: [denial-of-service, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"]
# what: >-
#   Finds RDS instances and RDS, Aurora, DocumentDB and Neptune clusters whose
#   `deletion_protection` is false or left out (the provider default is false). Read replicas
#   (`replicate_source_db`) and Aurora instances on `aws_db_instance` (protected through their
#   cluster) are skipped.
# why: >-
#   Without deletion protection a single `terraform destroy`, a resource rename that forces
#   replacement, or one API call with stolen credentials deletes the database. Deletion
#   protection makes deletion a deliberate two-step change.
# fix: >-
#   Set `deletion_protection = true` on every database that holds data you need to keep, and
#   keep `skip_final_snapshot = false` so a deletion still leaves a snapshot behind.
# references:
#   - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html#USER_DeletionProtection
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#deletion_protection
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster#deletion_protection
# control: "seed 001 Assets: availability, Integrates should be available all the time"
# controls: ["deletion protection"]
package stridegate.rules.tf_0017

import rego.v1

skipped if {
	v := input.replicate_source_db
	v != null
	v != ""
}

skipped if {
	is_string(input.engine)
	startswith(input.engine, "aurora")
	input.instance_class
}

deny contains {"msg": "deletion protection is off (deletion_protection = false)", "path": ["deletion_protection"]} if {
	input.deletion_protection == false
	not skipped
}

deny contains {"msg": "deletion protection is off (deletion_protection is not set and defaults to false)", "path": ["deletion_protection"]} if {
	object.get(input, "deletion_protection", null) == null
	not skipped
}
