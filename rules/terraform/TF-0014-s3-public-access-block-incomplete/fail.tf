resource "aws_s3_bucket" "media" {
  bucket = "acme-media"
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = false # expect: TF-0014
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "exports" { # expect: TF-0014
  bucket            = "acme-exports"
  block_public_acls = true
}

variable "strict" {
  default = false
}

resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = var.strict # expect: TF-0014
  restrict_public_buckets = var.strict # expect: TF-0014
}
