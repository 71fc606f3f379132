variable "public_db" {}

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t4g.micro"
  allocated_storage   = 20
  publicly_accessible = false
}

# Unknown value: not reported, but the control is unverifiable.
resource "aws_redshift_cluster" "warehouse" {
  cluster_identifier  = "warehouse"
  node_type           = "ra3.xlplus"
  publicly_accessible = var.public_db # unverifiable: TF-0005
}

locals {
  office_networks = {
    hq     = "203.0.113.0/24"
    branch = "198.51.100.0/24"
  }
}

resource "google_sql_database_instance" "main" {
  name             = "main"
  database_version = "POSTGRES_16"

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      dynamic "authorized_networks" {
        for_each = local.office_networks
        content {
          name  = authorized_networks.key
          value = authorized_networks.value
        }
      }
    }
  }
}

# Private IP only: authorized networks have no effect.
resource "google_sql_database_instance" "private" {
  name             = "private"
  database_version = "MYSQL_8_0"

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id

      authorized_networks {
        value = "0.0.0.0/0"
      }
    }
  }
}

variable "partner_network" {}

# An authorized network that cannot be known: not reported, but the control is unverifiable.
resource "google_sql_database_instance" "partner" {
  name             = "partner"
  database_version = "POSTGRES_16"

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      authorized_networks {
        name  = "partner"
        value = var.partner_network # unverifiable: TF-0005
      }
    }
  }
}

# Allow Azure services (0.0.0.0 to 0.0.0.0) is not the whole internet.
resource "azurerm_mssql_firewall_rule" "azure_services" {
  name             = "AllowAzureServices"
  server_id        = azurerm_mssql_server.main.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "0.0.0.0"
}
