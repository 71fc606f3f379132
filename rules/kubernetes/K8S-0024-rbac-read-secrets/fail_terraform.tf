# Roles of Terraform's Kubernetes provider are judged like manifests.
resource "kubernetes_cluster_role_v1" "reader" {
  metadata {
    name = "config-reader"
  }
  rule {
    api_groups = [""]
    resources  = ["configmaps", "secrets"] # expect: K8S-0024
    verbs      = ["get", "list"]
  }
}

resource "kubernetes_role" "debug" {
  metadata {
    name      = "debug"
    namespace = "shop"
  }
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["get"]
  }
  rule {
    api_groups = ["*"]
    resources = [
      "*", # expect: K8S-0024
    ]
    verbs = ["watch"]
  }
}
