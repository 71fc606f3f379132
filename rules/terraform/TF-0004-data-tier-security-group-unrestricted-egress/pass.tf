variable "egress_cidrs" {}

# The application tier may reach the internet.
resource "aws_security_group" "app" {
  name        = "orders-api"
  description = "Orders API containers"

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# "dashboard" is not "db".
resource "aws_security_group" "dashboard" {
  name = "grafana-dashboard"

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

locals {
  replicas = { a = "10.0.10.0/24", b = "10.0.11.0/24" }
}

# Database egress limited to the VPC, plus one rule whose destination cannot be known.
resource "aws_security_group" "db" {
  name = "orders-db"

  dynamic "egress" {
    for_each = local.replicas
    content {
      from_port   = 5432
      to_port     = 5432
      protocol    = "tcp"
      cidr_blocks = [egress.value]
    }
  }

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = var.egress_cidrs
  }
}

# No egress blocks: Terraform removes the default allow-all rule.
resource "aws_security_group" "cache" {
  name = "sessions-redis"
}
