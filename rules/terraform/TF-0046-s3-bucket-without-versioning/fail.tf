resource "aws_s3_bucket" "uploads" { # expect: TF-0046
  bucket = "shop-uploads"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "shop-legacy"

  versioning {
    enabled = false # expect: TF-0046
  }
}

resource "aws_s3_bucket" "suspended" { # expect: TF-0046
  bucket = "shop-suspended"
}

resource "aws_s3_bucket_versioning" "suspended" {
  bucket = aws_s3_bucket.suspended.id
  versioning_configuration {
    status = "Suspended"
  }
}
