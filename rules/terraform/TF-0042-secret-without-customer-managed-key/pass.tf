resource "aws_secretsmanager_secret" "db" {
  name       = "shop/db-password"
  kms_key_id = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret" "api" {
  name       = "shop/api-token"
  kms_key_id = "alias/shop-secrets"
}
