# METADATA
# id: TF-0051
# name: secret-in-instance-user-data
# title: Instance user data holds a credential
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_instance", "aws_launch_template", "aws_launch_configuration"]
# what: >-
#   Finds credentials in the `user_data` or `user_data_base64` of EC2 instances, launch
#   templates and launch configurations (written inline, read with `file()` or `templatefile()`
#   from the configuration, and decoded when the literal is base64): PEM private keys, AWS
#   access key ids, GitHub, GitLab and Slack tokens, Google API keys, passwords in URLs, and
#   `PASSWORD=...`/`token: ...` assignments whose value is a long mix of letters and digits.
#   Values that references make unknown (variables without a value, secret managers) are never
#   reported. Unlike the other secret rules, the message does not quote the value at all.
# why: >-
#   User data is not secret: anyone allowed `ec2:DescribeInstanceAttribute` (or the launch
#   template) reads it, every process on the instance can fetch it from the instance metadata
#   service, and it stays in version control and in the Terraform state.
# fix: >-
#   Keep the secret in Secrets Manager or SSM Parameter Store and let the boot script fetch it
#   with the instance role (`aws secretsmanager get-secret-value`), then rotate the credential.
# references:
#   - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
#   - https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets.html
# control: "seed 003 §1.3 Secret management: secrets are stored and encrypted by Vault and injected into the services, never written into the deployment"
# controls: ["secret management", "literal secret", "hardcoded credentials", "user data"]
# mirrors: ["checkov:CKV_AWS_46"]
package stridegate.rules.tf_0051

import data.stridegate.lib.secrets
import rego.v1

base64_text := `^[A-Za-z0-9+/]+={0,2}$`

# The text a user data argument carries: itself, or decoded when it is base64 (launch templates
# take base64; `user_data_base64` is base64 by definition).
texts(v) := [v] if not regex.match(base64_text, v)

texts(v) := [v, decoded] if {
	regex.match(base64_text, v)
	count(v) % 4 == 0
	count(v) <= 1048576
	decoded := base64.decode(v)
	is_string(decoded)
} else := [v]

deny contains {"msg": msg, "path": [arg]} if {
	some arg in ["user_data", "user_data_base64"]
	v := input[arg]
	is_string(v)
	kinds := {kind |
		some t in texts(v)
		secrets.may_hold_credential(t)
		kind := secrets.credential_kind(t)
	}
	count(kinds) > 0
	kind := sort([k | some k in kinds])[0]
	msg := sprintf("%s %s holds %s", [input["$kind"], arg, kind])
}
