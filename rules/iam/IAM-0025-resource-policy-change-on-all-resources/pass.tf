# Policies of the principal's own resources; actions that accept no ARN; denied everywhere.
data "aws_iam_policy_document" "owner" {
  statement {
    actions   = ["s3:PutBucketPolicy"]
    resources = ["arn:aws:s3:::acme-app-assets"]
  }

  statement {
    actions   = ["lambda:AddPermission"]
    resources = ["arn:aws:lambda:eu-west-1:111122223333:function:api-*"]
  }

  statement {
    actions   = ["logs:PutResourcePolicy"]
    resources = ["*"]
  }

  statement {
    actions   = ["sns:AddPermission"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["sns:*"]
    resources = ["*"]
  }
}
