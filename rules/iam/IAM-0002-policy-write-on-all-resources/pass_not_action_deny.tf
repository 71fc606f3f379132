# A Deny with NotAction removes every action its patterns cannot match: s3:Put* and iam:Attach*
# share no action with iam:Get*, iam:List* or s3:Get*.
data "aws_iam_policy_document" "read_only_guard" {
  statement {
    actions   = ["s3:Put*", "iam:Attach*", "sqs:DeleteQueue"]
    resources = ["*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["iam:Get*", "iam:List*", "s3:Get*"]
    resources   = ["*"]
  }
}
