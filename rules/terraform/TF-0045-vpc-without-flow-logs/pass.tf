resource "aws_vpc" "main" {
  for_each   = { a = "10.0.0.0/16", b = "10.1.0.0/16" }
  cidr_block = each.value
}

resource "aws_flow_log" "main" {
  for_each        = aws_vpc.main
  vpc_id          = each.value.id
  traffic_type    = "ALL"
  iam_role_arn    = aws_iam_role.flow_logs.arn
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
}
