resource "kubernetes_namespace" "payments" {
  metadata { # expect: K8S-0051
    name = "payments"
  }
}

resource "kubernetes_namespace_v1" "ci" {
  metadata {
    name = "ci"
    labels = {
      "pod-security.kubernetes.io/enforce" = "privileged" # expect: K8S-0051
    }
  }
}
