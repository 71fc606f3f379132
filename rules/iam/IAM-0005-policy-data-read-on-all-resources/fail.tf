data "aws_iam_policy_document" "reporting" {
  statement {
    actions = [
      "s3:ListBucket",
      "s3:Get*", # expect: IAM-0005
    ]
    resources = ["*"]
  }

  statement {
    actions = [
      "secretsmanager:GetSecretValue", # expect: IAM-0005
      "secretsmanager:DescribeSecret",
    ]
    resources = ["arn:aws:secretsmanager:*:111122223333:secret:*"]
  }

  statement {
    actions   = ["ssm:GetParametersByPath", "kms:Decrypt"] # expect: IAM-0005, IAM-0005
    resources = ["*"]
  }
}

# Every bucket but one is still every bucket of other teams.
data "aws_iam_policy_document" "state_reader" {
  statement {
    actions       = ["s3:GetObject"] # expect: IAM-0005
    not_resources = ["arn:aws:s3:::security-audit/*"]
  }

  statement {
    actions   = ["dynamodb:Scan", "dynamodb:Query"] # expect: IAM-0005, IAM-0005
    resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/*"]
  }
}
