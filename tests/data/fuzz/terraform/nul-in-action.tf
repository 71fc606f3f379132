data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["ec2:Describe\u0000Instances"]
    resources = ["*"]
  }
}
