# The firewall's cluster cannot be resolved: it may protect this cluster, so no finding.
variable "cluster_id" {}

resource "digitalocean_database_cluster" "postgres" {
  name       = "iot-postgres"
  engine     = "pg"
  size       = "db-s-1vcpu-1gb"
  region     = "fra1"
  node_count = 1
}

resource "digitalocean_database_firewall" "by_variable" {
  cluster_id = var.cluster_id

  rule {
    type  = "k8s"
    value = "k8s-123"
  }
}
