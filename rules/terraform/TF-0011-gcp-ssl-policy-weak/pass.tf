variable "min_tls" {}

resource "google_compute_ssl_policy" "api" {
  name            = "api"
  profile         = "RESTRICTED"
  min_tls_version = "TLS_1_2"
}

locals {
  policies = {
    public   = "MODERN"
    internal = "RESTRICTED"
  }
}

resource "google_compute_ssl_policy" "tiers" {
  for_each        = local.policies
  name            = each.key
  profile         = each.value
  min_tls_version = "TLS_1_2"
}

# ECDSA variants of ECDHE AES-GCM / CHACHA20 suites are in the allow-list.
resource "google_compute_region_ssl_policy" "custom" {
  name            = "custom"
  region          = "europe-west1"
  min_tls_version = "TLS_1_2"
  profile         = "CUSTOM"
  custom_features = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  ]
}

# Unknown minimum version: not reported.
resource "google_compute_ssl_policy" "configurable" {
  name            = "configurable"
  profile         = "MODERN"
  min_tls_version = var.min_tls
}
