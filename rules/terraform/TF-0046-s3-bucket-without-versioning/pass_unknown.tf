# A versioning resource whose bucket cannot be known may be any bucket's here.
variable "bucket_name" {
  type = string
}

resource "aws_s3_bucket" "uploads" {
  bucket = "shop-uploads"
}

resource "aws_s3_bucket_versioning" "configured" {
  bucket = var.bucket_name
  versioning_configuration {
    status = "Enabled"
  }
}
