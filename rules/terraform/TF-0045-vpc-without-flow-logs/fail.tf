resource "aws_vpc" "main" { # expect: TF-0045
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "logged" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_flow_log" "logged" {
  vpc_id          = aws_vpc.logged.id
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.flow_logs.arn
}

# A subnet's flow log does not cover its VPC.
resource "aws_flow_log" "subnet" {
  subnet_id       = aws_subnet.app.id
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.flow_logs.arn
}

# A literal id names a VPC managed elsewhere: it does not cover the VPC created here.
resource "aws_flow_log" "literal" {
  vpc_id          = "vpc-0123456789abcdef0"
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.flow_logs.arn
}
