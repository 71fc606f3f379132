# A flow log whose VPC comes from a module output may log any VPC of this root module:
# those are unverifiable, not passed and not reported (no finding).
module "network" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}

resource "aws_vpc" "legacy" { # unverifiable: TF-0045
  cidr_block = "10.2.0.0/16"
}

resource "aws_vpc" "logged" {
  cidr_block = "10.3.0.0/16"
}

resource "aws_flow_log" "logged" {
  vpc_id          = aws_vpc.logged.id
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.flow_logs.arn
}

resource "aws_flow_log" "network" {
  vpc_id          = module.network.vpc_id
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.flow_logs.arn
}
