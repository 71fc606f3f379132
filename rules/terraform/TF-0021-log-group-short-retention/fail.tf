resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/shop-api"
  retention_in_days = 14 # expect: TF-0021
}

variable "services" {
  default = {
    checkout = 30
    payments = 731
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = var.services
  name              = "/ecs/${each.key}"
  retention_in_days = each.value # expect: TF-0021
}
