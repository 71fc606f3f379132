resource "aws_iam_role" "auditors" {
  name = "auditors"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithSAML"
      Principal = { Federated = "arn:aws:iam::111122223333:saml-provider/azure-ad" } # expect: IAM-0012
    }]
  })
}
