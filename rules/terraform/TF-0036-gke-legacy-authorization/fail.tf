resource "google_container_cluster" "legacy" {
  name               = "legacy"
  location           = "europe-west1"
  initial_node_count = 3
  enable_legacy_abac = true # expect: TF-0036

  master_auth {
    client_certificate_config {
      issue_client_certificate = true # expect: TF-0036
    }
  }
}

variable "abac" {
  default = true
}

resource "google_container_cluster" "tools" {
  count              = 1
  name               = "tools"
  location           = "europe-west1"
  initial_node_count = 1
  enable_legacy_abac = var.abac # expect: TF-0036
}
