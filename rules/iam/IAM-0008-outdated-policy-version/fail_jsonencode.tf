resource "aws_iam_group_policy" "home" {
  group = "developers"
  policy = jsonencode({ # expect: IAM-0008=medium
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = "arn:aws:s3:::home-dirs/$${aws:username}/*"
    }]
  })
}
