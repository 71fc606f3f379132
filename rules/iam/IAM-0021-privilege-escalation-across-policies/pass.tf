# The two halves belong to different roles.
resource "aws_iam_role" "a" {
  name               = "a"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "b" {
  name               = "b"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "a_pass" {
  role = aws_iam_role.a.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "b_ec2" {
  role = aws_iam_role.b.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

# PassRole limited to one role is not a combination.
resource "aws_iam_role" "c" {
  name               = "c"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "c_pass" {
  role = aws_iam_role.c.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::111122223333:role/app-instance" }]
  })
}

resource "aws_iam_role_policy" "c_ec2" {
  role = aws_iam_role.c.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

variable "role_name" {}

# The role the policy attaches to cannot be known.
resource "aws_iam_role_policy" "unknown_target" {
  role = var.role_name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

# Both halves in one policy: IAM-0004's finding, not this rule's.
resource "aws_iam_role" "d" {
  name               = "d"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "d_both" {
  role = aws_iam_role.d.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:PassRole", "ec2:RunInstances"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "d_other" {
  role = aws_iam_role.d.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::d/*" }]
  })
}
