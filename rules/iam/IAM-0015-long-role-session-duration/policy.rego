# METADATA
# id: IAM-0015
# name: long-role-session-duration
# title: Role sessions may last longer than 4 hours
# severity: low
# since: "0.1.0"
# stride: [spoofing, elevation-of-privilege]
# applies_to:
#   platform: terraform
#   kinds: ["aws_iam_role"]
# what: >-
#   Finds `aws_iam_role` resources whose `max_session_duration` exceeds 4 hours (14,400 seconds).
#   AWS accepts 1 to 12 hours and defaults to 1 hour. The limit is `max-session-duration` in the
#   `[settings]` of stridegate.toml.
# why: >-
#   Temporary credentials are only as temporary as their session. Credentials stolen from a
#   workstation, a CI log or a compromised workload stay valid until the session ends, and
#   revoking them means editing the role's policy by hand. A 12-hour session makes a leaked set
#   of credentials useful for a working day.
# fix: >-
#   Keep `max_session_duration` at the default of 3600 seconds, or as short as the longest job
#   that needs the role; long-running jobs can refresh their credentials (the AWS SDKs do it for
#   roles assumed through a profile or web identity).
# references:
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html#id_roles_update-session-duration
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role#max_session_duration
# control: "seed 002 Security Requirements, Authentication: session management should be secure, with appropriate timeouts; Data Sensitivity: temporary AWS credentials, high sensitivity but mitigated by short lifespan"
# controls: ["session duration", "role sessions"]
package stridegate.rules.iam_0015

import data.stridegate.lib.terraform as tf
import rego.v1

# Longest session accepted, in seconds: `[settings] max-session-duration` (default 4 hours).
max_session_seconds := data.stridegate.settings.max_session_duration

limit_text := sprintf("%d-hour", [max_session_seconds / 3600]) if max_session_seconds % 3600 == 0
else := sprintf("%d-second", [max_session_seconds])

duration := to_number(input.max_session_duration) if {
	tf.known(input.max_session_duration)
	is_number(input.max_session_duration)
} else := to_number(input.max_session_duration) if {
	is_string(input.max_session_duration)
	regex.match(`^[0-9]+$`, input.max_session_duration)
}

deny contains {"msg": msg, "path": ["max_session_duration"]} if {
	duration > max_session_seconds
	msg := sprintf("role sessions may last %s (max_session_duration = %d), more than the %s limit", [hours(duration), duration, limit_text])
}

hours(s) := sprintf("%d hours", [s / 3600]) if s % 3600 == 0
else := sprintf("%d seconds", [s])
