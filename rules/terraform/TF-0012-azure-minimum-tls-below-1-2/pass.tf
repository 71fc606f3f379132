variable "tls_version" {}

locals {
  accounts = toset(["acmelogs", "acmedata"])
}

resource "azurerm_storage_account" "accounts" {
  for_each                 = local.accounts
  name                     = each.key
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_2"
}

resource "azurerm_mssql_server" "main" {
  name                         = "acme-sql"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = var.sql_password
  minimum_tls_version          = "1.2"
}

# Unknown version: not reported.
resource "azurerm_windows_web_app" "portal" {
  name                = "acme-portal"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  service_plan_id     = azurerm_service_plan.main.id

  site_config {
    minimum_tls_version = var.tls_version
  }
}

resource "azurerm_postgresql_server" "main" {
  name                             = "acme-pg"
  resource_group_name              = azurerm_resource_group.main.name
  location                         = azurerm_resource_group.main.location
  sku_name                         = "GP_Gen5_2"
  version                          = "11"
  ssl_enforcement_enabled          = true
  ssl_minimal_tls_version_enforced = "TLS1_2"
}

resource "azurerm_cosmosdb_account" "docs" {
  name                = "acme-docs"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  offer_type          = "Standard"
  minimal_tls_version = "Tls12"
}
