# A managed policy attached through aws_iam_policy_attachment's lists.
resource "aws_iam_role" "deployer" { # expect: IAM-0021
  name               = "deployer"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "deployer_ec2" {
  role = aws_iam_role.deployer.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

resource "aws_iam_policy" "pass_any" {
  name = "pass-any-role"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

resource "aws_iam_policy_attachment" "pass_any" {
  name       = "pass-any-role"
  roles      = [aws_iam_role.deployer.name]
  users      = ["ci-bot"]
  policy_arn = aws_iam_policy.pass_any.arn
}

# A user whose group grants PassRole, and whose own policy runs functions.
resource "aws_iam_user" "ci" { # expect: IAM-0021
  name = "ci-bot"
}

resource "aws_iam_user_policy" "ci_lambda" {
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" }]
  })
}

resource "aws_iam_user" "dev" { # expect: IAM-0021
  name = "dev"
}

resource "aws_iam_group" "builders" {
  name = "builders"
}

resource "aws_iam_group_policy_attachment" "builders_pass" {
  group      = aws_iam_group.builders.name
  policy_arn = aws_iam_policy.pass_any.arn
}

resource "aws_iam_user_group_membership" "dev" {
  user   = aws_iam_user.dev.name
  groups = [aws_iam_group.builders.name]
}

resource "aws_iam_user_policy" "dev_stacks" {
  user = aws_iam_user.dev.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "cloudformation:CreateStack", Resource = "*" }]
  })
}

# A boundary that cannot be read: whether it stops the escalation is unknown.
resource "aws_iam_role" "bounded_elsewhere" { # unverifiable: IAM-0021
  name                 = "bounded-elsewhere"
  assume_role_policy   = "{}"
  permissions_boundary = "arn:aws:iam::111122223333:policy/team-boundary"
}

resource "aws_iam_role_policy" "bounded_elsewhere_ec2" {
  role = aws_iam_role.bounded_elsewhere.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "bounded_elsewhere_pass" {
  role       = aws_iam_role.bounded_elsewhere.name
  policy_arn = aws_iam_policy.pass_any.arn
}
