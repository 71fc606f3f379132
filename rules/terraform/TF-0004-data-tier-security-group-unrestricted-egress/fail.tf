resource "aws_security_group" "orders_db" {
  name        = "orders-db"
  description = "PostgreSQL for the orders service"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"] # expect: TF-0004
  }
}

resource "aws_security_group" "sessions" {
  name_prefix = "shop-"
  vpc_id      = aws_vpc.main.id

  egress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"] # expect: TF-0004
  }

  tags = {
    Name = "shop-sessions"
    Tier = "cache"
  }
}

resource "aws_vpc_security_group_egress_rule" "redis_out" {
  security_group_id = aws_security_group.sessions.id
  cidr_ipv4         = "0.0.0.0/0" # expect: TF-0004
  ip_protocol       = "-1"

  tags = {
    Name = "redis-egress"
  }
}
