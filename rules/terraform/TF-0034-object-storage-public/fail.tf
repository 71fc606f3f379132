resource "google_storage_bucket_iam_member" "public_read" {
  bucket = google_storage_bucket.exports.name
  role   = "roles/storage.objectViewer"
  member = "allUsers" # expect: TF-0034
}

resource "google_storage_bucket_iam_binding" "viewers" {
  bucket = google_storage_bucket.exports.name
  role   = "roles/storage.objectViewer"
  members = [
    "group:analysts@example.com",
    "allAuthenticatedUsers", # expect: TF-0034
  ]
}

resource "google_storage_default_object_access_control" "public" {
  bucket = google_storage_bucket.exports.name
  role   = "READER"
  entity = "allUsers" # expect: TF-0034
}

variable "containers" {
  default = ["invoices", "avatars"]
}

resource "azurerm_storage_container" "uploads" {
  for_each              = toset(var.containers)
  name                  = each.key
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "blob" # expect: TF-0034, TF-0034
}

resource "azurerm_storage_account" "main" {
  name                            = "shopdata"
  resource_group_name             = azurerm_resource_group.main.name
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  allow_nested_items_to_be_public = true # expect: TF-0034=medium
}
