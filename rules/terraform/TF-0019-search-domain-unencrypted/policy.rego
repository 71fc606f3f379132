# METADATA
# id: TF-0019
# name: search-domain-unencrypted
# title: OpenSearch domain does not encrypt data at rest or between nodes
# severity: high
# since: "0.1.0"
# stride: [information-disclosure]
# applies_to:
#   platform: terraform
#   kinds: ["aws_opensearch_domain", "aws_elasticsearch_domain"]
# what: >-
#   Finds OpenSearch and legacy Elasticsearch domains without `encrypt_at_rest { enabled = true }`
#   or without `node_to_node_encryption { enabled = true }`. Both are off when the block is left
#   out, as the provider documents.
# why: >-
#   Search domains usually hold copies of the application's most sensitive data. Without
#   encryption at rest, indices, logs, swap files and automated snapshots are readable from the
#   underlying storage; without node-to-node encryption, shard replication and queries travel
#   between nodes in clear text inside the VPC. Both settings are also prerequisites for
#   fine-grained access control.
# fix: >-
#   Add `encrypt_at_rest { enabled = true }` (optionally with a customer managed `kms_key_id`)
#   and `node_to_node_encryption { enabled = true }`. On older engine versions enabling them
#   replaces the domain, so plan a snapshot and restore.
# references:
#   - https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html
#   - https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/opensearch_domain#encrypt_at_rest
# control: "seed 001 Information disclosure: information is encrypted at rest"
# controls: ["encrypted at rest", "encryption at rest", "encrypted in transit"]
package stridegate.rules.tf_0019

import data.stridegate.lib.terraform as tf
import rego.v1

features := {
	"encrypt_at_rest": "encryption at rest",
	"node_to_node_encryption": "node-to-node encryption",
}

absent(name) if object.get(input, name, null) == null

absent(name) if input[name] == []

deny contains {"msg": msg, "path": [block]} if {
	some block, label in features
	absent(block)
	msg := sprintf("domain has no %s (no %s block, which defaults to off)", [label, block])
}

deny contains {"msg": msg, "path": [block, i, "enabled"]} if {
	some block, label in features
	some [i, b] in tf.blocks(input, block)
	b.enabled == false
	msg := sprintf("%s is turned off (%s.enabled = false)", [label, block])
}

# Not violations: whether the encryption is turned on cannot be proven here. Reported apart from
# findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": [block, i, "enabled"]} if {
	some block, label in features
	some [i, b] in tf.blocks(input, block)
	v := b.enabled
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the domain has %s: %s.enabled is %s", [label, block, v["$unknown"]])
}
