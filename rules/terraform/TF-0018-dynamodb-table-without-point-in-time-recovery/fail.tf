resource "aws_dynamodb_table" "orders" { # expect: TF-0018
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "OrderId"

  attribute {
    name = "OrderId"
    type = "S"
  }
}

variable "pitr" {
  default = false
}

resource "aws_dynamodb_table" "sessions" {
  name         = "sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "SessionId"

  attribute {
    name = "SessionId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.pitr # expect: TF-0018
  }
}

# Named like a lock table but keyed differently: it holds data.
resource "aws_dynamodb_table" "locks_and_leases" { # expect: TF-0018
  name      = "locks"
  hash_key  = "LockID"
  range_key = "Owner"

  attribute {
    name = "LockID"
    type = "S"
  }

  attribute {
    name = "Owner"
    type = "S"
  }
}
