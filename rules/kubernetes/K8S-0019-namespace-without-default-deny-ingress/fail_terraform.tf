resource "kubernetes_namespace" "payments" { # expect: K8S-0019
  metadata {
    name = "payments"
  }
}

# Egress only: ingress stays open.
resource "kubernetes_network_policy" "deny_egress" {
  metadata {
    name      = "deny-egress"
    namespace = kubernetes_namespace.payments.metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Egress"]
  }
}
