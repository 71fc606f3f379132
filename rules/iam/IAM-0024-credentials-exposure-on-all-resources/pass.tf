# Credentials of named database users and users under one path; the rest denied.
data "aws_iam_policy_document" "etl" {
  statement {
    actions   = ["redshift:GetClusterCredentials"]
    resources = ["arn:aws:redshift:eu-west-1:111122223333:dbuser:analytics/etl"]
  }

  statement {
    actions   = ["iam:CreateAccessKey", "iam:UpdateAccessKey"]
    resources = ["arn:aws:iam::111122223333:user/service/*"]
  }

  statement {
    actions   = ["lightsail:GetInstanceAccessDetails"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["lightsail:*"]
    resources = ["*"]
  }
}
