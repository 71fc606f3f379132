resource "aws_elasticache_replication_group" "sessions" { # expect: TF-0025, TF-0025
  replication_group_id = "sessions"
  description          = "user sessions"
  node_type            = "cache.t4g.small"
  num_cache_clusters   = 2
}

resource "aws_elasticache_replication_group" "queue" {
  replication_group_id       = "queue"
  description                = "job queue"
  engine                     = "valkey"
  node_type                  = "cache.t4g.small"
  at_rest_encryption_enabled = false # expect: TF-0025
  transit_encryption_enabled = true
  transit_encryption_mode    = "preferred" # expect: TF-0025
}

variable "tls" {
  default = false
}

resource "aws_elasticache_replication_group" "tenant" {
  for_each                   = { eu = "eu-west-1", us = "us-east-1" }
  replication_group_id       = "tenant-${each.key}"
  description                = "tenant cache"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = var.tls # expect: TF-0025, TF-0025
}
