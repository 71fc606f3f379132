resource "google_container_cluster" "calico" {
  name               = "calico"
  location           = "europe-west1"
  initial_node_count = 3

  network_policy {
    enabled  = true
    provider = "CALICO"
  }

  addons_config {
    network_policy_config {
      disabled = false
    }
  }
}

resource "google_container_cluster" "dpv2" {
  name               = "dpv2"
  location           = "europe-west1"
  initial_node_count = 3
  datapath_provider  = "ADVANCED_DATAPATH"
}

resource "google_container_cluster" "autopilot" {
  name             = "autopilot"
  location         = "europe-west1"
  enable_autopilot = true
}

variable "network_policy_enabled" {}

# Unknown value: not reported.
resource "google_container_cluster" "tools" {
  name               = "tools"
  location           = "europe-west1"
  initial_node_count = 1

  network_policy {
    enabled = var.network_policy_enabled
  }
}

resource "azurerm_kubernetes_cluster" "shop" {
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

  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
}

resource "azurerm_kubernetes_cluster" "cilium" {
  name                = "cilium"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = "cilium"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
  }
}
