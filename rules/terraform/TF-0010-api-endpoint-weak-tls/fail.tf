resource "aws_api_gateway_domain_name" "api" {
  domain_name              = "api.example.com"
  regional_certificate_arn = aws_acm_certificate.api.arn
  security_policy          = "TLS_1_0" # expect: TF-0010

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_opensearch_domain" "logs" {
  domain_name    = "logs"
  engine_version = "OpenSearch_2.11"

  domain_endpoint_options {
    enforce_https       = false # expect: TF-0010
    tls_security_policy = "Policy-Min-TLS-1-0-2019-07" # expect: TF-0010
  }
}

resource "aws_elasticsearch_domain" "legacy" {
  domain_name           = "legacy"
  elasticsearch_version = "7.10"

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-0-2019-07" # expect: TF-0010
  }
}
