resource "aws_s3_bucket" "uploads" {
  bucket = "shop-uploads"
}

resource "aws_s3_bucket_logging" "uploads" {
  bucket        = aws_s3_bucket.uploads.id
  target_bucket = "shop-access-logs"
  target_prefix = "uploads/"
}

resource "aws_s3_bucket" "access_logs" {
  bucket = "shop-access-logs"
}

# Older provider versions: an inline block.
resource "aws_s3_bucket" "legacy" {
  bucket = "shop-legacy"

  logging {
    target_bucket = "shop-access-logs"
    target_prefix = "legacy/"
  }
}

# A bucket whose name says it holds logs, even when the name cannot be known in full.
resource "random_pet" "this" {}

resource "aws_s3_bucket" "this" {
  bucket = "logs-${random_pet.this.id}"
}

resource "aws_s3_bucket" "flow" {
  bucket = "shop-vpc-flowlogs"
}
