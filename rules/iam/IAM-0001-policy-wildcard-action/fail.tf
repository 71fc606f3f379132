data "aws_iam_policy_document" "admin" {
  statement {
    sid       = "Everything"
    actions   = ["*"] # expect: IAM-0001=critical
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = [
      "s3:*", # expect: IAM-0001=high
      "ec2:DescribeInstances",
      "kms:*", # expect: IAM-0001=high
    ]
    resources = ["arn:aws:s3:::app-data", "arn:aws:s3:::app-data/*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["*"]
  }
}

# A queue policy granting another account's role every SQS action.
data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:*"] # expect: IAM-0001=high
    resources = ["arn:aws:sqs:eu-west-1:111122223333:orders"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:role/consumer"]
    }
  }
}
