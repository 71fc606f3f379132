resource "aws_db_instance" "orders" {
  identifier        = "orders"
  engine            = "postgres"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  username          = "orders"
  password          = var.db_password
  storage_encrypted = true
}

# A read replica inherits the source's encryption.
resource "aws_db_instance" "orders_replica" {
  identifier          = "orders-replica"
  replicate_source_db = aws_db_instance.orders.identifier
  instance_class      = "db.t4g.medium"
}

# Restored from a snapshot: encryption comes from the snapshot.
resource "aws_rds_cluster" "restored" {
  cluster_identifier  = "restored"
  engine              = "aurora-mysql"
  snapshot_identifier = "catalog-2024-06-01"
}

# Aurora Serverless v1 is always encrypted.
resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "aurora-postgresql"
  engine_mode        = "serverless"
  master_username    = "reports"
  master_password    = var.db_password
}

variable "encrypt" {}

# Unknown value: not reported, but the control is unverifiable.
resource "aws_docdb_cluster" "events" {
  cluster_identifier = "events"
  master_username    = "events"
  master_password    = var.db_password
  storage_encrypted  = var.encrypt # unverifiable: TF-0015
}

variable "graphs" {
  default = ["social", "fraud"]
}

resource "aws_neptune_cluster" "graph" {
  for_each           = toset(var.graphs)
  cluster_identifier = "graph-${each.key}"
  storage_encrypted  = true
}

variable "db_password" {
  sensitive = true
}
