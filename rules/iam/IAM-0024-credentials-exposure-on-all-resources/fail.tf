data "aws_iam_policy_document" "etl" {
  statement {
    actions = [
      "redshift:DescribeClusters",
      "redshift:GetClusterCredentials", # expect: IAM-0024=high
    ]
    resources = ["*"]
  }

  statement {
    actions   = ["ecr:GetAuthorizationToken"] # expect: IAM-0024=low
    resources = ["*"]
  }

  statement {
    actions   = ["lightsail:GetInstance*"] # expect: IAM-0024=high
    resources = ["arn:aws:lightsail:*:*:Instance/*"]
  }
}

data "aws_iam_policy_document" "support" {
  statement {
    not_actions = ["iam:*", "s3:*"] # expect: IAM-0024=high
    resources   = ["*"]
  }
}
