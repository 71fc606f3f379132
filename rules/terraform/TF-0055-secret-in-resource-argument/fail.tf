resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.t3.micro"
  username       = "orders"
  password       = "Zq81vLm3Rt7Kp2Xw" # expect: TF-0055
}

resource "aws_rds_cluster" "reports" {
  cluster_identifier = "reports"
  engine             = "aurora-postgresql"
  master_username    = "reports"
  master_password    = sensitive("changeme") # expect: TF-0055
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
  description          = "cache"
  auth_token           = "k9Fq2LmZ7xR4tW8vN3pBq2Lm" # expect: TF-0055
}

resource "aws_mq_broker" "events" {
  broker_name        = "events"
  engine_type        = "ActiveMQ"
  engine_version     = "5.17.6"
  host_instance_type = "mq.t3.micro"

  user {
    username = "app"
    password = "Hx4Jt8Mq2Ws6Zp9Rb1" # expect: TF-0055
  }

  user {
    username = "admin"
    password = random_password.mq_admin.result
  }
}

resource "aws_opensearch_domain" "search" {
  domain_name = "search"

  advanced_security_options {
    enabled                        = true
    internal_user_database_enabled = true
    master_user_options {
      master_user_name     = "admin"
      master_user_password = "Adm1n-Passw0rd!" # expect: TF-0055
    }
  }
}

resource "azurerm_mssql_server" "sql" {
  name                         = "sql"
  resource_group_name          = "rg"
  location                     = "westeurope"
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = "Vb7Qe2Lr9Ts4Wn6Yk3" # expect: TF-0055
}

resource "google_sql_user" "app" {
  name     = "app"
  instance = google_sql_database_instance.main.name
  password = "Tq3Wm8Zr5Lp1Xv7Nc4" # expect: TF-0055
}

resource "kubernetes_secret_v1" "db" {
  metadata {
    name = "db"
  }
  data = {
    username = "app"
    password = "Rk8sT2uV4wX6yZ8a" # expect: TF-0055
  }
}

module "database" {
  source          = "./modules/database"
  name            = "orders"
  master_password = "Wp5Ls9Kd2Hx7Qm4Vb8" # expect: TF-0055
}
