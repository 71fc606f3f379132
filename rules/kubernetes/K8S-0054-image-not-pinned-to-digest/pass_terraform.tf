variable "image" {
  type = string
}

# An image given by the caller cannot be known: not reported.
resource "kubernetes_pod_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    container {
      name  = "web"
      image = var.image
    }
  }
}
