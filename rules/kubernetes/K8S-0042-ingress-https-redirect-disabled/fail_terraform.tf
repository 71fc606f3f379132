resource "kubernetes_ingress_v1" "shop" {
  metadata {
    name      = "shop"
    namespace = "shop"
    annotations = {
      "nginx.ingress.kubernetes.io/ssl-redirect" = "false" # expect: K8S-0042
    }
  }

  spec {
    ingress_class_name = "nginx"
    tls {
      hosts       = ["shop.example.com"]
      secret_name = "shop-tls"
    }
    rule {
      host = "shop.example.com"
      http {
        path {
          path = "/"
          backend {
            service {
              name = "shop"
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }
}
