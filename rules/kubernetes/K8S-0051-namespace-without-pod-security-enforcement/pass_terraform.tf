resource "kubernetes_namespace" "payments" {
  metadata {
    name = "payments"
    labels = {
      "pod-security.kubernetes.io/enforce"         = "restricted"
      "pod-security.kubernetes.io/enforce-version" = "latest"
    }
  }
}
