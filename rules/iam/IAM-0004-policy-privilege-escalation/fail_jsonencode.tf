resource "aws_iam_role_policy" "pipeline" {
  role = "pipeline"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["cloudformation:CreateStack", "cloudformation:DescribeStacks"] # expect: IAM-0004=high
        Resource = "arn:aws:cloudformation:*:111122223333:stack/*"
      },
      {
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = "iam:PutRolePolicy" # expect: IAM-0004=critical
        Resource = "arn:aws:iam::111122223333:role/*"
      },
    ]
  })
}
