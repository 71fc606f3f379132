variable "admin_cidr" {}

resource "aws_security_group" "web" {
  name = "web"

  # Public web traffic is fine.
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  # SSH from the VPN only.
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.8.0.0/16"]
  }

  # The source cannot be known: not a finding, but the control is unverifiable.
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr] # unverifiable: TF-0001
  }
}

# Database reachable from the application tier's security group only.
resource "aws_security_group_rule" "postgres" {
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.app.id
  security_group_id        = aws_security_group.db.id
}

# Egress to anywhere is not an ingress exposure.
resource "aws_security_group_rule" "egress" {
  type              = "egress"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.web.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

variable "ports" {}

# The port cannot be known: not reported.
resource "aws_vpc_security_group_ingress_rule" "unknown_port" {
  security_group_id = aws_security_group.web.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = var.ports
  to_port           = var.ports
  ip_protocol       = "tcp"
}

variable "partner_cidrs" {}

# A whole source list that cannot be known.
resource "aws_security_group_rule" "partner_ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = var.partner_cidrs # unverifiable: TF-0001
  security_group_id = aws_security_group.web.id
}
