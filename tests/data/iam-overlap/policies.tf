# One grant, one finding, scanned with every IAM rule (tests/iam_semantics.rs): IAM-0004 owns the
# actions of the escalations it reports, IAM-0024 and IAM-0025 the exact names of their lists.
# IAM-0002 still reports the writes on every resource that no more specific rule lists
# (iam:PassRole, lambda:CreateFunction, sts:AssumeRole) and wildcards (s3:PutBucket* grants
# other writes too).
data "aws_iam_policy_document" "escalations" {
  statement {
    actions = [
      "iam:CreateAccessKey",    # expect: IAM-0004
      "iam:CreateLoginProfile", # expect: IAM-0004
      "iam:PassRole",           # expect: IAM-0004, IAM-0002
      "lambda:CreateFunction",  # expect: IAM-0002
      "lambda:AddPermission",
      "iam:UpdateAssumeRolePolicy", # expect: IAM-0004
      "sts:AssumeRole", # expect: IAM-0002
    ]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "platform" {
  statement {
    actions   = ["s3:PutBucketPolicy"] # expect: IAM-0025
    resources = ["arn:aws:s3:::*"]
  }

  statement {
    actions = [
      "redshift:GetClusterCredentials", # expect: IAM-0024
      "kms:PutKeyPolicy",               # expect: IAM-0025
      "lambda:AddPermission",           # expect: IAM-0025
      "s3:PutBucket*",                  # expect: IAM-0002, IAM-0025
    ]
    resources = ["*"]
  }
}
