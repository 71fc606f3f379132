variable "table_arn" {
  type = string
}

data "aws_iam_policy_document" "worker" {
  # Actions that accept no resource ARN need "*".
  statement {
    actions = [
      "ec2:DescribeInstances",
      "cloudwatch:PutMetricData",
      "sqs:ListQueues",
    ]
    resources = ["*"]
  }

  # Scoped to named resources; an unknown ARN is not "*".
  statement {
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders", var.table_arn]
  }

  # Attribute-based access control.
  statement {
    actions   = ["ec2:StartInstances", "ec2:StopInstances"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/team"
      values   = ["payments"]
    }
  }

  # Denies are not grants.
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteObject"]
    resources = ["*"]
  }
}

# A bucket policy is a resource policy: its Resource is the bucket.
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
  }
}
