resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

variable "buckets" {
  default = ["acme-media", "acme-exports"]
}

resource "aws_s3_bucket_public_access_block" "all" {
  for_each                = toset(var.buckets)
  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

variable "block_policy" {}

# Unknown value: not reported, but the control is unverifiable.
resource "aws_s3_bucket_public_access_block" "website" {
  bucket                  = "acme-website"
  block_public_acls       = true
  block_public_policy     = var.block_policy # unverifiable: TF-0014
  ignore_public_acls      = true
  restrict_public_buckets = true
}
