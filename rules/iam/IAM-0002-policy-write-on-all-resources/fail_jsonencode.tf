resource "aws_iam_role_policy" "worker" {
  role = "worker"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = [
        "logs:CreateLogStream", # expect: IAM-0002=medium
        "logs:PutLogEvents", # expect: IAM-0002=medium
        "kms:CreateGrant", # expect: IAM-0002=high
        "cloudwatch:PutMetricData",
      ]
      Resource = "*"
    }]
  })
}
