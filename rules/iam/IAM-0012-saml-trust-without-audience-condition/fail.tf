data "aws_iam_policy_document" "okta_trust" {
  statement {
    actions = ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:saml-provider/okta"] # expect: IAM-0012
    }
  }
}

resource "aws_iam_role" "engineers" {
  name               = "engineers"
  assume_role_policy = data.aws_iam_policy_document.okta_trust.json
}

# A condition on something else does not pin the audience.
data "aws_iam_policy_document" "adfs_trust" {
  statement {
    actions = ["sts:AssumeRoleWithSAML"]
    principals {
      type = "Federated"
      identifiers = [
        "arn:aws:iam::111122223333:saml-provider/adfs", # expect: IAM-0012
      ]
    }
    condition {
      test     = "StringEquals"
      variable = "SAML:sub_type"
      values   = ["persistent"]
    }
  }
}
