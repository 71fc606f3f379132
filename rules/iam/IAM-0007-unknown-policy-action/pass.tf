variable "actions" {
  type = list(string)
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = [
      "s3:GetObject",
      "S3:putobject",
      "ec2:Describe*",
      "dynamodb:Get?tem",
      "*",
    ]
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = var.actions
    resources = ["*"]
  }
}
