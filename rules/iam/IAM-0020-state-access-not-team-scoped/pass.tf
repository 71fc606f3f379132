terraform {
  backend "s3" {
    bucket         = "acme-tf-state"
    key            = "services/payments/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "acme-tf-locks"
  }
}

variable "state_object_arn" {}

data "aws_iam_policy_document" "payments" {
  # The team's own prefix, as far as one state key tells: whether `services/` or
  # `services/payments/` is the team prefix comes with [terraform.state] ownership.
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::acme-tf-state/services/payments/*"] # unverifiable: IAM-0020
  }

  # Listing the bucket is not object access.
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-tf-state"]
  }

  # Lock rows restricted to the team's keys.
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-tf-locks"]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["acme-tf-state/services/payments/*"]
    }
  }

  # An ARN that cannot be known is not judged: the control is unverifiable.
  statement {
    actions   = ["s3:GetObject"]
    resources = [var.state_object_arn] # unverifiable: IAM-0020
  }

  # Other buckets are not state buckets.
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-assets/*"]
  }
}

# Deny statements restrict, they do not grant.
data "aws_iam_policy_document" "guardrail" {
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteObject"]
    resources = ["*"]
  }
}

# The ARN of a bucket the scan creates under another name: decided, not a state bucket.
resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

data "aws_iam_policy_document" "reports" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.reports.arn}/*"]
  }
}
