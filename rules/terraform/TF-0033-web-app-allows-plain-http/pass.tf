resource "azurerm_linux_web_app" "shop" {
  name                = "shop-frontend"
  resource_group_name = azurerm_resource_group.main.name
  location            = "westeurope"
  service_plan_id     = azurerm_service_plan.main.id
  https_only          = true

  site_config {}
}

variable "force_https" {}

# Unknown value: not reported, but the control is unverifiable.
resource "azurerm_linux_function_app" "api" {
  name                 = "shop-api"
  resource_group_name  = azurerm_resource_group.main.name
  location             = "westeurope"
  service_plan_id      = azurerm_service_plan.main.id
  storage_account_name = azurerm_storage_account.api.name
  https_only           = var.force_https # unverifiable: TF-0033

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

variable "https_only_storage" {}

# Unknown value: not reported, but the control is unverifiable.
resource "azurerm_storage_account" "uploads" {
  name                       = "shopuploads"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = "westeurope"
  account_tier               = "Standard"
  account_replication_type   = "LRS"
  https_traffic_only_enabled = var.https_only_storage # unverifiable: TF-0033
}
