resource "kubernetes_ingress_v1" "shop" {
  metadata {
    name      = "shop"
    namespace = "shop"
  }
  spec {
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
              name = "web"
              port {
                number = 80
              }
            }
          }
        }
      }
    }
    rule {
      host = "admin.example.com" # expect: K8S-0035
      http {
        path {
          path = "/"
          backend {
            service {
              name = "admin"
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
