data "aws_iam_policy_document" "app" {
  statement {
    actions = [
      "s3:GetObjects", # expect: IAM-0007=low
      "s3:PutObject",
      "dynamo:GetItem", # expect: IAM-0007=low
    ]
    resources = ["*"]
  }

  # The guardrail does not apply: the action is misspelled.
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteBuckets"] # expect: IAM-0007=medium
    resources = ["*"]
  }

  # Meant to exclude IAM, excludes nothing.
  statement {
    not_actions = ["iamPassRole"] # expect: IAM-0007=medium
    resources   = ["arn:aws:s3:::app-data/*"]
  }
}
