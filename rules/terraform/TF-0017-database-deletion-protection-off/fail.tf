resource "aws_db_instance" "orders" { # expect: TF-0017
  identifier                  = "orders"
  engine                      = "postgres"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 50
  username                    = "orders"
  manage_master_user_password = true
  storage_encrypted           = true
}

resource "aws_rds_cluster" "catalog" {
  cluster_identifier          = "catalog"
  engine                      = "aurora-postgresql"
  master_username             = "catalog"
  manage_master_user_password = true
  storage_encrypted           = true
  deletion_protection         = false # expect: TF-0017
}

variable "protect" {
  default = false
}

resource "aws_docdb_cluster" "events" {
  count               = 2
  cluster_identifier  = "events-${count.index}"
  master_username     = "events"
  master_password     = "change-me-in-secrets-manager"
  deletion_protection = var.protect # expect: TF-0017, TF-0017
}

resource "aws_neptune_cluster" "graph" { # expect: TF-0017
  cluster_identifier = "graph"
  storage_encrypted  = true
}
