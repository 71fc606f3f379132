resource "google_container_cluster" "main" { # expect: TF-0038
  name               = "main"
  location           = "europe-west1"
  initial_node_count = 3
}

resource "google_container_cluster" "batch" {
  name               = "batch"
  location           = "europe-west1"
  initial_node_count = 1

  network_policy {
    enabled = false # expect: TF-0038
  }
}

resource "azurerm_kubernetes_cluster" "shop" { # expect: TF-0038
  name                = "shop"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = "shop"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}

variable "envs" {
  default = ["dev", "prod"]
}

resource "azurerm_kubernetes_cluster" "apps" {
  for_each            = toset(var.envs)
  name                = "apps-${each.key}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = "apps-${each.key}"

  default_node_pool {
    name       = "default"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile { # expect: TF-0038, TF-0038
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
  }
}
