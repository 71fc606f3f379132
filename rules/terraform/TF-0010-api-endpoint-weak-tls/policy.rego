# METADATA
# id: TF-0010
# name: api-endpoint-weak-tls
# title: API Gateway domain or OpenSearch endpoint accepts TLS 1.0 or plain HTTP
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: [aws_api_gateway_domain_name, aws_opensearch_domain, aws_elasticsearch_domain]
# what: >-
#   Finds API Gateway custom domain names with `security_policy = "TLS_1_0"`, and OpenSearch or
#   Elasticsearch domains whose `domain_endpoint_options` set `enforce_https = false` or
#   `tls_security_policy = "Policy-Min-TLS-1-0-2019-07"`. Only explicit values are reported:
#   when these settings are omitted the outcome depends on the AWS API's current default, which
#   the configuration does not show.
# why: >-
#   TLS 1.0 is deprecated (RFC 8996) and lets an active attacker negotiate old clients onto weak
#   constructions; an OpenSearch endpoint that accepts HTTP sends queries, documents and
#   credentials in clear text.
# fix: >-
#   Set `security_policy = "TLS_1_2"` on API Gateway domain names; set `enforce_https = true` and
#   `tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"` (or Policy-Min-TLS-1-2-2019-07) on
#   OpenSearch domains.
# references:
#   - https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_domain_name
#   - https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/opensearch_domain
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3: older versions are not supported, because they are not considered secure enough anymore"
# controls: ["tls", "https", "secure communication"]
package stridegate.rules.tf_0010

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": msg, "path": ["security_policy"]} if {
	input.security_policy == "TLS_1_0"
	msg := "API Gateway domain name uses security policy \"TLS_1_0\", which admits TLS 1.0"
}

deny contains {"msg": msg, "path": ["domain_endpoint_options", i, "enforce_https"]} if {
	some [i, o] in tf.blocks(input, "domain_endpoint_options")
	o.enforce_https == false
	msg := "search domain accepts plain HTTP (enforce_https = false)"
}

deny contains {"msg": msg, "path": ["domain_endpoint_options", i, "tls_security_policy"]} if {
	some [i, o] in tf.blocks(input, "domain_endpoint_options")
	o.tls_security_policy == "Policy-Min-TLS-1-0-2019-07"
	msg := "search domain uses TLS security policy \"Policy-Min-TLS-1-0-2019-07\", which admits TLS 1.0"
}

# Not violations: the controls above cannot be proven when the value is unknown. Reported apart
# from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["security_policy"]} if {
	v := input.security_policy
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the API Gateway domain name admits TLS 1.0: security_policy is %s", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": ["domain_endpoint_options", i, "enforce_https"]} if {
	some [i, o] in tf.blocks(input, "domain_endpoint_options")
	v := o.enforce_https
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the search domain accepts plain HTTP: enforce_https is %s", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": ["domain_endpoint_options", i, "tls_security_policy"]} if {
	some [i, o] in tf.blocks(input, "domain_endpoint_options")
	v := o.tls_security_policy
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the search domain admits TLS 1.0: tls_security_policy is %s", [v["$unknown"]])
}
