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
