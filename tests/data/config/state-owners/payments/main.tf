terraform {
  backend "s3" {
    bucket = "corp-tfstate"
    key    = "services/payments/terraform.tfstate"
    region = "eu-west-1"
  }
}

data "aws_iam_policy_document" "deploy" {
  # The team's own prefix and its own state key.
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::corp-tfstate/services/payments/*"] # unconfigured: IAM-0020
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::corp-tfstate/services/payments/terraform.tfstate"]
  }
  # Wider than the team's prefix, although the scan holds a single state key.
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::corp-tfstate/services/*"] # expect: IAM-0020 # unconfigured: IAM-0020
  }
  # Another team's exact key.
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::corp-tfstate/services/crm/terraform.tfstate"] # expect: IAM-0020
  }
  # Keys no team owns.
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::corp-tfstate/legacy/*"] # expect: IAM-0020 # unconfigured: IAM-0020
  }
  # Other buckets are not state buckets.
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::corp-assets/services/*"]
  }
}
