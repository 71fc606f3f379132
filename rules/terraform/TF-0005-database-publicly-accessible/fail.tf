resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t4g.micro"
  allocated_storage   = 20
  publicly_accessible = true # expect: TF-0005=high
}

resource "aws_rds_cluster_instance" "reporting" {
  count               = 1
  cluster_identifier  = aws_rds_cluster.reporting.id
  instance_class      = "db.r6g.large"
  engine              = "aurora-postgresql"
  publicly_accessible = true # expect: TF-0005
}

resource "google_sql_database_instance" "main" {
  name             = "main"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      authorized_networks {
        name  = "office"
        value = "203.0.113.0/24"
      }
      authorized_networks {
        name  = "everyone"
        value = "0.0.0.0/0" # expect: TF-0005=critical
      }
    }
  }
}

resource "azurerm_postgresql_flexible_server_firewall_rule" "all" {
  name             = "allow-all"
  server_id        = azurerm_postgresql_flexible_server.main.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255" # expect: TF-0005=critical
}
