data "aws_iam_policy_document" "tagging" {
  statement {
    actions   = ["ec2:CreateTags"]
    resources = ["*"]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "aws:TagKeys"
      values   = ["*"] # expect: IAM-0023
    }
  }

  statement {
    actions   = ["iam:TagRole"]
    resources = ["*"]
    condition {
      test     = "ForAnyValue:StringNotEquals"
      variable = "aws:TagKeys"
      values   = ["owner", "cost-center"] # expect: IAM-0023
    }
  }
}
