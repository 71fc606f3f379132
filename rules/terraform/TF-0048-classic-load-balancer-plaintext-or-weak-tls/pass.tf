resource "aws_elb" "web" {
  name               = "web"
  availability_zones = ["eu-west-1a", "eu-west-1b"]

  listener {
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.web.arn
  }

  # TLS passthrough to the instances.
  listener {
    lb_port           = 8883
    lb_protocol       = "tcp"
    instance_port     = 8883
    instance_protocol = "tcp"
  }
}

resource "aws_load_balancer_policy" "tls" {
  load_balancer_name = aws_elb.web.name
  policy_name        = "web-tls"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }

  policy_attribute {
    name  = "Protocol-TLSv1"
    value = "false"
  }
}

resource "aws_load_balancer_listener_policy" "tls" {
  load_balancer_name = aws_elb.web.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.tls.policy_name]
}

# A policy of the same name on another load balancer is not this listener's.
resource "aws_load_balancer_policy" "other" {
  load_balancer_name = "other"
  policy_name        = "web-tls"
  policy_type_name   = "PublicKeyPolicyType"

  policy_attribute {
    name  = "PublicKey"
    value = "MIIB"
  }
}
