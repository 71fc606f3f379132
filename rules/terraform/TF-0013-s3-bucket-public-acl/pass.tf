resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_acl" "reports" {
  bucket = aws_s3_bucket.reports.id
  acl    = "private"
}

# Log delivery is a grant to the S3 log delivery service, not to the public.
resource "aws_s3_bucket_acl" "logs" {
  bucket = "acme-logs"
  acl    = "log-delivery-write"
}

resource "aws_s3_bucket_acl" "shared" {
  bucket = "acme-shared"
  access_control_policy {
    owner {
      id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    }
    grant {
      grantee {
        type = "CanonicalUser"
        id   = "e7cd47ef2be79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d521"
      }
      permission = "READ"
    }
  }
}

variable "acl" {}

# Unknown ACL: not reported, but the control is unverifiable.
resource "aws_s3_bucket_acl" "dynamic" {
  bucket = "acme-dynamic"
  acl    = var.acl # unverifiable: TF-0013
}

variable "environments" {
  default = ["dev", "prod"]
}

resource "aws_s3_object" "readme" {
  count  = length(var.environments)
  bucket = "acme-${var.environments[count.index]}"
  key    = "README"
  acl    = "bucket-owner-full-control"
}
