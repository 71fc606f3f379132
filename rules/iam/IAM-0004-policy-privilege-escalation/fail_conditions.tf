# PassRole limited to EC2 still lets the holder pass any role to an instance.
data "aws_iam_policy_document" "ec2_launcher" {
  statement {
    actions   = ["ec2:RunInstances"] # expect: IAM-0004=high
    resources = ["*"]
  }

  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
}

# Only from the corporate network: still an escalation, but restricted.
data "aws_iam_policy_document" "office_admin" {
  statement {
    actions   = ["iam:CreatePolicyVersion"] # expect: IAM-0004=medium
    resources = ["*"]
    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = ["203.0.113.0/24"]
    }
  }
}

# A condition that does not limit the holder is no restriction.
data "aws_iam_policy_document" "tls_admin" {
  statement {
    actions   = ["iam:AttachUserPolicy"] # expect: IAM-0004=critical
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
}

# Whether the tag condition holds cannot be known from the code.
data "aws_iam_policy_document" "tagged_roles" {
  statement {
    actions   = ["iam:PutRolePolicy"] # unverifiable: IAM-0004
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/team"
      values   = ["platform"]
    }
  }
}

# A Deny of every request from outside the organization restricts the grant: medium.
data "aws_iam_policy_document" "org_guarded" {
  statement {
    actions   = ["iam:AttachRolePolicy"] # expect: IAM-0004=medium
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-a1b2c3d4e5"]
    }
  }
}

# Requests without MFA are denied, long-term keys included: medium.
data "aws_iam_policy_document" "mfa_guarded" {
  statement {
    actions   = ["iam:CreateAccessKey"] # expect: IAM-0004=medium
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

# Denying plain HTTP, or requests whose MFA key says false (long-term keys carry none), does not
# limit the holder: the grant stays critical.
data "aws_iam_policy_document" "weak_guards" {
  statement {
    actions   = ["iam:PutUserPolicy"] # expect: IAM-0004=critical
    resources = ["*"]
  }

  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

# A NotAction Deny keeping every IAM action (iam:*) removes nothing here.
data "aws_iam_policy_document" "not_action_keeps" {
  statement {
    actions   = ["iam:CreatePolicyVersion"] # expect: IAM-0004=critical
    resources = ["*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["iam:*", "s3:*"]
    resources   = ["*"]
  }
}
