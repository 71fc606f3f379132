resource "aws_cloudwatch_log_group" "app" { # expect: TF-0041
  name              = "/shop/app"
  retention_in_days = 90
}

resource "aws_cloudwatch_log_group" "audit" {
  name              = "/shop/audit"
  retention_in_days = 365
  kms_key_id        = "" # expect: TF-0041
}
