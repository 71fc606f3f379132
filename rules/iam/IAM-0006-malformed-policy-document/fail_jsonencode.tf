resource "aws_s3_bucket_policy" "assets" {
  bucket = "acme-assets"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicRead"
      Effect    = "Permit" # expect: IAM-0006
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "acme-assets/*" # expect: IAM-0006
      Condition = {
        IpAddr = { "aws:SourceIp" = ["203.0.113.0/24"] } # expect: IAM-0006
      }
    }]
  })
}
