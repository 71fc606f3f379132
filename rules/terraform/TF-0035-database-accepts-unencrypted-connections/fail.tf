resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      ssl_mode        = "ALLOW_UNENCRYPTED_AND_ENCRYPTED" # expect: TF-0035
    }
  }
}

resource "google_sql_database_instance" "legacy" {
  name             = "legacy"
  database_version = "MYSQL_8_0"
  region           = "europe-west1"

  settings {
    tier = "db-n1-standard-1"

    ip_configuration {
      ipv4_enabled = true
      require_ssl  = false # expect: TF-0035
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "tls" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.main.id
  value     = "off" # expect: TF-0035
}

variable "mysql_servers" {
  default = {
    reporting = "/subscriptions/0000/resourceGroups/db/providers/Microsoft.DBforMySQL/flexibleServers/reporting"
  }
}

resource "azurerm_mysql_flexible_server_configuration" "tls" {
  for_each            = var.mysql_servers
  name                = "require_secure_transport"
  resource_group_name = "db"
  server_name         = each.key
  value               = "OFF" # expect: TF-0035
}
