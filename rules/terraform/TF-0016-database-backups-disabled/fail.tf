resource "aws_db_instance" "billing" {
  identifier                  = "billing"
  engine                      = "mysql"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  username                    = "billing"
  manage_master_user_password = true
  storage_encrypted           = true
  backup_retention_period     = 0 # expect: TF-0016
}

variable "environments" {
  default = {
    staging = 0
    prod    = 7
  }
}

resource "aws_db_instance" "app" {
  for_each                    = var.environments
  identifier                  = "app-${each.key}"
  engine                      = "postgres"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  backup_retention_period     = each.value # expect: TF-0016
}

resource "aws_redshift_cluster" "warehouse" {
  cluster_identifier                  = "warehouse"
  node_type                           = "ra3.xlplus"
  master_username                     = "admin"
  manage_master_password              = true
  automated_snapshot_retention_period = 0 # expect: TF-0016
}
