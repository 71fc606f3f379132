# Deny with NotAction is the guardrail form: it removes permissions.
data "aws_iam_policy_document" "guardrail" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::app-data/*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["iam:ChangePassword", "iam:GetUser", "sts:GetSessionToken"]
    resources   = ["*"]

    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }

  statement {
    effect        = "Deny"
    actions       = ["s3:*"]
    not_resources = ["arn:aws:s3:::app-data", "arn:aws:s3:::app-data/*"]
  }
}
