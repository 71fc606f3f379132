resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_access_key" "ci" { # expect: IAM-0013=high
  user = aws_iam_user.ci.name
}

resource "aws_iam_access_key" "legacy" {
  user    = "legacy-app"
  pgp_key = "keybase:acme_ops"
  status  = "Active" # expect: IAM-0013=high
}

resource "aws_iam_access_key" "old" {
  user   = "legacy-app"
  status = "Inactive" # expect: IAM-0013=medium
}

resource "aws_iam_user_login_profile" "alice" { # expect: IAM-0013=medium
  user                    = "alice"
  pgp_key                 = "keybase:alice"
  password_reset_required = true
}

variable "key_status" {}

resource "aws_iam_access_key" "rotating" {
  user    = "reporting"
  pgp_key = "keybase:acme_ops"
  status  = var.key_status # expect: IAM-0013=medium
}

# A login profile with only the user: still a console password, not an access key.
resource "aws_iam_user_login_profile" "bob" { # expect: IAM-0013=medium
  user = "bob"
}
