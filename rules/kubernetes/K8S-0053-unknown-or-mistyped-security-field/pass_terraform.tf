# Objects mapped from Terraform's Kubernetes provider follow the provider's schema (where
# `run_as_user` is a string), not the API's: they are not checked.
resource "kubernetes_deployment_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        container {
          name  = "web"
          image = "registry.example.com/web:1.4.2"
          security_context {
            run_as_user = "1000"
          }
        }
      }
    }
  }
}
