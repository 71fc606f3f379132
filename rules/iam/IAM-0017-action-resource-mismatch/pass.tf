variable "bucket_arn" {}

data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-reports"]
  }

  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-reports/*"]
  }

  # Wildcards in the action or the resource are not judged.
  statement {
    actions   = ["s3:Get*", "s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-*"]
  }

  # Describe calls with "*", as they must be.
  statement {
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }

  # A resource that cannot be known.
  statement {
    actions   = ["s3:GetObject"]
    resources = [var.bucket_arn]
  }

  # Policy variables are resolved at request time.
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::home/$${aws:username}"]
  }

  # One of the resources fits.
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-reports", "arn:aws:s3:::acme-reports/*"]
  }
}

# Log group names hold slashes in the middle of the ARN.
data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:PutLogEvents"]
    resources = ["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/checkout:log-stream:2024/01/01/abc"]
  }
}
