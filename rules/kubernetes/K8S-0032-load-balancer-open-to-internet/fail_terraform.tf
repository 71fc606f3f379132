resource "kubernetes_service_v1" "admin" {
  metadata {
    name      = "admin"
    namespace = "shop"
  }
  spec {
    type     = "LoadBalancer" # expect: K8S-0032
    selector = { app = "admin" }
    port {
      port        = 443
      target_port = 8443
    }
  }
}

resource "kubernetes_service_v1" "internal" {
  metadata {
    name      = "internal"
    namespace = "shop"
    annotations = {
      "service.beta.kubernetes.io/aws-load-balancer-internal" = "true"
    }
  }
  spec {
    type     = "LoadBalancer"
    selector = { app = "internal" }
    port {
      port = 443
    }
  }
}
