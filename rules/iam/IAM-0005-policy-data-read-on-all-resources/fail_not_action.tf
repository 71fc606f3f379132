# Everything but IAM and Organizations: every read of data and secrets included.
data "aws_iam_policy_document" "power_user" {
  statement {
    not_actions = ["iam:*", "organizations:*"] # expect: IAM-0005
    resources   = ["*"]
  }
}

# The Deny names other actions: the reads remain.
data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"] # expect: IAM-0005
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["secretsmanager:DeleteSecret"]
    resources = ["*"]
  }
}
