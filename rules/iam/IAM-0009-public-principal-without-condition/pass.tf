variable "reader_arns" {
  type = list(string)
}

variable "partner_account" {}

# "*" limited to the organization.
data "aws_iam_policy_document" "org_bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-shared/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-a1b2c3d4e5"]
    }
  }
}

# Deny statements with "*" are how bucket policies enforce TLS.
data "aws_iam_policy_document" "tls_only" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::acme-shared", "arn:aws:s3:::acme-shared/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Principals that cannot be known are not reported.
data "aws_iam_policy_document" "readers" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-reports/*"]
    principals {
      type        = "AWS"
      identifiers = var.reader_arns
    }
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-reports"]
    principals {
      type        = "AWS"
      identifiers = [var.partner_account]
    }
  }
}

# A service principal is not everyone.
resource "aws_iam_role" "lambda" {
  name               = "worker"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "lambda.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}
EOF
}

# Public through a VPC endpoint only.
resource "aws_s3_bucket_policy" "internal" {
  bucket = "acme-internal"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": "*",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::acme-internal/*",
      "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    }
  ]
}
EOF
}
