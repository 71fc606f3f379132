variable "bucket_arn" {
  type = string
}

data "aws_iam_policy_document" "app" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::app-data/*", var.bucket_arn]

    condition {
      test     = "ForAnyValue:StringLikeIfExists"
      variable = "aws:TagKeys"
      values   = ["team*"]
    }

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/team"
      values   = ["false"]
    }
  }

  statement {
    sid       = "Write"
    effect    = "Deny"
    actions   = ["s3:DeleteObject"]
    resources = ["*"]

    condition {
      test     = "DateGreaterThan"
      variable = "aws:CurrentTime"
      values   = ["2030-01-01T00:00:00Z"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "ecs-tasks.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}
EOF
}
