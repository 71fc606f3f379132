resource "aws_cloudtrail" "main" {
  name                       = "main"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.trail.arn
}

# A key given by the caller cannot be known: not reported.
variable "trail_key_arn" {
  type = string
}

resource "aws_cloudtrail" "org" {
  name           = "org"
  s3_bucket_name = "org-trail-logs"
  kms_key_id     = var.trail_key_arn
}
