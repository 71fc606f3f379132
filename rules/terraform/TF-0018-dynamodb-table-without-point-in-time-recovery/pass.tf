resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "OrderId"

  attribute {
    name = "OrderId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

# Terraform state lock table: nothing to recover.
resource "aws_dynamodb_table" "terraform_locks" {
  name         = "terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}

variable "pitr" {}

# Unknown value: not reported.
resource "aws_dynamodb_table" "carts" {
  name         = "carts"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "CartId"

  attribute {
    name = "CartId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.pitr
  }
}

variable "backups" {
  default = [true]
}

resource "aws_dynamodb_table" "invoices" {
  name         = "invoices"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "InvoiceId"

  attribute {
    name = "InvoiceId"
    type = "S"
  }

  dynamic "point_in_time_recovery" {
    for_each = var.backups
    content {
      enabled = point_in_time_recovery.value
    }
  }
}
