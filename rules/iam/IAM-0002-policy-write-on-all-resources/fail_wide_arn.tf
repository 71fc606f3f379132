# ARNs that match every resource of their kind are all resources.
data "aws_iam_policy_document" "trails" {
  statement {
    actions = [
      "cloudtrail:StopLogging", # expect: IAM-0002=medium
      "cloudtrail:DescribeTrails",
    ]
    resources = ["arn:*:cloudtrail:*:*:trail/*"]
  }

  statement {
    actions   = ["s3:DeleteBucketPolicy"] # expect: IAM-0002=high
    resources = ["arn:aws:s3:::*"]
  }

  statement {
    actions   = ["s3:DeleteObject"] # expect: IAM-0002=medium
    resources = ["arn:aws:s3:::*/*"]
  }
}

# A Deny on other resources leaves the write on every other bucket.
data "aws_iam_policy_document" "partly_denied" {
  statement {
    actions   = ["s3:PutObject"] # expect: IAM-0002=medium
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::audit-logs/*"]
  }
}
