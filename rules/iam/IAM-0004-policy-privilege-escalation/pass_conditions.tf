# PassRole only to Lambda: launching instances cannot use the passed role.
data "aws_iam_policy_document" "ec2_launcher" {
  statement {
    actions   = ["ec2:RunInstances"]
    resources = ["*"]
  }

  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }
}

# An escalation denied on every resource, in the same document.
data "aws_iam_policy_document" "denied" {
  statement {
    actions   = ["iam:CreateAccessKey", "iam:CreateLoginProfile"]
    resources = ["arn:aws:iam::*:user/*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:Create*"]
    resources = ["*"]
  }
}

# A NotAction Deny removes every action its patterns do not match: only reads are left.
data "aws_iam_policy_document" "read_only_guard" {
  statement {
    actions   = ["iam:Attach*", "lambda:UpdateFunctionCode"]
    resources = ["*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["iam:Get*", "iam:List*", "lambda:Get*"]
    resources   = ["*"]
  }
}
