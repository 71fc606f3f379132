resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = "{}"
  managed_policy_arns = [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess", # expect: IAM-0014=critical
  ]
}

resource "aws_iam_role_policy_attachment" "ops" {
  role       = "ops"
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess" # expect: IAM-0014=high
}

resource "aws_iam_user_policy_attachment" "bob" {
  user       = "bob"
  policy_arn = "arn:aws-us-gov:iam::aws:policy/IAMFullAccess" # expect: IAM-0014=critical
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = "admins"
  policy_arn = "arn:aws-cn:iam::aws:policy/AdministratorAccess" # expect: IAM-0014=critical
}

resource "aws_iam_policy_attachment" "amplify" {
  name       = "amplify"
  roles      = ["amplify-backend"]
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess-Amplify" # expect: IAM-0014=high
}

resource "aws_iam_role_policy_attachments_exclusive" "platform" {
  role_name   = "platform"
  policy_arns = ["arn:aws:iam::aws:policy/AWSOrganizationsFullAccess"] # expect: IAM-0014=high
}
