# People assume a role through federation instead.
resource "aws_iam_role" "engineers" {
  name                 = "engineers"
  assume_role_policy   = "{}"
  max_session_duration = 3600
}

resource "aws_iam_user" "breakglass" {
  name = "breakglass"
}
