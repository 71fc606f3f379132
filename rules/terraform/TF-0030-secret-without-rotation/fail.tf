resource "aws_secretsmanager_secret" "db" { # expect: TF-0030
  name = "shop/prod/db"
}

resource "aws_secretsmanager_secret" "api" {
  for_each = toset(["stripe", "mail"])
  name     = "shop/prod/${each.key}"
}

resource "aws_secretsmanager_secret_rotation" "api" {
  for_each            = aws_secretsmanager_secret.api
  secret_id           = aws_secretsmanager_secret.api[each.key].id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    automatically_after_days = 30
  }
}
