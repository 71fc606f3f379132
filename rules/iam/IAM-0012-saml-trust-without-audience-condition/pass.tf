variable "saml_provider_arn" {}

data "aws_iam_policy_document" "okta_trust" {
  statement {
    actions = ["sts:AssumeRoleWithSAML"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:saml-provider/okta"]
    }
    condition {
      test     = "StringEquals"
      variable = "SAML:aud"
      values   = ["https://signin.aws.amazon.com/saml"]
    }
  }
}

# The provider's ARN is not known.
data "aws_iam_policy_document" "sso_trust" {
  statement {
    actions = ["sts:AssumeRoleWithSAML"]
    principals {
      type        = "Federated"
      identifiers = [var.saml_provider_arn]
    }
  }
}

resource "aws_iam_role" "readonly" {
  name               = "readonly"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/adfs"},
    "Action": "sts:AssumeRoleWithSAML",
    "Condition": {"StringEquals": {"saml:aud": ["https://signin.aws.amazon.com/saml", "https://eu-west-1.signin.aws.amazon.com/saml"]}}
  }]
}
EOF
}
