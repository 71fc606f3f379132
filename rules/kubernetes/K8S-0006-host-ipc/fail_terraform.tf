# Terraform's Kubernetes provider: `host_ipc` maps to the pod spec's hostIPC.
resource "kubernetes_pod_v1" "debug" {
  metadata {
    name      = "debug"
    namespace = "ops"
  }
  spec {
    host_ipc = true # expect: K8S-0006
    container {
      name  = "shell"
      image = "registry.example.com/toolbox:2.1.0"
    }
  }
}

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
        host_ipc = true # expect: K8S-0006
        container {
          name  = "agent"
          image = "registry.example.com/agent:1.0.3"
        }
      }
    }
  }
}
