resource "aws_iam_policy" "ec2" {
  name = "ec2-operator"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

# PassRole only to Lambda: the instances it starts cannot use the passed role.
resource "aws_iam_role" "to_lambda" {
  name               = "to-lambda"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "to_lambda_pass" {
  role = aws_iam_role.to_lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "iam:PassRole", Resource = "*"
      Condition = { StringLike = { "iam:PassedToService" = "lambda.amazonaws.com" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "to_lambda_run" {
  role       = aws_iam_role.to_lambda.name
  policy_arn = aws_iam_policy.ec2.arn
}

# A Deny with NotAction removes every action its patterns do not match (iam:Pass* included).
resource "aws_iam_role" "storage_only" {
  name               = "storage-only"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "storage_only_pass" {
  role = aws_iam_role.storage_only.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "storage_only_deny" {
  role = aws_iam_role.storage_only.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", NotAction = ["s3:*", "ec2:Describe*", "iam:Get*"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "storage_only_run" {
  role       = aws_iam_role.storage_only.name
  policy_arn = aws_iam_policy.ec2.arn
}
