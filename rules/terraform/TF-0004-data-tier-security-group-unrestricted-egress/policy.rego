# METADATA
# id: TF-0004
# name: data-tier-security-group-unrestricted-egress
# title: Data-tier security group allows egress to the internet
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, lateral-movement]
# applies_to:
#   platform: terraform
#   kinds: [aws_security_group, aws_vpc_security_group_egress_rule]
# what: >-
#   Finds AWS security groups that belong to the data tier and allow egress to 0.0.0.0/0 or
#   ::/0. A security group is taken as data tier when a word of its `name`, `name_prefix`,
#   `description`, or `Name`, `Tier` or `Role` tag is one of db, database, rds, aurora, postgres,
#   postgresql, pg, mysql, mariadb, redis, valkey, memcached, cache, elasticache, docdb, mongo,
#   mongodb or data, or one of those followed by "s" (whole words: "dashboard" or "metadata" do
#   not match; the list is `data-tier-words` in the `[settings]` of stridegate.toml). Inline `egress`
#   blocks and `aws_vpc_security_group_egress_rule` resources tagged the same way are checked.
#   Terraform removes the default allow-all egress rule of a security group it creates, so a
#   group without `egress` blocks is not reported.
# why: >-
#   Databases and caches answer connections; they do not need to open any. Egress to the
#   internet lets an attacker who gains code execution on a data node (through a SQL injection
#   escalated to the host, or an exploited extension) download tooling and exfiltrate the data
#   directly.
# fix: >-
#   Remove the egress rule or limit it to the destinations the service really needs (VPC CIDRs
#   for replication, VPC endpoint prefix lists for backups to S3).
# references:
#   - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
# control: "seed 004 External threats: services such as a database or cache do not need egress networking"
# controls: ["egress", "internet egress"]
package stridegate.rules.tf_0004

import data.stridegate.lib.terraform as tf
import rego.v1

# Words that mark a security group as protecting a data store: `[settings] data-tier-words`
# (a word also matches followed by `s`, as in src/config/settings.rs `is_data_tier`).
data_words := {lower(w) | some w in data.stridegate.settings.data_tier_words; is_string(w)}

data_word(w) if data_words[w]

data_word(w) if {
	endswith(w, "s")
	data_words[trim_suffix(w, "s")]
}

words(s) := {w | some w in regex.split(`[^a-z0-9]+`, lower(s)); w != ""}

# Where a security group's role can be read, most telling first.
label_sources := [
	["name", ["name"]],
	["name_prefix", ["name_prefix"]],
	["tag Name", ["tags", "Name"]],
	["tag Tier", ["tags", "Tier"]],
	["tag Role", ["tags", "Role"]],
	["tag tier", ["tags", "tier"]],
	["tag role", ["tags", "role"]],
	["description", ["description"]],
]

data_labels := [[label, v] |
	some [label, ref] in label_sources
	v := object.get(input, ref, null)
	is_string(v)
	count({w | some w in words(v); data_word(w)}) > 0
]

data_tier := data_labels[0] if count(data_labels) > 0

anywhere_sources(rule) := {[attr, c, j] |
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	cidrs := rule[attr]
	is_array(cidrs)
	some j, c in cidrs
	tf.anywhere[c]
}

deny contains {"msg": msg, "path": ["egress", i, src[0], src[2]]} if {
	dt := data_tier
	some [i, rule] in tf.blocks(input, "egress")
	some src in anywhere_sources(rule)
	msg := sprintf("data-tier security group (%s %q) allows egress to %s", [dt[0], dt[1], src[1]])
}

deny contains {"msg": msg, "path": [attr]} if {
	dt := data_tier
	some attr in ["cidr_ipv4", "cidr_ipv6"]
	c := input[attr]
	tf.anywhere[c]
	msg := sprintf("egress rule of a data-tier security group (%s %q) allows %s", [dt[0], dt[1], c])
}
