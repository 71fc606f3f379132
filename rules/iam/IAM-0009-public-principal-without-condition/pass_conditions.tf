# "*" pinned to a VPC endpoint, a source account and a network.
data "aws_iam_policy_document" "endpoint_only" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-internal/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpce"
      values   = ["vpce-1a2b3c4d"]
    }
  }

  statement {
    actions   = ["sns:Publish"]
    resources = ["arn:aws:sns:eu-west-1:111122223333:alerts"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:Referer"
      values   = ["x"]
    }
  }

  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:inbox"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = ["198.51.100.0/24"]
    }
  }
}
