# METADATA
# id: TF-0022
# name: access-logging-disabled
# title: Load balancer, API stage or CloudTrail trail does not keep a trustworthy log
# severity: medium
# since: "0.1.0"
# stride: [repudiation]
# applies_to:
#   platform: terraform
#   kinds: ["aws_lb", "aws_alb", "aws_api_gateway_stage", "aws_apigatewayv2_stage", "aws_cloudtrail"]
# what: >-
#   Finds request and audit logging that is off: an Application Load Balancer without
#   `access_logs { enabled = true }` (access logs are off by default, even when a bucket is
#   given), an API Gateway stage (REST, HTTP or WebSocket) without `access_log_settings`, and a
#   CloudTrail trail with `enable_logging = false` (reported as high) or without
#   `enable_log_file_validation = true` (off by default). Network and Gateway Load Balancers
#   are not checked: they log only TLS listeners or nothing. CloudFront distributions are not
#   checked, because their logs can be configured outside the distribution (standard logging
#   v2).
# why: >-
#   Access logs and the CloudTrail record are the evidence of who called what, from where and
#   when. Without them an attack or a disputed action cannot be reconstructed; without log file
#   validation, someone with access to the bucket can edit or delete trail files without the
#   change being detectable.
# fix: >-
#   Add `access_logs { bucket = ..., enabled = true }` to the load balancer, an
#   `access_log_settings` block with a log group ARN and format to the API stage, and set
#   `enable_logging = true` and `enable_log_file_validation = true` on the trail.
# references:
#   - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb#access_logs
#   - https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
#   - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
# control: "seed 001 Repudiation: logs are sent to AWS CloudWatch identifying who did what and when"
# controls: ["logs", "logging", "access logs", "audit trail", "cloudtrail"]
package stridegate.rules.tf_0022

import data.stridegate.lib.terraform as tf
import rego.v1

absent(obj, name) if object.get(obj, name, null) == null

absent(obj, name) if obj[name] == []

trail if input.s3_bucket_name

rest_stage if input.stage_name

http_stage if {
	input.api_id
	input.name
}

stage if rest_stage

stage if http_stage

load_balancer if {
	not trail
	not rest_stage
	not http_stage
}

application_lb if {
	load_balancer
	object.get(input, "load_balancer_type", null) == null
}

application_lb if {
	load_balancer
	input.load_balancer_type == "application"
}

# Load balancers.
deny contains {"msg": "load balancer has no access logs (no access_logs block)", "path": ["access_logs"]} if {
	application_lb
	absent(input, "access_logs")
}

deny contains {"msg": msg, "path": ["access_logs", i, "enabled"]} if {
	application_lb
	some [i, logs] in tf.blocks(input, "access_logs")
	object.get(logs, "enabled", null) == null
	msg := "load balancer access logs are off (access_logs.enabled is not set and defaults to false)"
}

deny contains {"msg": "load balancer access logs are off (access_logs.enabled = false)", "path": ["access_logs", i, "enabled"]} if {
	application_lb
	some [i, logs] in tf.blocks(input, "access_logs")
	logs.enabled == false
}

# API Gateway stages.
deny contains {"msg": "API stage writes no access log (no access_log_settings block)", "path": ["access_log_settings"]} if {
	stage
	absent(input, "access_log_settings")
}

# CloudTrail.
deny contains {"msg": "trail records nothing (enable_logging = false)", "path": ["enable_logging"], "severity": "high"} if {
	trail
	input.enable_logging == false
}

deny contains {"msg": "trail log files can be altered undetected (enable_log_file_validation = false)", "path": ["enable_log_file_validation"]} if {
	trail
	input.enable_log_file_validation == false
}

deny contains {"msg": "trail log files can be altered undetected (enable_log_file_validation is not set and defaults to false)", "path": ["enable_log_file_validation"]} if {
	trail
	object.get(input, "enable_log_file_validation", null) == null
}
