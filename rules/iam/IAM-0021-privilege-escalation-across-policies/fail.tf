resource "aws_iam_role" "ci" { # expect: IAM-0021
  name               = "ci-deployer"
  assume_role_policy = "{}"
}

# One team grants PassRole...
resource "aws_iam_role_policy" "pass" {
  role = aws_iam_role.ci.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

# ...another attaches a policy that starts instances.
resource "aws_iam_policy" "ec2" {
  name = "ec2-operator"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ec2:RunInstances", "ec2:Describe*"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "ec2" {
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.ec2.arn
}

# A user whose inline policies combine Lambda creation and invocation with PassRole.
resource "aws_iam_user" "ops" { # expect: IAM-0021
  name = "ops-bot"
}

resource "aws_iam_user_policy" "lambda" {
  user = "ops-bot"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" }]
  })
}

resource "aws_iam_user_policy" "pass" {
  user = aws_iam_user.ops.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::*:role/*" }]
  })
}
