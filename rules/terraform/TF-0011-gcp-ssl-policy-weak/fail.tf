resource "google_compute_ssl_policy" "defaults" { # expect: TF-0011=high, TF-0011=medium
  name = "lb-defaults"
}

resource "google_compute_ssl_policy" "legacy" {
  name            = "legacy-clients"
  profile         = "COMPATIBLE" # expect: TF-0011=medium
  min_tls_version = "TLS_1_1" # expect: TF-0011=high
}

resource "google_compute_region_ssl_policy" "custom" {
  name            = "custom"
  region          = "europe-west1"
  min_tls_version = "TLS_1_2"
  profile         = "CUSTOM"
  custom_features = [
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", # expect: TF-0011=medium
    "TLS_RSA_WITH_AES_256_GCM_SHA384", # expect: TF-0011=medium
  ]
}
