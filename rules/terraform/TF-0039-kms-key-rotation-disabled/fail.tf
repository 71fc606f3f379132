resource "aws_kms_key" "orders" { # expect: TF-0039
  description = "orders table"
}

resource "aws_kms_key" "logs" {
  description         = "application logs"
  enable_key_rotation = false # expect: TF-0039
}

variable "rotate" {
  type = bool
}

resource "aws_kms_key" "configurable" {
  description         = "rotation decided by the caller"
  enable_key_rotation = var.rotate # unverifiable: TF-0039
}
