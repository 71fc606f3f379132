# Findings on a list element point at the element's line.
variable "office_cidr" {
  type = string
}

resource "aws_security_group" "db" {
  name = "db"

  ingress {
    from_port = 5432
    to_port   = 5432
    protocol  = "tcp"
    cidr_blocks = [
      "10.0.0.0/16",
      "0.0.0.0/0", # expect: TF-0001=high
      var.office_cidr, # unverifiable: TF-0001
    ]
  }
}
