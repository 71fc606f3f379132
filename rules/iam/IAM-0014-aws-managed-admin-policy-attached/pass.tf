variable "extra_policy_arn" {}

data "aws_partition" "current" {}

resource "aws_iam_role" "app" {
  name                = "app"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", var.extra_policy_arn]
}

# A customer managed policy that happens to be called AdministratorAccess is another rule's job.
resource "aws_iam_role_policy_attachment" "custom" {
  role       = "app"
  policy_arn = "arn:aws:iam::111122223333:policy/AdministratorAccess"
}

# The partition cannot be known here.
resource "aws_iam_role_policy_attachment" "by_partition" {
  role       = "app"
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_user_policy_attachment" "s3" {
  user       = "bob"
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
