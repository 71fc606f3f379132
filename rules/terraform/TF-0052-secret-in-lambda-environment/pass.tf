resource "aws_secretsmanager_secret" "db" {
  name = "prod/db"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "api.zip"

  environment {
    variables = {
      TABLE_NAME         = "orders"
      DB_PASSWORD_SECRET = aws_secretsmanager_secret.db.arn
      DB_PASSWORD_ARN    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db"
      API_TOKEN          = "changeme"
      JWT_SECRET         = ""
      TOKEN_TTL          = "3600"
    }
  }
}
