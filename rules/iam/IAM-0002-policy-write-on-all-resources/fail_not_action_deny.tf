# The Deny's NotAction keeps some of the actions a pattern grants (s3:PutObject*), or the action
# named: those grants stay.
data "aws_iam_policy_document" "partial_guard" {
  statement {
    actions = [
      "s3:Put*",         # expect: IAM-0002
      "sqs:DeleteQueue", # expect: IAM-0002
      "sqs:*Queue",      # expect: IAM-0002
    ]
    resources = ["*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["s3:PutObject*", "sqs:Delete*"]
    resources   = ["*"]
  }
}
