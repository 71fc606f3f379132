variable "state_bucket_arn" {
  type = string
}

# Per-team Terraform state access, limited to its own objects.
data "aws_iam_policy_document" "team_state" {
  statement {
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "arn:aws:s3:::acme-tf-state/services/crm/prod/*",
      "${var.state_bucket_arn}/services/crm/dev/*",
    ]
  }

  statement {
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:aws:ssm:eu-west-1:111122223333:parameter/crm/*"]
  }

  # Metadata only: no secret values.
  statement {
    actions   = ["secretsmanager:ListSecrets", "ssm:DescribeParameters", "s3:ListAllMyBuckets"]
    resources = ["*"]
  }

  # Attribute-based access control.
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/team"
      values   = ["crm"]
    }
  }
}

# Bucket policies are resource policies: their Resource is the bucket itself.
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-public-assets/*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/cdn"]
    }
  }
}
