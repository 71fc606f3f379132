data "aws_iam_policy_document" "ci" {
  statement {
    sid = "Deploy"
    actions = [
      "ec2:RunInstances", # expect: IAM-0004=high
      "ec2:DescribeInstances",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "PassAnyRole"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::111122223333:role/*"]
  }
}

data "aws_iam_policy_document" "policy_admin" {
  statement {
    actions = [
      "iam:GetPolicy",
      "iam:CreatePolicyVersion", # expect: IAM-0004=critical
      "iam:ListPolicyVersions",
    ]
    resources = ["arn:aws:iam::111122223333:policy/*"]
  }
}

data "aws_iam_policy_document" "iam_operator" {
  statement {
    actions   = ["iam:*"] # expect: IAM-0004=critical
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "functions" {
  statement {
    actions   = ["lambda:CreateFunction", "lambda:InvokeFunction"] # expect: IAM-0004=high
    resources = ["arn:aws:lambda:*:111122223333:function:*"]
  }

  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "all_but_s3" {
  statement {
    not_actions = ["s3:*"] # expect: IAM-0004=critical
    resources   = ["*"]
  }
}
