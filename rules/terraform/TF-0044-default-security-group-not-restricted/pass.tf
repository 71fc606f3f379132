# No rules: Terraform strips every rule from the VPC's default security group.
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
}

# Rules on purpose-made groups, or on a group known only by id, are not about the default group.
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = aws_security_group.web.id
}

resource "aws_vpc_security_group_ingress_rule" "literal" {
  security_group_id = "sg-0123456789abcdef0"
  cidr_ipv4         = "10.0.0.0/8"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

variable "group_id" {
  type = string
}

resource "aws_vpc_security_group_egress_rule" "from_variable" {
  security_group_id = var.group_id
  cidr_ipv4         = "10.0.0.0/8"
  ip_protocol       = "-1"
}
