# A partner account, trusted as a whole.
data "aws_iam_policy_document" "vendor_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"] # expect: IAM-0010
    }
  }
}

resource "aws_iam_role" "vendor" {
  name               = "vendor-readonly"
  assume_role_policy = data.aws_iam_policy_document.vendor_trust.json
}

# People in the tooling account, by user and by bare account id; a condition that guards nothing.
data "aws_iam_policy_document" "admin_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type = "AWS"
      identifiers = [
        "arn:aws:iam::111122223333:user/alice", # expect: IAM-0010
        "111122223333",                         # expect: IAM-0010
      ]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
}

# A deployment role of another account.
data "aws_iam_policy_document" "deployer_trust" {
  statement {
    actions = ["sts:*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws-us-gov:iam::777788889999:role/deployer"] # expect: IAM-0010
    }
  }
}
