variable "session_seconds" {}

resource "aws_iam_role" "default" {
  name               = "default"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "four_hours" {
  name                 = "deploy"
  assume_role_policy   = "{}"
  max_session_duration = 14400
}

resource "aws_iam_role" "configurable" {
  name                 = "configurable"
  assume_role_policy   = "{}"
  max_session_duration = var.session_seconds
}
