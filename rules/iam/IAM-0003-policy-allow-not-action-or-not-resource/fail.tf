variable "excluded_actions" {
  type = list(string)
}

data "aws_iam_policy_document" "developer" {
  statement {
    sid         = "AllButIam"
    not_actions = ["iam:*", "organizations:*"] # expect: IAM-0003=high
    resources   = ["*"]
  }
}

data "aws_iam_policy_document" "buckets" {
  statement {
    sid         = "AllButDelete"
    not_actions = ["s3:DeleteObject", "s3:DeleteBucket"] # expect: IAM-0003=medium
    resources   = ["arn:aws:s3:::app-data", "arn:aws:s3:::app-data/*"]
  }

  statement {
    sid           = "EveryBucketButAudit"
    actions       = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::audit-logs/*"] # expect: IAM-0003=medium
  }
}

# The excluded actions are unknown here, but the statement still grants everything else.
data "aws_iam_policy_document" "dynamic" {
  statement {
    not_actions   = var.excluded_actions # expect: IAM-0003=high
    not_resources = ["arn:aws:s3:::audit-logs/*"]
  }
}
