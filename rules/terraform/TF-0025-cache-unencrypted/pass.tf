resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "user sessions"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
}

# Valkey encrypts at rest by default.
resource "aws_elasticache_replication_group" "queue" {
  replication_group_id       = "queue"
  description                = "job queue"
  engine                     = "valkey"
  node_type                  = "cache.t4g.small"
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
}

variable "tls" {}

# Unknown value: not reported.
resource "aws_elasticache_replication_group" "tenant" {
  count                      = 2
  replication_group_id       = "tenant-${count.index}"
  description                = "tenant cache"
  node_type                  = "cache.t4g.small"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = var.tls
}
