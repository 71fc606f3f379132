resource "aws_lb" "web" {
  name    = "web"
  subnets = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]

  access_logs {
    bucket  = "acme-lb-logs"
    prefix  = "web"
    enabled = true
  }
}

# Network load balancers only log TLS listeners: not checked.
resource "aws_lb" "tcp" {
  name               = "tcp"
  load_balancer_type = "network"
  subnets            = ["subnet-0a1b2c3d"]
}

variable "log_group_arn" {}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = "a1b2c3d4e5"
  deployment_id = "abc123"
  stage_name    = "prod"

  access_log_settings {
    destination_arn = var.log_group_arn
    format          = jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp" })
  }
}

variable "validate" {}

# Unknown value: not reported.
resource "aws_cloudtrail" "org" {
  name                       = "org"
  s3_bucket_name             = "acme-cloudtrail"
  is_multi_region_trail      = true
  enable_log_file_validation = var.validate
}

resource "aws_cloudtrail" "regional" {
  for_each                   = toset(["eu-west-1", "us-east-1"])
  name                       = "trail-${each.key}"
  s3_bucket_name             = "acme-cloudtrail"
  enable_logging             = true
  enable_log_file_validation = true
}
