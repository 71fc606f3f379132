resource "google_compute_firewall" "ssh" {
  name    = "allow-ssh"
  network = google_compute_network.main.name

  allow {
    protocol = "tcp"
    ports    = ["22", "443"] # expect: TF-0002=critical
  }

  source_ranges = ["0.0.0.0/0"]
}

resource "google_compute_firewall" "everything" {
  name          = "allow-all"
  network       = google_compute_network.main.name
  direction     = "INGRESS"
  source_ranges = ["0.0.0.0/0", "::/0"]

  allow {
    protocol = "all" # expect: TF-0002=critical
  }
}

resource "google_compute_firewall" "db" {
  name          = "allow-db"
  network       = google_compute_network.main.name
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["5000-5500"] # expect: TF-0002=high
  }

  # No ports: every UDP port, not reported (TCP only).
  allow {
    protocol = "udp"
  }
}

resource "azurerm_network_security_rule" "rdp" {
  name                        = "allow-rdp"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3389" # expect: TF-0002=critical
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.main.name
  network_security_group_name = azurerm_network_security_group.main.name
}

resource "azurerm_network_security_group" "db" {
  name                = "db-nsg"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name

  security_rule {
    name                       = "allow-https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "allow-sql"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_ranges    = ["1433", "3306-3307"] # expect: TF-0002=high, TF-0002=high
    source_address_prefixes    = ["10.0.0.0/8", "0.0.0.0/0"]
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "allow-any"
    priority                   = 120
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*" # expect: TF-0002=critical
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
