resource "aws_db_instance" "orders" { # expect: TF-0015
  identifier        = "orders"
  engine            = "postgres"
  engine_version    = "16.3"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  username          = "orders"
  password          = var.db_password
}

resource "aws_rds_cluster" "catalog" {
  cluster_identifier = "catalog"
  engine             = "aurora-postgresql"
  master_username    = "catalog"
  master_password    = var.db_password
  storage_encrypted  = false # expect: TF-0015
}

resource "aws_docdb_cluster" "events" { # expect: TF-0015
  cluster_identifier = "events"
  master_username    = "events"
  master_password    = var.db_password
}

variable "graph_encryption" {
  default = {
    social = true
    fraud  = false
  }
}

resource "aws_neptune_cluster" "graph" {
  for_each           = var.graph_encryption
  cluster_identifier = "graph-${each.key}"
  engine             = "neptune"
  storage_encrypted  = each.value # expect: TF-0015
}

variable "db_password" {
  sensitive = true
}
