# Every IAM action is allowed, then denied everywhere: not an administrator.
data "aws_iam_policy_document" "no_iam" {
  statement {
    actions   = ["iam:*", "s3:GetObject"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["*"]
  }
}

# A broader Deny pattern cancels a narrower Allow pattern.
data "aws_iam_policy_document" "no_kms" {
  statement {
    actions   = ["kms:*"]
    resources = ["arn:aws:kms:eu-west-1:111122223333:key/*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["kms:*", "iam:*"]
    resources = ["arn:aws:kms:*"]
  }
}
