variable "extra_actions" {
  type = list(string)
}

data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::app-data/*"]
  }

  # Denying everything is not a grant.
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Actions that cannot be known here are not reported.
data "aws_iam_policy_document" "dynamic" {
  statement {
    actions   = var.extra_actions
    resources = ["*"]
  }
}

# The default key policy: the account root delegates key use to IAM policies.
resource "aws_kms_key" "data" {
  description = "data"
  policy      = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EnableIAMUserPermissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}
EOF
}

# Trust policies are checked by the trust-policy rules.
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "codebuild.amazonaws.com"},
      "Action": "sts:*"
    }
  ]
}
EOF
}

# A trust policy written as a policy document: "sts:*" granted to a principal.
data "aws_iam_policy_document" "deployer_trust" {
  statement {
    actions = ["sts:*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:role/deployer"]
    }
  }
}
