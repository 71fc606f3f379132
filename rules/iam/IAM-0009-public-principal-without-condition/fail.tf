# A role anyone can assume.
data "aws_iam_policy_document" "break_glass_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"] # expect: IAM-0009=critical
    }
  }
}

resource "aws_iam_role" "break_glass" {
  name               = "break-glass"
  assume_role_policy = data.aws_iam_policy_document.break_glass_trust.json
}

# A bucket anyone can read.
data "aws_iam_policy_document" "assets" {
  statement {
    sid       = "PublicRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-assets/*"]
    principals { # expect: IAM-0009=high
      type        = "*"
      identifiers = ["*"]
    }
  }
}

# A queue policy that lists a partner account, and "*" by mistake.
data "aws_iam_policy_document" "orders_queue" {
  statement {
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:orders"]
    principals {
      type = "AWS"
      identifiers = [
        "arn:aws:iam::444455556666:root",
        "*", # expect: IAM-0009=high
      ]
    }
  }
}

# Allow + NotPrincipal: everyone but the listed role may use the key.
data "aws_iam_policy_document" "key" {
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    not_principals { # expect: IAM-0009=high
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/auditor"]
    }
  }
}

# sts:* — still a trust policy.
data "aws_iam_policy_document" "any_sts" {
  statement {
    actions = ["sts:*"]
    principals {
      type        = "AWS"
      identifiers = ["*"] # expect: IAM-0009=critical
    }
  }
}
