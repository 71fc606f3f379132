variable "trusted_account" {}

data "aws_caller_identity" "current" {}

# People must have signed in with MFA.
data "aws_iam_policy_document" "admin_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

# A vendor with an external id (key spelled in lower case).
data "aws_iam_policy_document" "vendor_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:role/vendor-scanner"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:externalid"
      values   = ["8f1c2d7e-acme"]
    }
  }
}

# Unknown principals: built from a data source or a variable.
data "aws_iam_policy_document" "self_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type = "AWS"
      identifiers = [
        "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root",
        var.trusted_account,
      ]
    }
  }
}

# Service and federated principals are other rules' business.
resource "aws_iam_role" "ec2" {
  name               = "web"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "sts:AssumeRole",
     "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}
  ]
}
EOF
}

# A resource policy naming another account is not a trust policy.
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-exchange/*"]
    principals {
      type        = "AWS"
      identifiers = ["444455556666"]
    }
  }
}

variable "guard_key" {}

# The condition key cannot be known: it may be the MFA or external-id check.
data "aws_iam_policy_document" "computed_condition" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"]
    }
    condition {
      test     = "Bool"
      variable = var.guard_key
      values   = ["true"]
    }
  }
}
