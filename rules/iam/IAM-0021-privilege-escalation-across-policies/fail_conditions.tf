resource "aws_iam_policy" "ec2" {
  name = "ec2-operator"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RunInstances", Resource = "*" }]
  })
}

# PassRole limited to EC2 still lets the holder pass any role to the instances it starts.
resource "aws_iam_role" "to_ec2" { # expect: IAM-0021=high
  name               = "to-ec2"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "to_ec2_pass" {
  role = aws_iam_role.to_ec2.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "iam:PassRole", Resource = "*"
      Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "to_ec2_run" {
  role       = aws_iam_role.to_ec2.name
  policy_arn = aws_iam_policy.ec2.arn
}

# Only from the office network: still an escalation, but restricted.
resource "aws_iam_role" "office" { # expect: IAM-0021=medium
  name               = "office"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "office_pass" {
  role = aws_iam_role.office.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "iam:PassRole", Resource = "*"
      Condition = { IpAddress = { "aws:SourceIp" = ["203.0.113.0/24"] } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "office_run" {
  role       = aws_iam_role.office.name
  policy_arn = aws_iam_policy.ec2.arn
}

# A third policy denies every request from outside the organization: restricted, not cancelled.
resource "aws_iam_role" "org_guarded" { # expect: IAM-0021=medium
  name               = "org-guarded"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "org_guarded_pass" {
  role = aws_iam_role.org_guarded.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "org_guarded_deny" {
  role = aws_iam_role.org_guarded.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny", Action = "*", Resource = "*"
      Condition = { StringNotEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "org_guarded_run" {
  role       = aws_iam_role.org_guarded.name
  policy_arn = aws_iam_policy.ec2.arn
}

# Denying plain HTTP does not stop the holder: the Allow stays as it is.
resource "aws_iam_role" "tls_only" { # expect: IAM-0021=high
  name               = "tls-only"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "tls_only_pass" {
  role = aws_iam_role.tls_only.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
      {
        Effect = "Deny", Action = "*", Resource = "*"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "tls_only_run" {
  role       = aws_iam_role.tls_only.name
  policy_arn = aws_iam_policy.ec2.arn
}

# Whether the tag condition holds cannot be known from the code.
resource "aws_iam_role" "tagged" { # unverifiable: IAM-0021
  name               = "tagged"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "tagged_pass" {
  role = aws_iam_role.tagged.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "iam:PassRole", Resource = "*"
      Condition = { StringEquals = { "aws:ResourceTag/team" = "platform" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "tagged_run" {
  role       = aws_iam_role.tagged.name
  policy_arn = aws_iam_policy.ec2.arn
}
