resource "aws_cloudtrail" "main" { # expect: TF-0040
  name                       = "main"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
}

variable "trail_key" {
  default = null
}

resource "aws_cloudtrail" "optional_key" {
  name           = "optional-key"
  s3_bucket_name = aws_s3_bucket.trail.id
  kms_key_id     = var.trail_key # expect: TF-0040
}
