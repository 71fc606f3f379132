variable "reader_users" {
  type = list(string)
}

resource "aws_iam_policy_attachment" "readers" {
  name       = "readers"
  groups     = ["auditors"]
  roles      = ["reporting"]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_policy_attachment" "from_variable" {
  name       = "from-variable"
  users      = var.reader_users
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_policy_attachment" "nobody" {
  name       = "nobody"
  users      = []
  roles      = ["reporting"]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
