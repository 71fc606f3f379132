# ForAllValues with the allowed values, ForAnyValue with a positive operator, and a negated
# set operator in a Deny.
data "aws_iam_policy_document" "tagging" {
  statement {
    actions   = ["ec2:CreateTags"]
    resources = ["*"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["owner", "cost-center"]
    }
  }

  statement {
    actions   = ["iam:TagRole"]
    resources = ["*"]
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "aws:CalledVia"
      values   = ["cloudformation.amazonaws.com"]
    }
  }

  statement {
    effect    = "Deny"
    actions   = ["ec2:CreateTags"]
    resources = ["*"]
    condition {
      test     = "ForAnyValue:StringNotEquals"
      variable = "aws:TagKeys"
      values   = ["owner", "cost-center"]
    }
  }
}
