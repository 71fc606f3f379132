# METADATA
# id: TF-0021
# name: log-group-short-retention
# title: CloudWatch log group deletes its logs in less than a year
# severity: low
# since: "0.1.0"
# stride: [repudiation]
# applies_to:
#   platform: terraform
#   kinds: ["aws_cloudwatch_log_group"]
# what: >-
#   Finds `aws_cloudwatch_log_group` resources whose `retention_in_days` is set to fewer than
#   365 days. A log group without `retention_in_days` (or with 0) keeps its events forever and
#   is not reported: that is a cost and data-minimisation choice, not a loss of evidence. The
#   rule does not ask for `kms_key_id`, because CloudWatch Logs always encrypts log data at rest;
#   a customer managed key only adds key-policy control over who can decrypt it.
# why: >-
#   Logs are the record of who did what and when. Intrusions are typically discovered weeks or
#   months after they start, and audit standards such as PCI DSS ask for a year of audit
#   history; logs deleted after days or weeks leave an investigation without evidence and let
#   an actor deny what they did. Debug or high-volume logs with a deliberately short retention
#   can be suppressed.
# fix: >-
#   Set `retention_in_days` to 365 or more (for example 400 or 731) for logs that record
#   activity, or export them to an archive (S3 with Object Lock, a SIEM) that keeps them long
#   enough and suppress the finding.
# references:
#   - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group#retention_in_days
#   - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
# control: "seed 001 Repudiation: logs are sent to AWS CloudWatch identifying who did what and when"
# controls: ["logs", "logging", "log retention"]
package stridegate.rules.tf_0021

import rego.v1

deny contains {"msg": msg, "path": ["retention_in_days"]} if {
	days := input.retention_in_days
	is_number(days)
	days > 0
	days < 365
	msg := sprintf("log group deletes its events after %d days (retention_in_days), less than a year", [days])
}
