resource "aws_s3_bucket" "uploads" {
  bucket = "shop-uploads"
}

resource "aws_s3_bucket_versioning" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Named by bucket name rather than by reference.
resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}

resource "aws_s3_bucket_versioning" "assets" {
  bucket = "shop-assets"
  versioning_configuration {
    status = "Enabled"
  }
}

# Older provider versions: an inline block.
resource "aws_s3_bucket" "legacy" {
  bucket = "shop-legacy"

  versioning {
    enabled = true
  }
}
