variable "tls_policy" {}

variable "enforce_https" {}

resource "aws_api_gateway_domain_name" "api" {
  domain_name              = "api.example.com"
  regional_certificate_arn = aws_acm_certificate.api.arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_opensearch_domain" "logs" {
  count          = 1
  domain_name    = "logs"
  engine_version = "OpenSearch_2.11"

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"
  }
}

# Unknown settings: not reported, but the controls are unverifiable.
resource "aws_opensearch_domain" "search" {
  domain_name    = "search"
  engine_version = "OpenSearch_2.11"

  domain_endpoint_options {
    enforce_https       = var.enforce_https # unverifiable: TF-0010
    tls_security_policy = var.tls_policy # unverifiable: TF-0010
  }
}

variable "api_security_policy" {}

# Unknown policy: not reported, but the control is unverifiable.
resource "aws_api_gateway_domain_name" "partner" {
  domain_name              = "partner.example.com"
  regional_certificate_arn = aws_acm_certificate.api.arn
  security_policy          = var.api_security_policy # unverifiable: TF-0010

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}
