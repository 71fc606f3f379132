# The same grants as IAM-0024's and IAM-0025's pass_escalation.tf: reported here only.
data "aws_iam_policy_document" "escalations" {
  statement {
    actions = [
      "iam:CreateAccessKey",    # expect: IAM-0004=high
      "iam:CreateLoginProfile", # expect: IAM-0004=high
      "iam:PassRole",           # expect: IAM-0004=high
      "lambda:CreateFunction",
      "lambda:AddPermission",
      "iam:UpdateAssumeRolePolicy", # expect: IAM-0004=high
      "sts:AssumeRole",
    ]
    resources = ["*"]
  }
}
