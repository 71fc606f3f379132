resource "kubernetes_deployment_v1" "agent" {
  metadata {
    name = "agent"
  }
  spec {
    selector {
      match_labels = { app = "agent" }
    }
    template {
      metadata {
        labels = { app = "agent" }
      }
      spec {
        host_pid = false
        container {
          name  = "agent"
          image = "registry.example.com/agent:1.0.3"
        }
      }
    }
  }
}
