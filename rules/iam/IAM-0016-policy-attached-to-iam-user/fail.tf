resource "aws_iam_user_policy" "ci_deploy" {
  name = "deploy"
  user = "ci" # expect: IAM-0016=medium
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-site/*"}]
}
EOF
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user_policy_attachment" "bob_billing" {
  user       = aws_iam_user.bob.name # expect: IAM-0016=low
  policy_arn = "arn:aws:iam::aws:policy/job-function/Billing"
}

resource "aws_iam_policy_attachment" "readers" {
  name       = "readers"
  groups     = ["auditors"]
  users = [
    "alice", # expect: IAM-0016=low
    "carol", # expect: IAM-0016=low
  ]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
