# Deployed with Terraform's Kubernetes provider: the default deny's namespace is a reference to
# the namespace resource, which resolves to "payments".
resource "kubernetes_namespace" "payments" {
  metadata {
    name = "payments"
  }
}

resource "kubernetes_network_policy" "default_deny" {
  metadata {
    name      = "default-deny"
    namespace = kubernetes_namespace.payments.metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
  }
}

# A default deny whose namespace cannot be known may cover any namespace: nothing is reported.
variable "namespace" {}

resource "kubernetes_network_policy" "elsewhere" {
  metadata {
    name      = "default-deny"
    namespace = var.namespace
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
  }
}

resource "kubernetes_namespace" "batch" {
  metadata {
    name = "batch"
  }
}
