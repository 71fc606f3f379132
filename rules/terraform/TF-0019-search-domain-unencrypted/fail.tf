resource "aws_opensearch_domain" "search" { # expect: TF-0019
  domain_name    = "catalog-search"
  engine_version = "OpenSearch_2.13"

  cluster_config {
    instance_type = "r6g.large.search"
  }

  encrypt_at_rest {
    enabled = true
  }
}

resource "aws_opensearch_domain" "logs" {
  domain_name    = "logs"
  engine_version = "OpenSearch_2.13"

  encrypt_at_rest {
    enabled = false # expect: TF-0019
  }

  node_to_node_encryption {
    enabled = false # expect: TF-0019
  }
}

resource "aws_elasticsearch_domain" "legacy" { # expect: TF-0019, TF-0019
  domain_name           = "legacy"
  elasticsearch_version = "7.10"
}
