resource "aws_iam_role_policy" "app" {
  role = "app"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = [
        "ssm:GetParameter*", # expect: IAM-0005
        "secretsmanager:GetSecretValue", # expect: IAM-0005
      ]
      Resource = "*"
    }]
  })
}
