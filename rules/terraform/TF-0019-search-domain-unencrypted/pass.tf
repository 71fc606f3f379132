resource "aws_opensearch_domain" "search" {
  domain_name    = "catalog-search"
  engine_version = "OpenSearch_2.13"

  encrypt_at_rest {
    enabled = true
  }

  node_to_node_encryption {
    enabled = true
  }
}

variable "encrypted" {}

# Unknown values: not reported, but the controls are unverifiable.
resource "aws_opensearch_domain" "logs" {
  domain_name = "logs"

  encrypt_at_rest {
    enabled = var.encrypted # unverifiable: TF-0019
  }

  node_to_node_encryption {
    enabled = var.encrypted # unverifiable: TF-0019
  }
}

variable "domains" {
  default = ["orders", "users"]
}

resource "aws_elasticsearch_domain" "legacy" {
  for_each              = toset(var.domains)
  domain_name           = each.key
  elasticsearch_version = "7.10"

  dynamic "encrypt_at_rest" {
    for_each = [true]
    content {
      enabled = encrypt_at_rest.value
    }
  }

  node_to_node_encryption {
    enabled = true
  }
}
