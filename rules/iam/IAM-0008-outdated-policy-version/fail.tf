data "aws_iam_policy_document" "home" {
  version = "2008-10-17" # expect: IAM-0008=medium

  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::home-dirs/home/$${aws:username}/*"]
  }
}

data "aws_iam_policy_document" "legacy" {
  version = "2008-10-17" # expect: IAM-0008=low

  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:jobs"]
  }
}

resource "aws_iam_user_policy" "inline" {
  user   = "deploy"
  policy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:ListBucket\", \"Resource\": \"arn:aws:s3:::releases\"}]}" # expect: IAM-0008=low
}
