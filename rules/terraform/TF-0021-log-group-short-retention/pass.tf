resource "aws_cloudwatch_log_group" "audit" {
  name              = "/shop/audit"
  retention_in_days = 400
  kms_key_id        = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

# Never expires: kept as evidence (a cost choice, not reported).
resource "aws_cloudwatch_log_group" "trail" {
  name = "/aws/cloudtrail/org"
}

variable "retention" {}

# Unknown value: not reported.
resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/shop-api"
  retention_in_days = var.retention
}

resource "aws_cloudwatch_log_group" "workers" {
  count             = 2
  name              = "/ecs/worker-${count.index}"
  retention_in_days = 365
}
