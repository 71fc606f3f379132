# The patterns AWS documents: Bool "true" in an Allow, BoolIfExists "false" in a Deny.
data "aws_iam_policy_document" "mfa" {
  statement {
    actions   = ["iam:*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }

  statement {
    effect      = "Deny"
    not_actions = ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice"]
    resources   = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["*"]
    condition {
      test     = "Null"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}
