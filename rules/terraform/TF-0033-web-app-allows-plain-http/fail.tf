resource "azurerm_linux_web_app" "shop" { # expect: TF-0033
  name                = "shop-frontend"
  resource_group_name = azurerm_resource_group.main.name
  location            = "westeurope"
  service_plan_id     = azurerm_service_plan.main.id

  site_config {}
}

resource "azurerm_windows_function_app" "jobs" {
  name                 = "shop-jobs"
  resource_group_name  = azurerm_resource_group.main.name
  location             = "westeurope"
  service_plan_id      = azurerm_service_plan.main.id
  storage_account_name = azurerm_storage_account.jobs.name
  https_only           = false # expect: TF-0033

  site_config {}
}

variable "regions" {
  default = ["westeurope", "northeurope"]
}

resource "azurerm_storage_account" "assets" {
  for_each                   = toset(var.regions)
  name                       = "shopassets${replace(each.key, "europe", "")}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = each.key
  account_tier               = "Standard"
  account_replication_type   = "LRS"
  https_traffic_only_enabled = false # expect: TF-0033, TF-0033
}

resource "azurerm_storage_account" "legacy" {
  name                      = "shoplegacy"
  resource_group_name       = azurerm_resource_group.main.name
  location                  = "westeurope"
  account_tier              = "Standard"
  account_replication_type  = "LRS"
  enable_https_traffic_only = false # expect: TF-0033
}
