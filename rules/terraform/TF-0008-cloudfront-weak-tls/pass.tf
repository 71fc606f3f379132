variable "min_tls" {}

locals {
  sites = {
    www  = aws_acm_certificate.www.arn
    docs = aws_acm_certificate.docs.arn
  }
}

resource "aws_cloudfront_distribution" "site" {
  for_each = local.sites
  enabled  = true
  aliases  = ["${each.key}.example.com"]

  origin {
    domain_name = "${each.key}-origin.example.com"
    origin_id   = each.key

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = each.key
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = each.value
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

# Unknown minimum version: not reported.
resource "aws_cloudfront_distribution" "configurable" {
  enabled = true
  aliases = ["api.example.com"]

  origin {
    domain_name = "api-origin.example.com"
    origin_id   = "api"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "api"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "https-only"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate.api.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = var.min_tls
  }
}
