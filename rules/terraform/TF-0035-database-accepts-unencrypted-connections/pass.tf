resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}

# ssl_mode wins over the legacy flag.
resource "google_sql_database_instance" "migrated" {
  name             = "migrated"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    dynamic "ip_configuration" {
      for_each = [1]
      content {
        require_ssl = false
        ssl_mode    = "ENCRYPTED_ONLY"
      }
    }
  }
}

variable "ssl_mode" {}

# Unknown value: not reported.
resource "google_sql_database_instance" "reports" {
  name             = "reports"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ssl_mode = var.ssl_mode
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "tls" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.main.id
  value     = "on"
}

resource "azurerm_postgresql_flexible_server_configuration" "quote" {
  name      = "backslash_quote"
  server_id = azurerm_postgresql_flexible_server.main.id
  value     = "off"
}
