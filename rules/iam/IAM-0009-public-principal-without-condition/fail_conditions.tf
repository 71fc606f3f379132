# Conditions any caller satisfies leave the principal public.
data "aws_iam_policy_document" "website" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-site/*"]
    principals { # expect: IAM-0009=high
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:Referer"
      values   = ["https://www.example.com/*"]
    }
  }
}

data "aws_iam_policy_document" "everywhere" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:inbox"]
    principals {
      type        = "AWS"
      identifiers = ["*"] # expect: IAM-0009=high
    }
    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = ["0.0.0.0/0"]
    }
  }
}

# A negated organization condition lets every other organization in.
data "aws_iam_policy_document" "not_org" {
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"] # expect: IAM-0009=high
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-a1b2c3d4e5"]
    }
  }
}

# A service key: whether it restricts the caller cannot be judged.
data "aws_iam_policy_document" "acl" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::acme-drop/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"] # unverifiable: IAM-0009
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}
