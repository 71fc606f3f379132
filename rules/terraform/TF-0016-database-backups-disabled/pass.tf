resource "aws_db_instance" "billing" {
  identifier                  = "billing"
  engine                      = "mysql"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  username                    = "billing"
  manage_master_user_password = true
  backup_retention_period     = 14
}

# Left out: AWS keeps automated backups by default.
resource "aws_db_instance" "reports" {
  identifier                  = "reports"
  engine                      = "postgres"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  username                    = "reports"
  manage_master_user_password = true
}

# Read replicas need no backups of their own.
resource "aws_db_instance" "billing_replica" {
  identifier              = "billing-replica"
  replicate_source_db     = aws_db_instance.billing.identifier
  instance_class          = "db.t4g.small"
  backup_retention_period = 0
}

variable "retention" {}

# Unknown value: not reported.
resource "aws_db_instance" "audit" {
  identifier                  = "audit"
  engine                      = "postgres"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  username                    = "audit"
  manage_master_user_password = true
  backup_retention_period     = var.retention
}

resource "aws_redshift_cluster" "warehouse" {
  count                               = 2
  cluster_identifier                  = "warehouse-${count.index}"
  node_type                           = "ra3.xlplus"
  master_username                     = "admin"
  manage_master_password              = true
  automated_snapshot_retention_period = 7
}
