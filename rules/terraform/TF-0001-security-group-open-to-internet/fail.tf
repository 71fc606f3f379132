resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = aws_vpc.main.id

  ingress {
    description = "SSH from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # expect: TF-0001=critical
  }

  ingress {
    description      = "HTTPS"
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group" "legacy" {
  name = "legacy-app"

  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"] # expect: TF-0001=critical
  }
}

resource "aws_security_group_rule" "postgres" {
  type              = "ingress"
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8", "0.0.0.0/0"] # expect: TF-0001=high
  security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_ingress_rule" "rdp" {
  security_group_id = aws_security_group.windows.id
  cidr_ipv4         = "0.0.0.0/0" # expect: TF-0001=critical
  from_port         = 3389
  to_port           = 3389
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "everything" {
  security_group_id = aws_security_group.windows.id
  cidr_ipv6         = "::/0" # expect: TF-0001=critical
  ip_protocol       = "-1"
}

# A wide range that includes the Redis and Elasticsearch ports.
resource "aws_security_group_rule" "high_ports" {
  type              = "ingress"
  from_port         = 6000
  to_port           = 9999
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"] # expect: TF-0001=high
  security_group_id = aws_security_group.app.id
}
