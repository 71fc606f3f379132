# METADATA
# id: TF-0023
# name: state-backend-cleartext-transport
# title: Terraform state is sent to its backend without verified TLS
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: ["backend.s3", "backend.http", "backend.consul", "backend.pg"]
# what: >-
#   Finds backend blocks that move the state over plain HTTP or without checking the server's
#   certificate: an `http` backend whose `address`, `lock_address` or `unlock_address` starts
#   with `http://`, an `s3` backend whose custom endpoint (`endpoint`, `endpoints.s3`,
#   `endpoints.dynamodb`) starts with `http://`, a `consul` backend with `scheme = "http"`
#   towards a host other than the local agent, a `pg` backend whose `conn_str` has
#   `sslmode=disable`, and `skip_cert_verification = true` (http) or `insecure = true` (s3),
#   reported as medium. The `encrypt` argument of the s3 backend is not checked: since January
#   2023 Amazon S3 encrypts every new object (SSE-S3) whether or not the client asks for it.
#   Settings passed with `-backend-config` are not seen.
# why: >-
#   The state holds every managed resource's attributes, including database passwords, keys and
#   tokens. Sent in clear text, anyone on the network path can read it, and can also rewrite it
#   in flight so that the next apply creates or changes resources of the attacker's choosing.
#   Without certificate verification the same holds for anyone who can intercept the
#   connection.
# fix: >-
#   Use `https://` endpoints with a certificate the client trusts (add the CA to the trust
#   store rather than disabling verification), `scheme = "https"` for Consul and
#   `sslmode=verify-full` for PostgreSQL.
# references:
#   - https://developer.hashicorp.com/terraform/language/backend/http
#   - https://developer.hashicorp.com/terraform/language/backend/s3
#   - https://developer.hashicorp.com/terraform/language/backend/consul
#   - https://developer.hashicorp.com/terraform/language/backend/pg
#   - https://aws.amazon.com/blogs/aws/amazon-s3-encrypts-new-objects-by-default/
# control: "seed 004 Internal threats: sensitive information can show up in the state"
# controls: ["terraform state in transit"]
package stridegate.rules.tf_0023

import data.stridegate.lib.terraform as tf
import rego.v1

plain_http(v) if {
	is_string(v)
	startswith(lower(v), "http://")
}

# http backend URLs, and the s3 backend's legacy single endpoint arguments.
url_arguments := {"address", "lock_address", "unlock_address", "endpoint", "dynamodb_endpoint"}

deny contains {"msg": msg, "path": [name]} if {
	some name in url_arguments
	plain_http(input[name])
	msg := sprintf("state backend %s %q uses plain HTTP", [name, input[name]])
}

# s3 backend: endpoints { s3 = "...", dynamodb = "..." }
deny contains {"msg": msg, "path": ["endpoints", i, service]} if {
	some [i, endpoints] in tf.blocks(input, "endpoints")
	some service in ["s3", "dynamodb", "sts", "iam"]
	plain_http(endpoints[service])
	msg := sprintf("state backend %s endpoint %q uses plain HTTP", [service, endpoints[service]])
}

# consul backend.
local_agent(address) if {
	is_string(address)
	some prefix in ["localhost", "127.0.0.1", "[::1]"]
	startswith(lower(address), prefix)
}

deny contains {"msg": msg, "path": ["scheme"]} if {
	input.scheme == "http"
	address := input.address
	is_string(address)
	not local_agent(address)
	msg := sprintf("Consul state backend talks to %q over plain HTTP (scheme = \"http\")", [address])
}

# pg backend.
deny contains {"msg": "PostgreSQL state backend turns TLS off (sslmode=disable in conn_str)", "path": ["conn_str"]} if {
	conn := input.conn_str
	is_string(conn)
	regex.match(`(?i)sslmode\s*=\s*disable`, conn)
}

# Certificate verification off.
insecure_flags := {"skip_cert_verification", "insecure"}

deny contains {"msg": msg, "path": [name], "severity": "medium"} if {
	some name in insecure_flags
	input[name] == true
	msg := sprintf("state backend does not verify the server certificate (%s = true)", [name])
}
