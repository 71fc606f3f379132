# METADATA
# id: TF-0008
# name: cloudfront-weak-tls
# title: CloudFront distribution accepts TLS older than 1.2 or weak TLS 1.2 ciphers
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: [aws_cloudfront_distribution]
# what: >-
#   Finds CloudFront distributions whose viewer security policy admits old protocols or ciphers,
#   and custom origins reached with old protocols. With a custom certificate
#   (`acm_certificate_arn` or `iam_certificate_id`), `viewer_certificate.minimum_protocol_version`
#   SSLv3, TLSv1, TLSv1_2016 or TLSv1.1_2016 is high, and so is leaving it unset (the provider
#   default is TLSv1); TLSv1.2_2018 and TLSv1.2_2019 are medium, since they still offer CBC
#   cipher suites that TLSv1.2_2021 drops. With `cloudfront_default_certificate = true`
#   CloudFront always uses the TLSv1 policy for the *.cloudfront.net name (medium). A
#   `custom_origin_config` whose `origin_ssl_protocols` include SSLv3, TLSv1 or TLSv1.1 is
#   medium, unless the origin is only reached over plain HTTP (that is TF-0009's concern).
# why: >-
#   TLS 1.0 and 1.1 are deprecated (RFC 8996) and CBC-mode suites have a history of padding
#   oracle attacks; a distribution that still offers them lets an active attacker negotiate
#   clients down. Allowing SSLv3 or TLS 1.0 towards the origin lets the same happen on the
#   CloudFront-to-origin leg.
# fix: >-
#   Use a custom certificate with `minimum_protocol_version = "TLSv1.2_2021"` (or newer) and
#   `ssl_support_method = "sni-only"`, and set `origin_ssl_protocols = ["TLSv1.2"]`.
# references:
#   - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudfront_distribution
#   - https://www.rfc-editor.org/rfc/rfc8996
# control: "seed 003 §2.5 Only TLS v1.2 and v1.3, and specific cipher suites (ECDHE with AES-GCM or CHACHA20-POLY1305)"
# controls: ["tls", "cipher", "ciphers", "secure communication"]
package stridegate.rules.tf_0008

import data.stridegate.lib.terraform as tf
import rego.v1

# Viewer security policies that admit protocols older than TLS 1.2.
# Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
legacy_viewer_policies := {
	"SSLv3": "SSLv3",
	"TLSv1": "TLS 1.0",
	"TLSv1_2016": "TLS 1.0",
	"TLSv1.1_2016": "TLS 1.1",
}

# TLS 1.2 policies that still offer CBC cipher suites (dropped in TLSv1.2_2021).
cbc_viewer_policies := {"TLSv1.2_2018", "TLSv1.2_2019"}

# Provider default for minimum_protocol_version (registry docs, viewer_certificate).
default_viewer_policy := "TLSv1"

legacy_origin_protocols := {"SSLv3", "TLSv1", "TLSv1.1"}

# A custom certificate is configured (its ARN is usually another resource's attribute, so its
# value is often unknown; that it is set is what matters).
custom_certificate(vc) if {
	some attr in ["acm_certificate_arn", "iam_certificate_id"]
	vc[attr] != null
	vc[attr] != ""
}

deny contains {"msg": msg, "path": ["viewer_certificate", i, "minimum_protocol_version"]} if {
	some [i, vc] in tf.blocks(input, "viewer_certificate")
	custom_certificate(vc)
	v := vc.minimum_protocol_version
	is_string(v)
	proto := legacy_viewer_policies[v]
	msg := sprintf("distribution's minimum_protocol_version %q admits %s", [v, proto])
}

deny contains {"msg": msg, "path": ["viewer_certificate", i, "minimum_protocol_version"]} if {
	some [i, vc] in tf.blocks(input, "viewer_certificate")
	custom_certificate(vc)
	not vc.minimum_protocol_version
	msg := sprintf("distribution sets no minimum_protocol_version, so it defaults to %q, which admits TLS 1.0", [default_viewer_policy])
}

deny contains {"msg": msg, "path": ["viewer_certificate", i, "minimum_protocol_version"], "severity": "medium"} if {
	some [i, vc] in tf.blocks(input, "viewer_certificate")
	custom_certificate(vc)
	v := vc.minimum_protocol_version
	cbc_viewer_policies[v]
	msg := sprintf("distribution's minimum_protocol_version %q still offers CBC cipher suites; TLSv1.2_2021 offers only AEAD suites", [v])
}

deny contains {"msg": msg, "path": ["viewer_certificate", i, "cloudfront_default_certificate"], "severity": "medium"} if {
	some [i, vc] in tf.blocks(input, "viewer_certificate")
	vc.cloudfront_default_certificate == true
	msg := "distribution uses the default CloudFront certificate, whose security policy is always TLSv1 (admits TLS 1.0)"
}

deny contains {"msg": msg, "path": ["origin", o, "custom_origin_config", c, "origin_ssl_protocols", j], "severity": "medium"} if {
	some [o, origin] in tf.blocks(input, "origin")
	some [c, cfg] in tf.blocks(origin, "custom_origin_config")
	not cfg.origin_protocol_policy == "http-only"
	protocols := cfg.origin_ssl_protocols
	is_array(protocols)
	some j, p in protocols
	legacy_origin_protocols[p]
	msg := sprintf("origin %v allows %s towards the origin", [origin.origin_id, p])
}
