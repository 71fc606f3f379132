variable "office_range" {}

# HTTPS from anywhere is expected for a web tier.
resource "google_compute_firewall" "web" {
  name          = "allow-https"
  network       = google_compute_network.main.name
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["web"]

  allow {
    protocol = "tcp"
    ports    = ["80", "443"]
  }
}

# SSH through Identity-Aware Proxy only.
resource "google_compute_firewall" "iap_ssh" {
  name          = "allow-iap-ssh"
  network       = google_compute_network.main.name
  source_ranges = ["35.235.240.0/20"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# Egress and disabled rules are not ingress exposures.
resource "google_compute_firewall" "egress" {
  name               = "allow-egress"
  network            = google_compute_network.main.name
  direction          = "EGRESS"
  destination_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "all"
  }
}

resource "google_compute_firewall" "disabled" {
  name          = "old-ssh"
  network       = google_compute_network.main.name
  disabled      = true
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# The source cannot be known: not reported.
resource "google_compute_firewall" "office" {
  name          = "allow-office-rdp"
  network       = google_compute_network.main.name
  source_ranges = [var.office_range]

  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
}

locals {
  admin_rules = {
    ssh = { priority = 100, port = "22" }
    rdp = { priority = 110, port = "3389" }
  }
}

# Administration only from the VPN range; deny rules are never exposures.
resource "azurerm_network_security_group" "admin" {
  name                = "admin-nsg"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name

  dynamic "security_rule" {
    for_each = local.admin_rules
    content {
      name                       = "allow-${security_rule.key}"
      priority                   = security_rule.value.priority
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = security_rule.value.port
      source_address_prefix      = "10.8.0.0/16"
      destination_address_prefix = "*"
    }
  }

  security_rule {
    name                       = "deny-internet"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "lb_probe" {
  name                        = "allow-lb"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "AzureLoadBalancer"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.main.name
  network_security_group_name = azurerm_network_security_group.admin.name
}
