resource "aws_db_instance" "orders" {
  identifier                  = "orders"
  engine                      = "postgres"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 50
  username                    = "orders"
  manage_master_user_password = true
  storage_encrypted           = true
  deletion_protection         = true
}

# A read replica can be recreated from its source.
resource "aws_db_instance" "orders_replica" {
  identifier          = "orders-replica"
  replicate_source_db = aws_db_instance.orders.identifier
  instance_class      = "db.t4g.medium"
}

variable "protect" {}

# Unknown value: not reported.
resource "aws_rds_cluster" "catalog" {
  cluster_identifier          = "catalog"
  engine                      = "aurora-postgresql"
  master_username             = "catalog"
  manage_master_user_password = true
  deletion_protection         = var.protect
}

variable "graphs" {
  default = ["social", "fraud"]
}

resource "aws_neptune_cluster" "graph" {
  for_each            = toset(var.graphs)
  cluster_identifier  = "graph-${each.key}"
  deletion_protection = true
}
