variable "db_password" {
  type      = string
  sensitive = true
  # A literal default is TF-0053's finding, not this rule's.
  default = "Zq81vLm3Rt7Kp2Xw"
}

resource "random_password" "db" {
  length = 32
}

data "aws_secretsmanager_secret_version" "reports" {
  secret_id = "prod/reports"
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.t3.micro"
  username       = "orders"
  password       = var.db_password
}

resource "aws_db_instance" "managed" {
  identifier                  = "managed"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  username                    = "managed"
  manage_master_user_password = true
}

resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "aurora-postgresql"
  master_username    = "reports"
  master_password    = jsondecode(data.aws_secretsmanager_secret_version.reports.secret_string)["password"]
}

resource "aws_docdb_cluster" "docs" {
  cluster_identifier = "docs"
  master_username    = "docs"
  master_password    = random_password.db.result
}

locals {
  prefix = "orders"
}

resource "aws_redshift_cluster" "dw" {
  cluster_identifier = "dw"
  node_type          = "dc2.large"
  master_username    = "dw"
  master_password    = "${local.prefix}-${random_password.db.result}"
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                            = "vm"
  resource_group_name             = "rg"
  location                        = "westeurope"
  size                            = "Standard_B1s"
  admin_username                  = "azureuser"
  admin_password                  = ""
  disable_password_authentication = true
}

resource "kubernetes_secret_v1" "db" {
  metadata {
    name = "db"
  }
  data = {
    username      = "app"
    host          = "db.internal"
    password      = random_password.db.result
    password_file = "/run/secrets/db"
  }
}

module "database" {
  source                      = "./modules/database"
  name                        = "orders"
  master_password             = random_password.db.result
  password_length             = "32"
  secret_name                 = "prod/orders/db"
  manage_master_user_password = "true"
}
