resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id

  ingress { # expect: TF-0044
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }

  egress { # expect: TF-0044
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Separate rule resources re-open the default group that Terraform emptied.
resource "aws_default_security_group" "emptied" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = aws_default_security_group.emptied.id # expect: TF-0044
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_vpc.main.default_security_group_id # expect: TF-0044
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_vpc" "spokes" {
  count      = 2
  cidr_block = "10.${count.index}.0.0/16"
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  count             = 2
  security_group_id = aws_vpc.spokes[count.index].default_security_group_id # expect: TF-0044, TF-0044
  cidr_ipv4         = "10.0.0.0/8"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}
