resource "azurerm_storage_account" "logs" {
  name                     = "acmelogs"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_0" # expect: TF-0012
}

resource "azurerm_mssql_server" "main" {
  name                         = "acme-sql"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = var.sql_password
  minimum_tls_version          = "Disabled" # expect: TF-0012
}

resource "azurerm_linux_web_app" "api" {
  name                = "acme-api"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  service_plan_id     = azurerm_service_plan.main.id

  site_config {
    minimum_tls_version     = "1.1" # expect: TF-0012
    scm_minimum_tls_version = "1.0" # expect: TF-0012
  }
}

resource "azurerm_postgresql_server" "legacy" {
  name                             = "acme-pg"
  resource_group_name              = azurerm_resource_group.main.name
  location                         = azurerm_resource_group.main.location
  sku_name                         = "GP_Gen5_2"
  version                          = "11"
  ssl_enforcement_enabled          = false # expect: TF-0012
  ssl_minimal_tls_version_enforced = "TLSEnforcementDisabled" # expect: TF-0012
}

resource "azurerm_redis_cache" "sessions" {
  name                = "acme-sessions"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
  minimum_tls_version = "1.0" # expect: TF-0012
}
