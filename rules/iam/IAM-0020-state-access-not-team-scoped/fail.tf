terraform {
  backend "s3" {
    bucket         = "acme-tf-state"
    key            = "services/payments/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "acme-tf-locks"
  }
}

data "aws_iam_policy_document" "deployer" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::acme-tf-state/*"] # expect: IAM-0020
  }

  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-tf-locks"] # expect: IAM-0020=medium
  }
}

# Every resource includes every state.
data "aws_iam_policy_document" "ops" {
  statement {
    actions   = ["s3:*"]
    resources = ["*"] # expect: IAM-0020
  }
}

# NotAction grants s3:GetObject too.
data "aws_iam_policy_document" "not_iam" {
  statement {
    not_actions = ["iam:*"]
    resources   = ["arn:aws:s3:::acme-tf-*/*"] # expect: IAM-0020
  }
}
