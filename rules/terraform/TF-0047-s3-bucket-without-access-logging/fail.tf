resource "aws_s3_bucket" "uploads" { # expect: TF-0047
  bucket = "shop-uploads"
}

resource "aws_s3_bucket" "invoices" {
  bucket = "shop-invoices"
}

resource "aws_s3_bucket_logging" "invoices" {
  bucket        = aws_s3_bucket.invoices.id
  target_bucket = aws_s3_bucket.audit.id
  target_prefix = "invoices/"
}

# The log destination itself is not required to log.
resource "aws_s3_bucket" "audit" {
  bucket = "shop-audit"
}

# A name that merely ends in "log" is not a log bucket.
resource "aws_s3_bucket" "catalog" { # expect: TF-0047
  bucket = "shop-catalog"
}
