data "aws_iam_policy_document" "worker" {
  statement {
    sid = "Queues"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:SendMessage", # expect: IAM-0002=medium
      "sqs:DeleteMessage", # expect: IAM-0002=medium
      "sqs:GetQueueUrl",
      "ec2:DescribeInstances",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Deploy"
    actions   = ["iam:PassRole", "lambda:Update*"] # expect: IAM-0002=high, IAM-0002=medium
    resources = ["arn:aws:lambda:eu-west-1:111122223333:function:worker", "*"]
  }

  statement {
    sid           = "EverythingButOneBucket"
    actions       = ["s3:PutObject"] # expect: IAM-0002=medium
    not_resources = ["arn:aws:s3:::audit-logs/*"]
  }
}
