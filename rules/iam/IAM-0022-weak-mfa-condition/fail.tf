data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["iam:*"]
    resources = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"] # expect: IAM-0022=medium
    }
  }

  statement {
    actions   = ["ec2:TerminateInstances"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"] # expect: IAM-0022=high
    }
  }
}

data "aws_iam_policy_document" "guard" {
  statement {
    effect      = "Deny"
    not_actions = ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice"]
    resources   = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"] # expect: IAM-0022=medium
    }
  }
}
