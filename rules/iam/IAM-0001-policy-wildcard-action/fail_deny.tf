# A Deny with a condition, on other resources, or for one principal does not cancel the Allow.
data "aws_iam_policy_document" "conditional_deny" {
  statement {
    actions   = ["iam:*"] # expect: IAM-0001=high
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "partial_deny" {
  statement {
    actions   = ["s3:*"] # expect: IAM-0001=high
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::audit-logs/*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:Delete*"]
    resources = ["*"]
  }
}
