resource "kubernetes_pod_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    container {
      name  = "web"
      image = "registry.example.com/web:1.4.2"
      security_context = {
        allow_privilege_escalation = true # expect: K8S-0003
      }
    }
  }
}
