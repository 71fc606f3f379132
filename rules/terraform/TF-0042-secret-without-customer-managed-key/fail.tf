resource "aws_secretsmanager_secret" "db" { # expect: TF-0042
  name = "shop/db-password"
}

resource "aws_secretsmanager_secret" "api" {
  name       = "shop/api-token"
  kms_key_id = "alias/aws/secretsmanager" # expect: TF-0042
}
