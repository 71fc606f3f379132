resource "aws_iam_role" "analysts" {
  name                 = "analysts"
  assume_role_policy   = "{}"
  max_session_duration = 43200 # expect: IAM-0015
}

locals {
  session = 5 * 3600
}

resource "aws_iam_role" "batch" {
  name                 = "batch"
  assume_role_policy   = "{}"
  max_session_duration = local.session # expect: IAM-0015
}
