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

# Unknown value: not reported, but the control is unverifiable.
resource "google_sql_database_instance" "reports" {
  name             = "reports"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ssl_mode = var.ssl_mode # unverifiable: TF-0035
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

variable "secure_transport" {}

# Unknown value: not reported, but the control is unverifiable.
resource "azurerm_mysql_flexible_server_configuration" "tls" {
  name                = "require_secure_transport"
  resource_group_name = "db"
  server_name         = "reporting"
  value               = var.secure_transport # unverifiable: TF-0035
}

variable "require_ssl" {}

# Legacy flag unknown and no ssl_mode: not reported, but the control is unverifiable.
resource "google_sql_database_instance" "archive" {
  name             = "archive"
  database_version = "MYSQL_8_0"
  region           = "europe-west1"

  settings {
    tier = "db-n1-standard-1"

    ip_configuration {
      require_ssl = var.require_ssl # unverifiable: TF-0035
    }
  }
}
