data "aws_iam_policy_document" "reader" {
  # Object actions on the bucket ARN.
  statement {
    actions = [
      "s3:ListBucket",
      "s3:GetObject", # expect: IAM-0017
    ]
    resources = ["arn:aws:s3:::acme-reports"]
  }

  # ListBucket on a "folder": it needs the bucket ARN.
  statement {
    actions   = ["s3:ListBucket"] # expect: IAM-0017
    resources = ["arn:aws:s3:::acme-reports/2024"]
  }

  # Describe calls support no resource-level permission.
  statement {
    actions   = ["ec2:DescribeInstances"] # expect: IAM-0017
    resources = ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc123def4567890"]
  }
}

# A guardrail that matches nothing: DeleteBucket acts on the bucket, not its objects.
resource "aws_iam_policy" "guardrail" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Deny"
      Action   = "s3:DeleteBucket" # expect: IAM-0017=medium
      Resource = "arn:aws:s3:::acme-terraform-state/state.tfstate"
    }]
  })
}
