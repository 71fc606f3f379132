resource "google_storage_bucket" "exports" {
  name                        = "shop-exports"
  location                    = "EU"
  uniform_bucket_level_access = false
}

resource "google_storage_bucket_iam_member" "reader" {
  bucket = google_storage_bucket.exports.name
  role   = "roles/storage.objectViewer"
  member = "group:analysts@example.com"
}

variable "extra_members" {
  type = list(string)
}

# Unknown members: not reported.
resource "google_storage_bucket_iam_binding" "viewers" {
  bucket  = google_storage_bucket.exports.name
  role    = "roles/storage.objectViewer"
  members = var.extra_members
}

variable "access_type" {}

resource "azurerm_storage_container" "uploads" {
  count                 = 2
  name                  = "uploads-${count.index}"
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_container" "dynamic" {
  name                  = "reports"
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = var.access_type
}

resource "azurerm_storage_account" "main" {
  name                            = "shopdata"
  resource_group_name             = azurerm_resource_group.main.name
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  allow_nested_items_to_be_public = false
}
