variable "expose_mongo" {
  default = true
}

locals {
  public_ports = {
    ssh   = 22
    mysql = 3306
    http  = 80
  }
}

resource "aws_security_group" "web" {
  name = "web"

  dynamic "ingress" {
    for_each = local.public_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"] # expect: TF-0001=critical, TF-0001=high
    }
  }
}

resource "aws_security_group_rule" "mongo" {
  count             = var.expose_mongo ? 1 : 0
  type              = "ingress"
  from_port         = 27017
  to_port           = 27017
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"] # expect: TF-0001=high
  security_group_id = aws_security_group.db[count.index].id
}
