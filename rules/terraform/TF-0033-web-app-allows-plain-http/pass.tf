resource "azurerm_linux_web_app" "shop" {
  name                = "shop-frontend"
  resource_group_name = azurerm_resource_group.main.name
  location            = "westeurope"
  service_plan_id     = azurerm_service_plan.main.id
  https_only          = true

  site_config {}
}

variable "force_https" {}

# Unknown value: not reported.
resource "azurerm_linux_function_app" "api" {
  name                 = "shop-api"
  resource_group_name  = azurerm_resource_group.main.name
  location             = "westeurope"
  service_plan_id      = azurerm_service_plan.main.id
  storage_account_name = azurerm_storage_account.api.name
  https_only           = var.force_https

  site_config {}
}

resource "azurerm_windows_web_app_slot" "staging" {
  count          = 2
  name           = "staging-${count.index}"
  app_service_id = azurerm_windows_web_app.shop.id
  https_only     = true

  site_config {}
}

# Storage accounts enforce HTTPS by default.
resource "azurerm_storage_account" "assets" {
  name                     = "shopassets"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
