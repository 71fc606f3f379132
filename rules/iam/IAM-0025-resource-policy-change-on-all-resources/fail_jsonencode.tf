resource "aws_iam_policy" "secrets_admin" {
  name = "secrets-admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["secretsmanager:PutResourcePolicy", "iam:UpdateAssumeRolePolicy"] # expect: IAM-0025, IAM-0025
        Resource = "*"
      },
    ]
  })
}
