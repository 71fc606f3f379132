# Policies attached to a listener by a separate resource are followed to the listener.
resource "aws_elb" "api" {
  name               = "api"
  availability_zones = ["eu-west-1a"]

  listener { # expect: TF-0048=high
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.api.arn
  }

  listener { # expect: TF-0048=medium
    lb_port            = 8443
    lb_protocol        = "ssl"
    instance_port      = 8443
    instance_protocol  = "ssl"
    ssl_certificate_id = aws_acm_certificate.api.arn
  }

  listener {
    lb_port            = 9443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.api.arn
  }
}

resource "aws_load_balancer_policy" "legacy" {
  load_balancer_name = aws_elb.api.name
  policy_name        = "api-legacy"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-1-2017-01" # expect: TF-0048=high
  }
}

resource "aws_load_balancer_policy" "ciphers" {
  load_balancer_name = "api"
  policy_name        = "api-ciphers"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Protocol-TLSv1.2"
    value = "true"
  }

  policy_attribute {
    name  = "ECDHE-RSA-AES128-GCM-SHA256"
    value = "true"
  }

  policy_attribute {
    name  = "DES-CBC3-SHA"
    value = "true" # expect: TF-0048=medium
  }
}

resource "aws_load_balancer_policy" "modern" {
  load_balancer_name = aws_elb.api.name
  policy_name        = "api-modern"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }
}

resource "aws_load_balancer_listener_policy" "https" {
  load_balancer_name = aws_elb.api.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.legacy.policy_name]
}

resource "aws_load_balancer_listener_policy" "ssl" {
  load_balancer_name = "api"
  load_balancer_port = 8443
  policy_names       = ["api-ciphers"]
}

resource "aws_load_balancer_listener_policy" "modern" {
  load_balancer_name = aws_elb.api.name
  load_balancer_port = 9443
  policy_names       = [aws_load_balancer_policy.modern.policy_name]
}

# A load balancer without a name (generated at apply) is joined by reference.
resource "aws_elb" "unnamed" {
  availability_zones = ["eu-west-1a"]

  listener { # expect: TF-0048=high
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.api.arn
  }
}

resource "aws_load_balancer_policy" "unnamed" {
  load_balancer_name = aws_elb.unnamed.name
  policy_name        = "unnamed-legacy"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Protocol-TLSv1.1"
    value = "true" # expect: TF-0048=high
  }
}

resource "aws_load_balancer_listener_policy" "unnamed" {
  load_balancer_name = aws_elb.unnamed.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.unnamed.policy_name]
}
