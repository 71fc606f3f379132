resource "aws_lb" "web" { # expect: TF-0022
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
}

resource "aws_lb" "admin" {
  name     = "admin"
  internal = true
  subnets  = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]

  access_logs {
    bucket  = "acme-lb-logs"
    prefix  = "admin"
    enabled = false # expect: TF-0022
  }
}

resource "aws_api_gateway_stage" "prod" { # expect: TF-0022
  rest_api_id   = "a1b2c3d4e5"
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_apigatewayv2_stage" "default" { # expect: TF-0022
  api_id      = "f6g7h8i9j0"
  name        = "$default"
  auto_deploy = true
}

resource "aws_cloudtrail" "org" { # expect: TF-0022
  name                  = "org"
  s3_bucket_name        = "acme-cloudtrail"
  is_multi_region_trail = true
}

variable "trail_on" {
  default = false
}

resource "aws_cloudtrail" "data_events" {
  name                       = "data-events"
  s3_bucket_name             = "acme-cloudtrail"
  enable_logging             = var.trail_on # expect: TF-0022=high
  enable_log_file_validation = true
}
