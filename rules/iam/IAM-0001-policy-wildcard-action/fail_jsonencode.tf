resource "aws_iam_policy" "ops" {
  name = "ops"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "*" # expect: IAM-0001=critical
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:*", "s3:GetObject"] # expect: IAM-0001=high
        Resource = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
      },
    ]
  })
}
