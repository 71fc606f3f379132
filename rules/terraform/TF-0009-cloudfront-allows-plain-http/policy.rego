# METADATA
# id: TF-0009
# name: cloudfront-allows-plain-http
# title: CloudFront distribution serves or fetches content over plain HTTP
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering]
# applies_to:
#   platform: terraform
#   kinds: [aws_cloudfront_distribution]
# what: >-
#   Finds CloudFront distributions whose `default_cache_behavior` or an `ordered_cache_behavior`
#   has `viewer_protocol_policy = "allow-all"` (viewers may use HTTP and are not redirected),
#   and custom origins with `origin_protocol_policy = "http-only"` (CloudFront fetches from the
#   origin over HTTP across the internet). S3 website endpoints (*.s3-website*.amazonaws.com)
#   only speak HTTP and are not reported as origins.
# why: >-
#   Plain HTTP between viewers and CloudFront, or between CloudFront and the origin, can be read
#   and modified in transit: an attacker on the path can steal cookies and tokens or inject
#   content into pages served under the site's name.
# fix: >-
#   Set `viewer_protocol_policy = "redirect-to-https"` (or "https-only") on every cache
#   behaviour, and `origin_protocol_policy = "https-only"` with `origin_ssl_protocols =
#   ["TLSv1.2"]` for custom origins.
# references:
#   - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-viewers-to-cloudfront.html
#   - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-custom-origin.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudfront_distribution
# control: "seed 001 Tampering, man in the middle: only secure communication protocols are accepted by the API server"
# controls: ["https", "secure communication"]
package stridegate.rules.tf_0009

import data.stridegate.lib.terraform as tf
import rego.v1

deny contains {"msg": msg, "path": ["default_cache_behavior", i, "viewer_protocol_policy"]} if {
	some [i, b] in tf.blocks(input, "default_cache_behavior")
	b.viewer_protocol_policy == "allow-all"
	msg := "default cache behaviour lets viewers use plain HTTP (viewer_protocol_policy = \"allow-all\")"
}

deny contains {"msg": msg, "path": ["ordered_cache_behavior", i, "viewer_protocol_policy"]} if {
	some [i, b] in tf.blocks(input, "ordered_cache_behavior")
	b.viewer_protocol_policy == "allow-all"
	msg := sprintf("cache behaviour for %v lets viewers use plain HTTP (viewer_protocol_policy = \"allow-all\")", [b.path_pattern])
}

s3_website(origin) if {
	is_string(origin.domain_name)
	regex.match(`\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(\.cn)?$`, origin.domain_name)
}

deny contains {"msg": msg, "path": ["origin", o, "custom_origin_config", c, "origin_protocol_policy"]} if {
	some [o, origin] in tf.blocks(input, "origin")
	not s3_website(origin)
	some [c, cfg] in tf.blocks(origin, "custom_origin_config")
	cfg.origin_protocol_policy == "http-only"
	msg := sprintf("origin %v is fetched over plain HTTP (origin_protocol_policy = \"http-only\")", [origin.origin_id])
}
