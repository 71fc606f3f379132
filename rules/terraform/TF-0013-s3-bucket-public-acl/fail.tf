resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_acl" "reports" {
  bucket = aws_s3_bucket.reports.id
  acl    = "public-read" # expect: TF-0013=high
}

# Legacy inline ACL on the bucket.
resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
  acl    = "public-read-write" # expect: TF-0013=critical
}

resource "aws_s3_bucket_acl" "exports" {
  bucket = "acme-exports"
  access_control_policy {
    owner {
      id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    }
    grant { # expect: TF-0013=high
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
      }
      permission = "READ"
    }
    grant { # expect: TF-0013=critical
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "FULL_CONTROL"
    }
  }
}

resource "aws_s3_bucket" "legacy" {
  bucket = "acme-legacy"
  grant { # expect: TF-0013=high
    type        = "Group"
    uri         = "http://acs.amazonaws.com/groups/global/AllUsers"
    permissions = ["READ"]
  }
}

resource "aws_s3_object" "docs" {
  for_each = {
    guide = "guide.pdf"
    faq   = "faq.pdf"
  }
  bucket = "acme-docs"
  key    = each.value
  source = "files/${each.value}"
  acl    = "authenticated-read" # expect: TF-0013=high, TF-0013=high
}
