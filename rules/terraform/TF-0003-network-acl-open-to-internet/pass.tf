variable "admin_cidr" {}

locals {
  web_ports = { https = 443, http = 80 }
}

resource "aws_network_acl" "public" {
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {
    for_each = local.web_ports
    content {
      rule_no    = 100 + ingress.value
      protocol   = "tcp"
      action     = "allow"
      cidr_block = "0.0.0.0/0"
      from_port  = ingress.value
      to_port    = ingress.value
    }
  }

  # Return traffic for a stateless ACL.
  ingress {
    rule_no    = 900
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }

  # SSH blocked before the FTP-and-SSH entry below.
  ingress {
    rule_no    = 50
    protocol   = "tcp"
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 22
    to_port    = 22
  }

  ingress {
    rule_no    = 1000
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 20
    to_port    = 22
  }

  # The source cannot be known: not reported.
  ingress {
    rule_no    = 60
    protocol   = "tcp"
    action     = "allow"
    cidr_block = var.admin_cidr
    from_port  = 3389
    to_port    = 3389
  }
}

# Egress entries are not ingress exposures.
resource "aws_network_acl_rule" "egress_all" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 100
  egress         = true
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}

resource "aws_network_acl_rule" "deny_rdp" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 10
  protocol       = "tcp"
  rule_action    = "deny"
  cidr_block     = "0.0.0.0/0"
  from_port      = 3389
  to_port        = 3389
}
