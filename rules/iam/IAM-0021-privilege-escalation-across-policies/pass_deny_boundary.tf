resource "aws_iam_policy" "pass_any" {
  name = "pass-any-role"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

# A third policy denies what the other two grant together.
resource "aws_iam_role" "guarded" {
  name               = "guarded"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "guarded_ec2" {
  role = aws_iam_role.guarded.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "guarded_pass" {
  role       = aws_iam_role.guarded.name
  policy_arn = aws_iam_policy.pass_any.arn
}

resource "aws_iam_role_policy" "guarded_deny" {
  role = aws_iam_role.guarded.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "iam:Pass*", Resource = "*" }]
  })
}

# The boundary allows EC2 only: passing roles is outside it.
resource "aws_iam_policy" "ec2_only" {
  name = "ec2-only-boundary"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:*", Resource = "*" }]
  })
}

resource "aws_iam_role" "bounded" {
  name                 = "bounded"
  assume_role_policy   = "{}"
  permissions_boundary = aws_iam_policy.ec2_only.arn
}

resource "aws_iam_role_policy" "bounded_ec2" {
  role = aws_iam_role.bounded.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

resource "aws_iam_policy_attachment" "bounded_pass" {
  name       = "bounded-pass"
  roles      = [aws_iam_role.bounded.name]
  policy_arn = aws_iam_policy.pass_any.arn
}

# A user in a group nobody attached anything to.
resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_group_membership" "readers" {
  name  = "readers"
  group = aws_iam_group.readers.name
  users = [aws_iam_user.reader.name]
}

resource "aws_iam_user_policy" "reader_ec2" {
  user = aws_iam_user.reader.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}
