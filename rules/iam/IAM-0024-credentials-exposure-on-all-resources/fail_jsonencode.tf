resource "aws_iam_policy" "broker" {
  name = "token-broker"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sts:GetFederationToken", "sts:GetCallerIdentity"] # expect: IAM-0024=high
        Resource = "*"
      },
    ]
  })
}
