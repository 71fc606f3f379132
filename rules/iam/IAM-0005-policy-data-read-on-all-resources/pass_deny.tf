# Reads granted, then denied on every resource.
data "aws_iam_policy_document" "denied" {
  statement {
    actions   = ["s3:GetObject", "secretsmanager:GetSecretValue"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:*", "secretsmanager:GetSecretValue"]
    resources = ["*"]
  }
}

# NotAction that excludes every read of data and secrets the rule knows.
data "aws_iam_policy_document" "no_data" {
  statement {
    not_actions = ["s3:*", "secretsmanager:*", "ssm:*", "kms:*", "dynamodb:*", "ec2:*"]
    resources   = ["*"]
  }
}
