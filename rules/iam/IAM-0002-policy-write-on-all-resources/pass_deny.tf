# Writes allowed on every bucket of one account only, and writes cancelled by a Deny.
data "aws_iam_policy_document" "scoped" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::acme-uploads/*", "arn:aws:s3:::acme-*"]
  }

  statement {
    actions   = ["cloudtrail:StopLogging"]
    resources = ["arn:aws:cloudtrail:eu-west-1:111122223333:trail/main"]
  }
}

data "aws_iam_policy_document" "denied" {
  statement {
    actions   = ["s3:PutObject", "sqs:DeleteQueue"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["s3:Put*", "sqs:*"]
    resources = ["*"]
  }
}

# Bucket ARNs for an object action grant nothing.
data "aws_iam_policy_document" "wrong_type" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::*"]
  }
}
