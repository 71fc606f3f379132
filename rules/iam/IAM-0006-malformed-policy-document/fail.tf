data "aws_iam_policy_document" "app" {
  version = "2012-10-18" # expect: IAM-0006

  statement {
    sid       = "Read"
    effect    = "allow" # expect: IAM-0006
    actions   = ["s3:GetObject"]
    resources = ["app-data/*"] # expect: IAM-0006
  }

  statement {
    sid       = "Read" # expect: IAM-0006
    effect    = "Deny"
    actions   = ["s3:DeleteObject"]
    resources = ["arn:aws:s3:::app-data/*"]

    condition { # expect: IAM-0006
      test     = "StringNotEqual"
      variable = "aws:PrincipalTag/team"
      values   = ["data"]
    }
  }

  statement { # expect: IAM-0006
    actions = ["sqs:SendMessage"]
  }
}

resource "aws_iam_role_policy" "broken" {
  role   = "app"
  policy = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},]}" # expect: IAM-0006
}

resource "aws_iam_role" "placeholder" {
  name               = "placeholder"
  assume_role_policy = "{}" # expect: IAM-0006
}
