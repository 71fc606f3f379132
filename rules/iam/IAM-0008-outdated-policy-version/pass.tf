variable "policy_version" {
  type = string
}

data "aws_iam_policy_document" "home" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::home-dirs/home/$${aws:username}/*"]
  }
}

data "aws_iam_policy_document" "dynamic" {
  version = var.policy_version

  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:111122223333:jobs"]
  }
}

resource "aws_iam_policy" "releases" {
  name   = "releases"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::releases"
    }
  ]
}
EOF
}

# No statements: IAM-0006 reports the document itself.
resource "aws_iam_role" "placeholder" {
  name               = "placeholder"
  assume_role_policy = "{}"
}
