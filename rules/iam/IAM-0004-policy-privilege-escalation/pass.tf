variable "deploy_role_arn" {
  type = string
}

# iam:PassRole is limited to one role: launching instances is no escalation.
data "aws_iam_policy_document" "ci" {
  statement {
    actions   = ["ec2:RunInstances"]
    resources = ["*"]
  }

  statement {
    actions = ["iam:PassRole"]
    resources = [
      "arn:aws:iam::111122223333:role/app-instance",
      "arn:aws:lambda:*:111122223333:function:*",
      var.deploy_role_arn,
    ]
  }
}

# Policy versions of one policy only; lambda code of one function only.
data "aws_iam_policy_document" "scoped" {
  statement {
    actions   = ["iam:CreatePolicyVersion"]
    resources = ["arn:aws:iam::111122223333:policy/app-boundary"]
  }

  statement {
    actions   = ["lambda:UpdateFunctionCode"]
    resources = ["arn:aws:lambda:eu-west-1:111122223333:function:api"]
  }
}

# Granted, then denied everywhere.
data "aws_iam_policy_document" "denied" {
  statement {
    actions   = ["iam:PutRolePolicy", "ssm:StartSession"]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:*", "ssm:StartSession"]
    resources = ["*"]
  }
}

# Full administrator access is reported by IAM-0001, not as an escalation.
data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
