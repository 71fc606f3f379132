# The Kubernetes rules apply to Terraform's Kubernetes provider resources too.
resource "kubernetes_daemonset" "agent" {
  metadata {
    name      = "node-agent"
    namespace = "monitoring"
  }
  spec {
    selector {
      match_labels = { app = "node-agent" }
    }
    template {
      metadata {
        labels = { app = "node-agent" }
      }
      spec {
        container {
          name  = "agent"
          image = "example/agent:1.0"
          security_context {
            privileged = true # expect: K8S-0002
          }
        }
      }
    }
  }
}
