data "aws_iam_policy_document" "platform" {
  statement {
    actions = [
      "s3:GetBucketPolicy",
      "s3:PutBucketPolicy", # expect: IAM-0025
    ]
    resources = ["arn:aws:s3:::*"]
  }

  statement {
    actions   = ["lambda:AddPermission", "kms:PutKeyPolicy"] # expect: IAM-0025, IAM-0025
    resources = ["*"]
  }

  statement {
    actions   = ["sqs:*Permission"] # expect: IAM-0025
    resources = ["arn:aws:sqs:*:*:*"]
  }
}
