resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = aws_subnet.public[*].id

  ingress {
    rule_no    = 100
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  ingress {
    rule_no    = 110
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0" # expect: TF-0003
    from_port  = 22
    to_port    = 22
  }

  ingress {
    rule_no         = 120
    protocol        = "-1"
    action          = "allow"
    ipv6_cidr_block = "::/0" # expect: TF-0003
    from_port       = 0
    to_port         = 0
  }
}

resource "aws_network_acl_rule" "rdp" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 200
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0" # expect: TF-0003
  from_port      = 3389
  to_port        = 3389
}

resource "aws_default_network_acl" "default" {
  default_network_acl_id = aws_vpc.main.default_network_acl_id

  ingress {
    protocol   = -1
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0" # expect: TF-0003
    from_port  = 0
    to_port    = 0
  }
}
